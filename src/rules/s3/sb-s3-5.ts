import { advisory, BucketRule, cannotVerify, fail, isIntrinsic, PASS } from '../engine/model';

export const SB_S3_5: BucketRule = {
  id: 'SB-S3-5',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'Not all four public access block settings are on.',
  explanation: 'BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets together stop the bucket from being made public '
    + 'by an ACL or a policy. Set all four to true. A template that does not declare them gets all four from S3 when the bucket is created '
    + '(AWS\'s default since April 2023), but nothing keeps them: anyone allowed s3:PutBucketPublicAccessBlock can turn them off, and the next '
    + 'deployment does not turn them on again. Declaring them makes them part of the stack.',
  reads: 'The bucket\'s PublicAccessBlockConfiguration: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets.',
  controls: ['Security Hub S3.8', 'CIS AWS Foundations v3.0.0 2.1.4, v1.4.0 2.1.5', 'Control Tower CT.S3.PR.1', 'cdk-nag AwsSolutions-S2',
    'cdk-nag NIST.800.53.R5-S3BucketLevelPublicAccessProhibited',
    'cdk-nag NIST.800.53.R5-S3BucketPublicReadProhibited and S3BucketPublicWriteProhibited (in part, with SB-S3-6: they require BlockPublicPolicy '
    + 'to be declared, and BlockPublicAcls only with a public canned ACL)'],
  check: ctx => {
    const pab = ctx.bucket.properties?.PublicAccessBlockConfiguration;
    if (isIntrinsic(pab)) { return cannotVerify('the public access block configuration is not known at synth'); }
    if (pab === undefined) {
      return advisory('not declared: S3 turns all four on for a new bucket, but the template does not keep them');
    }
    const settings = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];
    const off = settings.filter(s => pab[s] !== true && !isIntrinsic(pab[s]));
    if (off.length > 0) { return fail(`${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} not true`); }
    const unknown = settings.filter(s => isIntrinsic(pab[s]));
    return unknown.length > 0 ? cannotVerify(`${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not known at synth`) : PASS;
  },
};
