/** Every access restriction, one table of cases: what it renders, where it applies, and its exemptions. */
import { CliCredentialsStackSynthesizer, DefaultStackSynthesizer, Mixins, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AccessRestriction, AccessRestrictionOptions, AdminOnlyChanges, RoleOnly, SecureBucket, SourceIpOnly, VpcEndpointOnly } from '../../src';
import {
  ADMIN_ARN, allowedRole, CFN_EXEC_ROLE, ENDPOINT_ID, NO_EXEMPTIONS, onlyRestriction, pinnedRole, policyJson, restrictionStatements, ROOT_ARN,
  SLR_ARN, VPC_ID,
} from '../helpers/restrictions';
import { ACCOUNT, ENV, newStack, REGION } from '../helpers/stacks';
import { bucketArn, logicalId, objectsArn, policyStatements, warningIds, warnings } from '../helpers/templates';

const BREAK_GLASS_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AdministratorAccess*`;
const DEPLOYMENT_ROLE_UNKNOWN = 'cdk-secure-bucket:AccessRestriction.deploymentRoleUnknown';

// ---------------------------------------------------------------------------
// The table of restrictions
// ---------------------------------------------------------------------------

interface RestrictionCase {
  /** The class name. */
  readonly name: string;
  readonly make: (stack: Stack, options?: AccessRestrictionOptions) => AccessRestriction;
  /** The restriction's own (negated) condition, as rendered, without the exemptions. */
  readonly condition: (stack: Stack) => Record<string, unknown>;
  /** The actions of the restriction statement. */
  readonly actions: string | string[];
  /** Whether the statement also covers `bucket/*`. */
  readonly onObjects: boolean;
  /** Network restrictions also exempt `aws:ViaAWSService`. */
  readonly network: boolean;
  /** ARNs the condition itself puts into `ArnNotLike aws:PrincipalArn`, before the exemptions. */
  readonly allowedArns: (stack: Stack) => unknown[];
  /** The service-linked roles exempt with the AWS services: only where the statement denies reading the bucket's configuration. */
  readonly serviceRoleArns: unknown[];
}

const CASES: RestrictionCase[] = [
  {
    name: 'VpcEndpointOnly',
    make: (_stack, options = {}) => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID], vpcIds: [VPC_ID], ...options }),
    condition: () => ({ StringNotEquals: { 'aws:SourceVpce': [ENDPOINT_ID], 'aws:SourceVpc': [VPC_ID] } }),
    actions: 's3:*',
    onObjects: true,
    network: true,
    allowedArns: () => [],
    serviceRoleArns: SLR_ARN,
  },
  {
    name: 'SourceIpOnly',
    make: (_stack, options = {}) => new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8::/32'], ...options }),
    condition: () => ({ NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } }),
    actions: 's3:*',
    onObjects: true,
    network: true,
    allowedArns: () => [],
    serviceRoleArns: SLR_ARN,
  },
  {
    name: 'RoleOnly',
    make: (stack, options = {}) => new RoleOnly({ roles: [allowedRole(stack)], ...options }),
    condition: () => ({}),
    actions: 's3:*',
    onObjects: true,
    network: false,
    allowedArns: stack => [{ 'Fn::GetAtt': [logicalId(allowedRole(stack)), 'Arn'] }],
    serviceRoleArns: SLR_ARN,
  },
  {
    name: 'AdminOnlyChanges',
    make: (_stack, options = {}) => new AdminOnlyChanges({ administratorArns: [ADMIN_ARN], ...options }),
    condition: () => ({}),
    actions: AdminOnlyChanges.ADMINISTRATION_ACTIONS,
    onObjects: true,
    network: false,
    allowedArns: () => [ADMIN_ARN],
    serviceRoleArns: [],
  },
];

// ---------------------------------------------------------------------------
// Every restriction
// ---------------------------------------------------------------------------

describe.each(CASES)('$name', (c) => {
  test('renders one Deny for every principal with its condition and the default exemptions', () => {
    // GIVEN
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    // WHEN
    bucket.with(c.make(stack));

    // THEN
    const statement = onlyRestriction(stack, bucket);
    expect(statement).toEqual({
      Sid: `Restrict${c.name}1`,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: c.actions,
      Resource: c.onObjects ? [bucketArn(bucket), objectsArn(bucket)] : bucketArn(bucket),
      Condition: {
        ...c.condition(stack),
        BoolIfExists: c.network
          ? { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' }
          : { 'aws:PrincipalIsAWSService': 'false' },
        ArnNotLike: { 'aws:PrincipalArn': [...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE] },
      },
    });
  });

  test('applies to an L2 s3.Bucket', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack));

    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Sid: `Restrict${c.name}1`, Effect: 'Deny', Principal: { AWS: '*' } })]),
      },
    });
  });

  test('applies to a SecureBucket with .with(), next to its own statements', () => {
    const stack = newStack({ env: ENV });
    const bucket = new SecureBucket(stack, 'Data');

    bucket.with(c.make(stack));

    const statements = policyStatements(Template.fromStack(stack), bucket);
    expect(statements.filter(s => s.Sid === `Restrict${c.name}1`)).toHaveLength(1);
    // The SecureBucket's own statements are still there.
    expect(statements.map(s => s.Sid)).toEqual(expect.arrayContaining(['DenyEncryptionWithoutThisKey', 'DenyKeyIdWithOtherEncryption']));
  });

  test('applies to a SecureBucket through the accessRestrictions prop, like .with()', () => {
    const viaProp = newStack({ env: ENV });
    const propBucket = new SecureBucket(viaProp, 'Data', { accessRestrictions: [c.make(viaProp)] });
    const viaWith = newStack({ env: ENV });
    const withBucket = new SecureBucket(viaWith, 'Data');
    withBucket.with(c.make(viaWith));

    expect(restrictionStatements(Template.fromStack(viaProp), propBucket)).toHaveLength(1);
    expect(policyJson(viaProp, propBucket)).toEqual(policyJson(viaWith, withBucket));
  });

  test('applies through Mixins.of(scope) to every bucket defined in the scope, including the shared AccessLogsBucket', () => {
    // GIVEN
    const stack = newStack({ env: ENV });
    const plain = new s3.Bucket(stack, 'Plain');
    const secure = new SecureBucket(stack, 'Secure');
    const logs = secure.serverAccessLogsBucket;
    s3.Bucket.fromBucketName(stack, 'Imported', 'imported-bucket');
    new kms.Key(stack, 'Key');

    // WHEN
    const applied = Mixins.of(stack).apply(c.make(stack));

    // THEN
    expect(applied.report.map(a => a.construct.node.path).sort()).toEqual([logs.node.path, plain.node.path, secure.node.path].sort());
    const template = Template.fromStack(stack);
    for (const bucket of [plain, secure, logs]) {
      expect(restrictionStatements(template, bucket).map(s => s.Sid)).toEqual([`Restrict${c.name}1`]);
    }
    template.resourceCountIs('AWS::S3::BucketPolicy', 3);
  });

  test('is idempotent: applying it twice yields the same policy as once', () => {
    const once = newStack({ env: ENV });
    const onceBucket = new s3.Bucket(once, 'Data');
    onceBucket.with(c.make(once));

    const twice = newStack({ env: ENV });
    const twiceBucket = new s3.Bucket(twice, 'Data');
    const restriction = c.make(twice);
    twiceBucket.with(restriction);
    twiceBucket.with(restriction);
    // An equal restriction, and the same one through Mixins.of, change nothing either.
    twiceBucket.with(c.make(twice));
    Mixins.of(twice).apply(restriction);

    expect(policyJson(twice, twiceBucket)).toEqual(policyJson(once, onceBucket));
    expect(warningIds(twice)).toEqual(warningIds(once));
  });

  test('is idempotent on a SecureBucket given it in the prop and with .with()', () => {
    const once = newStack({ env: ENV });
    const onceBucket = new SecureBucket(once, 'Data', { accessRestrictions: [c.make(once)] });

    const twice = newStack({ env: ENV });
    const restriction = c.make(twice);
    const twiceBucket = new SecureBucket(twice, 'Data', { accessRestrictions: [restriction, restriction] });
    twiceBucket.with(restriction);

    expect(policyJson(twice, twiceBucket)).toEqual(policyJson(once, onceBucket));
  });

  test('supports s3.Bucket, SecureBucket and AccessLogsBucket', () => {
    const stack = newStack({ env: ENV });
    const restriction = c.make(stack);
    const secure = new SecureBucket(stack, 'Secure');

    expect(restriction.supports(new s3.Bucket(stack, 'Plain'))).toBe(true);
    expect(restriction.supports(secure)).toBe(true);
    expect(restriction.supports(secure.serverAccessLogsBucket)).toBe(true);
  });

  test('does not support constructs that are not buckets of this app', () => {
    const stack = newStack({ env: ENV });
    const restriction = c.make(stack);
    const bucket = new s3.Bucket(stack, 'Plain');

    expect(restriction.supports(stack)).toBe(false);
    expect(restriction.supports(new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }))).toBe(false);
    expect(restriction.supports(new kms.Key(stack, 'Key'))).toBe(false);
    expect(restriction.supports(bucket.node.defaultChild!)).toBe(false);
    expect(restriction.supports(bucket.policy ?? new s3.BucketPolicy(stack, 'Policy', { bucket }))).toBe(false);
    expect(restriction.supports(s3.Bucket.fromBucketName(stack, 'Imported', 'imported-bucket'))).toBe(false);
    expect(restriction.supports(s3.Bucket.fromBucketArn(stack, 'ImportedArn', 'arn:aws:s3:::imported-bucket'))).toBe(false);
  });

  test('fails to apply to a construct that is not a bucket', () => {
    const stack = newStack({ env: ENV });
    const restriction = c.make(stack);
    const imported = s3.Bucket.fromBucketName(stack, 'Imported', 'imported-bucket');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    const cfnBucket = new s3.Bucket(stack, 'Plain').node.defaultChild!;

    expect(() => restriction.applyTo(stack)).toThrow(/\[Stack\] 'construct' is not a bucket defined in this app \(got "Stack"\)\. Apply access restrictions to an s3\.Bucket or a SecureBucket/);
    expect(() => restriction.applyTo(imported)).toThrow(/'construct' is not a bucket defined in this app \(got "Stack\/Imported"\)/);
    expect(() => restriction.applyTo(role)).toThrow(/'construct' is not a bucket defined in this app/);
    expect(() => restriction.applyTo(cfnBucket)).toThrow(/'construct' is not a bucket defined in this app \(got "Stack\/Plain\/Resource"\)/);
  });

  test('exempts break-glass ARNs as given and role names pinned to the bucket\'s account', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptPrincipalArns: [BREAK_GLASS_ARN, 'BreakGlass'] }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual(
      [...c.allowedArns(stack), BREAK_GLASS_ARN, pinnedRole('BreakGlass'), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('pins role names to the account of an environment-agnostic stack', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptPrincipalArns: ['BreakGlass'] }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual(expect.arrayContaining([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/BreakGlass']] },
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}' },
    ]));
  });

  test.each([
    ['exemptAwsServices', 'aws:PrincipalIsAWSService'],
    ['exemptServicesActingForCaller', 'aws:ViaAWSService'],
  ])('%s: false removes the %s exemption', (option, key) => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { [option]: false }));

    const bools = onlyRestriction(stack, bucket).Condition.BoolIfExists ?? {};
    expect(bools).not.toHaveProperty([key]);
    // The other boolean exemption stays as it was.
    const other = key === 'aws:ViaAWSService' ? 'aws:PrincipalIsAWSService' : 'aws:ViaAWSService';
    if (other === 'aws:PrincipalIsAWSService' || c.network) {
      expect(bools[other]).toEqual('false');
    } else {
      expect(bools).not.toHaveProperty([other]);
    }
  });

  test('exemptAccountRoot: false removes the root user', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptAccountRoot: false }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('exemptDeploymentRole: false removes the CloudFormation execution role', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptDeploymentRole: false }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns]);
    expect(policyJson(stack, bucket)).not.toContain('cfn-exec-role');
  });

  test('with every exemption switched off, keeps only its own condition', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });

    bucket.with(c.make(stack, NO_EXEMPTIONS));

    const allowed = c.allowedArns(stack);
    expect(onlyRestriction(stack, bucket).Condition).toEqual({
      ...c.condition(stack),
      ...(allowed.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': allowed } } : {}),
    });
  });

  test('follows a custom synthesizer qualifier for the deployment role', () => {
    const stack = newStack({ env: ENV, synthesizer: new DefaultStackSynthesizer({ qualifier: 'custom123' }) });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toContainEqual(
      { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${ACCOUNT}:role/cdk-custom123-cfn-exec-role-${ACCOUNT}-${REGION}` });
    expect(policyJson(stack, bucket)).not.toContain('hnb659fds');
    expect(warningIds(stack)).not.toContain(DEPLOYMENT_ROLE_UNKNOWN);
  });

  test('follows a custom CloudFormation execution role of the synthesizer', () => {
    const deployer = `arn:aws:iam::${ACCOUNT}:role/MyDeployer`;
    const stack = newStack({ env: ENV, synthesizer: new DefaultStackSynthesizer({ cloudFormationExecutionRole: deployer }) });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, deployer]);
  });

  test('exempts the top-level stack\'s deployment role for a bucket in a nested stack', () => {
    const stack = newStack({ env: ENV });
    const nested = new NestedStack(stack, 'Nested');
    const bucket = new s3.Bucket(nested, 'Data');

    bucket.with(c.make(nested));

    expect(onlyRestriction(nested, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toContainEqual(CFN_EXEC_ROLE);
    expect(warningIds(stack)).not.toContain(DEPLOYMENT_ROLE_UNKNOWN);
  });

  test('with CliCredentialsStackSynthesizer, exempts no deployment role and warns', () => {
    const stack = newStack({ env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns]);
    expect(policyJson(stack, bucket)).not.toContain('cfn-exec-role');
    const found = warnings(stack).filter(w => w.id === DEPLOYMENT_ROLE_UNKNOWN);
    expect(found).toEqual([expect.objectContaining({ path: '/Stack/Data', message: expect.stringContaining('exemptPrincipalArns') })]);
  });

  test('with CliCredentialsStackSynthesizer and exemptDeploymentRole: false, does not warn', () => {
    const stack = newStack({ env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptDeploymentRole: false }));

    expect(warningIds(stack)).not.toContain(DEPLOYMENT_ROLE_UNKNOWN);
  });

  test('exempts the auto-delete-objects provider role when the bucket has one', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });

    bucket.with(c.make(stack));

    const providerRole = stack.node.findChild('Custom::S3AutoDeleteObjectsCustomResourceProvider').node.findChild('Role');
    expect(logicalId(providerRole)).toMatch(/^CustomS3AutoDeleteObjectsCustomResourceProviderRole/);
    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      ...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE, { 'Fn::GetAtt': [logicalId(providerRole), 'Arn'] },
    ]);
  });

  test('exempts the notifications handler role when the bucket has notifications', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    // The restriction is applied before the notification: the exemption is computed at synth.
    bucket.with(c.make(stack));
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    const handlerRole = stack.node.findChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834').node.findChild('Role');
    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      ...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE, { 'Fn::GetAtt': [logicalId(handlerRole), 'Arn'] },
    ]);
  });

  test('exempts a SecureBucket\'s own notifications handler role', () => {
    const stack = newStack({ env: ENV });
    const handlerRole = new iam.Role(stack, 'HandlerRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const bucket = new SecureBucket(stack, 'Data', { notificationsHandlerRole: handlerRole, accessRestrictions: [c.make(stack)] });

    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toContainEqual({ 'Fn::GetAtt': [logicalId(handlerRole), 'Arn'] });
  });

  test('exempts no bucket service role when the bucket has none', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');
    // Another bucket of the stack has both custom resources: their roles are not this bucket's.
    const other = new s3.Bucket(stack, 'Other', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    other.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('exemptBucketServiceRoles: false removes the auto-delete and notifications roles', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    bucket.with(c.make(stack, { exemptBucketServiceRoles: false }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('never uses NotPrincipal', () => {
    const stack = newStack({ env: ENV });
    const bucket = new SecureBucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    bucket.with(c.make(stack, { exemptPrincipalArns: ['BreakGlass'] }));
    Mixins.of(stack).apply(c.make(stack, NO_EXEMPTIONS));

    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('NotPrincipal');
  });
});
