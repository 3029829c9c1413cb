import * as fs from 'fs';
import * as path from 'path';
import { Mixins } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FindingLevel, nag, SecureBucketAspect, SecureBucketDefaults } from '../../src';
import { cloudFrontSite, dataLake, escapeHatches, newApp, selfLoggingBucket, websiteBucket } from '../apps/real-apps';
import { verdictOf } from '../helpers/compliance';

/** The report the Aspect writes into the app's cloud assembly. */
function reportOf(app: ReturnType<typeof newApp>): any {
  const assembly = app.synth();
  return JSON.parse(fs.readFileSync(path.join(assembly.directory, 'secure-bucket-report.json'), 'utf8'));
}
const bucketIn = (report: any, p: string) => report.buckets.find((b: any) => b.path === p);

describe('a CloudFront site with standard logging', () => {
  test('its log bucket is a log target: ObjectWriter passes SB-S3-6 (CloudFront writes logs with ACLs) and the data rules do not judge it', () => {
    const { logs } = cloudFrontSite();
    expect(verdictOf(logs, 'SB-S3-6')).toMatchObject({ status: 'pass' });
    expect(verdictOf(logs, 'SB-S3-4')).toEqual({ status: 'not-applied' });
    expect(verdictOf(logs, 'SB-S3-1')).toEqual({ status: 'not-applied' });
  });

  test('fails: a public ACL on the CloudFront log bucket still fails SB-S3-6', () => {
    const { logs } = cloudFrontSite();
    (logs.node.defaultChild as s3.CfnBucket).accessControl = 'PublicRead';
    expect(verdictOf(logs, 'SB-S3-6')).toMatchObject({ status: 'fail', detail: expect.stringContaining('AccessControl is PublicRead') });
  });

  test('fails: ObjectWriter on a bucket that is no CloudFront log target fails SB-S3-6', () => {
    const { content } = cloudFrontSite();
    (content.node.defaultChild as s3.CfnBucket).ownershipControls = { rules: [{ objectOwnership: 'ObjectWriter' }] };
    expect(verdictOf(content, 'SB-S3-6')).toMatchObject({ status: 'fail', detail: 'object ownership is ObjectWriter' });
  });
});

describe('settings S3 applies by default and the template does not declare', () => {
  test('SB-S3-5 and SB-S3-6 say so as advisories, which stay warnings when the Aspect enforces', () => {
    const { app, stack, bucket } = selfLoggingBucket();
    (bucket.node.defaultChild as s3.CfnBucket).publicAccessBlockConfiguration = undefined;
    (bucket.node.defaultChild as s3.CfnBucket).ownershipControls = undefined;
    expect(verdictOf(bucket, 'SB-S3-5')).toMatchObject({ status: 'fail', advisory: true, detail: expect.stringContaining('not declared') });
    expect(verdictOf(bucket, 'SB-S3-6')).toMatchObject({ status: 'fail', advisory: true, detail: expect.stringContaining('not declared') });

    // Every other finding of this bucket excluded: only the two advisories remain, and they do not fail the synthesis.
    const excludedRules = Object.fromEntries(['SB-S3-1', 'SB-S3-4', 'SB-S3-8', 'SB-S3-9', 'SB-S3-10'].map(id => [id, 'not what this test is about']));
    SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR, excludedRules });
    const report = reportOf(app);
    Annotations.fromStack(stack).hasWarning('/SelfLogging/Data/Resource', Match.stringLikeRegexp('\\[SB-S3-5\\].*not declared'));
    const posture = bucketIn(report, 'SelfLogging/Data/Resource').posture;
    expect(posture.publicAccessBlock).toBe('all four (AWS default, not declared)');
    expect(posture.ownership).toBe('BucketOwnerEnforced (AWS default, not declared)');
    expect(report.summary).toMatchObject({ advisory: 2, failing: 0 });
  });

  test('the cdk-nag pack reports an advisory as a warning even at level ERROR', () => {
    const { app, bucket } = selfLoggingBucket();
    (bucket.node.defaultChild as s3.CfnBucket).ownershipControls = undefined;
    const violations = new nag.SecureBucketChecks(app).validateScope(app).violations;
    expect(violations.find(v => v.ruleName.endsWith('SB-S3-6'))).toMatchObject({ severity: 'warning' });
    expect(violations.find(v => v.ruleName.endsWith('SB-S3-4'))).toMatchObject({ severity: 'error' });
  });
});

describe('owner-only canned ACLs (Private, BucketOwnerFullControl)', () => {
  test.each(['Private', 'BucketOwnerFullControl'])('%s with BucketOwnerEnforced passes SB-S3-6, as SecureBucketDefaults treats it', acl => {
    const { raw } = escapeHatches();
    raw.accessControl = acl;
    expect(verdictOf(raw, 'SB-S3-6')).toMatchObject({ status: 'pass' });
  });

  test.each(['PublicRead', 'LogDeliveryWrite', 'AuthenticatedRead'])('fails: %s fails SB-S3-6', acl => {
    const { raw } = escapeHatches();
    raw.accessControl = acl;
    expect(verdictOf(raw, 'SB-S3-6')).toMatchObject({ status: 'fail', detail: `AccessControl is ${acl}` });
  });
});

describe('a bucket that logs to itself, in an app with every recommended feature flag', () => {
  test('fails: SB-S3-4 reports the loop (its own log-delivery grant does not make it a log bucket)', () => {
    const { stack, bucket } = selfLoggingBucket();
    // The flag makes aws-cdk-lib grant log delivery through the bucket's own policy.
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' } })]) },
    });
    expect(verdictOf(bucket, 'SB-S3-4')).toMatchObject({ status: 'fail', detail: expect.stringContaining('logs to itself') });
    expect(verdictOf(bucket, 'SB-S3-1')).toMatchObject({ status: 'fail' });
  });

  test('a bucket that receives the logs of others is still a log bucket', () => {
    const { stack, bucket } = selfLoggingBucket();
    new s3.Bucket(stack, 'Other', { serverAccessLogsBucket: bucket });
    expect(verdictOf(bucket, 'SB-S3-1')).toEqual({ status: 'not-applied' });
  });
});

describe('the report', () => {
  test('fails: a bucket whose policy allows public read is PUBLIC in the access column, not "IAM only"', () => {
    const { app } = websiteBucket();
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
    const site = bucketIn(reportOf(app), 'Website/Site/Resource');
    expect(site.posture.access.summary).toMatch(/^PUBLIC \(policy: 1 statement\(s\) allow everyone/);
    expect(site.posture.access.public).toBeDefined();
  });

  test('a private bucket with no restriction is "IAM only"', () => {
    const { app } = dataLake();
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
    expect(bucketIn(reportOf(app), 'Lake/Raw/Resource').posture.access.summary).toBe('IAM only');
  });
});

describe('SecureBucketDefaults on a website bucket', () => {
  test('adds no TLS-only Deny (the website endpoint serves HTTP only) and the report says TLS is CloudFront\'s', () => {
    const { app, stack } = websiteBucket();
    Mixins.of(stack).apply(new SecureBucketDefaults());
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
    expect(bucketIn(reportOf(app), 'Website/Site/Resource').posture.tls).toMatch(/website bucket .*HTTP only.*CloudFront/);
    const policies = Template.fromStack(stack).findResources('AWS::S3::BucketPolicy');
    expect(JSON.stringify(policies)).not.toContain('aws:SecureTransport');
  });

  test('fails: a bucket without a website still gets the TLS-only Deny', () => {
    const { stack } = dataLake();
    Mixins.of(stack).apply(new SecureBucketDefaults());
    const policies = Template.fromStack(stack).findResources('AWS::S3::BucketPolicy');
    expect(JSON.stringify(policies)).toContain('aws:SecureTransport');
  });
});

describe('a data lake and escape hatches: the Aspect judges the rendered resources', () => {
  test('a data lake of aws-cdk-lib buckets passes the data rules it was built for', () => {
    const { raw, curated, logs } = dataLake();
    for (const rule of ['SB-S3-1', 'SB-S3-2', 'SB-S3-3', 'SB-S3-4', 'SB-S3-7', 'SB-S3-9']) {
      expect([rule, verdictOf(raw, rule).status]).toEqual([rule, 'pass']);
      expect([rule, verdictOf(curated, rule).status]).toEqual([rule, 'pass']);
    }
    expect(verdictOf(logs, 'SB-S3-1')).toEqual({ status: 'not-applied' });
  });

  test('fails: property overrides that suspend versioning and open a public access block are judged as rendered', () => {
    const { overridden } = escapeHatches();
    expect(verdictOf(overridden, 'SB-S3-3')).toMatchObject({ status: 'fail', detail: 'versioning is Suspended' });
    expect(verdictOf(overridden, 'SB-S3-5')).toMatchObject({ status: 'fail', detail: expect.stringContaining('BlockPublicPolicy') });
  });
});
