import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { controlIdsByResource, controlTowerViolations, nagAcknowledgements, nagFindings } from '../../scripts/checkers';
import { FindingLevel, RoleOnly, SecureBucket, SecureBucketAspect } from '../../src';
import { ENV, newApp } from '../helpers/stacks';
import { ruleWarnings } from '../helpers/templates';

function replicatedPair(app: App): { stack: Stack; source: SecureBucket; replica: SecureBucket } {
  const stack = new Stack(app, 'Stack', { env: ENV });
  const replica = new SecureBucket(stack, 'Replica');
  const source = new SecureBucket(stack, 'Data', { replication: { destination: replica, replicationTime: true } });
  return { stack, source, replica };
}

describe('a replicated pair of SecureBuckets', () => {
  test('has zero findings in AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1', () => {
    const app = newApp();
    replicatedPair(app);
    expect(nagFindings(app)).toEqual([]);
  });

  test('the source no longer acknowledges the replication rules; the replica still does', () => {
    const app = newApp();
    replicatedPair(app);
    const acks = nagAcknowledgements(app);
    const on = (p: string) => acks.filter(a => a.constructPath === p).map(a => a.id);
    expect(on('Stack/Data/Resource').filter(id => id.endsWith('S3BucketReplicationEnabled'))).toEqual([]);
    expect(on('Stack/Replica/Resource').filter(id => id.endsWith('S3BucketReplicationEnabled'))).toHaveLength(3);
  });

  test('addReplicationDestination after construction drops the acknowledgements too', () => {
    const app = newApp();
    const stack = new Stack(app, 'Stack');
    const replica = new SecureBucket(stack, 'Replica');
    const source = new SecureBucket(stack, 'Data');
    source.addReplicationDestination({ destination: replica });
    const acks = nagAcknowledgements(app).filter(a => a.constructPath === 'Stack/Data/Resource');
    expect(acks.filter(a => a.id.endsWith('S3BucketReplicationEnabled'))).toEqual([]);
    expect(nagFindings(app)).toEqual([]);
  });

  test('SecureBucketAspect reports zero findings', () => {
    const app = newApp();
    const { stack } = replicatedPair(app);
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
    app.synth();
    expect(ruleWarnings(stack)).toEqual([]);
    const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'secure-bucket-report.json'), 'utf8'));
    for (const bucket of report.buckets) {
      expect(bucket.findings).toEqual([]);
    }
  });

  test('Control Tower: a bucket with Object Lock passes CT.S3.PR.9', () => {
    const app = newApp();
    const stack = new Stack(app, 'Stack');
    const bucket = new SecureBucket(stack, 'Locked', { objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 30 } });
    const id = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    const byResource = controlIdsByResource(controlTowerViolations(Template.fromStack(stack).toJSON()));
    expect(byResource[id] ?? []).toEqual([]);
  });
});

describe('replicated buckets under more checkers', () => {
  test('aws-cdk-lib\'s built-in CloudFormation validation accepts every replication option and Object Lock', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const lock = { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetentionYears: 1, confirmComplianceMode: true };
    const replica = new SecureBucket(stack, 'Replica', { objectLock: lock });
    const source = new SecureBucket(stack, 'Data', {
      objectLock: lock,
      replication: { destination: replica, replicationTime: true, deleteMarkerReplication: true, storageClass: s3.StorageClass.INFREQUENT_ACCESS, prefix: 'a/' },
    });
    source.addReplicationDestination({
      destination: s3.Bucket.fromBucketArn(stack, 'Dr', 'arn:aws:s3:::dr-replica'),
      destinationKey: kms.Key.fromKeyArn(stack, 'DrKey', 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      destinationAccount: '222222222222',
    });
    expect(() => app.synth()).not.toThrow();
  });

  test('a cross-account replication and a restricted pair have zero cdk-nag findings', () => {
    const app = newApp();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const appRole = iam.Role.fromRoleArn(stack, 'App', 'arn:aws:iam::111111111111:role/App');
    const replica = new SecureBucket(stack, 'Replica', { accessRestrictions: [new RoleOnly({ roles: [appRole] })] });
    const source = new SecureBucket(stack, 'Data', { replication: { destination: replica }, accessRestrictions: [new RoleOnly({ roles: [appRole] })] });
    source.addReplicationDestination({
      destination: s3.Bucket.fromBucketArn(stack, 'Dr', 'arn:aws:s3:::dr-replica'),
      destinationKey: kms.Key.fromKeyArn(stack, 'DrKey', 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      destinationAccount: '222222222222',
    });
    expect(nagFindings(app)).toEqual([]);
  });

  test('Control Tower: a replicated pair with Object Lock leaves only the log bucket\'s impossible controls', () => {
    const app = newApp();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const lock = { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 30 };
    const replica = new SecureBucket(stack, 'Replica', { objectLock: lock });
    new SecureBucket(stack, 'Data', { objectLock: lock, replication: { destination: replica, replicationTime: true } });
    const byResource = controlIdsByResource(controlTowerViolations(Template.fromStack(stack).toJSON()));
    expect(Object.keys(byResource).filter(id => !id.startsWith('SecureBucketAccessLogs'))).toEqual([]);
  });

  test('a named SecureBucket destination in another stack: zero cdk-nag findings, the role names it literally', () => {
    const app = newApp();
    const env = { account: '111111111111', region: 'us-east-1' };
    const dr = new Stack(app, 'Dr', { env: { ...env, region: 'eu-west-1' } });
    const replica = new SecureBucket(dr, 'Replica', { bucketName: 'dr-replica-bucket' });
    const stack = new Stack(app, 'Stack', { env });
    new SecureBucket(stack, 'Data', {
      replication: {
        destination: replica,
        destinationKey: kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      },
    });
    app.synth();
    expect(nagFindings(app)).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'ReplicateTo1',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::dr-replica-bucket/*']] },
        })]),
      },
    });
  });
});
