import { ArnFormat, Aws, Lazy, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { iam5ResourceFindingId } from './nag-ids';
import { SecureBucket } from '../bucket/secure-bucket';
import { rotatedKey } from '../private/keys';

/** What `createMonitorTrail` built. */
export interface MonitorTrail {
  readonly cfnTrail: cloudtrail.CfnTrail;
  readonly trailArn: string;
  readonly bucket: SecureBucket;
  readonly key: kms.Key;
}

/**
 * A multi-region trail with log file validation, encrypted with a customer-managed KMS key,
 * delivering to a SecureBucket (encrypted with the same key) and to an encrypted CloudWatch Logs
 * group. The service statements in the bucket policy, the key policy and the role trust policy are
 * conditioned on `aws:SourceArn` = this trail.
 *
 * The trail gets a fixed physical name so that its ARN can appear in those policies without a
 * dependency cycle (CloudTrail checks the bucket policy when the trail is created).
 *
 * - Bucket policy: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 * - Key policy: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 *   (with an S3 Bucket Key on the bucket, CloudTrail also needs `kms:Decrypt`)
 * - CloudWatch Logs role: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
 */
export function createMonitorTrail(scope: Construct, selectors: () => cloudtrail.CfnTrail.AdvancedEventSelectorProperty[]): MonitorTrail {
  const stack = Stack.of(scope);
  const trailName = Names.uniqueResourceName(scope, { maxLength: 120, separator: '-' }) + '-Trail';
  const trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: trailName });
  const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
  const fromThisTrail = { StringEquals: { 'aws:SourceArn': trailArn } };

  const key = rotatedKey(scope, 'TrailKey', `Encrypts the CloudTrail logs of ${scope.node.path}`, RemovalPolicy.RETAIN);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudTrailToEncryptLogs',
    principals: [cloudTrail],
    actions: ['kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: {
      ...fromThisTrail,
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${Aws.PARTITION}:cloudtrail:*:${stack.account}:trail/*` },
    },
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudTrailToDescribeAndUseBucketKey',
    principals: [cloudTrail],
    actions: ['kms:DescribeKey', 'kms:Decrypt'],
    resources: ['*'],
    conditions: fromThisTrail,
  }));

  const logGroupName = `/aws/cloudtrail/${trailName}`;
  const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsForTheTrailLogGroup',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
  }));
  const logGroup = new logs.LogGroup(scope, 'TrailLogs', {
    logGroupName,
    encryptionKey: key,
    retention: logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  });

  const logsRole = new iam.Role(scope, 'TrailLogsRole', {
    assumedBy: cloudTrail.withConditions(fromThisTrail),
    description: 'CloudTrail delivers the monitor trail to CloudWatch Logs',
  });
  // CloudTrail names its log streams <account>_CloudTrail_<region>, with numeric suffixes when it rolls them over.
  const streamArn = `${logGroupArn}:log-stream:${stack.account}_CloudTrail_*`;
  // A customer-managed policy, not an inline one (NIST 800-53 AC-6 and the HIPAA and PCI packs flag inline policies).
  const policy = new iam.ManagedPolicy(scope, 'TrailLogsPolicy', {
    description: 'CloudTrail writes the monitor trail to its CloudWatch Logs group',
    statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [streamArn] })],
    roles: [logsRole],
  });
  Validations.of(policy.node.defaultChild!).acknowledge({
    id: iam5ResourceFindingId(scope, streamArn),
    reason: 'CloudTrail creates the log streams of a multi-region trail itself, one per region and rollover (<account>_CloudTrail_<region>[_n]): their names are not known in advance, so AWS documents a wildcard on the stream name. The resource is pinned to this one log group.',
  });

  const bucket = new SecureBucket(scope, 'TrailBucket', { encryptionKey: key });
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSCloudTrailAclCheck',
    principals: [cloudTrail],
    actions: ['s3:GetBucketAcl'],
    resources: [bucket.bucketArn],
    conditions: fromThisTrail,
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSCloudTrailWrite',
    principals: [cloudTrail],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
    conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
  }));

  const cfnTrail = new cloudtrail.CfnTrail(scope, 'Trail', {
    trailName,
    isLogging: true,
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogFileValidation: true,
    kmsKeyId: key.keyArn,
    s3BucketName: bucket.bucketName,
    cloudWatchLogsLogGroupArn: logGroup.logGroupArn,
    cloudWatchLogsRoleArn: logsRole.roleArn,
    advancedEventSelectors: Lazy.any({ produce: () => selectors() }),
  });
  // The log group is already a dependency through its ARN (cfn-lint W3005 flags a second one).
  cfnTrail.node.addDependency(bucket.policy!, policy);
  return { cfnTrail, trailArn, bucket, key };
}

