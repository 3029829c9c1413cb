import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RoleOnly, SecureBucket } from '../../src';
import { CfnTemplate, roleArnFor } from '../helpers/intrinsics';
import { BucketPolicyEvaluator } from '../helpers/policy-eval';
import { ENV, newStack } from '../helpers/stacks';

describe('SecureBucket objectLock', () => {
  test('governance mode with a retention in days', () => {
    const stack = newStack({ env: ENV });
    const bucket = new SecureBucket(stack, 'Data', { objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 30 } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30, Years: Match.absent() } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(bucket.objectLockEnabled).toBe(true);
  });

  test('compliance mode with a retention in years, when confirmed', () => {
    const stack = newStack({ env: ENV });
    new SecureBucket(stack, 'Data', { objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetentionYears: 7, confirmComplianceMode: true } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 7, Days: Match.absent() } } },
    });
  });

  test('no Object Lock by default', () => {
    const stack = newStack({ env: ENV });
    const bucket = new SecureBucket(stack, 'Data');
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: Match.absent(), ObjectLockConfiguration: Match.absent() });
    expect(bucket.objectLockEnabled).toBe(false);
  });

  test('a token retention passes unchecked', () => {
    const stack = newStack({ env: ENV });
    expect(() => new SecureBucket(stack, 'Data', {
      objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: Token.asNumber({ Ref: 'Days' }) },
    })).not.toThrow();
  });

  test('fails in compliance mode without confirmation', () => {
    expect(() => new SecureBucket(newStack({ env: ENV }), 'Data', { objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetentionDays: 1 } }))
      .toThrow(/'objectLock.confirmComplianceMode' must be true with COMPLIANCE mode/);
  });

  test.each([
    [{ defaultRetentionDays: 0 }, /'objectLock.defaultRetentionDays' must be a whole number from 1 to 36500 \(got 0\)/],
    [{ defaultRetentionDays: 1.5 }, /'objectLock.defaultRetentionDays' must be a whole number/],
    [{ defaultRetentionDays: 36501 }, /'objectLock.defaultRetentionDays' must be a whole number from 1 to 36500/],
    [{ defaultRetentionYears: 101 }, /'objectLock.defaultRetentionYears' must be a whole number from 1 to 100/],
    [{ defaultRetentionYears: -1 }, /'objectLock.defaultRetentionYears'/],
    [{}, /needs exactly one of defaultRetentionDays and defaultRetentionYears/],
    [{ defaultRetentionDays: 1, defaultRetentionYears: 1 }, /needs exactly one of/],
  ])('fails with retention %j', (retention, error) => {
    expect(() => new SecureBucket(newStack({ env: ENV }), 'Data', { objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, ...retention } })).toThrow(error);
  });

  test('fails with removalPolicy DESTROY or autoDeleteObjects', () => {
    const lock = { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 1 };
    expect(() => new SecureBucket(newStack({ env: ENV }), 'Data', { objectLock: lock, removalPolicy: RemovalPolicy.DESTROY }))
      .toThrow(/'objectLock' cannot be combined with removalPolicy DESTROY/);
    expect(() => new SecureBucket(newStack({ env: ENV }), 'Data', { objectLock: lock, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }))
      .toThrow(/'objectLock' cannot be combined with autoDeleteObjects/);
  });

  test('fails as a server access log target (AWS does not deliver logs to a bucket with a default retention)', () => {
    const stack = newStack({ env: ENV });
    const target = new s3.Bucket(stack, 'Logs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(1)),
    });
    expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: target })).toThrow(/Object Lock default retention/);
    const locked = new SecureBucket(stack, 'Locked', { objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 1 } });
    expect(() => new SecureBucket(stack, 'Other', { serverAccessLogsBucket: locked })).toThrow(/serverAccessLogsBucket/);
  });

  test('replication from an Object Lock bucket reads retention and legal holds, and needs a locked destination', () => {
    const stack = newStack({ env: ENV });
    const lock = { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 30 };
    const unlocked = new SecureBucket(stack, 'Unlocked');
    expect(() => new SecureBucket(stack, 'Bad', { objectLock: lock, replication: { destination: unlocked } }))
      .toThrow(/has no Object Lock, but the source has/);
    const replica = new SecureBucket(stack, 'Replica', { objectLock: lock });
    new SecureBucket(stack, 'Data', { objectLock: lock, replication: { destination: replica } });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'SourceObjects',
          Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
        })]),
      },
    });
  });
});

describe('SecureBucket: nothing lost', () => {
  test('bucket and key are retained by default', () => {
    const stack = newStack({ env: ENV });
    new SecureBucket(stack, 'Data');
    const template = Template.fromStack(stack);
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('with DESTROY and autoDeleteObjects, the auto-delete role is exempt from access restrictions and may empty the bucket', async () => {
    // GIVEN a restricted bucket that is destroyed with the stack
    const stack = newStack({ env: ENV });
    const app = iam.Role.fromRoleArn(stack, 'App', 'arn:aws:iam::111111111111:role/App');
    new SecureBucket(stack, 'Data', {
      removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true, accessRestrictions: [new RoleOnly({ roles: [app] })],
    });
    // WHEN the bucket policy is evaluated for the auto-delete provider's role
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const providerRole = Object.keys(template.Resources!).find(k => k.startsWith('CustomS3AutoDeleteObjectsCustomResourceProviderRole'))!;
    const evaluator = BucketPolicyEvaluator.fromTemplate(template, {
      bucketLogicalId: Object.keys(template.Resources!).find(k => k.startsWith('Data') && template.Resources![k].Type === 'AWS::S3::Bucket'),
    });
    const provider = roleArnFor(template, providerRole);
    // THEN it may list and delete, while another role of the account may not
    expect(await evaluator.evaluate({ principal: provider, action: 's3:DeleteObject' })).toBe('Allowed');
    expect(await evaluator.evaluate({ principal: provider, action: 's3:ListBucket', resource: 'bucket' })).toBe('Allowed');
    expect(await evaluator.evaluate({ principal: 'arn:aws:iam::111111111111:role/Other', action: 's3:DeleteObject' })).toBe('ExplicitlyDenied');
  });
});
