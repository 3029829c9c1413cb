import { bucketKeyId } from '../engine/key-reading';
import { BucketRule, cannotVerify, fail, isIntrinsic, NOT_APPLICABLE, PASS, UNKNOWN } from '../engine/model';
import { referenceOf, render } from '../engine/policy';

export const SB_KMS_1: BucketRule = {
  id: 'SB-KMS-1',
  target: 'key',
  appliesTo: 'data',
  cause: 'The KMS key that encrypts the bucket does not rotate its key material.',
  explanation: 'Automatic rotation replaces the key material every year (or on your schedule) without re-encrypting data. '
    + 'Set EnableKeyRotation: true on the AWS::KMS::Key. A key defined outside the stack cannot be verified; AWS-managed keys (aws/s3) '
    + 'rotate every year on their own (SB-S3-1 reports them).',
  reads: 'The bucket\'s KMSMasterKeyID (first encryption rule) and, when it names an AWS::KMS::Key of the stack (directly or through an '
    + 'AWS::KMS::Alias), that key\'s EnableKeyRotation.',
  controls: ['Security Hub KMS.4', 'CIS AWS Foundations v3.0.0 3.6, v1.4.0 3.8', 'Control Tower CT.KMS.PR.1',
    'cdk-nag AwsSolutions-KMS5 and NIST.800.53.R5-KMSBackingKeyRotationEnabled (in part: they judge every symmetric key of the '
    + 'stack; this rule, the key that encrypts a bucket)'],
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
};
