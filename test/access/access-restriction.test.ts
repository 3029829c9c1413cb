/** The shapes particular to each access restriction, and restrictions combined (AccessRestriction.anyOf, or applied separately). */
import { Mixins, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AccessRestriction, AdminOnlyChanges, RoleMatch, RoleOnly, SecureBucket, SourceIpOnly, VpcEndpointOnly } from '../../src';
import {
  ADMIN_ARN, allowedRole, CFN_EXEC_ROLE, ENDPOINT_ID, NO_EXEMPTIONS, onlyRestriction, pinnedRole, policyJson, restrictionStatements, ROOT_ARN,
  SLR_ARN, VPC_ID,
} from '../helpers/restrictions';
import { ACCOUNT, ENV, newStack } from '../helpers/stacks';
import { bucketArn, logicalId, objectsArn, policyStatements, warningIds, warnings } from '../helpers/templates';

const ENDPOINT_AND_IP_ANDED = 'cdk-secure-bucket:AccessRestriction.endpointAndSourceIpAnded';

// ---------------------------------------------------------------------------
// Specific shapes
// ---------------------------------------------------------------------------

describe('VpcEndpointOnly', () => {
  test('renders only the endpoint condition when only endpoint ids are given', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID, 'vpce-0123456789abcdef0'] }));

    const condition = onlyRestriction(stack, bucket).Condition;
    expect(condition.StringNotEquals).toEqual({ 'aws:SourceVpce': [ENDPOINT_ID, 'vpce-0123456789abcdef0'] });
  });

  test('renders only the VPC condition when only VPC ids are given', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new VpcEndpointOnly({ vpcIds: [VPC_ID] }));

    expect(onlyRestriction(stack, bucket).Condition.StringNotEquals).toEqual({ 'aws:SourceVpc': [VPC_ID] });
  });
});

describe('RoleOnly', () => {
  test('matches role ARNs with aws:PrincipalArn by default, next to the exemptions', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');
    const created = allowedRole(stack);
    const imported = iam.Role.fromRoleArn(stack, 'Imported', `arn:aws:iam::${ACCOUNT}:role/Imported`);

    bucket.with(new RoleOnly({ roles: [created, imported], matchBy: RoleMatch.PRINCIPAL_ARN }));

    const condition = onlyRestriction(stack, bucket).Condition;
    expect(condition).toEqual({
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      ArnNotLike: {
        'aws:PrincipalArn': [
          { 'Fn::GetAtt': [logicalId(created), 'Arn'] }, `arn:aws:iam::${ACCOUNT}:role/Imported`, ROOT_ARN, ...SLR_ARN, CFN_EXEC_ROLE,
        ],
      },
    });
  });

  test('matches aws:userId ROLEID:* with RoleMatch.userId()', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');
    const created = allowedRole(stack);
    const importedArn = `arn:aws:iam::${ACCOUNT}:role/Imported`;
    const imported = iam.Role.fromRoleArn(stack, 'Imported', importedArn);

    bucket.with(new RoleOnly({
      roles: [created, imported],
      matchBy: RoleMatch.userId({ importedRoleIds: { [importedArn]: 'AROAABCDEFGHIJKLMNOP' } }),
    }));

    const condition = onlyRestriction(stack, bucket).Condition;
    expect(condition.StringNotLike).toEqual({
      'aws:userId': [
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(created), 'RoleId'] }, ':*']] },
        'AROAABCDEFGHIJKLMNOP:*',
      ],
    });
    // The roles are matched by id only; the exemptions keep their ARNs.
    expect(condition.ArnNotLike).toEqual({ 'aws:PrincipalArn': [ROOT_ARN, ...SLR_ARN, CFN_EXEC_ROLE] });
  });
});

describe('AdminOnlyChanges', () => {
  test('denies the administration actions on the bucket and its objects to everyone but the administrators', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN, 'PlatformAdmin'] }));

    const statement = onlyRestriction(stack, bucket);
    // Patterns of the actions of the classes changes-access, changes-configuration and bypasses-protection (test/private/s3-actions.test.ts
    // proves every S3 action of AWS's data against them).
    expect(statement.Action).toEqual([
      's3:BypassGovernanceRetention', 's3:CreateBucket*', 's3:DeleteBucket*', 's3:PauseReplication', 's3:Put*Configuration', 's3:PutBucket*',
      's3:PutObjectLegalHold', 's3:PutObjectRetention', 's3:TagResource', 's3:UntagResource', 's3:UpdateBucketMetadata*TableConfiguration',
    ]);
    expect(statement.Resource).toEqual([bucketArn(bucket), objectsArn(bucket)]);
    expect(statement.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([ADMIN_ARN, pinnedRole('PlatformAdmin'), ROOT_ARN, CFN_EXEC_ROLE]);
  });

  test('denies object ACLs on bucket/* to everyone, unless the ACL only gives the bucket owner full control', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN] }));

    const denies = policyStatements(Template.fromStack(stack), bucket).filter(s => s.Sid?.startsWith('DenyToEveryone'));
    expect(denies).toEqual([{
      Sid: expect.stringMatching(/^DenyToEveryone/),
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject*Acl',
      Resource: objectsArn(bucket),
      Condition: { StringNotEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
    }]);
  });

  test('adds the object-ACL Deny once, however many AdminOnlyChanges are applied', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN] }));
    bucket.with(new AdminOnlyChanges({ administratorArns: ['OtherAdmin'] }));

    const statements = policyStatements(Template.fromStack(stack), bucket);
    expect(statements.filter(s => s.Sid?.startsWith('DenyToEveryone'))).toHaveLength(1);
    expect(statements.filter(s => s.Sid?.startsWith('RestrictAdminOnlyChanges'))).toHaveLength(2);
  });

  test('never exempts services acting for a caller (not a network restriction)', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN], exemptServicesActingForCaller: true }));

    expect(policyJson(stack, bucket)).not.toContain('aws:ViaAWSService');
  });
});

// ---------------------------------------------------------------------------
// Composition and warnings
// ---------------------------------------------------------------------------

describe('AccessRestriction', () => {
  test('anyOf renders one statement holding the negated conditions of every member', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');
    const role = allowedRole(stack);

    bucket.with(AccessRestriction.anyOf(
      new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }),
      new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8::/32'] }),
      new RoleOnly({ roles: [role] }),
    ));

    const statement = onlyRestriction(stack, bucket);
    expect(statement).toEqual({
      Sid: 'RestrictAnyOfVpcEndpointOnlyOrSourceIpOnlyOrRoleOnly1',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: [bucketArn(bucket), objectsArn(bucket)],
      Condition: {
        StringNotEquals: { 'aws:SourceVpce': [ENDPOINT_ID] },
        NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' },
        ArnNotLike: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(role), 'Arn'] }, ROOT_ARN, ...SLR_ARN, CFN_EXEC_ROLE] },
      },
    });
  });

  test('anyOf merges the values of members that use the same condition key', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(AccessRestriction.anyOf(
      new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }),
      new VpcEndpointOnly({ vpcEndpointIds: ['vpce-0123456789abcdef0', ENDPOINT_ID], vpcIds: [VPC_ID] }),
    ));

    expect(onlyRestriction(stack, bucket).Condition.StringNotEquals).toEqual({
      'aws:SourceVpce': [ENDPOINT_ID, 'vpce-0123456789abcdef0'],
      'aws:SourceVpc': [VPC_ID],
    });
  });

  test('anyOf keeps the break-glass principals of every member and drops an exemption any member switches off', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(AccessRestriction.anyOf(
      new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID], exemptPrincipalArns: ['BreakGlassA'], exemptAccountRoot: false }),
      new SourceIpOnly({ cidrs: ['203.0.113.0/24'], exemptPrincipalArns: ['BreakGlassB'], exemptAwsServices: false }),
    ));

    const condition = onlyRestriction(stack, bucket).Condition;
    expect(condition.BoolIfExists).toEqual({ 'aws:ViaAWSService': 'false' });
    expect(condition.ArnNotLike['aws:PrincipalArn']).toEqual([pinnedRole('BreakGlassA'), pinnedRole('BreakGlassB'), CFN_EXEC_ROLE]);
  });

  test('restrictions applied separately are separate statements (AND)', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    const role = allowedRole(stack);

    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }), new RoleOnly({ roles: [role] }));
    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN] }));

    const statements = restrictionStatements(Template.fromStack(stack), bucket);
    expect(statements.map(s => s.Sid)).toEqual(['RestrictVpcEndpointOnly1', 'RestrictRoleOnly2', 'RestrictAdminOnlyChanges3']);
    // Each statement holds its own condition only.
    expect(JSON.stringify(statements[0])).not.toContain(logicalId(role));
    expect(JSON.stringify(statements[1])).not.toContain('aws:SourceVpce');
    expect(JSON.stringify(statements[2])).not.toContain('aws:SourceVpce');
    expect(JSON.stringify(statements[2])).not.toContain(logicalId(role));
  });

  test('VpcEndpointOnly and SourceIpOnly applied separately warn that they are ANDed, naming AccessRestriction.anyOf', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }));
    bucket.with(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));

    const found = warnings(stack).filter(w => w.id === ENDPOINT_AND_IP_ANDED);
    expect(found).toHaveLength(1);
    expect(found[0].path).toEqual('/Stack/Data');
    expect(found[0].message).toContain('AccessRestriction.anyOf');
    Annotations.fromStack(stack).hasWarning('/Stack/Data', Match.stringLikeRegexp('aws:SourceIp is absent on requests that arrive through a VPC endpoint'));
  });

  test('the ANDed-network warning is raised once, whatever the order and number of restrictions', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));
    bucket.with(new VpcEndpointOnly({ vpcIds: [VPC_ID] }));
    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }));

    expect(warningIds(stack).filter(id => id === ENDPOINT_AND_IP_ANDED)).toHaveLength(1);
  });

  test('an anyOf with an endpoint alternative and a separate SourceIpOnly warn too: the endpoint alternative can never pass', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });

    bucket.with(AccessRestriction.anyOf(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }), new RoleOnly({ roles: [role] })));
    bucket.with(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));

    expect(warningIds(stack).filter(id => id === ENDPOINT_AND_IP_ANDED)).toHaveLength(1);
  });

  test('an anyOf of SourceIpOnly and RoleOnly next to VpcEndpointOnly raises no warning (the role passes through the endpoint)', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });

    bucket.with(AccessRestriction.anyOf(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }), new RoleOnly({ roles: [role] })));
    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }));

    expect(warningIds(stack)).not.toContain(ENDPOINT_AND_IP_ANDED);
  });

  test('anyOf of VpcEndpointOnly and SourceIpOnly raises no warning', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(AccessRestriction.anyOf(
      new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }),
      new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }),
    ));

    expect(warningIds(stack)).toEqual([]);
  });

  test('the ANDed-network warning can be acknowledged on the bucket (before or after it is raised)', () => {
    const reason = 'Only the log shipper from the office uses this bucket; endpoint traffic is meant to be denied.';
    for (const acknowledgeFirst of [true, false]) {
      const stack = newStack({ env: ENV });
      const bucket = new s3.Bucket(stack, 'Data');
      const acknowledge = () => Validations.of(bucket).acknowledge({ id: ENDPOINT_AND_IP_ANDED, reason });

      if (acknowledgeFirst) { acknowledge(); }
      bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }), new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));
      if (!acknowledgeFirst) { acknowledge(); }

      expect(warningIds(stack)).not.toContain(ENDPOINT_AND_IP_ANDED);
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('VPC-endpoint restriction and a source-IP restriction'));
      // The acknowledgement and its reason are recorded on the bucket.
      expect(bucket.node.metadata.filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map(m => m.data))
        .toContainEqual({ [`Annotation::${ENDPOINT_AND_IP_ANDED}`]: reason });
    }
  });

  test('acknowledging the warning on one bucket leaves it on another', () => {
    const stack = newStack({ env: ENV });
    const acknowledged = new s3.Bucket(stack, 'Acknowledged');
    const other = new s3.Bucket(stack, 'Other');
    Validations.of(acknowledged).acknowledge({ id: ENDPOINT_AND_IP_ANDED, reason: 'intended' });

    Mixins.of(stack).apply(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }), new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));

    expect(warnings(stack).filter(w => w.id === ENDPOINT_AND_IP_ANDED).map(w => w.path)).toEqual([`/${other.node.path}`]);
  });

  test('no NotPrincipal anywhere in a template with every restriction, composed and separate', () => {
    const stack = newStack({ env: ENV });
    const role = allowedRole(stack);
    const secure = new SecureBucket(stack, 'Secure', {
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      accessRestrictions: [
        AccessRestriction.anyOf(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }), new SourceIpOnly({ cidrs: ['203.0.113.0/24'] })),
        new RoleOnly({ roles: [role], matchBy: RoleMatch.userId() }),
        new AdminOnlyChanges({ administratorArns: [ADMIN_ARN] }),
      ],
    });
    secure.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));
    const plain = new s3.Bucket(stack, 'Plain');
    plain.with(new VpcEndpointOnly({ vpcIds: [VPC_ID], ...NO_EXEMPTIONS }), new SourceIpOnly({ cidrs: ['2001:db8::/32'] }));

    const template = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(template).toContain('RestrictAnyOfVpcEndpointOnlyOrSourceIpOnly1');
    expect(template).not.toContain('NotPrincipal');
  });

  test('isAccessRestriction recognises restrictions only', () => {
    expect(AccessRestriction.isAccessRestriction(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }))).toBe(true);
    expect(AccessRestriction.isAccessRestriction({})).toBe(false);
    expect(AccessRestriction.isAccessRestriction(undefined)).toBe(false);
  });
});
