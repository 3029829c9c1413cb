import { cannotVerify, fail, PASS, BucketRule } from '../engine/model';

export const SB_S3_15: BucketRule = {
  id: 'SB-S3-15',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'More than one AWS::S3::BucketPolicy is attached to the bucket.',
  explanation: 'Only one bucket policy takes effect per bucket: the last one deployed replaces the others, silently dropping their statements. '
    + 'Add statements to the bucket\'s own policy (bucket.addToResourcePolicy). Policies of other stacks of the app count too (attached '
    + 'through a cross-stack reference to the bucket\'s name, or by its literal name).',
  reads: 'The AWS::S3::BucketPolicy resources of the stack and of the app\'s other stacks whose Bucket names this bucket (by reference, '
    + 'by name, or through a cross-stack export), and those of the stack whose Bucket is not known at synth.',
  controls: ['AWS CloudFormation AWS::S3::BucketPolicy (one policy per bucket)'],
  check: ctx => {
    const elsewhere = ctx.policiesInOtherStacks ?? [];
    if (ctx.policies.length > 1) {
      const own = ctx.policies.filter(p => !elsewhere.includes(p)).map(p => p.logicalId);
      return fail(`${ctx.policies.length} bucket policies: ${[...own, ...elsewhere.map(p => `${p.path.replace(/\/Resource$/, '')} (another stack)`)].join(', ')}`);
    }
    const others = ctx.unattributedPolicies ?? [];
    return ctx.policies.length + others.length > 1
      ? cannotVerify(`the bucket of policy ${others.map(p => p.logicalId).join(', ')} is not known at synth and may be this one`)
      : PASS;
  },
};
