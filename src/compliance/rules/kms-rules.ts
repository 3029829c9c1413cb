import { referenceOf, render } from './policy';
import { BucketRule, cannotVerify, dig, fail, isIntrinsic, NOT_APPLICABLE, PASS, UNKNOWN } from '../model';

/** The key the bucket names in its default encryption, UNKNOWN when the configuration is an intrinsic. */
function bucketKeyId(properties: unknown): unknown {
  const sse = dig(properties, 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0, 'ServerSideEncryptionByDefault');
  return sse === UNKNOWN ? UNKNOWN : (sse as any)?.KMSMasterKeyID;
}

/**
 * Whether a deletion or update-replace policy keeps the resource; undefined when it is not known at
 * synth. `Snapshot` keeps nothing of a KMS key or an S3 bucket: CloudFormation snapshots only a few
 * resource types, neither of these (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
 * It is counted as keeping the bucket (`snapshotKeeps`), which judges the key more strictly, never less.
 */
function durable(policy: unknown, deletion: boolean, snapshotKeeps: boolean): boolean | undefined {
  if (typeof policy === 'object' && policy !== null) { return undefined; }
  return policy === 'Retain' || (snapshotKeeps && policy === 'Snapshot') || (deletion && policy === 'RetainExceptOnCreate');
}

export const KMS_RULES: BucketRule[] = [
  {
    id: 'SB-KMS-1',
    target: 'key',
    appliesTo: 'data',
    cause: 'The KMS key that encrypts the bucket does not rotate its key material.',
    explanation: 'Automatic rotation replaces the key material every year (or on your schedule) without re-encrypting data. '
      + 'Set EnableKeyRotation: true on the AWS::KMS::Key. A key defined outside the stack cannot be verified; AWS-managed keys (aws/s3) '
      + 'rotate every year on their own (SB-S3-1 reports them).',
    controls: ['Security Hub KMS.4', 'CIS AWS Foundations v3.0.0 3.6, v1.4.0 3.8', 'Control Tower CT.KMS.PR.1', 'cdk-nag AwsSolutions-KMS5',
      'cdk-nag NIST.800.53.R5-KMSBackingKeyRotationEnabled'],
    check: ctx => {
      const keyId = bucketKeyId(ctx.bucket.properties);
      if (keyId === UNKNOWN) { return cannotVerify('the default encryption configuration is not known at synth'); }
      if (keyId === undefined || render(keyId).includes('alias/aws/')) { return NOT_APPLICABLE; }
      if (!ctx.key) {
        const ref = referenceOf(keyId, ctx.lookup);
        return cannotVerify(ref.kind === 'parameter' ? `the key is the parameter ${ref.id}, so its rotation cannot be verified`
          : 'the key is not defined in this stack, so its rotation cannot be verified');
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
    cause: 'The KMS key is less durable than the bucket it encrypts: the bucket is retained, the key is deleted (with the stack, or when replaced).',
    explanation: 'A retained bucket whose key is deleted is unreadable forever. Give the key DeletionPolicy and UpdateReplacePolicy Retain '
      + 'whenever the bucket has them (SecureBucket does). Keys defined outside the stack are not deleted by it and are not judged.',
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
  },
];
