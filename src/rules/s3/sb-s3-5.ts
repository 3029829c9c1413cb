import { cannotVerify, fail, isIntrinsic, PASS, BucketRule } from '../engine/model';

export const SB_S3_5: BucketRule = {
  id: 'SB-S3-5',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'Not all four public access block settings are on.',
  explanation: 'BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets together stop the bucket from being made public '
    + 'by an ACL or a policy. Set all four to true.',
  controls: ['Security Hub S3.8', 'CIS AWS Foundations v3.0.0 2.1.4, v1.4.0 2.1.5', 'Control Tower CT.S3.PR.1', 'cdk-nag AwsSolutions-S2',
    'cdk-nag NIST.800.53.R5-S3BucketLevelPublicAccessProhibited'],
  check: ctx => {
    const pab = ctx.bucket.properties?.PublicAccessBlockConfiguration;
    if (isIntrinsic(pab)) { return cannotVerify('the public access block configuration is not known at synth'); }
    if (pab === undefined) { return fail('no PublicAccessBlockConfiguration'); }
    const settings = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];
    const off = settings.filter(s => pab[s] !== true && !isIntrinsic(pab[s]));
    if (off.length > 0) { return fail(`${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} not true`); }
    const unknown = settings.filter(s => isIntrinsic(pab[s]));
    return unknown.length > 0 ? cannotVerify(`${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not known at synth`) : PASS;
  },
};
