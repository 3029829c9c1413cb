import { lifecycleRules } from '../engine/bucket-reading';
import { cannotVerify, fail, PASS, BucketRule } from '../engine/model';

export const SB_S3_9: BucketRule = {
  id: 'SB-S3-9',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'No lifecycle rule aborts incomplete multipart uploads.',
  explanation: 'Parts of abandoned multipart uploads are stored and billed forever, invisible in listings. Add an enabled rule without a filter '
    + 'with AbortIncompleteMultipartUpload (SecureBucket uses 7 days).',
  reads: 'The bucket\'s LifecycleConfiguration.Rules: Status, AbortIncompleteMultipartUpload and the filters (Prefix, TagFilters, '
    + 'ObjectSizeGreaterThan, ObjectSizeLessThan).',
  controls: ['Security Hub S3.13', 'Control Tower CT.S3.PR.6'],
  check: ctx => {
    const { matching, unknown } = lifecycleRules(ctx, r => r.AbortIncompleteMultipartUpload !== undefined);
    if (matching.length > 0) { return PASS; }
    return unknown ? cannotVerify('a lifecycle rule is not known at synth') : fail('no enabled, unfiltered rule with AbortIncompleteMultipartUpload');
  },
};
