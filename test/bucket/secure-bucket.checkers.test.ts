import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { controlIdsByResource, controlTowerViolations, nagAcknowledgements, nagFindings } from '../../scripts/checkers';
import { AccessLogsBucket, SecureBucket } from '../../src';
import { ENV, newApp } from '../helpers/stacks';

/**
 * Control Tower controls that the data bucket does not pass by default, with the AWS reason.
 * Listed in the README ("What the checkers say, and why").
 */
const DATA_BUCKET_OPTIONAL_CONTROLS = {
  'CT.S3.PR.9': 'Object Lock cannot be turned off once enabled: it is an explicit option, not a default',
};

/** Control Tower controls that a server access log target cannot pass, with the AWS reason. */
const LOG_BUCKET_IMPOSSIBLE_CONTROLS = {
  'CT.S3.PR.2': 'a log target does not log to itself',
  'CT.S3.PR.9': 'AWS does not deliver server access logs to a bucket with Object Lock default retention',
  'CT.S3.PR.10': 'AWS does not support SSE-KMS default encryption on a server access log target',
};

function defaultStack(): { app: App; stack: Stack; bucket: SecureBucket } {
  const app = newApp();
  const stack = new Stack(app, 'Stack', { env: ENV });
  const bucket = new SecureBucket(stack, 'Data');
  return { app, stack, bucket };
}

describe('SecureBucket under cdk-nag', () => {
  test('a default SecureBucket has zero findings in AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1', () => {
    const { app } = defaultStack();
    expect(nagFindings(app)).toEqual([]);
  });

  test('a SecureBucket with its own key, TLS 1.3 and a separate AccessLogsBucket has zero findings', () => {
    const app = newApp();
    const stack = new Stack(app, 'Stack');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const logs = new AccessLogsBucket(stack, 'Logs');
    new SecureBucket(stack, 'Data', { encryptionKey: key, minimumTLSVersion: 1.3, serverAccessLogsBucket: logs });
    expect(nagFindings(app)).toEqual([]);
  });

  test('a plain s3.Bucket beside it is still flagged (the checker is live)', () => {
    const { app, stack } = defaultStack();
    new s3.Bucket(stack, 'Plain');
    const flagged = nagFindings(app).filter(f => f.resourcePath === 'Stack/Plain/Resource').map(f => f.ruleId);
    expect(flagged).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10', 'NIST.800.53.R5-S3BucketVersioningEnabled']));
  });

  test('every acknowledgement sits on one bucket resource, never on a stack or the app', () => {
    const { app } = defaultStack();
    const acks = nagAcknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.on).toBe('cfn-resource');
      expect(ack.reason.length).toBeGreaterThan(40);
    }
    const byResource = (path: string) => acks.filter(a => a.constructPath === path).map(a => a.id).sort();
    expect(byResource('Stack/SecureBucketAccessLogs/Resource')).toEqual([
      'AwsSolutions-S1',
      'HIPAA.Security-S3BucketLoggingEnabled',
      'HIPAA.Security-S3BucketReplicationEnabled',
      'HIPAA.Security-S3DefaultEncryptionKMS',
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'PCI.DSS.321-S3BucketLoggingEnabled',
      'PCI.DSS.321-S3BucketReplicationEnabled',
      'PCI.DSS.321-S3DefaultEncryptionKMS',
    ]);
    expect(byResource('Stack/Data/Resource')).toEqual([
      'HIPAA.Security-S3BucketReplicationEnabled',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'PCI.DSS.321-S3BucketReplicationEnabled',
    ]);
  });

  test('fails the replication rules when the acknowledgement is taken away', () => {
    // GIVEN a stack whose SecureBucket acknowledgements are removed from the metadata
    const { app, bucket } = defaultStack();
    const cfn = bucket.node.defaultChild!;
    const meta = cfn.node.metadata.filter(m => m.type !== 'aws:cdk:acknowledged-rules');
    (cfn.node as any)._metadata = meta;
    // THEN the replication rules of the three packs fire on the data bucket
    const flagged = nagFindings(app).filter(f => f.resourcePath === 'Stack/Data/Resource').map(f => f.ruleId).sort();
    expect(flagged).toEqual([
      'HIPAA.Security-S3BucketReplicationEnabled',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'PCI.DSS.321-S3BucketReplicationEnabled',
    ]);
  });
});

describe('SecureBucket under AWS Control Tower proactive controls', () => {
  test('the data bucket and its key pass every CT.S3.PR and CT.KMS.PR control but the optional Object Lock', () => {
    const { stack, bucket } = defaultStack();
    const template = Template.fromStack(stack).toJSON();
    const dataId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    const keyId = stack.getLogicalId(bucket.key.node.defaultChild as kms.CfnKey);
    const byResource = controlIdsByResource(controlTowerViolations(template));
    expect(byResource[dataId] ?? []).toEqual(Object.keys(DATA_BUCKET_OPTIONAL_CONTROLS));
    expect(byResource[keyId] ?? []).toEqual([]);
  });

  test('the log bucket fails only the controls AWS makes impossible for a log target', () => {
    const { stack } = defaultStack();
    const template = Template.fromStack(stack).toJSON();
    const logsId = stack.getLogicalId(AccessLogsBucket.ofStack(stack).node.defaultChild as s3.CfnBucket);
    const byResource = controlIdsByResource(controlTowerViolations(template));
    expect(byResource[logsId]).toEqual(Object.keys(LOG_BUCKET_IMPOSSIBLE_CONTROLS));
  });

  test('a plain s3.Bucket fails the controls SecureBucket passes (the checker is live)', () => {
    const app = newApp();
    const stack = new Stack(app, 'Stack');
    new s3.Bucket(stack, 'Plain', { versioned: false });
    const ids = controlTowerViolations(Template.fromStack(stack).toJSON()).map(v => v.controlId);
    expect(ids).toEqual(expect.arrayContaining(['CT.S3.PR.1', 'CT.S3.PR.2', 'CT.S3.PR.10', 'CT.S3.PR.11']));
  });
});
