import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * How often the Macie classification job runs (`jobType` and `scheduleFrequency` of Macie's
 * `CreateClassificationJob`).
 */
export enum MacieJobFrequency {
  /** Once, when the job is created (`jobType` `ONE_TIME`). */
  ONE_TIME = 'ONE_TIME',
  /** Every day (`SCHEDULED`, daily schedule), starting with all existing objects. */
  DAILY = 'DAILY',
  /** Every Monday (`SCHEDULED`, weekly schedule), starting with all existing objects. */
  WEEKLY = 'WEEKLY',
  /** On the first day of every month (`SCHEDULED`, monthly schedule), starting with all existing objects. */
  MONTHLY = 'MONTHLY',
}

/**
 * Amazon Macie for a `BucketSecurityMonitor`: Macie is enabled and a sensitive data discovery
 * (classification) job analyses the chosen buckets.
 */
export interface MacieOptions {
  /**
   * Enable Macie in the stack's account and Region (`AWS::Macie::Session`). Set false when Macie is
   * already enabled there (for example by an organization's delegated Macie administrator): a
   * second session fails to deploy.
   *
   * @default true
   * @see https://docs.aws.amazon.com/macie/latest/user/getting-started.html
   */
  readonly enableMacie?: boolean;

  /**
   * The buckets the classification job analyses. They must be in the stack's account.
   *
   * @default - the monitored buckets (`buckets` and `addBucket`); `allBuckets` alone names no bucket
   * @see https://docs.aws.amazon.com/macie/latest/user/discovery-jobs.html
   */
  readonly buckets?: s3.IBucket[];

  /**
   * How often the job runs.
   *
   * @default MacieJobFrequency.ONE_TIME
   * @see https://docs.aws.amazon.com/macie/latest/user/discovery-jobs.html
   */
  readonly frequency?: MacieJobFrequency;

  /**
   * The percentage (1 to 100) of eligible objects the job analyses. Macie is billed per GB
   * inspected: sampling lowers the cost.
   *
   * @default 100
   * @see https://docs.aws.amazon.com/macie/latest/user/discovery-jobs.html
   */
  readonly samplingPercentage?: number;
}
