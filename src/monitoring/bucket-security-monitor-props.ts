import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PolicyGranteeCheckOptions, RemediationMode } from './detective-controls-options';
import { MacieOptions } from './macie-options';

/**
 * Properties of a `BucketSecurityMonitor`.
 */
export interface BucketSecurityMonitorProps {
  /**
   * The buckets to monitor: their changes raise alerts and their object-level API calls are
   * logged as CloudTrail data events (see `dataEvents`). More can be added with `addBucket`. Alerts
   * cover the buckets of the monitor's account and region (a warning when one is known to be elsewhere).
   *
   * @default - none; give buckets here or with `addBucket`, or set `allBuckets`
   */
  readonly buckets?: s3.IBucket[];

  /**
   * Alert on changes to every bucket of the account in the monitor's region (EventBridge rules
   * see the events of their own region only), not only the monitored ones. Data events are
   * still logged for the monitored buckets only (they are billed per event).
   *
   * @default false
   */
  readonly allBuckets?: boolean;

  /**
   * Email addresses subscribed to the alert topic. Each address must confirm its subscription.
   *
   * @default - no subscription; subscribe to `topic` yourself
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html
   */
  readonly alertEmails?: string[];

  /**
   * An existing trail, in this stack, to use instead of creating one. It must log management
   * events. When `dataEvents` is not `NONE`, the monitor gives it advanced event selectors, so it
   * must not use basic event selectors. The trail the monitor creates is multi-region, validates its
   * log files, is encrypted with a new KMS key and delivers to a SecureBucket and to an encrypted
   * CloudWatch Logs group.
   *
   * @default - a new trail
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html
   */
  readonly trail?: cloudtrail.Trail;

  /**
   * Which S3 data events (object-level API calls) of the monitored buckets the trail logs. Write
   * events include `PutObjectAcl`, which the alerts need to see object ACL changes.
   *
   * @default ReadWriteType.WRITE_ONLY
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
   */
  readonly dataEvents?: cloudtrail.ReadWriteType;

  /**
   * Detective controls: AWS Config managed rules for public read and write, SSL-only requests,
   * SSE-KMS default encryption, versioning, server access logging, bucket-level public access
   * block, ACLs prohibited and the bucket policy grantee check, scoped to the monitored buckets
   * (or to every bucket with `allBuckets`). They need an AWS Config recorder in the account and
   * region: see `configRecorder`.
   *
   * @default false
   * @see https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html
   */
  readonly configRules?: boolean;

  /**
   * Create an AWS Config recorder (S3 buckets and KMS keys only) and its delivery channel to a
   * SecureBucket. An account and region has at most one recorder: leave this off when one exists.
   * The recorder uses AWS Config's service-linked role `AWSServiceRoleForConfig`, which must exist
   * (`aws iam create-service-linked-role --aws-service-name config.amazonaws.com`).
   *
   * @default false
   * @see https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html
   */
  readonly configRecorder?: boolean;

  /**
   * Who the buckets' policies may grant access to, for the policy grantee check rule. By default
   * each monitored bucket gets a rule with its own grantees, derived from its access restrictions
   * (VPC ids, IP ranges, principals) and from the principals its policy allows (log delivery,
   * replication...). A list given here replaces the derived one.
   *
   * @default - derived per bucket; see `PolicyGranteeCheckOptions`
   * @see https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html
   */
  readonly policyGrantees?: PolicyGranteeCheckOptions;

  /**
   * Remediation of a bucket found public by the Config rules: the AWS-owned runbook
   * `AWS-DisableS3BucketPublicReadWrite` re-applies S3 Block Public Access, run as a dedicated role
   * that may only put the public access block of the monitored buckets. Needs `configRules`.
   *
   * @default RemediationMode.NONE
   * @see https://docs.aws.amazon.com/config/latest/developerguide/remediation.html
   */
  readonly remediation?: RemediationMode;

  /**
   * Amazon Macie: enable it and run a sensitive data discovery job over the monitored buckets (or
   * `macie.buckets`). The keys that SecureBuckets created get the key policy statement Macie needs
   * to decrypt their objects, and Macie's service-linked role is exempted from the buckets' access
   * restrictions. For a key you manage, add `BucketSecurityMonitor.macieKeyPolicyStatement(scope)`
   * to its policy yourself.
   *
   * @default - Macie is not configured
   * @see https://docs.aws.amazon.com/macie/latest/user/discovery-jobs.html
   */
  readonly macie?: MacieOptions;
}
