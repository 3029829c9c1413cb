import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * S3 Object Lock on a `SecureBucket`: a default retention during which object versions cannot be
 * deleted or overwritten (write once, read many).
 *
 * Object Lock cannot be turned off once a bucket has it. In COMPLIANCE mode nobody, not even the
 * account root user, can shorten the retention or delete a locked version before it ends.
 */
export interface ObjectLockOptions {
  /**
   * GOVERNANCE (users with `s3:BypassGovernanceRetention` can still delete) or COMPLIANCE (nobody can).
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
   */
  readonly mode: s3.ObjectLockMode;

  /**
   * Default retention in days (1 to 36500). Give either this or `defaultRetentionYears`.
   *
   * @default - none; `defaultRetentionYears` must be given
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
   */
  readonly defaultRetentionDays?: number;

  /**
   * Default retention in years (1 to 100). Give either this or `defaultRetentionDays`.
   *
   * @default - none; `defaultRetentionDays` must be given
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
   */
  readonly defaultRetentionYears?: number;

  /**
   * Must be true with COMPLIANCE mode: confirms that locked object versions cannot be deleted by
   * anyone (the root user included) until their retention ends, and that the bucket cannot be
   * deleted while it holds them.
   *
   * @default false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
   */
  readonly confirmComplianceMode?: boolean;
}
