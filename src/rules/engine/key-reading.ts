import { dig, UNKNOWN } from './model';

/** What the key rules read of a bucket's KMS key. */

/** The key the bucket names in its default encryption, UNKNOWN when the configuration is an intrinsic. */
export function bucketKeyId(properties: unknown): unknown {
  const sse = dig(properties, 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0, 'ServerSideEncryptionByDefault');
  return sse === UNKNOWN ? UNKNOWN : (sse as any)?.KMSMasterKeyID;
}

/**
 * Whether a deletion or update-replace policy keeps the resource; undefined when it is not known at
 * synth. `Snapshot` keeps nothing of a KMS key or an S3 bucket: CloudFormation snapshots only a few
 * resource types, neither of these (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
 * It is counted as keeping the bucket (`snapshotKeeps`), which judges the key more strictly, never less.
 */
export function durable(policy: unknown, deletion: boolean, snapshotKeeps: boolean): boolean | undefined {
  if (typeof policy === 'object' && policy !== null) { return undefined; }
  return policy === 'Retain' || (snapshotKeeps && policy === 'Snapshot') || (deletion && policy === 'RetainExceptOnCreate');
}
