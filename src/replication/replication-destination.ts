import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Where, and how, a `SecureBucket` replicates its objects (`replication` prop, or
 * `addReplicationDestination`).
 *
 * Objects encrypted with the bucket's KMS key are replicated (`SseKmsEncryptedObjects`) and
 * re-encrypted with the destination's key. Delete markers are not replicated unless asked, so
 * a delete in the source cannot destroy the copy.
 */
export interface ReplicationDestinationOptions {
  /**
   * The destination bucket. It must be versioned. When it is a `SecureBucket` of the same account and
   * of the same stack or another stack of the app, its bucket policy, key policy and access
   * restrictions are updated for the replication role (in another stack, by the role's literal ARN,
   * and the source's stack depends on the destination's).
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html
   */
  readonly destination: s3.IBucket;

  /**
   * The customer-managed KMS key that encrypts the replicas, in the destination's region.
   * Must be a key (not an alias, and never an AWS managed key such as `aws/s3`). The region of a
   * literal key ARN is the destination's region for the replication role's `kms:ViaService`
   * condition (an imported bucket does not say its region); a destination whose region is known
   * and differs is an error.
   *
   * @default - the destination bucket's own key (`destination.encryptionKey`); an error if it has none
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
   */
  readonly destinationKey?: kms.IKey;

  /**
   * The account of the destination bucket, for cross-account replication. Replicas are then
   * owned by that account (`AccessControlTranslation: Destination`), and the destination account
   * must allow the replication role (see `SecureBucket.replicationDestinationStatements`).
   *
   * @default - the destination bucket's account (the source's account for an imported bucket)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-walkthrough-2.html
   */
  readonly destinationAccount?: string;

  /**
   * S3 Replication Time Control: 99.99% of objects replicated within 15 minutes, with replication metrics.
   *
   * @default false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html
   */
  readonly replicationTime?: boolean;

  /**
   * Replicate delete markers. Off by default: a delete in the source then cannot hide the copy.
   *
   * @default false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html
   */
  readonly deleteMarkerReplication?: boolean;

  /**
   * The storage class of the replicas.
   *
   * @default - the storage class of the source object
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html
   */
  readonly storageClass?: s3.StorageClass;

  /**
   * Replicate only objects whose key starts with this prefix.
   *
   * @default - every object
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
   */
  readonly prefix?: string;

  /**
   * Priority of the rule when several rules match an object (higher wins). Unique per bucket.
   *
   * @default - 1 for the first destination, 2 for the second, ...
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
   */
  readonly priority?: number;

  /**
   * Id of the replication rule.
   *
   * @default - `ReplicateTo<n>`, n being the position of the destination
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
   */
  readonly ruleId?: string;
}

/**
 * Input of `SecureBucket.replicationDestinationStatements`: what the account that owns a
 * replication destination must allow.
 */
export interface ReplicationDestinationPolicyOptions {
  /** ARN of the destination bucket (`arn:aws:s3:::name`). */
  readonly destinationBucketArn: string;

  /** The account of the source bucket (the replication role's account). */
  readonly sourceAccount: string;

  /** ARN of the replication role (`bucket.replicationRole.roleArn` in the source app). */
  readonly replicationRoleArn: string;

  /**
   * Whether the source replicates delete markers (then `s3:ReplicateDelete` is allowed too).
   *
   * @default false
   */
  readonly deleteMarkerReplication?: boolean;
}

/**
 * Input of `SecureBucket.replicationDestinationKeyStatement`: what the key policy of the key that
 * encrypts the replicas must allow.
 */
export interface ReplicationDestinationKeyPolicyOptions {
  /** ARN of the destination bucket (`arn:aws:s3:::name`). */
  readonly destinationBucketArn: string;

  /** The region of the destination bucket (for the `kms:ViaService` condition). */
  readonly destinationRegion: string;

  /** The account of the source bucket (the replication role's account). */
  readonly sourceAccount: string;

  /** ARN of the replication role. */
  readonly replicationRoleArn: string;
}
