import { durable } from '../engine/key-reading';
import { BucketRule, cannotVerify, fail, NOT_APPLICABLE, PASS } from '../engine/model';

export const SB_KMS_2: BucketRule = {
  id: 'SB-KMS-2',
  target: 'key',
  appliesTo: 'data',
  cause: 'The KMS key is less durable than the bucket it encrypts: the bucket is retained, the key is deleted (with the stack, or when replaced).',
  explanation: 'A retained bucket whose key is deleted is unreadable forever. Give the key DeletionPolicy and UpdateReplacePolicy Retain '
    + 'whenever the bucket has them (SecureBucket does). Keys defined outside the stack are not deleted by it and are not judged.',
  reads: 'The DeletionPolicy and UpdateReplacePolicy of the bucket and of the AWS::KMS::Key of the stack that encrypts it.',
  controls: ['AWS KMS Developer Guide: deleting AWS KMS keys'],
  check: ctx => {
    if (!ctx.key) { return NOT_APPLICABLE; }
    const problems: string[] = [];
    let unknown = false;
    for (const [attribute, prop, deletion] of [['DeletionPolicy', 'deletionPolicy', true], ['UpdateReplacePolicy', 'updateReplacePolicy', false]] as const) {
      const bucket = durable(ctx.bucket[prop], deletion, true);
      const key = durable(ctx.key[prop], deletion, false);
      if (bucket === undefined || key === undefined) {
        unknown ||= bucket !== false && key !== true;
        continue;
      }
      if (bucket && !key) {
        problems.push(`bucket ${attribute} ${ctx.bucket[prop]}, key ${ctx.key.logicalId} ${attribute} ${ctx.key[prop] ?? 'Delete'}`);
      }
    }
    if (problems.length > 0) { return fail(problems.join('; ')); }
    return unknown ? cannotVerify('a deletion or update-replace policy is not known at synth') : PASS;
  },
};
