import { LOG_DELIVERY_SERVICE, sseByDefault } from '../engine/bucket-reading';
import { asList, cannotVerify, dig, fail, isIntrinsic, isUnknown, PASS, UNKNOWN, BucketRule } from '../engine/model';
import { bucketStatements } from '../engine/policy';

export const SB_S3_16: BucketRule = {
  id: 'SB-S3-16',
  target: 'bucket',
  appliesTo: 'log',
  cause: 'A server access log target does not meet AWS\'s requirements: SSE-S3 default encryption, no Object Lock default retention, '
    + 'and a grant to the log delivery service.',
  explanation: 'AWS does not deliver server access logs to a bucket with SSE-KMS default encryption or an Object Lock default retention period, '
    + 'and delivers them only when the bucket policy allows logging.s3.amazonaws.com to put objects (or, with ACLs, the LogDeliveryWrite ACL). '
    + 'Use SSE-S3 (AES256), no default retention and a log-delivery statement on log targets (AccessLogsBucket does all three).',
  reads: 'The log target\'s BucketEncryption (the first rule\'s SSEAlgorithm), ObjectLockConfiguration.Rule.DefaultRetention and '
    + 'AccessControl, and the Allow statements for logging.s3.amazonaws.com of the bucket policies attached to it.',
  controls: ['Amazon S3 User Guide: enabling server access logging (target bucket requirements)'],
  check: ctx => {
    const sse = sseByDefault(ctx);
    const algorithm = sse === UNKNOWN ? UNKNOWN : sse?.SSEAlgorithm;
    const retention = dig(ctx.bucket.properties, 'ObjectLockConfiguration', 'Rule', 'DefaultRetention');
    const problems: string[] = [];
    if (typeof algorithm === 'string' && algorithm.startsWith('aws:kms')) { problems.push(`default encryption is ${algorithm}`); }
    if (retention !== undefined && retention !== UNKNOWN) { problems.push('Object Lock has a default retention'); }
    const { statements, unknown } = bucketStatements(ctx);
    const delivery = statements.some(s => s.Effect === 'Allow' && asList(s.Principal?.Service).includes(LOG_DELIVERY_SERVICE))
      || ctx.bucket.properties?.AccessControl === 'LogDeliveryWrite';
    const maybeDelivery = unknown || isIntrinsic(ctx.bucket.properties?.AccessControl);
    if (!delivery && !maybeDelivery) { problems.push(`nothing allows ${LOG_DELIVERY_SERVICE} to deliver logs`); }
    if (problems.length > 0) { return fail(problems.join('; ')); }
    if (isUnknown(algorithm) || retention === UNKNOWN || !delivery) {
      return cannotVerify('the encryption, Object Lock retention or bucket policy of the log target is not known at synth');
    }
    return PASS;
  },
};
