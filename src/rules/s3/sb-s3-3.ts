import { cannotVerify, dig, fail, isUnknown, PASS, BucketRule } from '../engine/model';

export const SB_S3_3: BucketRule = {
  id: 'SB-S3-3',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'Versioning is not enabled.',
  explanation: 'Versioning keeps overwritten and deleted objects recoverable, and is required for replication and Object Lock. '
    + 'Set VersioningConfiguration.Status to Enabled.',
  reads: 'The bucket\'s VersioningConfiguration.Status.',
  controls: ['Security Hub S3.14', 'Control Tower CT.S3.PR.11', 'cdk-nag NIST.800.53.R5-S3BucketVersioningEnabled'],
  check: ctx => {
    const status = dig(ctx.bucket.properties, 'VersioningConfiguration', 'Status');
    if (isUnknown(status)) { return cannotVerify('the versioning status is not known at synth'); }
    return status === 'Enabled' ? PASS : fail(`versioning is ${status ?? 'not configured'}`);
  },
};
