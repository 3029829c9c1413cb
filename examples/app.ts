/**
 * The example app: every capability of cdk-secure-bucket built so far, in one CDK app.
 *
 *   npx projen example      # synthesizes it to examples/cdk.out and prints its secure-bucket report
 */
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  BucketSecurityMonitor,
  MacieJobFrequency,
  AccessLogsBucket, AccessRestriction, AdminOnlyChanges, FindingLevel, RoleOnly, SecureBucket, SecureBucketAspect, SourceIpOnly, VpcEndpointOnly,
} from '../src';

/** An application team's stack: one line for a bucket, a few more for options. */
export class DataStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // The one-liner: SSE-KMS with its own rotated key, versioned, logged, TLS-only, private, retained.
    new SecureBucket(this, 'Data');

    // Options: a shared key, TLS 1.3, shorter noncurrent retention, a log prefix and an archive rule.
    const key = new kms.Key(this, 'ReportsKey', { enableKeyRotation: true, description: 'Reports buckets' });
    // Only AWS services may create grants on the key (AWS Control Tower CT.KMS.PR.3), as on the keys SecureBucket creates.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyGrantsExceptForAwsServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));
    new SecureBucket(this, 'Reports', {
      encryptionKey: key,
      minimumTLSVersion: 1.3,
      noncurrentVersionExpiration: Duration.days(30),
      noncurrentVersionsToRetain: 3,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [{
        id: 'ArchiveAfter90Days',
        transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }],
      }],
    });
  }
}

/** A team that narrows who may reach its bucket, and from where. */
export class RestrictedStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const pipeline = iam.Role.fromRoleName(this, 'Pipeline', 'data-pipeline');

    // Through the VPC endpoint OR from the office (one Deny: aws:SourceIp is absent through an endpoint),
    // AND only the pipeline role, AND configuration changes by administrators only.
    new SecureBucket(this, 'Restricted', {
      accessRestrictions: [
        AccessRestriction.anyOf(
          new VpcEndpointOnly({ vpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'] }),
          new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8:1234::/48'] }),
        ),
        new RoleOnly({ roles: [pipeline], exemptPrincipalArns: ['BreakGlass'] }),
        new AdminOnlyChanges({ administratorArns: ['arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*'] }),
      ],
    });
  }
}

/** Disaster recovery: a bucket replicated to a second SecureBucket, and an Object Lock archive. */
export class ResilienceStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const replica = new SecureBucket(this, 'Replica');
    new SecureBucket(this, 'Primary', { replication: { destination: replica } });
    new SecureBucket(this, 'Archive', {
      objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 365 },
    });
  }
}

/** A security team's stack: alerts on bucket exposure and protection changes, for every bucket of the account. */
export class MonitoringStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const monitor = new BucketSecurityMonitor(this, 'Monitor', {
      allBuckets: true,
      alertEmails: ['security-team@example.com'],
      // Macie enabled, and a weekly sensitive data discovery job over the monitored buckets (a 10% sample).
      macie: { frequency: MacieJobFrequency.WEEKLY, samplingPercentage: 10 },
    });
    // A bucket of this stack also gets its S3 data events recorded by the monitor's trail, and is classified by Macie.
    new SecureBucket(this, 'Sensitive').monitorWith(monitor);
  }
}

/** A platform team's stack: a central log bucket with a longer retention, used explicitly. */
export class AuditStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const logs = new AccessLogsBucket(this, 'AuditLogs', { logRetention: Duration.days(730) });
    new SecureBucket(this, 'Evidence', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'evidence/' });
  }
}

const app = new App({
  outdir: process.env.CDK_OUTDIR,
  postCliContext: { 'aws:cdk:disable-creation-stack-traces': true },
  stackTraces: false,
});
const env = { account: '111111111111', region: 'us-east-1' };
new DataStack(app, 'SecureBucketExample-Data', { env });
new RestrictedStack(app, 'SecureBucketExample-Restricted', { env });
new AuditStack(app, 'SecureBucketExample-Audit', { env });
new ResilienceStack(app, 'SecureBucketExample-Resilience', { env });
new MonitoringStack(app, 'SecureBucketExample-Monitoring', { env });

// The platform team's line: every bucket and IAM policy of the app is checked; findings fail synth.
// It writes secure-bucket-report.md and .json into the cloud assembly.
SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });

app.synth();
