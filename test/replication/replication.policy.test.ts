import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RoleOnly, SecureBucket } from '../../src';
import { CfnTemplate, keyArnFor, resolveIntrinsics, roleArnFor, TEST_ACCOUNT } from '../helpers/intrinsics';
import { BucketPolicyEvaluator, defaultContext } from '../helpers/policy-eval';
import { newApp } from '../helpers/stacks';

const SOURCE_ACCOUNT = '222222222222';

/** GIVEN a SecureBucket replicating into a role-restricted SecureBucket of the same stack. */
function pair() {
  const app = newApp();
  const stack = new Stack(app, 'Stack', { env: { account: TEST_ACCOUNT, region: 'us-east-1' } });
  const appRole = iam.Role.fromRoleArn(stack, 'AppRole', `arn:aws:iam::${TEST_ACCOUNT}:role/App`);
  const replica = new SecureBucket(stack, 'Replica', { accessRestrictions: [new RoleOnly({ roles: [appRole] })] });
  const source = new SecureBucket(stack, 'Data', { replication: { destination: replica } });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const id = (c: any) => stack.resolve(c.node.defaultChild.logicalId) as string;
  const roleId = id(source.replicationRole);
  const policyId = Object.keys(template.Resources!).find(k => template.Resources![k].Type === 'AWS::IAM::ManagedPolicy')!;
  return {
    template,
    source: BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: id(source) }),
    replica: BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: id(replica) }),
    roleArn: roleArnFor(template, roleId),
    roleSession: roleArnFor(template, roleId).replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/s3-replication',
    rolePolicy: resolveIntrinsics(template, template.Resources![policyId].Properties!.PolicyDocument) as Record<string, unknown>,
    sourceKeyArn: keyArnFor(id(source.key)),
    replicaKeyArn: keyArnFor(id(replica.key)),
    sourceKeyPolicy: resolveIntrinsics(template, template.Resources![id(source.key)].Properties!.KeyPolicy) as Record<string, unknown>,
    replicaKeyPolicy: resolveIntrinsics(template, template.Resources![id(replica.key)].Properties!.KeyPolicy) as Record<string, unknown>,
  };
}

describe('the replication role and the destination policy, evaluated', () => {
  const p = pair();
  const asRole = { principal: p.roleSession, identityPolicyAllows: false, identityPolicies: [p.rolePolicy] };

  test.each([
    ['s3:ReplicateObject'],
    ['s3:ReplicateTags'],
  ])('the role may %s into the destination', async (action) => {
    expect(await p.replica.evaluate({ ...asRole, action })).toBe('Allowed');
  });

  test.each([
    ['s3:ReplicateDelete'],
    ['s3:DeleteObject'],
    ['s3:DeleteObjectVersion'],
    ['s3:PutObject'],
    ['s3:GetObject'],
    ['s3:ObjectOwnerOverrideToBucketOwner'],
  ])('the role may not %s in the destination', async (action) => {
    expect(await p.replica.evaluate({ ...asRole, action })).not.toBe('Allowed');
  });

  test.each([
    ['s3:GetObjectVersionForReplication', 'object'],
    ['s3:GetObjectVersionTagging', 'object'],
    ['s3:GetReplicationConfiguration', 'bucket'],
    ['s3:ListBucket', 'bucket'],
  ] as const)('the role may %s on the source', async (action, resource) => {
    expect(await p.source.evaluate({ ...asRole, action, resource })).toBe('Allowed');
  });

  test.each([
    ['s3:GetObject'],
    ['s3:GetObjectVersion'],
    ['s3:PutObject'],
    ['s3:DeleteObject'],
  ])('the role may not %s on the source', async (action) => {
    expect(await p.source.evaluate({ ...asRole, action })).not.toBe('Allowed');
  });

  test('the role may not read a bucket it does not replicate', async () => {
    expect(await p.source.evaluate({ ...asRole, action: 's3:GetObjectVersionForReplication', resource: 'arn:aws:s3:::another-bucket/key' }))
      .not.toBe('Allowed');
  });

  test('another principal of the account, even with s3:*, may not replicate into the destination', async () => {
    for (const action of ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags']) {
      expect(await p.replica.evaluate({ principal: `arn:aws:iam::${TEST_ACCOUNT}:role/App`, action })).toBe('ExplicitlyDenied');
    }
  });

  /**
   * iam-simulate 0.1 ignores context keys with a variable part after a colon (`kms:EncryptionContext:aws:s3:arn`;
   * it only matches `.../${Key}` keys). The key is renamed to a slash-keyed global key, in the policies and in the
   * request alike, so that the same operator (StringLike) and values are evaluated.
   */
  const EC_KEY = 'kms:EncryptionContext:aws:s3:arn';
  const STAND_IN = 'aws:PrincipalTag/kms-encryption-context-aws-s3-arn';
  const renamed = (doc: unknown) => JSON.parse(JSON.stringify(doc).split(EC_KEY).join(STAND_IN));

  async function kmsRequest(action: string, keyArn: string, context: Record<string, string | undefined>, resourcePolicy?: Record<string, unknown>) {
    const { [EC_KEY]: encryptionContext, ...rest } = context;
    const result = await runSimulation({
      request: {
        principal: p.roleSession,
        action,
        resource: { resource: keyArn, accountId: TEST_ACCOUNT },
        contextVariables: defaultContext(p.roleSession, { ...rest, [STAND_IN]: encryptionContext, 's3:TlsVersion': undefined }),
      },
      identityPolicies: [{ name: 'replication', policy: renamed(p.rolePolicy) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy ? renamed(resourcePolicy) : undefined,
    }, {});
    expect(result.resultType === 'error' ? [] : (result as { result?: { ignoredContextKeys?: string[] } }).result?.ignoredContextKeys ?? []).toEqual([]);
    if (result.resultType === 'error') { throw new Error(JSON.stringify(result.errors)); }
    return result.overallResult;
  }
  const via = 's3.us-east-1.amazonaws.com';

  test('the role may decrypt with the source key (through its key policy\'s account delegation) only through S3, for the source bucket', async () => {
    const ok = { 'kms:ViaService': via, 'kms:EncryptionContext:aws:s3:arn': p.source.bucketArn };
    const key = p.sourceKeyPolicy;
    expect(await kmsRequest('kms:Decrypt', p.sourceKeyArn, ok, key)).toBe('Allowed');
    expect(await kmsRequest('kms:Decrypt', p.sourceKeyArn, { ...ok, 'kms:EncryptionContext:aws:s3:arn': p.source.objectArn() }, key)).toBe('Allowed');
    expect(await kmsRequest('kms:Decrypt', p.sourceKeyArn, { ...ok, 'kms:ViaService': undefined }, key)).not.toBe('Allowed');
    expect(await kmsRequest('kms:Decrypt', p.sourceKeyArn, { ...ok, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::another-bucket' }, key)).not.toBe('Allowed');
    expect(await kmsRequest('kms:Encrypt', p.sourceKeyArn, ok, key)).not.toBe('Allowed');
  });

  test('the role may encrypt with the destination key (whose key policy allows it) only for the destination bucket', async () => {
    const ok = { 'kms:ViaService': via, 'kms:EncryptionContext:aws:s3:arn': p.replica.bucketArn };
    expect(await kmsRequest('kms:Encrypt', p.replicaKeyArn, ok, p.replicaKeyPolicy)).toBe('Allowed');
    expect(await kmsRequest('kms:Encrypt', p.replicaKeyArn, { ...ok, 'kms:EncryptionContext:aws:s3:arn': p.source.bucketArn }, p.replicaKeyPolicy))
      .not.toBe('Allowed');
    expect(await kmsRequest('kms:Encrypt', p.replicaKeyArn, { ...ok, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' }, p.replicaKeyPolicy))
      .not.toBe('Allowed');
    expect(await kmsRequest('kms:GenerateDataKey', p.replicaKeyArn, ok, p.replicaKeyPolicy)).not.toBe('Allowed');
  });
});

describe('a SecureBucket destination of a source in another account (replicationSourceRoleArns), evaluated', () => {
  // GIVEN a destination SecureBucket (this account) that names the replication role of a source in SOURCE_ACCOUNT
  const app = newApp();
  const stack = new Stack(app, 'Dest', { env: { account: TEST_ACCOUNT, region: 'eu-west-1' } });
  const roleArn = `arn:aws:iam::${SOURCE_ACCOUNT}:role/replication`;
  const bucket = new SecureBucket(stack, 'Replica', { bucketName: 'dr-replica', replicationSourceRoleArns: [roleArn] });
  const evaluator = BucketPolicyEvaluator.fromTemplate(Template.fromStack(stack).toJSON() as CfnTemplate,
    { bucketLogicalId: stack.resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId) });
  const replicate = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Replicate*', Resource: '*' }] };

  test('the source role may replicate', async () => {
    expect(await evaluator.evaluate({
      principal: `arn:aws:sts::${SOURCE_ACCOUNT}:assumed-role/replication/s3`,
      action: 's3:ReplicateObject',
      identityPolicyAllows: false,
      identityPolicies: [replicate],
    })).toBe('Allowed');
  });

  test('another role of the source account may not', async () => {
    expect(await evaluator.evaluate({
      principal: `arn:aws:sts::${SOURCE_ACCOUNT}:assumed-role/other/s3`, action: 's3:ReplicateObject', identityPolicies: [replicate],
    })).not.toBe('Allowed');
  });

  test('a principal of the destination account with s3:* may not forge replicas', async () => {
    expect(await evaluator.evaluate({ principal: `arn:aws:iam::${TEST_ACCOUNT}:role/Admin`, action: 's3:ReplicateObject' })).toBe('ExplicitlyDenied');
  });

  test('fails: the source role may not write replicas encrypted with SSE-S3 or another key (default encryption does not apply to replicas)', async () => {
    const as = (context: Record<string, string>) => evaluator.evaluate({
      principal: `arn:aws:sts::${SOURCE_ACCOUNT}:assumed-role/replication/s3`,
      action: 's3:ReplicateObject',
      identityPolicyAllows: false,
      identityPolicies: [replicate],
      context,
    });
    expect(await as({ 's3:x-amz-server-side-encryption': 'AES256' })).toBe('ExplicitlyDenied');
    expect(await as({ 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:eu-west-1:${SOURCE_ACCOUNT}:key/other` }))
      .toBe('ExplicitlyDenied');
    expect(await as({ 's3:x-amz-server-side-encryption': 'aws:kms' })).toBe('ExplicitlyDenied');
    // The bucket's own key, as the replication configuration's ReplicaKmsKeyID sends it, passes.
    const bucketKey = keyArnFor(stack.resolve((bucket.key.node.defaultChild as kms.CfnKey).logicalId));
    expect(await as({ 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': bucketKey })).toBe('Allowed');
  });

  test('the source role may not delete objects or read them', async () => {
    for (const action of ['s3:DeleteObject', 's3:GetObject', 's3:ReplicateDelete']) {
      expect(await evaluator.evaluate({
        principal: `arn:aws:sts::${SOURCE_ACCOUNT}:assumed-role/replication/s3`,
        action,
        identityPolicyAllows: true,
      })).not.toBe('Allowed');
    }
  });
});
