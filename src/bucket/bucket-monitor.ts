import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Something that watches buckets. `BucketSecurityMonitor` is one; a bucket construct can offer
 * `monitorWith(monitor: IBucketMonitor)` without depending on the monitor's implementation.
 */
export interface IBucketMonitor {
  /** Adds a bucket to the monitored ones. Adding a bucket twice has no effect. */
  addBucket(bucket: s3.IBucket): void;
}
