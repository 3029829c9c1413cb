import { App, AppProps, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';

/*
 * Apps built the way teams build them, with aws-cdk-lib's own constructs (not SecureBucket), for the
 * rules, the report and SecureBucketDefaults to be tried on.
 */

export const ENV = { account: '111111111111', region: 'us-east-1' };

/** Every feature flag `cdk init` writes into a new app's cdk.json. */
export const RECOMMENDED_FLAGS: Record<string, unknown> = cxapi.CURRENTLY_RECOMMENDED_FLAGS;

export function newApp(props: AppProps = {}): App {
  return new App({ builtinCloudFormationValidation: false, ...props });
}

/** A static site: a private content bucket behind CloudFront (origin access control), with CloudFront standard logging to a bucket of its own. */
export function cloudFrontSite(app: App = newApp()) {
  const stack = new Stack(app, 'Site', { env: ENV });
  const content = new s3.Bucket(stack, 'Content', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
  });
  const logs = new s3.Bucket(stack, 'CdnLogs', {
    // CloudFront standard logging writes with ACLs: the bucket needs ACLs enabled.
    objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    lifecycleRules: [{ expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
  });
  const distribution = new cloudfront.Distribution(stack, 'Cdn', {
    defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(content) },
    enableLogging: true,
    logBucket: logs,
    logFilePrefix: 'cdn/',
  });
  return { app, stack, content, logs, distribution };
}

/** A website bucket served by the S3 website endpoint (HTTP only), public through its policy. */
export function websiteBucket(app: App = newApp()) {
  const stack = new Stack(app, 'Website', { env: ENV });
  const site = new s3.Bucket(stack, 'Site', {
    websiteIndexDocument: 'index.html',
    publicReadAccess: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
  });
  return { app, stack, site };
}

/** A data lake: raw and curated zones encrypted with one key, an Athena results bucket, a Glue database and a crawler role. */
export function dataLake(app: App = newApp()) {
  const stack = new Stack(app, 'Lake', { env: ENV });
  const key = new kms.Key(stack, 'LakeKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const logs = new s3.Bucket(stack, 'AccessLogs', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
  const zone = (id: string) => new s3.Bucket(stack, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    versioned: true,
    enforceSSL: true,
    serverAccessLogsBucket: logs,
    serverAccessLogsPrefix: `${id}/`,
    lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7), noncurrentVersionExpiration: Duration.days(30) }],
  });
  const raw = zone('Raw');
  const curated = zone('Curated');
  const results = zone('AthenaResults');
  const crawler = new iam.Role(stack, 'CrawlerRole', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  raw.grantRead(crawler);
  curated.grantReadWrite(crawler);
  new glue.CfnDatabase(stack, 'Database', { catalogId: stack.account, databaseInput: { name: 'lake' } });
  return { app, stack, key, logs, raw, curated, results, crawler };
}

/** Escape hatches on aws-cdk-lib buckets: property overrides and a raw L1 with an ACL. */
export function escapeHatches(app: App = newApp()) {
  const stack = new Stack(app, 'Hatches', { env: ENV });
  const overridden = new s3.Bucket(stack, 'Overridden', { versioned: true, enforceSSL: true });
  const cfn = overridden.node.defaultChild as s3.CfnBucket;
  cfn.addPropertyOverride('VersioningConfiguration.Status', 'Suspended');
  cfn.addPropertyOverride('PublicAccessBlockConfiguration.BlockPublicPolicy', false);
  const raw = new s3.CfnBucket(stack, 'Raw', {
    accessControl: 'Private',
    ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
  });
  return { app, stack, overridden, raw };
}

/** A bucket that logs to itself, in an app with every recommended flag (so aws-cdk-lib grants log delivery through the bucket policy). */
export function selfLoggingBucket(app: App = newApp({ context: RECOMMENDED_FLAGS })) {
  const stack = new Stack(app, 'SelfLogging', { env: ENV });
  const bucket = new s3.Bucket(stack, 'Data', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    serverAccessLogsPrefix: 'logs/',
  });
  return { app, stack, bucket };
}
