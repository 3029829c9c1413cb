/** SB-IAM-1: identity policies that grant bucket administration. */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { COMPLIANCE_APP, verdictOf } from '../../helpers/compliance';
import { Build, l2Identity, param } from '../../helpers/compliant-buckets';
import { ACCOUNT, ENV, newStack, OTHER_ACCOUNT } from '../../helpers/stacks';

describe('SB-IAM-1', () => {
  const verdict = (build: Build, administratorArns: string[] = []) => verdictOf(build(newStack({ app: COMPLIANCE_APP })), 'SB-IAM-1', { administratorArns });

  describe('an explicit Deny in the same policy', () => {
    const withDeny = (deny: Record<string, unknown>): Build => stack => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), roleName: 'app' });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      role.addToPolicy(iam.PolicyStatement.fromJson({ Effect: 'Deny', ...deny }));
      return role.node.findChild('DefaultPolicy');
    };
    const every = ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl', 's3:PutObjectAcl', 's3:PutObjectVersionAcl',
      's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutAccountPublicAccessBlock'];

    test('of every administration action on every bucket takes them away: passes', () => {
      expect(verdict(withDeny({ Action: ['s3:PutBucket*', 's3:DeleteBucketPolicy', 's3:PutObject*Acl', 's3:PutAccountPublicAccessBlock'], Resource: '*' })))
        .toMatchObject({ status: 'pass' });
    });

    test.each([
      ['with a condition', { Action: every, Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }],
      ['on one bucket only', { Action: every, Resource: 'arn:aws:s3:::one-bucket' }],
      ['of some of the actions', { Action: ['s3:PutBucketPolicy'], Resource: '*' }],
    ])('%s still fails', (_, deny) => {
      expect(verdict(withDeny(deny))).toMatchObject({ status: 'fail' });
    });
  });

  test.each([
    ['s3:Put*', ['s3:Put*']],
    ['s3:*', ['s3:*']],
    ['*', ['*']],
    ['a wildcard in the middle', ['s3:Put*Policy']],
    ['another case', ['S3:PUTBUCKETPOLICY']],
    ['s3:PutObjectAcl', ['s3:PutObjectAcl']],
    ['s3:PutBucketPublicAccessBlock', ['s3:PutBucketPublicAccessBlock']],
  ])('fails %s', (_, actions) => {
    expect(verdict(l2Identity(actions))).toMatchObject({ status: 'fail' });
  });

  test.each([
    ['object actions', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']],
    ['other services', ['sqs:*', 'kms:*']],
    ['bucket reads', ['s3:GetBucket*', 's3:List*']],
  ])('passes %s', (_, actions) => {
    expect(verdict(l2Identity(actions))).toMatchObject({ status: 'pass' });
  });

  test('fails NotAction that leaves bucket administration in, passes NotAction that takes S3 out', () => {
    const notAction = (notActions: string[]): Build => stack => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app' });
      role.addToPolicy(new iam.PolicyStatement({ notActions, resources: ['*'] }));
      return role.node.findChild('DefaultPolicy');
    };
    expect(verdict(notAction(['s3:GetObject']))).toMatchObject({ status: 'fail' });
    expect(verdict(notAction(['s3:*']))).toMatchObject({ status: 'pass' });
  });

  test('passes "*" on resources of another service only', () => {
    const build: Build = stack => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app' });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['*'], resources: [`arn:aws:sqs:us-east-1:${ACCOUNT}:queue`] }));
      return role.node.findChild('DefaultPolicy');
    };
    expect(verdict(build)).toMatchObject({ status: 'pass' });
  });

  describe('administrators allow-list', () => {
    const adminRole = (roleName: string | undefined, path?: string, env?: { account: string; region: string }): Build => s => {
      const stack = env ? new Stack(s.node.root, 'Env', { env }) : s;
      const role = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal(), roleName, path });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      return role.node.findChild('DefaultPolicy');
    };
    const env = { account: ACCOUNT, region: 'us-east-1' };
    const sso = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*`;

    test('passes a role listed by name, or by a name pattern', () => {
      expect(verdict(adminRole('Admin'), ['Admin'])).toMatchObject({ status: 'pass' });
      expect(verdict(adminRole('AdminTeam'), ['Admin*'])).toMatchObject({ status: 'pass' });
      expect(verdict(adminRole('Admin', '/teams/'), ['Admin'])).toMatchObject({ status: 'pass' });
    });

    test('fails a role that is not listed', () => {
      expect(verdict(adminRole('Developer'), ['Admin'])).toMatchObject({ status: 'fail', detail: expect.stringMatching(/role\/Developer/) });
    });

    test('passes a role matched by an ARN with wildcards in its account, fails it in another account', () => {
      const role = adminRole('AWSReservedSSO_Admin_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/', env);
      expect(verdict(role, [sso])).toMatchObject({ status: 'pass' });
      const elsewhere = adminRole('AWSReservedSSO_Admin_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/', { account: OTHER_ACCOUNT, region: 'us-east-1' });
      expect(verdict(elsewhere, [sso])).toMatchObject({ status: 'fail' });
      expect(verdict(role, ['arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*'])).toMatchObject({ status: 'pass' });
    });

    test('cannot verify an ARN pinned to an account when the stack\'s account is not known', () => {
      const role = adminRole('AWSReservedSSO_Admin_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/');
      expect(verdict(role, [sso])).toMatchObject({ status: 'cannot-verify' });
    });

    test('a role name entry does not match a user of that name', () => {
      const build: Build = stack => {
        const user = new iam.User(stack, 'Admin', { userName: 'Admin' });
        user.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
        return user.node.findChild('DefaultPolicy');
      };
      expect(verdict(build, ['Admin'])).toMatchObject({ status: 'fail', detail: expect.stringMatching(/user\/Admin/) });
      expect(verdict(build, ['arn:aws:iam::*:user/Admin'])).toMatchObject({ status: 'pass' });
    });

    test('roles with names generated by CloudFormation: fail against literal names, cannot verify against name patterns, pass "*"', () => {
      expect(verdict(adminRole(undefined), [])).toMatchObject({ status: 'fail', detail: expect.stringMatching(/role Stack\/Admin/) });
      expect(verdict(adminRole(undefined), ['Admin'])).toMatchObject({ status: 'fail' });
      expect(verdict(adminRole(undefined), ['Stack-Admin*'])).toMatchObject({
        status: 'cannot-verify', detail: expect.stringMatching(/name CloudFormation generates.*roleName/),
      });
      expect(verdict(adminRole(undefined), ['*'])).toMatchObject({ status: 'pass' });
    });
  });

  describe('where the permissions are granted', () => {
    test('inline policies of a role, a user and a group', () => {
      const document = new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:PutBucketPolicy'], resources: ['*'] })] });
      const stack = newStack({ app: COMPLIANCE_APP });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), inlinePolicies: { admin: document } });
      const user = new iam.CfnUser(stack, 'User', { userName: 'alice', policies: [{ policyName: 'admin', policyDocument: document }] });
      const group = new iam.CfnGroup(stack, 'Group', { groupName: 'ops', policies: [{ policyName: 'admin', policyDocument: document }] });
      expect(verdictOf(role, 'SB-IAM-1')).toMatchObject({ status: 'fail', subject: 'Stack/Role/Resource' });
      expect(verdictOf(user, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/user\/alice/) });
      expect(verdictOf(group, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/group\/ops/) });
      expect(verdictOf(user, 'SB-IAM-1', { administratorArns: ['arn:aws:iam::*:user/alice'] })).toMatchObject({ status: 'pass' });
    });

    test('an iam.Policy attached to a group, and to an imported role by name', () => {
      const stack = newStack({ app: COMPLIANCE_APP });
      const statement = new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] });
      const group = new iam.Group(stack, 'Ops', { groupName: 'ops' });
      const policy = new iam.Policy(stack, 'GroupPolicy', { statements: [statement], groups: [group] });
      expect(verdictOf(policy, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/group\/ops/) });
      const imported = new iam.Policy(stack, 'ImportedPolicy', { statements: [statement], roles: [iam.Role.fromRoleName(stack, 'Imported', 'Admin')] });
      expect(verdictOf(imported, 'SB-IAM-1', { administratorArns: ['Admin'] })).toMatchObject({ status: 'pass' });
    });

    test('a customer managed policy: judged on the policy with the roles it is attached to from their side', () => {
      const stack = newStack({ app: COMPLIANCE_APP });
      const managed = new iam.ManagedPolicy(stack, 'Managed', { statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })] });
      expect(verdictOf(managed, 'SB-IAM-1')).toMatchObject({ status: 'cannot-verify', detail: expect.stringMatching(/attached to no role/) });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'Ops' });
      role.addManagedPolicy(managed);
      expect(verdictOf(managed, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/role\/Ops/) });
      expect(verdictOf(managed, 'SB-IAM-1', { administratorArns: ['Ops'] })).toMatchObject({ status: 'pass' });
      // The role itself is not judged again for the managed policy of its stack.
      expect(verdictOf(role, 'SB-IAM-1')).toMatchObject({ status: 'pass' });
    });

    test('AWS managed policies: AdministratorAccess and AmazonS3FullAccess fail, read-only ones pass, imported customer ones cannot be verified', () => {
      const withPolicy = (policy: (s: Stack) => iam.IManagedPolicy): Build => stack => new iam.Role(stack, 'Role', {
        assumedBy: new iam.AccountRootPrincipal(), roleName: 'app', managedPolicies: [policy(stack)],
      });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')))).toMatchObject({ status: 'fail' });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3FullAccess')))).toMatchObject({ status: 'fail' });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('PowerUserAccess')))).toMatchObject({ status: 'fail' });
      // It may set the policy and public access block of the buckets of new trails (aws-cloudtrail-logs*).
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AWSCloudTrail_FullAccess')))).toMatchObject({
        status: 'fail', detail: expect.stringMatching(/s3:PutBucketPolicy/),
      });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3ReadOnlyAccess')))).toMatchObject({ status: 'pass' });
      expect(verdict(withPolicy(s => iam.ManagedPolicy.fromManagedPolicyName(s, 'Team', 'team-policy')))).toMatchObject({
        status: 'cannot-verify', detail: expect.stringMatching(/policy\/team-policy/),
      });
    });

    test('a group on the administrators allow-list may hold bucket administration', () => {
      const stack = newStack({ app: COMPLIANCE_APP, env: ENV });
      const group = new iam.CfnGroup(stack, 'Ops', {
        groupName: 'ops',
        policies: [{ policyName: 'admin', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: '*' }] } }],
      });
      expect(verdictOf(group, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/group\/ops/) });
      expect(verdictOf(group, 'SB-IAM-1', { administratorArns: [`arn:aws:iam::${ACCOUNT}:group/ops`] })).toMatchObject({ status: 'pass' });
    });

    test('cannot verify a policy attached to a role named by a parameter', () => {
      const build: Build = stack => new iam.CfnPolicy(stack, 'Policy', {
        policyName: 'p',
        roles: [param(stack).valueAsString],
        policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: '*' }] },
      });
      expect(verdict(build, ['Admin'])).toMatchObject({ status: 'cannot-verify' });
    });
  });
});
