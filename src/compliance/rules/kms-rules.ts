import { BucketRule, cannotVerify, fail, isIntrinsic, NOT_APPLICABLE, PASS } from '../model';

const DURABLE = ['Retain', 'RetainExceptOnCreate', 'Snapshot'];

/** Whether the bucket names a KMS key that is not in its stack (so the key cannot be judged). */
function externalKey(sse: any): boolean {
  const key = sse?.KMSMasterKeyID;
  return key !== undefined && typeof key !== 'string' && isIntrinsic(key);
}

export const KMS_RULES: BucketRule[] = [
  {
    id: 'SB-KMS-1',
    target: 'key',
    appliesTo: 'data',
    cause: 'The KMS key that encrypts the bucket does not rotate its key material.',
    explanation: 'Automatic rotation replaces the key material every year (or on your schedule) without re-encrypting data. '
      + 'Set EnableKeyRotation: true on the AWS::KMS::Key.',
    controls: ['Security Hub KMS.4', 'CIS 3.6', 'cdk-nag AwsSolutions-KMS5', 'Control Tower CT.KMS.PR.1'],
    check: ctx => {
      const sse = ctx.bucket.properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
      if (!sse?.KMSMasterKeyID) { return NOT_APPLICABLE; }
      if (!ctx.key) {
        return typeof sse.KMSMasterKeyID === 'string' || externalKey(sse)
          ? cannotVerify('the key is not defined in this stack, so its rotation cannot be verified')
          : NOT_APPLICABLE;
      }
      const rotation = ctx.key.properties?.EnableKeyRotation;
      if (isIntrinsic(rotation)) { return cannotVerify('EnableKeyRotation is not known at synth'); }
      return rotation === true ? PASS : fail(`key ${ctx.key.logicalId} has EnableKeyRotation ${rotation ?? 'unset (false)'}`);
    },
  },
  {
    id: 'SB-KMS-2',
    target: 'key',
    appliesTo: 'data',
    cause: 'The KMS key is less durable than the bucket it encrypts: the key is deleted with the stack, the bucket is retained.',
    explanation: 'A retained bucket whose key is deleted is unreadable forever. Give the key DeletionPolicy Retain whenever the bucket has it.',
    controls: ['AWS KMS deleting keys'],
    check: ctx => {
      if (!ctx.key) { return NOT_APPLICABLE; }
      const bucketDurable = DURABLE.includes(ctx.bucket.deletionPolicy ?? 'Delete');
      const keyDurable = DURABLE.includes(ctx.key.deletionPolicy ?? 'Delete');
      return !bucketDurable || keyDurable ? PASS
        : fail(`bucket DeletionPolicy ${ctx.bucket.deletionPolicy}, key ${ctx.key.logicalId} DeletionPolicy ${ctx.key.deletionPolicy ?? 'Delete'}`);
    },
  },
];
