import { retains } from '../engine/bucket-reading';
import { cannotVerify, fail, PASS, BucketRule } from '../engine/model';

export const SB_S3_11: BucketRule = {
  id: 'SB-S3-11',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'The bucket is deleted with its stack or when it is replaced (DeletionPolicy or UpdateReplacePolicy is not Retain).',
  explanation: 'A bucket deleted by a stack deletion, or by an update that replaces it (a new BucketName), takes its data with it. '
    + 'Keep DeletionPolicy and UpdateReplacePolicy Retain (RemovalPolicy.RETAIN), and acknowledge this rule on buckets meant to be disposable.',
  reads: 'The bucket\'s DeletionPolicy and UpdateReplacePolicy attributes.',
  controls: ['AWS Well-Architected REL09 (back up data)'],
  check: ctx => {
    const { deletionPolicy, updateReplacePolicy } = ctx.bucket;
    const problems: string[] = [];
    if (typeof deletionPolicy !== 'object' && !retains(deletionPolicy, true)) {
      problems.push(`DeletionPolicy is ${deletionPolicy ?? 'Delete (the default)'}`);
    }
    if (typeof updateReplacePolicy !== 'object' && !retains(updateReplacePolicy, false)) {
      problems.push(`UpdateReplacePolicy is ${updateReplacePolicy ?? 'Delete (the default)'}`);
    }
    if (problems.length > 0) { return fail(problems.join('; ')); }
    return typeof deletionPolicy === 'object' || typeof updateReplacePolicy === 'object'
      ? cannotVerify('the deletion or update-replace policy is not known at synth') : PASS;
  },
};
