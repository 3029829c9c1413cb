import {
  App, CfnElement, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, Mixins, NestedStack, RemovalPolicy, Stack,
  StackProps, Validations,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import {
  AccessRestriction, AccessRestrictionOptions, AdminOnlyChanges, RoleMatch, RoleOnly, SecureBucket, SourceIpOnly,
  VpcEndpointOnly,
} from '../../src';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const ENDPOINT_ID = 'vpce-1a2b3c4d';
const VPC_ID = 'vpc-0a1b2c3d4e5f60718';
const ADMIN_ARN = `arn:aws:iam::${ACCOUNT}:role/Admin`;
const BREAK_GLASS_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AdministratorAccess*`;
const ENDPOINT_AND_IP_ANDED = 'cdk-secure-bucket:AccessRestriction.endpointAndSourceIpAnded';
const DEPLOYMENT_ROLE_UNKNOWN = 'cdk-secure-bucket:AccessRestriction.deploymentRoleUnknown';

/** A stack in its own app, without the (slow) built-in CloudFormation validation. */
function newStack(props: StackProps = {}): Stack {
  const app = new App({ builtinCloudFormationValidation: false });
  return new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION }, ...props });
}

function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).getLogicalId(element);
}

/** The resolved statements of the bucket policy attached to `bucket`. */
function policyStatements(template: Template, bucket: IConstruct): any[] {
  const policies = template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logicalId(bucket) } } });
  const ids = Object.keys(policies);
  expect(ids).toHaveLength(1);
  return policies[ids[0]].Properties.PolicyDocument.Statement;
}

/** The statements an access restriction added (`Restrict...` Sids), in order. */
function restrictionStatements(template: Template, bucket: IConstruct): any[] {
  return policyStatements(template, bucket).filter(s => typeof s.Sid === 'string' && s.Sid.startsWith('Restrict'));
}

/** The one restriction statement on `bucket`. */
function onlyRestriction(stack: Stack, bucket: IConstruct): any {
  const statements = restrictionStatements(Template.fromStack(stack), bucket);
  expect(statements).toHaveLength(1);
  return statements[0];
}

function policyJson(stack: Stack, bucket: IConstruct): string {
  return JSON.stringify(policyStatements(Template.fromStack(stack), bucket));
}

/** The ids (`[ack: id]`) of every warning in the stack, with the path they are on. */
function warnings(stack: Stack): { path: string; id: string; message: string }[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => {
    const message = String(w.entry.data);
    return { path: w.id, id: /\[ack: ([^\]]+)\]/.exec(message)?.[1] ?? '', message };
  });
}

function warningIds(stack: Stack): string[] {
  return warnings(stack).map(w => w.id);
}

function bucketArn(bucket: IConstruct) {
  return { 'Fn::GetAtt': [logicalId(bucket), 'Arn'] };
}

function objectsArn(bucket: IConstruct) {
  return { 'Fn::Join': ['', [bucketArn(bucket), '/*']] };
}

const ROOT_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] };
/** The service-linked roles of AWS Config and IAM Access Analyzer of the account, exempt with the AWS services. */
const SLR_ARN = [
  { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/config.amazonaws.com/*`]] },
  { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/access-analyzer.amazonaws.com/*`]] },
];
const CFN_EXEC_ROLE = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}` };
const pinnedRole = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/${name}`]] });

/** The role RoleOnly allows, one per stack. */
function allowedRole(stack: Stack): iam.Role {
  return (stack.node.tryFindChild('AllowedRole') as iam.Role | undefined)
    ?? new iam.Role(stack, 'AllowedRole', { assumedBy: new iam.AccountRootPrincipal() });
}

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
    onObjects: false,
    network: false,
    allowedArns: () => [ADMIN_ARN],
    serviceRoleArns: [],
  },
];

/** The exemption switches, all off. */
const NO_EXEMPTIONS: AccessRestrictionOptions = {
  exemptAwsServices: false,
  exemptServicesActingForCaller: false,
  exemptAccountRoot: false,
  exemptDeploymentRole: false,
  exemptBucketServiceRoles: false,
};

// ---------------------------------------------------------------------------
// Every restriction
// ---------------------------------------------------------------------------

describe.each(CASES)('$name', (c) => {
  test('renders one Deny for every principal with its condition and the default exemptions', () => {
    // GIVEN
    const stack = newStack();
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
    const stack = newStack();
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
    const stack = newStack();
    const bucket = new SecureBucket(stack, 'Data');

    bucket.with(c.make(stack));

    const statements = policyStatements(Template.fromStack(stack), bucket);
    expect(statements.filter(s => s.Sid === `Restrict${c.name}1`)).toHaveLength(1);
    // The SecureBucket's own statements are still there.
    expect(statements.map(s => s.Sid)).toEqual(expect.arrayContaining(['DenyEncryptionWithoutThisKey', 'DenyKeyIdWithOtherEncryption']));
  });

  test('applies to a SecureBucket through the accessRestrictions prop, like .with()', () => {
    const viaProp = newStack();
    const propBucket = new SecureBucket(viaProp, 'Data', { accessRestrictions: [c.make(viaProp)] });
    const viaWith = newStack();
    const withBucket = new SecureBucket(viaWith, 'Data');
    withBucket.with(c.make(viaWith));

    expect(restrictionStatements(Template.fromStack(viaProp), propBucket)).toHaveLength(1);
    expect(policyJson(viaProp, propBucket)).toEqual(policyJson(viaWith, withBucket));
  });

  test('applies through Mixins.of(scope) to every bucket defined in the scope, including the shared AccessLogsBucket', () => {
    // GIVEN
    const stack = newStack();
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
    const once = newStack();
    const onceBucket = new s3.Bucket(once, 'Data');
    onceBucket.with(c.make(once));

    const twice = newStack();
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
    const once = newStack();
    const onceBucket = new SecureBucket(once, 'Data', { accessRestrictions: [c.make(once)] });

    const twice = newStack();
    const restriction = c.make(twice);
    const twiceBucket = new SecureBucket(twice, 'Data', { accessRestrictions: [restriction, restriction] });
    twiceBucket.with(restriction);

    expect(policyJson(twice, twiceBucket)).toEqual(policyJson(once, onceBucket));
  });

  test('supports s3.Bucket, SecureBucket and AccessLogsBucket', () => {
    const stack = newStack();
    const restriction = c.make(stack);
    const secure = new SecureBucket(stack, 'Secure');

    expect(restriction.supports(new s3.Bucket(stack, 'Plain'))).toBe(true);
    expect(restriction.supports(secure)).toBe(true);
    expect(restriction.supports(secure.serverAccessLogsBucket)).toBe(true);
  });

  test('does not support constructs that are not buckets of this app', () => {
    const stack = newStack();
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
    const stack = newStack();
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
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptPrincipalArns: [BREAK_GLASS_ARN, 'BreakGlass'] }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual(
      [...c.allowedArns(stack), BREAK_GLASS_ARN, pinnedRole('BreakGlass'), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('pins role names to the account of an environment-agnostic stack', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Stack');
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
    const stack = newStack();
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
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptAccountRoot: false }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('exemptDeploymentRole: false removes the CloudFormation execution role', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptDeploymentRole: false }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns]);
    expect(policyJson(stack, bucket)).not.toContain('cfn-exec-role');
  });

  test('with every exemption switched off, keeps only its own condition', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });

    bucket.with(c.make(stack, NO_EXEMPTIONS));

    const allowed = c.allowedArns(stack);
    expect(onlyRestriction(stack, bucket).Condition).toEqual({
      ...c.condition(stack),
      ...(allowed.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': allowed } } : {}),
    });
  });

  test('follows a custom synthesizer qualifier for the deployment role', () => {
    const stack = newStack({ synthesizer: new DefaultStackSynthesizer({ qualifier: 'custom123' }) });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toContainEqual(
      { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${ACCOUNT}:role/cdk-custom123-cfn-exec-role-${ACCOUNT}-${REGION}` });
    expect(policyJson(stack, bucket)).not.toContain('hnb659fds');
    expect(warningIds(stack)).not.toContain(DEPLOYMENT_ROLE_UNKNOWN);
  });

  test('follows a custom CloudFormation execution role of the synthesizer', () => {
    const deployer = `arn:aws:iam::${ACCOUNT}:role/MyDeployer`;
    const stack = newStack({ synthesizer: new DefaultStackSynthesizer({ cloudFormationExecutionRole: deployer }) });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, deployer]);
  });

  test('exempts the top-level stack\'s deployment role for a bucket in a nested stack', () => {
    const stack = newStack();
    const nested = new NestedStack(stack, 'Nested');
    const bucket = new s3.Bucket(nested, 'Data');

    bucket.with(c.make(nested));

    expect(onlyRestriction(nested, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toContainEqual(CFN_EXEC_ROLE);
    expect(warningIds(stack)).not.toContain(DEPLOYMENT_ROLE_UNKNOWN);
  });

  test('with CliCredentialsStackSynthesizer, exempts no deployment role and warns', () => {
    const stack = newStack({ synthesizer: new CliCredentialsStackSynthesizer() });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns]);
    expect(policyJson(stack, bucket)).not.toContain('cfn-exec-role');
    const found = warnings(stack).filter(w => w.id === DEPLOYMENT_ROLE_UNKNOWN);
    expect(found).toEqual([expect.objectContaining({ path: '/Stack/Data', message: expect.stringContaining('exemptPrincipalArns') })]);
  });

  test('with CliCredentialsStackSynthesizer and exemptDeploymentRole: false, does not warn', () => {
    const stack = newStack({ synthesizer: new CliCredentialsStackSynthesizer() });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(c.make(stack, { exemptDeploymentRole: false }));

    expect(warningIds(stack)).not.toContain(DEPLOYMENT_ROLE_UNKNOWN);
  });

  test('exempts the auto-delete-objects provider role when the bucket has one', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });

    bucket.with(c.make(stack));

    const providerRole = stack.node.findChild('Custom::S3AutoDeleteObjectsCustomResourceProvider').node.findChild('Role');
    expect(logicalId(providerRole)).toMatch(/^CustomS3AutoDeleteObjectsCustomResourceProviderRole/);
    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      ...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE, { 'Fn::GetAtt': [logicalId(providerRole), 'Arn'] },
    ]);
  });

  test('exempts the notifications handler role when the bucket has notifications', () => {
    const stack = newStack();
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
    const stack = newStack();
    const handlerRole = new iam.Role(stack, 'HandlerRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const bucket = new SecureBucket(stack, 'Data', { notificationsHandlerRole: handlerRole, accessRestrictions: [c.make(stack)] });

    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toContainEqual({ 'Fn::GetAtt': [logicalId(handlerRole), 'Arn'] });
  });

  test('exempts no bucket service role when the bucket has none', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    // Another bucket of the stack has both custom resources: their roles are not this bucket's.
    const other = new s3.Bucket(stack, 'Other', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    other.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    bucket.with(c.make(stack));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('exemptBucketServiceRoles: false removes the auto-delete and notifications roles', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    bucket.with(c.make(stack, { exemptBucketServiceRoles: false }));

    expect(onlyRestriction(stack, bucket).Condition.ArnNotLike['aws:PrincipalArn']).toEqual([...c.allowedArns(stack), ROOT_ARN, ...c.serviceRoleArns, CFN_EXEC_ROLE]);
  });

  test('never uses NotPrincipal', () => {
    const stack = newStack();
    const bucket = new SecureBucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    bucket.with(c.make(stack, { exemptPrincipalArns: ['BreakGlass'] }));
    Mixins.of(stack).apply(c.make(stack, NO_EXEMPTIONS));

    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('NotPrincipal');
  });
});

// ---------------------------------------------------------------------------
// Specific shapes
// ---------------------------------------------------------------------------

describe('VpcEndpointOnly', () => {
  test('renders only the endpoint condition when only endpoint ids are given', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID, 'vpce-0123456789abcdef0'] }));

    const condition = onlyRestriction(stack, bucket).Condition;
    expect(condition.StringNotEquals).toEqual({ 'aws:SourceVpce': [ENDPOINT_ID, 'vpce-0123456789abcdef0'] });
  });

  test('renders only the VPC condition when only VPC ids are given', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new VpcEndpointOnly({ vpcIds: [VPC_ID] }));

    expect(onlyRestriction(stack, bucket).Condition.StringNotEquals).toEqual({ 'aws:SourceVpc': [VPC_ID] });
  });
});

describe('RoleOnly', () => {
  test('matches role ARNs with aws:PrincipalArn by default, next to the exemptions', () => {
    const stack = newStack();
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
    const stack = newStack();
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
  test('denies the administration actions on the bucket ARN to everyone but the administrators', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN, 'PlatformAdmin'] }));

    const statement = onlyRestriction(stack, bucket);
    expect(statement.Action).toEqual([
      's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl', 's3:PutBucketPublicAccessBlock',
      's3:PutEncryptionConfiguration', 's3:PutBucketVersioning', 's3:PutLifecycleConfiguration', 's3:PutBucketLogging',
      's3:PutBucketOwnershipControls', 's3:PutReplicationConfiguration', 's3:PutBucketObjectLockConfiguration', 's3:DeleteBucket',
    ]);
    expect(statement.Resource).toEqual(bucketArn(bucket));
    expect(statement.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([ADMIN_ARN, pinnedRole('PlatformAdmin'), ROOT_ARN, CFN_EXEC_ROLE]);
  });

  test('denies object ACLs on bucket/* to everyone, without a condition', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN] }));

    const denies = policyStatements(Template.fromStack(stack), bucket).filter(s => s.Sid?.startsWith('DenyToEveryone'));
    expect(denies).toEqual([{
      Sid: expect.stringMatching(/^DenyToEveryone/),
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:PutObjectAcl', 's3:PutObjectVersionAcl'],
      Resource: objectsArn(bucket),
    }]);
  });

  test('adds the object-ACL Deny once, however many AdminOnlyChanges are applied', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new AdminOnlyChanges({ administratorArns: [ADMIN_ARN] }));
    bucket.with(new AdminOnlyChanges({ administratorArns: ['OtherAdmin'] }));

    const statements = policyStatements(Template.fromStack(stack), bucket);
    expect(statements.filter(s => s.Sid?.startsWith('DenyToEveryone'))).toHaveLength(1);
    expect(statements.filter(s => s.Sid?.startsWith('RestrictAdminOnlyChanges'))).toHaveLength(2);
  });

  test('never exempts services acting for a caller (not a network restriction)', () => {
    const stack = newStack();
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
    const stack = newStack();
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
    const stack = newStack();
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
    const stack = newStack();
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
    const stack = newStack();
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
    const stack = newStack();
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
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));
    bucket.with(new VpcEndpointOnly({ vpcIds: [VPC_ID] }));
    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }));

    expect(warningIds(stack).filter(id => id === ENDPOINT_AND_IP_ANDED)).toHaveLength(1);
  });

  test('an anyOf with an endpoint alternative and a separate SourceIpOnly warn too: the endpoint alternative can never pass', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });

    bucket.with(AccessRestriction.anyOf(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }), new RoleOnly({ roles: [role] })));
    bucket.with(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));

    expect(warningIds(stack).filter(id => id === ENDPOINT_AND_IP_ANDED)).toHaveLength(1);
  });

  test('an anyOf of SourceIpOnly and RoleOnly next to VpcEndpointOnly raises no warning (the role passes through the endpoint)', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });

    bucket.with(AccessRestriction.anyOf(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }), new RoleOnly({ roles: [role] })));
    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }));

    expect(warningIds(stack)).not.toContain(ENDPOINT_AND_IP_ANDED);
  });

  test('anyOf of VpcEndpointOnly and SourceIpOnly raises no warning', () => {
    const stack = newStack();
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
      const stack = newStack();
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
    const stack = newStack();
    const acknowledged = new s3.Bucket(stack, 'Acknowledged');
    const other = new s3.Bucket(stack, 'Other');
    Validations.of(acknowledged).acknowledge({ id: ENDPOINT_AND_IP_ANDED, reason: 'intended' });

    Mixins.of(stack).apply(new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }), new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }));

    expect(warnings(stack).filter(w => w.id === ENDPOINT_AND_IP_ANDED).map(w => w.path)).toEqual([`/${other.node.path}`]);
  });

  test('no NotPrincipal anywhere in a template with every restriction, composed and separate', () => {
    const stack = newStack();
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
