import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENV, newApp } from '../apps/real-apps';
import { verdictOf } from '../helpers/compliance';

/*
 * A bucket policy belongs to the bucket its `Bucket` denotes, however the value is written: a reference,
 * a literal name, an expression of literals and pseudo parameters, or an import of another stack's
 * export. These cases come from running cdk-nag's S3 rule tests against the rules: each was judged by the
 * form of the value, not by what it denotes.
 */

const TLS_DENY = (resources: string[]) => ({
  Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources, Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});
const PUBLIC_READ = (resource: string) => ({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: resource });

/** A bucket named by an expression (`data-<account>`), and a policy that names it by the same expression written another way. */
function tokenNamed(statements: (objects: string, bucket: string) => any[]) {
  const app = newApp();
  const stack = new Stack(app, 'Data', { env: ENV });
  const bucket = new s3.CfnBucket(stack, 'Bucket', { bucketName: Fn.join('', ['data-', Fn.ref('AWS::AccountId')]) });
  const name = Fn.sub('data-${AWS::AccountId}');
  new s3.CfnBucketPolicy(stack, 'Policy', {
    bucket: name,
    policyDocument: { Version: '2012-10-17', Statement: statements(Fn.sub('arn:${AWS::Partition}:s3:::data-${AWS::AccountId}/*'), Fn.sub('arn:${AWS::Partition}:s3:::data-${AWS::AccountId}')) },
  });
  return bucket;
}

describe('a bucket policy that names its bucket by a token name', () => {
  test('fails: a public Allow in it fails SB-S3-12 (it was attributed to no bucket, and passed)', () => {
    const bucket = tokenNamed(objects => [PUBLIC_READ(objects)]);
    expect(verdictOf(bucket, 'SB-S3-12')).toMatchObject({ status: 'fail' });
  });

  test('its TLS Deny, on ARNs built from the token name, covers the bucket: SB-S3-7 passes (it failed with "does not cover the bucket")', () => {
    const bucket = tokenNamed((objects, arn) => [TLS_DENY([arn, objects])]);
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-15')).toMatchObject({ status: 'pass' });
  });

  test('a literal name and the same name with the account pseudo parameter denote one bucket when the account is known', () => {
    const app = newApp();
    const stack = new Stack(app, 'Data', { env: ENV });
    const bucket = new s3.CfnBucket(stack, 'Bucket', { bucketName: `data-${ENV.account}` });
    new s3.CfnBucketPolicy(stack, 'Policy', {
      bucket: Fn.sub('data-${AWS::AccountId}'),
      policyDocument: { Version: '2012-10-17', Statement: [PUBLIC_READ(`arn:aws:s3:::data-${ENV.account}/*`)] },
    });
    expect(verdictOf(bucket, 'SB-S3-12')).toMatchObject({ status: 'fail' });
  });

  test('a policy on another token name is not this bucket\'s', () => {
    const app = newApp();
    const stack = new Stack(app, 'Data', { env: ENV });
    const bucket = new s3.CfnBucket(stack, 'Bucket', { bucketName: Fn.sub('data-${AWS::AccountId}') });
    new s3.CfnBucketPolicy(stack, 'Policy', {
      bucket: Fn.sub('logs-${AWS::AccountId}'),
      policyDocument: { Version: '2012-10-17', Statement: [PUBLIC_READ('arn:aws:s3:::logs/*')] },
    });
    expect(verdictOf(bucket, 'SB-S3-12')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-15')).toMatchObject({ status: 'pass' });
  });
});

describe('a correct bucket policy in another stack of the app', () => {
  test('its TLS Deny on imported ARNs covers the bucket: SB-S3-7 passes (it was "cannot verify")', () => {
    const app = newApp();
    const data = new Stack(app, 'Data', { env: ENV });
    const bucket = new s3.Bucket(data, 'Bucket');
    const policies = new Stack(app, 'Policies', { env: ENV });
    const document = new iam.PolicyDocument({ statements: [iam.PolicyStatement.fromJson(TLS_DENY([bucket.bucketArn, bucket.arnForObjects('*')]))] });
    new s3.CfnBucketPolicy(policies, 'Policy', { bucket: bucket.bucketName, policyDocument: document });
    app.synth(); // cross-stack references become imports of the bucket's stack's exports
    expect(JSON.stringify(policies.resolve((policies.node.findChild('Policy') as s3.CfnBucketPolicy).policyDocument))).toContain('Fn::ImportValue');
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
  });
});

describe('several bucket policies attached to one bucket (only one takes effect)', () => {
  test('fails: SB-S3-7 judges each policy that can be in effect: a TLS Deny in one does not count for the other', () => {
    const app = newApp();
    const stack = new Stack(app, 'Data', { env: ENV });
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    const arn = bucket.attrArn;
    new s3.CfnBucketPolicy(stack, 'WithTls', { bucket: bucket.ref, policyDocument: { Version: '2012-10-17', Statement: [TLS_DENY([arn, `${arn}/*`])] } });
    new s3.CfnBucketPolicy(stack, 'Other', { bucket: bucket.ref, policyDocument: { Version: '2012-10-17', Statement: [PUBLIC_READ(`${arn}/*`)] } });
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'fail', detail: expect.stringContaining('Data/Other (one of 2 attached, of which only one takes effect)') });
    expect(verdictOf(bucket, 'SB-S3-15')).toMatchObject({ status: 'fail' });
  });

  test('both policies with the TLS Deny pass SB-S3-7 (SB-S3-15 still reports the second policy)', () => {
    const app = newApp();
    const stack = new Stack(app, 'Data', { env: ENV });
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    const arn = bucket.attrArn;
    for (const id of ['One', 'Two']) {
      new s3.CfnBucketPolicy(stack, id, { bucket: bucket.ref, policyDocument: { Version: '2012-10-17', Statement: [TLS_DENY([arn, `${arn}/*`])] } });
    }
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
  });
});

describe('a bucket policy of the app on a bucket outside the app', () => {
  function outside(statements: any[], bucketName: unknown = 'partner-uploads') {
    const app = newApp();
    const stack = new Stack(app, 'Grants', { env: ENV });
    new s3.CfnBucket(stack, 'Own', { bucketName: 'own-bucket' });
    const policy = new s3.CfnBucketPolicy(stack, 'PartnerPolicy', { bucket: bucketName as string, policyDocument: { Version: '2012-10-17', Statement: statements } });
    return { app, stack, policy };
  }

  test('fails: it is judged, naming the bucket it replaces the policy of (it was never judged)', () => {
    const { policy } = outside([PUBLIC_READ('arn:aws:s3:::partner-uploads/*')]);
    expect(verdictOf(policy, 'SB-S3-12')).toMatchObject({ status: 'fail', detail: expect.stringContaining('on bucket partner-uploads, which this app does not define') });
    expect(verdictOf(policy, 'SB-S3-7')).toMatchObject({ status: 'fail' });
  });

  test('a correct policy on an outside bucket passes the policy rules, and bucket rules do not judge it', () => {
    const { policy } = outside([TLS_DENY(['arn:aws:s3:::partner-uploads', 'arn:aws:s3:::partner-uploads/*'])]);
    expect(verdictOf(policy, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(policy, 'SB-S3-12')).toMatchObject({ status: 'pass' });
    expect(verdictOf(policy, 'SB-S3-3')).toEqual({ status: 'not-applied' });
  });

  test('a policy on a bucket of the app, by literal name, is judged with that bucket, not as an outside one', () => {
    const { policy } = outside([PUBLIC_READ('arn:aws:s3:::own-bucket/*')], 'own-bucket');
    expect(verdictOf(policy, 'SB-S3-12')).toEqual({ status: 'not-applied' });
  });

  test('a policy on a bucket of another stack of the app, by literal name, is not an outside one', () => {
    const { app, policy } = outside([PUBLIC_READ('arn:aws:s3:::shared-name/*')], 'shared-name');
    new s3.CfnBucket(new Stack(app, 'Other', { env: ENV }), 'Shared', { bucketName: 'shared-name' });
    expect(verdictOf(policy, 'SB-S3-12')).toEqual({ status: 'not-applied' });
  });
});

describe('names written as expressions of literals and pseudo parameters', () => {
  test('fails: a bucket whose log target is its own name written with Fn::Sub logs to itself (SB-S3-4)', () => {
    const app = newApp();
    const stack = new Stack(app, 'Data', { env: ENV });
    const bucket = new s3.CfnBucket(stack, 'Bucket', {
      bucketName: Fn.join('', ['data-', Fn.ref('AWS::AccountId')]),
      loggingConfiguration: { destinationBucketName: Fn.sub('data-${AWS::AccountId}') },
    });
    expect(verdictOf(bucket, 'SB-S3-4')).toMatchObject({ status: 'fail', detail: 'the bucket logs to itself' });
  });

  test('a log target named by Fn::Sub is known: SB-S3-4 passes, and that bucket of the stack is a log bucket', () => {
    const app = newApp();
    const stack = new Stack(app, 'Data', { env: ENV });
    const logs = new s3.CfnBucket(stack, 'Logs', { bucketName: Fn.sub('logs-${AWS::AccountId}') });
    const bucket = new s3.CfnBucket(stack, 'Bucket', { loggingConfiguration: { destinationBucketName: Fn.sub('logs-${AWS::AccountId}') } });
    expect(verdictOf(bucket, 'SB-S3-4')).toMatchObject({ status: 'pass' });
    expect(verdictOf(logs, 'SB-S3-1')).toEqual({ status: 'not-applied' });
  });

  test('a key ARN written with Fn::Sub names a customer-managed key, as the literal ARN does (SB-S3-1)', () => {
    const app = newApp();
    const stack = new Stack(app, 'Data', { env: ENV });
    const keyArn = Fn.sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const byDefault = { sseAlgorithm: 'aws:kms', kmsMasterKeyId: keyArn };
    const bucket = new s3.CfnBucket(stack, 'Bucket', { bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: byDefault }] } });
    expect(verdictOf(bucket, 'SB-S3-1')).toMatchObject({ status: 'pass' });
  });
});
