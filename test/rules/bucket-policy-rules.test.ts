/** The rules that read bucket policies (and the key rules they meet): the cases a table of cases does not reach. */
import { Aws, CfnCondition, CfnDeletionPolicy, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SecureBucket } from '../../src';
import { COMPLIANCE_APP, l1, verdictOf } from '../helpers/compliance';
import { Build, compliantL1, compliantL2, ENCRYPTION, l1Bucket, l1Policy, l2Bucket, minTlsDeny, param, tlsDeny } from '../helpers/compliant-buckets';
import { ACCOUNT, ENV, newApp, newStack, OTHER_ACCOUNT } from '../helpers/stacks';

describe('bucket policy rules', () => {
  const allowEveryone = (condition: unknown): Build => l1Policy(b => [{
    Sid: 'Everyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: `${b.attrArn}/*`, Condition: condition,
  }]);

  test.each([
    ['a negated operator', { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['an ...IfExists operator', { StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['a Null operator', { Null: { 'aws:SourceArn': 'false' } }],
    ['ForAllValues', { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/'] } }],
    ['a wildcard-only pattern', { StringLike: { 'aws:PrincipalArn': '*' } }],
    ['a pattern over every principal of every account', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:*' } }],
    ['a pattern with ?', { StringLike: { 'aws:SourceAccount': '11111111111?' } }],
    ['a pattern of aws:userid other than one role\'s sessions', { StringLike: { 'aws:userid': 'AROA*' } }],
    ['0.0.0.0/0', { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '0.0.0.0/0'] } }],
    ['a key that does not say who', { StringEquals: { 's3:prefix': 'public/' } }],
  ])('SB-S3-12 fails an Allow to everyone restricted only by %s', (_, condition) => {
    expect(verdictOf(allowEveryone(condition)(newStack({ app: COMPLIANCE_APP })), 'SB-S3-12')).toMatchObject({ status: 'fail' });
  });

  test.each([
    ['aws:SourceVpce', { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['aws:SourceArn (a service principal\'s source)', { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudfront::111111111111:distribution/E1' } }],
    ['aws:PrincipalIsAWSService', { Bool: { 'aws:PrincipalIsAWSService': 'true' } }],
    ['a public IP range', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }],
    ['s3:DataAccessPointAccount (access point delegation)', { StringEquals: { 's3:DataAccessPointAccount': ACCOUNT } }],
    ['the sessions of one role (aws:userid AROLEID:*, fixed for S3)', { StringLike: { 'aws:userid': 'AROAEXAMPLEROLEID1234:*' } }],
  ])('SB-S3-12 passes an Allow to everyone restricted by %s', (_, condition) => {
    expect(verdictOf(allowEveryone(condition)(newStack({ app: COMPLIANCE_APP })), 'SB-S3-12')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-12 cannot verify an Allow to everyone restricted by a CIDR from a parameter', () => {
    const build = l1Policy((b, stack) => [{
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `${b.attrArn}/*`,
      Condition: { IpAddress: { 'aws:SourceIp': param(stack).valueAsString } },
    }]);
    expect(verdictOf(build(newStack({ app: COMPLIANCE_APP })), 'SB-S3-12')).toMatchObject({ status: 'cannot-verify' });
  });

  test('SB-S3-12 fails an Allow with NotPrincipal (everyone but one)', () => {
    const build = l1Policy(b => [{ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:GetObject', Resource: `${b.attrArn}/*` }]);
    expect(verdictOf(build(newStack({ app: COMPLIANCE_APP })), 'SB-S3-12')).toMatchObject({ status: 'fail' });
  });

  test('SB-S3-7 fails a TLS Deny on the objects only, or on a prefix', () => {
    const objectsOnly = l1Policy(b => [tlsDeny(b, { Resource: `${b.attrArn}/*` }), minTlsDeny(b)], true);
    expect(verdictOf(objectsOnly(newStack({ app: COMPLIANCE_APP })), 'SB-S3-7')).toMatchObject({ status: 'fail', detail: 'the TLS Deny does not cover the bucket ARN' });
    const prefix = l1Policy(b => [tlsDeny(b, { Resource: [b.attrArn, `${b.attrArn}/logs/*`] }), minTlsDeny(b)], true);
    expect(verdictOf(prefix(newStack({ app: COMPLIANCE_APP })), 'SB-S3-7')).toMatchObject({ status: 'fail', detail: 'the TLS Deny does not cover the objects (bucket/*)' });
  });

  test('SB-S3-7 and SB-S3-8 fail a TLS Deny narrowed by another condition (conditions are ANDed: the Deny applies to fewer requests)', () => {
    const onlyForOneAccount = { StringEquals: { 'aws:PrincipalAccount': '999999999999' } };
    const tls = l1Policy(b => [tlsDeny(b, { Condition: { Bool: { 'aws:SecureTransport': 'false' }, ...onlyForOneAccount } }), minTlsDeny(b)], true);
    expect(verdictOf(tls(newStack({ app: COMPLIANCE_APP })), 'SB-S3-7')).toMatchObject({
      status: 'fail',
      detail: 'the Deny when aws:SecureTransport is false has other conditions as well, so it does not refuse every request without TLS',
    });
    const viaEndpoint = l1Policy(b => [tlsDeny(b), minTlsDeny(b, 1.2, { Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 }, StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } })], true);
    expect(verdictOf(viaEndpoint(newStack({ app: COMPLIANCE_APP })), 'SB-S3-8')).toMatchObject({
      status: 'fail',
      detail: 'the Deny with NumericLessThan s3:TlsVersion has other conditions as well, so it does not refuse every request with an older TLS version',
    });
    // A second key under the same operator narrows it too.
    const sameOperator = l1Policy(b => [tlsDeny(b, { Condition: { Bool: { 'aws:SecureTransport': 'false', 'aws:MultiFactorAuthPresent': 'false' } } }), minTlsDeny(b)], true);
    expect(verdictOf(sameOperator(newStack({ app: COMPLIANCE_APP })), 'SB-S3-7')).toMatchObject({ status: 'fail' });
    // Beside a narrowed Deny, a plain one still passes.
    const both = l1Policy(b => [tlsDeny(b, { Condition: { Bool: { 'aws:SecureTransport': 'false' }, ...onlyForOneAccount } }), tlsDeny(b), minTlsDeny(b)], true);
    expect(verdictOf(both(newStack({ app: COMPLIANCE_APP })), 'SB-S3-7')).toMatchObject({ status: 'pass' });
  });

  test('SB-KMS-2 fails a key with DeletionPolicy Snapshot next to a retained bucket: CloudFormation snapshots no KMS key', () => {
    const snapshot = l1Bucket((_b, _s, _p, key) => { key.cfnOptions.deletionPolicy = CfnDeletionPolicy.SNAPSHOT; });
    expect(verdictOf(snapshot(newStack({ app: COMPLIANCE_APP })), 'SB-KMS-2')).toMatchObject({ status: 'fail' });
    const updateSnapshot = l1Bucket((_b, _s, _p, key) => { key.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.SNAPSHOT; });
    expect(verdictOf(updateSnapshot(newStack({ app: COMPLIANCE_APP })), 'SB-KMS-2')).toMatchObject({ status: 'fail' });
  });

  test('SB-S3-7 and SB-S3-8 cannot verify a TLS Deny whose policy is created under a CloudFormation condition (it may not be deployed)', () => {
    const stack = newStack({ app: COMPLIANCE_APP });
    const { bucket, policy } = compliantL1(stack);
    const isProd = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(Aws.ACCOUNT_ID, '111111111111') });
    policy.cfnOptions.condition = isProd;
    const leftOut = expect.stringMatching(/^the bucket policy \w+ is created under the CloudFormation Condition IsProd, so it may not be deployed$/);
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'cannot-verify', detail: leftOut });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'cannot-verify', detail: leftOut });
    // Under the bucket's own Condition, the policy exists whenever the bucket does.
    bucket.cfnOptions.condition = isProd;
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'pass' });
    // Without the condition, the same policy passes.
    bucket.cfnOptions.condition = undefined;
    policy.cfnOptions.condition = undefined;
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
  });

  describe('SB-S3-15 and the policy rules see a bucket policy of another stack of the app', () => {
    /** A SecureBucket in stack Data, and a second policy for it in stack Other: by a cross-stack reference, or by literal name. */
    function withPolicyElsewhere(how: 'reference' | 'name', statement: iam.PolicyStatement) {
      const app = newApp(COMPLIANCE_APP);
      const data = new Stack(app, 'Data', { env: ENV });
      const bucket = new SecureBucket(data, 'Bucket', { bucketName: how === 'name' ? 'data-bucket-111111111111' : undefined });
      const other = new Stack(app, 'Other', { env: ENV });
      const target = how === 'reference' ? bucket : s3.Bucket.fromBucketName(other, 'Imported', 'data-bucket-111111111111');
      const policy = new s3.BucketPolicy(other, 'Second', { bucket: target });
      policy.document.addStatements(statement);
      // The cross-stack reference becomes an import of the bucket's exported name when the app is prepared.
      app.synth();
      return bucket;
    }
    const foreignRead = new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('999999999999')], actions: ['s3:GetObject'], resources: ['*'] });

    test.each(['reference', 'name'] as const)('by %s: two policies (SB-S3-15), and the other stack\'s grant is judged (SB-S3-14)', (how) => {
      const bucket = withPolicyElsewhere(how, foreignRead);
      expect(verdictOf(bucket, 'SB-S3-15')).toMatchObject({
        status: 'fail', detail: expect.stringMatching(/^2 bucket policies: .*Other\/Second \(another stack\)$/),
      });
      expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/999999999999/) });
    });

    test('a policy of another stack on another bucket is not this bucket\'s', () => {
      const app = newApp(COMPLIANCE_APP);
      const data = new Stack(app, 'Data', { env: ENV });
      const bucket = new SecureBucket(data, 'Bucket');
      const other = new Stack(app, 'Other', { env: ENV });
      new s3.BucketPolicy(other, 'Second', { bucket: new s3.Bucket(other, 'Elsewhere') }).document.addStatements(foreignRead);
      new s3.BucketPolicy(other, 'ByName', { bucket: s3.Bucket.fromBucketName(other, 'Imported', 'someone-elses-bucket') }).document.addStatements(foreignRead);
      expect(verdictOf(bucket, 'SB-S3-15')).toMatchObject({ status: 'pass' });
      expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'pass' });
    });
  });

  test('SB-S3-7 and SB-S3-8 read condition keys ignoring case, as IAM does', () => {
    const build = l1Policy(b => [
      tlsDeny(b, { Condition: { Bool: { 'aws:securetransport': 'false' } } }),
      minTlsDeny(b, 1.2, { Condition: { NumericLessThan: { 'S3:TLSVersion': 1.2 } } }),
    ], true);
    const bucket = build(newStack({ app: COMPLIANCE_APP }));
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-7 and SB-S3-8 accept Resource "*" and literal ARNs of a named bucket, in any partition', () => {
    const stack = newStack({ app: COMPLIANCE_APP });
    const { bucket, policy } = compliantL1(stack);
    bucket.bucketName = 'named-bucket';
    policy.addPropertyOverride('PolicyDocument.Statement', [
      tlsDeny(bucket, { Resource: '*' }),
      minTlsDeny(bucket, '1.3', { Resource: ['arn:aws-us-gov:s3:::named-bucket', 'arn:aws-us-gov:s3:::named-bucket/*'] }),
    ]);
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-8 takes the bucket and the objects from separate statements', () => {
    const build = l1Policy(b => [tlsDeny(b), minTlsDeny(b, 1.2, { Resource: b.attrArn }), minTlsDeny(b, 1.3, { Resource: `${b.attrArn}/*` })], true);
    expect(verdictOf(build(newStack({ app: COMPLIANCE_APP })), 'SB-S3-8')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-14 passes a trusted account, and roles of the stack', () => {
    const stack = newStack({ app: COMPLIANCE_APP, env: ENV });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const bucket = compliantL2(stack, 'Bucket');
    bucket.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    bucket.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(role.roleArn)], actions: ['s3:GetObject'], resources: ['*'] }));
    expect(verdictOf(bucket, 'SB-S3-14', { trustedAccounts: [OTHER_ACCOUNT] })).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'fail', detail: `principals of account(s) ${OTHER_ACCOUNT} are allowed` });
  });

  test.each([
    ['Principal "*" narrowed to another account (aws:PrincipalAccount)', iam.Effect.ALLOW, [new iam.AnyPrincipal()], { StringEquals: { 'aws:PrincipalAccount': OTHER_ACCOUNT } }],
    ['a service acting for another account (aws:SourceAccount)', iam.Effect.ALLOW, [new iam.ServicePrincipal('logging.s3.amazonaws.com')], { StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } }],
    ['Principal "*" narrowed to a role ARN of another account', iam.Effect.ALLOW, [new iam.AnyPrincipal()], { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${OTHER_ACCOUNT}:role/Reader` } }],
    ['a service for a source ARN of another account', iam.Effect.ALLOW, [new iam.ServicePrincipal('cloudtrail.amazonaws.com')], { StringEquals: { 'aws:SourceArn': `arn:aws:cloudtrail:us-east-1:${OTHER_ACCOUNT}:trail/t` } }],
  ])('SB-S3-14 reads the account a condition grants to: %s fails, passes when trusted', (_name, effect, principals, conditions) => {
    const stack = newStack({ app: COMPLIANCE_APP, env: ENV });
    const bucket = compliantL2(stack, 'Bucket');
    bucket.addToResourcePolicy(new iam.PolicyStatement({ effect, principals, actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')], conditions }));
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'fail', detail: `principals of account(s) ${OTHER_ACCOUNT} are allowed` });
    expect(verdictOf(bucket, 'SB-S3-14', { trustedAccounts: [OTHER_ACCOUNT] })).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-14 passes conditions naming the bucket\'s own account, and a negated condition (SB-S3-12 judges that)', () => {
    const stack = newStack({ app: COMPLIANCE_APP, env: ENV });
    const bucket = compliantL2(stack, 'Bucket');
    const allow = (conditions: Record<string, unknown>) => bucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')], actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')], conditions,
    }));
    allow({ StringEquals: { 'aws:SourceAccount': ACCOUNT } });
    allow({ StringEquals: { 'aws:SourceAccount': stack.account } });
    allow({ StringNotEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } });
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-14 passes a service for a source ARN of the stack\'s own account in an environment-agnostic stack, and cannot verify an account from a parameter', () => {
    const stack = newStack({ app: COMPLIANCE_APP });
    const bucket = compliantL2(stack, 'Bucket');
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudtrail:${Aws.REGION}:${Aws.ACCOUNT_ID}:trail/t` } },
    }));
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'pass' });
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceAccount': new CfnParameter(stack, 'SourceAccount').valueAsString } },
    }));
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'cannot-verify' });
  });

  test('SB-S3-14 cannot tell a literal account from the bucket\'s own in an environment-agnostic stack, and can in an environment', () => {
    const grant = (stack: Stack) => l2Bucket({}, b => b.grantRead(new iam.AccountPrincipal(ACCOUNT)))(stack);
    expect(verdictOf(grant(newStack({ app: COMPLIANCE_APP })), 'SB-S3-14')).toMatchObject({ status: 'cannot-verify' });
    expect(verdictOf(grant(newStack({ app: COMPLIANCE_APP, env: { account: ACCOUNT, region: 'us-east-1' } })), 'SB-S3-14')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-1 fails the AWS-managed key named by alias, and cannot verify a key of another stack', () => {
    const aliased = l2Bucket({ encryptionKey: undefined }, () => {})(newStack({ app: COMPLIANCE_APP }));
    l1(aliased).addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault.KMSMasterKeyID`, 'alias/aws/s3');
    expect(verdictOf(aliased, 'SB-S3-1')).toMatchObject({ status: 'fail', detail: 'the key alias/aws/s3 is AWS-managed' });

    const app = newApp(COMPLIANCE_APP);
    const key = new kms.Key(new Stack(app, 'Keys'), 'Key', { enableKeyRotation: true });
    const bucket = compliantL2(new Stack(app, 'Data'), 'Data', { encryptionKey: key });
    expect(verdictOf(bucket, 'SB-S3-1')).toMatchObject({ status: 'cannot-verify' });
    expect(verdictOf(bucket, 'SB-KMS-1')).toMatchObject({ status: 'cannot-verify' });
  });

  test('SB-KMS-1 follows a KMS alias of the stack to its key', () => {
    const stack = newStack({ app: COMPLIANCE_APP });
    const { bucket, key } = compliantL1(stack);
    key.enableKeyRotation = false;
    const alias = new kms.CfnAlias(stack, 'Alias', { aliasName: 'alias/data', targetKeyId: key.ref });
    bucket.addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault.KMSMasterKeyID`, alias.ref);
    expect(verdictOf(bucket, 'SB-KMS-1')).toMatchObject({ status: 'fail', subject: key.node.path });
  });
});
