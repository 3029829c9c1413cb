/**
 * The CloudTrail event names of the Amazon S3 calls that change a bucket's exposure or protection.
 *
 * CloudTrail event names are not always the API or IAM action names (the lifecycle API is
 * `PutBucketLifecycleConfiguration`, its event is `PutBucketLifecycle`; the bucket public access
 * block API is `PutPublicAccessBlock`, its event is `PutBucketPublicAccessBlock`). Every name here
 * is taken from the bucket-level, object-level and account-level lists of
 * "Amazon S3 CloudTrail events":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
 *
 * Management events (bucket- and account-level calls) reach EventBridge from any trail that logs
 * management events; `PutObjectAcl` is a data event, logged only for buckets whose data events a
 * trail selects ("Logging data events":
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html).
 */

/** Bucket-level management events that carry `requestParameters.bucketName`. */
export const BUCKET_LEVEL_EVENT_NAMES: readonly string[] = [
  // created and deleted
  'CreateBucket',
  'DeleteBucket',
  // policy
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  // ACL
  'PutBucketAcl',
  // public access block (API: PutPublicAccessBlock / DeletePublicAccessBlock)
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  // default encryption
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  // versioning, lifecycle (API: PutBucketLifecycleConfiguration), logging
  'PutBucketVersioning',
  'PutBucketLifecycle',
  'DeleteBucketLifecycle',
  'PutBucketLogging',
  // ownership controls (deleting them turns ACLs back on)
  'PutBucketOwnershipControls',
  'DeleteBucketOwnershipControls',
  // replication
  'PutBucketReplication',
  'DeleteBucketReplication',
];

/** Object-level data events that change exposure (logged only with data events on). */
export const OBJECT_LEVEL_EVENT_NAMES: readonly string[] = [
  'PutObjectAcl',
];

/**
 * Account-level management events (S3 Control `PutPublicAccessBlock` / `DeletePublicAccessBlock`
 * for the account). They name no bucket, so they are watched whatever the bucket scope.
 *
 * Which name CloudTrail records was not confirmed from an AWS page: the account-level list of the
 * page above names the S3 Control API operations (`PutPublicAccessBlock`, `DeletePublicAccessBlock`:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html), the IAM
 * actions are `s3:PutAccountPublicAccessBlock` / `s3:DeleteAccountPublicAccessBlock`, and published
 * detections match the latter as event names. The rule lists both pairs: an alert on either is an
 * account-level change (the bucket-level events are named `...BucketPublicAccessBlock`), and
 * listing both costs nothing.
 */
export const ACCOUNT_LEVEL_EVENT_NAMES: readonly string[] = [
  'PutAccountPublicAccessBlock',
  'DeleteAccountPublicAccessBlock',
  'PutPublicAccessBlock',
  'DeletePublicAccessBlock',
];
