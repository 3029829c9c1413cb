import { lifecycleRules } from '../engine/bucket-reading';
import { cannotVerify, dig, fail, isUnknown, NOT_APPLICABLE, PASS, BucketRule } from '../engine/model';

export const SB_S3_10: BucketRule = {
  id: 'SB-S3-10',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'Noncurrent object versions never expire.',
  explanation: 'With versioning, every overwrite and delete keeps a noncurrent version; without NoncurrentVersionExpiration they '
    + 'accumulate and are billed forever. Add an enabled rule without a filter with NoncurrentVersionExpiration (SecureBucket uses 90 days).',
  reads: 'The bucket\'s VersioningConfiguration.Status and LifecycleConfiguration.Rules: Status, NoncurrentVersionExpiration '
    + '(or NoncurrentVersionExpirationInDays) and the filters (Prefix, TagFilters, ObjectSizeGreaterThan, ObjectSizeLessThan).',
  controls: ['Security Hub S3.10', 'Control Tower CT.S3.PR.3'],
  check: ctx => {
    const status = dig(ctx.bucket.properties, 'VersioningConfiguration', 'Status');
    if (!isUnknown(status) && status !== 'Enabled') { return NOT_APPLICABLE; }
    const { matching, unknown } = lifecycleRules(ctx,
      r => r.NoncurrentVersionExpiration !== undefined || r.NoncurrentVersionExpirationInDays !== undefined);
    if (matching.length > 0) { return PASS; }
    if (unknown || isUnknown(status)) { return cannotVerify('the versioning status or a lifecycle rule is not known at synth'); }
    return fail('no enabled, unfiltered rule with NoncurrentVersionExpiration');
  },
};
