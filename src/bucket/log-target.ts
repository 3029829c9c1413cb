import { Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { invalidProp } from '../private/errors';
import { literalBucketName } from '../private/validate';

/**
 * AWS's constraints on a server access log target:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export function checkLogTarget(source: s3.IBucket & IConstruct, target: s3.IBucket): void {
  const fail = (code: string, reason: string, fix: string): never =>
    invalidProp(code, source, 'serverAccessLogsBucket', target.node.path, reason, fix);

  // The source cannot be passed as its own prop, but an imported reference to it can.
  const sourceName = literalBucketName(source);
  if (target === source || (sourceName !== undefined && literalBucketName(target) === sourceName)) {
    fail('SecureBucket.LogTargetIsSelf', 'is the bucket itself: a bucket cannot log to itself', 'Remove the prop to use the stack\'s AccessLogsBucket.');
  }
  if (target.encryptionKey !== undefined) {
    fail('SecureBucket.LogTargetKmsEncrypted', 'uses SSE-KMS default encryption, which AWS does not support on a server access log target',
      'Use an AccessLogsBucket (SSE-S3), or remove the prop.');
  }
  const cfn = target.node.defaultChild;
  if (cfn instanceof s3.CfnBucket) {
    const stack = Stack.of(cfn);
    const encryption = stack.resolve(cfn.bucketEncryption);
    const algorithms: unknown[] = (encryption?.serverSideEncryptionConfiguration ?? [])
      .map((rule: any) => rule?.serverSideEncryptionByDefault?.sseAlgorithm);
    if (algorithms.some(a => typeof a === 'string' && a.startsWith('aws:kms'))) {
      fail('SecureBucket.LogTargetKmsEncrypted', 'uses SSE-KMS default encryption, which AWS does not support on a server access log target',
        'Use an AccessLogsBucket (SSE-S3), or remove the prop.');
    }
    const objectLock = stack.resolve(cfn.objectLockConfiguration);
    if (objectLock?.rule?.defaultRetention !== undefined) {
      fail('SecureBucket.LogTargetObjectLockRetention', 'has an Object Lock default retention, which AWS does not allow on a server access log target',
        'Use an AccessLogsBucket, or remove the default retention from the target.');
    }
  }
  const here = Stack.of(source);
  const { account, region } = target.env;
  if (!Token.isUnresolved(account) && !Token.isUnresolved(here.account) && account !== here.account) {
    fail('SecureBucket.LogTargetInOtherAccount', `is in account ${account}, but the bucket is in account ${here.account}; AWS delivers server access logs only within one account`,
      'Use a log bucket in the same account.');
  }
  if (!Token.isUnresolved(region) && !Token.isUnresolved(here.region) && region !== here.region) {
    fail('SecureBucket.LogTargetInOtherRegion', `is in region ${region}, but the bucket is in region ${here.region}; AWS delivers server access logs only within one region`,
      'Use a log bucket in the same region.');
  }
}
