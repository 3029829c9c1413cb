import { sseByDefault } from '../engine/bucket-reading';
import { cannotVerify, fail, isIntrinsic, PASS, UNKNOWN, BucketRule } from '../engine/model';
import { denotedValue, referenceOf, render } from '../engine/policy';

export const SB_S3_1: BucketRule = {
  id: 'SB-S3-1',
  target: 'bucket',
  appliesTo: 'data',
  cause: 'The bucket is not encrypted by default with a customer-managed KMS key (SSE-KMS).',
  explanation: 'SSE-KMS with your own key lets you control, audit and revoke access to the data independently of S3 permissions. '
    + 'Set BucketEncryption to aws:kms with KMSMasterKeyID pointing at a customer-managed key (SecureBucket does this by default).',
  reads: 'The bucket\'s BucketEncryption (the first rule\'s ServerSideEncryptionByDefault: SSEAlgorithm and KMSMasterKeyID) and what '
    + 'KMSMasterKeyID names: an AWS::KMS::Key of the stack (directly or through an AWS::KMS::Alias), a parameter, or a key elsewhere.',
  controls: ['Security Hub S3.17', 'Control Tower CT.S3.PR.10',
    'cdk-nag NIST.800.53.R5-S3DefaultEncryptionKMS (in part: accepts aws/s3 and rejects DSSE-KMS; this rule requires a customer-managed key '
    + 'and accepts DSSE-KMS)'],
  check: ctx => {
    const sse = sseByDefault(ctx);
    if (sse === UNKNOWN) { return cannotVerify('the default encryption configuration is not known at synth'); }
    if (!sse) { return fail('no default encryption configuration: S3 applies SSE-S3 (AES256)'); }
    const algorithm = sse.SSEAlgorithm;
    if (isIntrinsic(algorithm)) { return cannotVerify('the encryption algorithm is not known at synth'); }
    if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') {
      return fail(`default encryption is ${algorithm === 'AES256' ? 'SSE-S3 (AES256)' : algorithm}`);
    }
    const key = sse.KMSMasterKeyID;
    if (key === undefined) { return fail(`${algorithm} without KMSMasterKeyID uses the AWS-managed key aws/s3`); }
    if (render(key).includes('alias/aws/')) { return fail(`the key ${render(key)} is AWS-managed`); }
    // A key ARN or id written out (a literal, or `Fn::Sub` of literals and pseudo parameters) names a customer-managed
    // key; SB-KMS-1 reports that its rotation cannot be verified.
    if (denotedValue(key, ctx.account, ctx.region) !== undefined || ctx.key) { return PASS; }
    const ref = referenceOf(key, ctx.lookup);
    return cannotVerify(ref.kind === 'parameter' ? `the key is the parameter ${ref.id}`
      : 'the key is defined outside this stack, so whether it is customer-managed cannot be verified');
  },
};
