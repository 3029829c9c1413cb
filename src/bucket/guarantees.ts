import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { validationMessage } from '../private/errors';

/**
 * The guarantees of a SecureBucket that its CloudFormation resource no longer keeps, e.g. after
 * `bucket.with(new s3.mixins.BucketVersioning(false))`.
 */
export function guaranteesBroken(bucket: IConstruct): string[] {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  // One resolve of the properties checked, instead of one per property.
  const props = Stack.of(bucket).resolve({
    versioning: cfn.versioningConfiguration,
    publicAccessBlock: cfn.publicAccessBlockConfiguration,
    ownership: cfn.ownershipControls,
    acl: cfn.accessControl,
    encryption: cfn.bucketEncryption,
    logging: cfn.loggingConfiguration,
  }) ?? {};
  const problems: string[] = [];
  const broken = (code: string, problem: string): void => {
    problems.push(validationMessage(code, `SecureBucket ${bucket.node.path}: ${problem}. `
      + 'A mixin, property override or direct change to the L1 weakened a guarantee after construction; remove that change.'));
  };
  if (props.versioning?.status !== 'Enabled') {
    broken('SecureBucket.VersioningWeakened', 'versioning is not Enabled');
  }
  const pab = props.publicAccessBlock ?? {};
  const open = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'].filter(k => pab[k] !== true);
  if (open.length > 0) {
    broken('SecureBucket.PublicAccessBlockWeakened', `public access block ${open.join(', ')} is not true`);
  }
  const ownership = (props.ownership?.rules ?? []).map((rule: any) => rule.objectOwnership);
  if (ownership.length !== 1 || ownership[0] !== 'BucketOwnerEnforced') {
    broken('SecureBucket.ObjectOwnershipWeakened', `object ownership is ${JSON.stringify(ownership)}, not BucketOwnerEnforced`);
  }
  const acl = props.acl;
  if (acl !== undefined) {
    broken('SecureBucket.AccessControlWeakened', `an ACL (${acl}) is set`);
  }
  const sse = props.encryption?.serverSideEncryptionConfiguration?.[0];
  if (sse?.serverSideEncryptionByDefault?.sseAlgorithm !== 'aws:kms' || !sse?.serverSideEncryptionByDefault?.kmsMasterKeyId) {
    broken('SecureBucket.EncryptionWeakened', 'default encryption is not SSE-KMS with a customer-managed key');
  }
  if (sse?.bucketKeyEnabled !== true) {
    broken('SecureBucket.BucketKeyWeakened', 'the S3 Bucket Key is off');
  }
  if (props.logging?.destinationBucketName === undefined) {
    broken('SecureBucket.AccessLoggingWeakened', 'server access logging is off');
  }
  return problems;
}

