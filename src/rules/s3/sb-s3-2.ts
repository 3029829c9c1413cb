import { cannotVerify, dig, fail, isIntrinsic, isUnknown, NOT_APPLICABLE, PASS, UNKNOWN, BucketRule } from '../engine/model';

export const SB_S3_2: BucketRule = {
  id: 'SB-S3-2',
  target: 'bucket',
  appliesTo: 'data',
  cause: 'The bucket uses SSE-KMS without an S3 Bucket Key.',
  explanation: 'Without a Bucket Key every object operation calls KMS: up to 99% more KMS requests, cost and throttling. Set BucketKeyEnabled: true. '
    + '(DSSE-KMS does not support Bucket Keys and is not judged.)',
  reads: 'The bucket\'s BucketEncryption: the first rule\'s BucketKeyEnabled and ServerSideEncryptionByDefault.SSEAlgorithm.',
  controls: ['AWS Well-Architected Cost Optimization (no Security Hub control)'],
  check: ctx => {
    const rule = dig(ctx.bucket.properties, 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0);
    if (rule === UNKNOWN || isIntrinsic(rule)) { return cannotVerify('the default encryption configuration is not known at synth'); }
    const bucketKey = (rule as any)?.BucketKeyEnabled;
    const algorithm = dig(rule, 'ServerSideEncryptionByDefault', 'SSEAlgorithm');
    if (isUnknown(algorithm)) {
      return bucketKey === true ? PASS : cannotVerify('the encryption algorithm is not known at synth');
    }
    if (algorithm !== 'aws:kms') { return NOT_APPLICABLE; }
    if (isIntrinsic(bucketKey)) { return cannotVerify('BucketKeyEnabled is not known at synth'); }
    return bucketKey === true ? PASS : fail(`BucketKeyEnabled is ${bucketKey ?? 'not set (false)'}`);
  },
};
