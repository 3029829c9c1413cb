import * as fs from 'fs';
import * as path from 'path';
import { App, AppProps, CfnParameter, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AccessLogsBucket, SecureBucket, SecureBucketProps } from '../../src';
import { newApp, newStack } from '../helpers/stacks';
import {
  bucketArn, expectBucket, expectedMinTlsDeny, expectedTlsDeny, expectResource, keyArn, logicalId, objectsArn, policyStatements,
} from '../helpers/templates';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

interface Fixture {
  readonly stack: Stack;
  readonly bucket: SecureBucket;
  readonly template: Template;
}

function secureBucket(props: SecureBucketProps = {}, appProps: AppProps = {}): Fixture {
  const stack = newStack({ app: appProps });
  const bucket = new SecureBucket(stack, 'Data', props);
  return { stack, bucket, template: Template.fromStack(stack) };
}

const SSE_HEADER = 's3:x-amz-server-side-encryption';
const SSE_KEY_HEADER = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/**
 * The main guarantees of a default SecureBucket, asserted one by one. Shared by the
 * `defaults` tests and by the feature-flag tests, which run them under several contexts.
 */
const DEFAULT_GUARANTEES: Array<[string, (f: Fixture) => void]> = [
  ['encrypts with SSE-KMS under its own key, with an S3 Bucket Key', ({ template, bucket }) => {
    expectBucket(template, bucket, {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [Match.objectLike({
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn(bucket.key) },
        })],
      },
    });
  }],
  ['blocks SSE-C uploads', ({ template, bucket }) => {
    expectBucket(template, bucket, {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [Match.objectLike({ BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } })],
      },
    });
  }],
  ['creates one KMS key with rotation on, retained', ({ template, bucket }) => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    expectResource(template, 'AWS::KMS::Key', logicalId(bucket.key), {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  }],
  ['versions objects', ({ template, bucket }) => {
    expectBucket(template, bucket, { VersioningConfiguration: { Status: 'Enabled' } });
  }],
  ['blocks all public access', ({ template, bucket }) => {
    expectBucket(template, bucket, {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  }],
  ['disables ACLs (BucketOwnerEnforced) and sets no canned ACL', ({ template, bucket }) => {
    expectBucket(template, bucket, {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      AccessControl: Match.absent(),
    });
  }],
  ['denies requests without TLS on the bucket and its objects', ({ template, bucket }) => {
    expect(policyStatements(template, bucket)).toContainEqual(expectedTlsDeny(bucket));
  }],
  ['denies TLS versions below 1.2 on the bucket and its objects', ({ template, bucket }) => {
    expect(policyStatements(template, bucket)).toContainEqual(expectedMinTlsDeny(bucket));
  }],
  ['denies uploads with an encryption header but not this bucket\'s key (DenyEncryptionWithoutThisKey)', ({ template, bucket }) => {
    expect(policyStatements(template, bucket)).toContainEqual({
      Sid: 'DenyEncryptionWithoutThisKey',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      // Every action that writes object data with encryption headers (replicas included).
      Action: ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption'],
      Resource: objectsArn(bucket),
      Condition: { Null: { [SSE_HEADER]: 'false' }, StringNotEquals: { [SSE_KEY_HEADER]: keyArn(bucket.key) } },
    });
  }],
  ['denies uploads with a key id and an encryption other than aws:kms (DenyKeyIdWithOtherEncryption)', ({ template, bucket }) => {
    expect(policyStatements(template, bucket)).toContainEqual({
      Sid: 'DenyKeyIdWithOtherEncryption',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption'],
      Resource: objectsArn(bucket),
      Condition: { Null: { [SSE_KEY_HEADER]: 'false' }, StringNotEquals: { [SSE_HEADER]: 'aws:kms' } },
    });
  }],
  ['logs to the stack\'s shared SecureBucketAccessLogs bucket, partitioned by event time', ({ template, bucket, stack }) => {
    const logs = stack.node.findChild(AccessLogsBucket.STACK_DEFAULT_ID);
    expectBucket(template, bucket, {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId(logs) },
        LogFilePrefix: Match.absent(),
        TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
      },
    });
  }],
  ['expires noncurrent versions, aborts multipart uploads and removes expired delete markers', ({ template, bucket }) => {
    expectBucket(template, bucket, {
      LifecycleConfiguration: {
        Rules: [Match.objectEquals({
          Id: 'SecureBucketDefaults',
          Status: 'Enabled',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          ExpiredObjectDeleteMarker: true,
        })],
      },
    });
  }],
  ['sends events to EventBridge through the bucket property, with no custom resource or Lambda function', ({ template, bucket }) => {
    expectBucket(template, bucket, { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  }],
  ['retains the bucket', ({ template, bucket }) => {
    expectResource(template, 'AWS::S3::Bucket', logicalId(bucket), { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  }],
];

/** Every flag aws-cdk-lib recommends for new projects (what `cdk init` writes to cdk.json). */
const RECOMMENDED_FLAGS: Record<string, unknown> = cxapi.CURRENTLY_RECOMMENDED_FLAGS;

const CONTEXTS: Array<[string, Record<string, unknown>]> = [
  ['an empty context', {}],
  ['every recommended feature flag', RECOMMENDED_FLAGS],
];

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('SecureBucket', () => {
  describe('defaults', () => {
    let fixture: Fixture;
    beforeAll(() => { fixture = secureBucket(); });

    test.each(DEFAULT_GUARANTEES)('%s', (_name, assert) => {
      assert(fixture);
    });

    test('uses stable child ids: Resource, Key, Policy, and SecureBucketAccessLogs in the stack', () => {
      const { stack, bucket } = fixture;
      expect(bucket.node.findChild('Resource')).toBeInstanceOf(s3.CfnBucket);
      expect(bucket.node.findChild('Key')).toBeInstanceOf(kms.Key);
      expect(bucket.node.findChild('Key')).toBe(bucket.key);
      expect(bucket.node.findChild('Policy')).toBeInstanceOf(s3.BucketPolicy);
      expect(stack.node.findChild('SecureBucketAccessLogs')).toBeInstanceOf(AccessLogsBucket);
      expect(bucket.serverAccessLogsBucket).toBe(stack.node.findChild('SecureBucketAccessLogs'));
    });

    test('exposes the key and the minimum TLS version', () => {
      expect(fixture.bucket.key).toBe(fixture.bucket.encryptionKey);
      expect(fixture.bucket.minimumTlsVersion).toBe(1.2);
    });

    test('raises no warning and no error', () => {
      const annotations = Annotations.fromStack(fixture.stack);
      annotations.hasNoWarning('*', Match.anyValue());
      annotations.hasNoError('*', Match.anyValue());
    });

    test('acknowledges the optional replication controls on its L1 only', () => {
      const acknowledged = fixture.bucket.node.defaultChild!.node.metadata
        .filter(entry => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap(entry => Object.keys(entry.data).map(id => id.replace(/^annotation::/i, '')));
      expect(acknowledged).toEqual(expect.arrayContaining([
        'NIST.800.53.R5-S3BucketReplicationEnabled',
        'HIPAA.Security-S3BucketReplicationEnabled',
        'PCI.DSS.321-S3BucketReplicationEnabled',
      ]));
      expect(fixture.stack.node.metadata.filter(entry => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toEqual([]);
    });
  });

  test('synthesizes a template that the built-in CloudFormation validation finds no issue in', () => {
    // GIVEN an app with the built-in validation on (the default)
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new SecureBucket(stack, 'Data');

    // WHEN
    const assembly = app.synth();

    // THEN
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, cxapi.VALIDATION_REPORT_FILE), 'utf8'));
    const violations = report.pluginReports.flatMap((r: any) => r.violations);
    expect(violations).toEqual([]);
  });

  test('the built-in CloudFormation validation used above does report an invalid bucket', () => {
    // A control for the test above: the report is not empty by construction.
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const bucket = new SecureBucket(stack, 'Data');
    (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('VersioningConfiguration.Status', 'Sometimes');
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const assembly = app.synth();
      const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, cxapi.VALIDATION_REPORT_FILE), 'utf8'));
      const violations = report.pluginReports.flatMap((r: any) => r.violations);
      expect(violations).toEqual([expect.objectContaining({ ruleName: expect.any(String) })]);
      expect(JSON.stringify(violations)).toContain('VersioningConfiguration.Status');
    } finally {
      spy.mockRestore();
    }
  });

  describe('options', () => {
    test('minimumTLSVersion 1.3 denies TLS versions below 1.3, and no longer mentions 1.2', () => {
      const { template, bucket } = secureBucket({ minimumTLSVersion: 1.3 });
      const statements = policyStatements(template, bucket);
      expect(statements).toContainEqual(expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Resource: [bucketArn(bucket), objectsArn(bucket)],
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.3 } },
      }));
      expect(JSON.stringify(statements)).not.toContain('"s3:TlsVersion":1.2');
      expect(bucket.minimumTlsVersion).toBe(1.3);
    });

    test('two SecureBuckets of a stack share one log bucket', () => {
      const stack = newStack();
      const a = new SecureBucket(stack, 'A');
      const b = new SecureBucket(stack, 'B');
      const template = Template.fromStack(stack);

      template.resourceCountIs('AWS::S3::Bucket', 3);
      expect(a.serverAccessLogsBucket).toBe(b.serverAccessLogsBucket);
      const logsRef = { Ref: logicalId(a.serverAccessLogsBucket) };
      expectBucket(template, a, { LoggingConfiguration: Match.objectLike({ DestinationBucketName: logsRef }) });
      expectBucket(template, b, { LoggingConfiguration: Match.objectLike({ DestinationBucketName: logsRef }) });
    });

    test('the shared log bucket has one log-delivery statement listing both sources', () => {
      const stack = newStack();
      const a = new SecureBucket(stack, 'A');
      const b = new SecureBucket(stack, 'B');
      const template = Template.fromStack(stack);

      const delivery = policyStatements(template, a.serverAccessLogsBucket)
        .filter(s => s.Principal?.Service === 'logging.s3.amazonaws.com');
      expect(delivery).toEqual([{
        Sid: 'S3ServerAccessLogsPolicy',
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: objectsArn(a.serverAccessLogsBucket),
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': [bucketArn(a), bucketArn(b)] },
        },
      }]);
    });

    test('lifecycleRules are added after the default rule', () => {
      const { template, bucket } = secureBucket({
        lifecycleRules: [{ id: 'Archive', transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(30) }] }],
      });
      expectBucket(template, bucket, {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({ Id: 'SecureBucketDefaults' }),
            Match.objectLike({ Id: 'Archive', Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 30 }] }),
          ],
        },
      });
    });

    test('noncurrentVersionsToRetain keeps that many noncurrent versions', () => {
      const { template, bucket } = secureBucket({ noncurrentVersionsToRetain: 3 });
      expectBucket(template, bucket, {
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90, NewerNoncurrentVersions: 3 } })],
        },
      });
    });

    test('noncurrentVersionExpiration and abortIncompleteMultipartUploadAfter change the default rule', () => {
      const { template, bucket } = secureBucket({
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(2),
      });
      expectBucket(template, bucket, {
        LifecycleConfiguration: {
          Rules: [Match.objectLike({
            Id: 'SecureBucketDefaults',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
          })],
        },
      });
    });

    test('encryptionKey is used for encryption and in the policy, and no key is created', () => {
      // GIVEN
      const stack = newStack();
      const key = new kms.Key(stack, 'MyKey');

      // WHEN
      const bucket = new SecureBucket(stack, 'Data', { encryptionKey: key });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::KMS::Key', 1);
      expect(bucket.node.tryFindChild('Key')).toBeUndefined();
      expect(bucket.key).toBe(key);
      expectBucket(template, bucket, {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [Match.objectLike({
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn(key) },
          })],
        },
      });
      expect(policyStatements(template, bucket)).toContainEqual(expect.objectContaining({
        Sid: 'DenyEncryptionWithoutThisKey',
        Condition: expect.objectContaining({ StringNotEquals: { [SSE_KEY_HEADER]: keyArn(key) } }),
      }));
    });

    test('an imported encryptionKey ARN is used literally in the policy', () => {
      const stack = newStack();
      const arn = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
      const bucket = new SecureBucket(stack, 'Data', { encryptionKey: kms.Key.fromKeyArn(stack, 'Imported', arn) });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::KMS::Key', 0);
      expect(policyStatements(template, bucket)).toContainEqual(expect.objectContaining({
        Sid: 'DenyEncryptionWithoutThisKey',
        Condition: expect.objectContaining({ StringNotEquals: { [SSE_KEY_HEADER]: arn } }),
      }));
    });

    test('serverAccessLogsBucket and serverAccessLogsPrefix send the logs elsewhere, and no shared log bucket is created', () => {
      // GIVEN
      const stack = newStack();
      const logs = new AccessLogsBucket(stack, 'Logs');

      // WHEN
      const bucket = new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'data/' });

      // THEN
      const template = Template.fromStack(stack);
      expect(stack.node.tryFindChild(AccessLogsBucket.STACK_DEFAULT_ID)).toBeUndefined();
      template.resourceCountIs('AWS::S3::Bucket', 2);
      expectBucket(template, bucket, {
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalId(logs) },
          LogFilePrefix: 'data/',
          TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
        },
      });
      expect(policyStatements(template, logs)).toContainEqual(expect.objectContaining({
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': [bucketArn(bucket)] } }),
      }));
    });

    test('a plain s3.Bucket as serverAccessLogsBucket gets a log-delivery statement for the prefix and this source', () => {
      const stack = newStack();
      const logs = new s3.Bucket(stack, 'Logs');
      const bucket = new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'data/' });
      const template = Template.fromStack(stack);
      expect(policyStatements(template, logs)).toEqual([{
        Sid: 'S3ServerAccessLogsPolicy',
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [bucketArn(logs), '/data/*']] },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': [bucketArn(bucket)] },
        },
      }]);
    });

    test('removalPolicy DESTROY with autoDeleteObjects destroys the created key too', () => {
      const { template, bucket } = secureBucket({ removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
      expectResource(template, 'AWS::S3::Bucket', logicalId(bucket), { DeletionPolicy: 'Delete' });
      expectResource(template, 'AWS::KMS::Key', logicalId(bucket.key), { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    });

    test('removalPolicy DESTROY without autoDeleteObjects keeps the created key', () => {
      const { template, bucket } = secureBucket({ removalPolicy: RemovalPolicy.DESTROY });
      expectResource(template, 'AWS::S3::Bucket', logicalId(bucket), { DeletionPolicy: 'Delete' });
      expectResource(template, 'AWS::KMS::Key', logicalId(bucket.key), { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('an encryptionKey with removal policy DESTROY is accepted when the bucket is destroyed with autoDeleteObjects', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'MyKey', { removalPolicy: RemovalPolicy.DESTROY });
      new SecureBucket(stack, 'Data', { encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
      expect(() => Template.fromStack(stack)).not.toThrow();
    });
  });

  describe('integration with s3.Bucket features', () => {
    test('addEventNotification hands the configuration to the custom resource, with EventBridge kept on', () => {
      // GIVEN
      const stack = newStack();
      const bucket = new SecureBucket(stack, 'Data');
      const topic = new sns.Topic(stack, 'Topic');

      // WHEN
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(topic));

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('Custom::S3BucketNotifications', 1);
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: logicalId(bucket) },
        NotificationConfiguration: {
          // S3's API turns EventBridge on with an empty EventBridgeConfiguration element.
          EventBridgeConfiguration: Match.objectEquals({}),
          TopicConfigurations: [{ Events: ['s3:ObjectCreated:*'], TopicArn: { Ref: logicalId(topic) } }],
        },
      });
      expectBucket(template, bucket, { NotificationConfiguration: Match.absent() });
    });

    test('a second addEventNotification keeps one custom resource with EventBridge on', () => {
      const stack = newStack();
      const bucket = new SecureBucket(stack, 'Data');
      const topic = new sns.Topic(stack, 'Topic');
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(topic));
      bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, new s3n.SnsDestination(topic));
      bucket.enableEventBridgeNotification();

      const template = Template.fromStack(stack);
      template.resourceCountIs('Custom::S3BucketNotifications', 1);
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          EventBridgeConfiguration: Match.objectEquals({}),
          TopicConfigurations: [
            Match.objectLike({ Events: ['s3:ObjectCreated:*'] }),
            Match.objectLike({ Events: ['s3:ObjectRemoved:*'] }),
          ],
        },
      });
      expectBucket(template, bucket, { NotificationConfiguration: Match.absent() });
    });

    test('enableEventBridgeNotification on a bucket without notifications adds no custom resource', () => {
      const stack = newStack();
      const bucket = new SecureBucket(stack, 'Data');
      bucket.enableEventBridgeNotification();
      const template = Template.fromStack(stack);
      template.resourceCountIs('Custom::S3BucketNotifications', 0);
      expectBucket(template, bucket, { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    });

    test('grantRead gives a role s3 read and kms:Decrypt on the bucket key', () => {
      // GIVEN
      const stack = newStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      bucket.grantRead(role);

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(role) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: Match.arrayWith(['s3:GetObject*']),
              Resource: [bucketArn(bucket), objectsArn(bucket)],
            }),
            Match.objectLike({
              Effect: 'Allow',
              Action: Match.arrayWith(['kms:Decrypt']),
              Resource: keyArn(bucket.key),
            }),
          ]),
        },
      });
    });

    test('grantWrite gives a role kms:GenerateDataKey* on the bucket key', () => {
      const stack = newStack();
      const bucket = new SecureBucket(stack, 'Data');
      const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
      bucket.grantWrite(role);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: Match.arrayWith(['kms:GenerateDataKey*']), Resource: keyArn(bucket.key) }),
          ]),
        },
      });
    });

    test('.with() applies core S3 mixins to a SecureBucket and its policy', () => {
      // GIVEN
      const stack = newStack();
      const bucket = new SecureBucket(stack, 'Data');
      const statement = new iam.PolicyStatement({
        sid: 'AddedByMixin',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects('*')],
      });

      // WHEN
      const result = bucket.with(new s3.mixins.BucketVersioning(), new s3.mixins.BucketPolicyStatements([statement]));

      // THEN
      expect(result).toBe(bucket);
      const template = Template.fromStack(stack);
      const sids = policyStatements(template, bucket).map(s => s.Sid);
      expect(sids).toEqual(expect.arrayContaining(['AddedByMixin', 'DenyEncryptionWithoutThisKey', 'DenyKeyIdWithOtherEncryption']));
      expectBucket(template, bucket, { VersioningConfiguration: { Status: 'Enabled' } });
    });

    test('isSecureBucket recognises SecureBuckets only', () => {
      const stack = newStack();
      expect(SecureBucket.isSecureBucket(new SecureBucket(stack, 'Data'))).toBe(true);
      expect(SecureBucket.isSecureBucket(new s3.Bucket(stack, 'Plain'))).toBe(false);
      expect(SecureBucket.isSecureBucket(new AccessLogsBucket(stack, 'Logs'))).toBe(false);
      expect(SecureBucket.isSecureBucket(undefined)).toBe(false);
      expect(SecureBucket.isSecureBucket({})).toBe(false);
    });
  });
  describe('tokens', () => {
    test('accepts minimumTLSVersion as a token and renders it in the policy', () => {
      const stack = newStack();
      const tls = new CfnParameter(stack, 'MinTls', { type: 'Number', default: 1.3 });
      const bucket = new SecureBucket(stack, 'Data', { minimumTLSVersion: tls.valueAsNumber });
      expect(Token.isUnresolved(bucket.minimumTlsVersion)).toBe(true);
      expect(policyStatements(Template.fromStack(stack), bucket)).toContainEqual(expect.objectContaining({
        Condition: { NumericLessThan: { 's3:TlsVersion': { Ref: 'MinTls' } } },
      }));
    });

    test('accepts bucketName as a token', () => {
      const stack = newStack();
      const name = new CfnParameter(stack, 'Name', { type: 'String' });
      const bucket = new SecureBucket(stack, 'Data', { bucketName: name.valueAsString });
      expectBucket(Template.fromStack(stack), bucket, { BucketName: { Ref: 'Name' } });
    });

    test('accepts noncurrentVersionExpiration and noncurrentVersionsToRetain as tokens', () => {
      const stack = newStack();
      const daysParam = new CfnParameter(stack, 'Days', { type: 'Number', default: 30 });
      const keepParam = new CfnParameter(stack, 'Keep', { type: 'Number', default: 3 });
      const bucket = new SecureBucket(stack, 'Data', {
        noncurrentVersionExpiration: Duration.days(daysParam.valueAsNumber),
        noncurrentVersionsToRetain: keepParam.valueAsNumber,
      });
      expectBucket(Template.fromStack(stack), bucket, {
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: { Ref: 'Days' }, NewerNoncurrentVersions: { Ref: 'Keep' } } })],
        },
      });
    });

    test('accepts a token transition against a literal noncurrent expiration', () => {
      const stack = newStack();
      const after = new CfnParameter(stack, 'After', { type: 'Number', default: 30 });
      expect(() => new SecureBucket(stack, 'Data', {
        lifecycleRules: [{
          noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(after.valueAsNumber) }],
        }],
      })).not.toThrow();
    });
  });

  describe('feature flags', () => {
    test('the recommended flags include the ones that change S3 log delivery and public access defaults', () => {
      // Otherwise the comparison below would prove nothing about them.
      expect(RECOMMENDED_FLAGS[cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY]).toBe(true);
      expect(RECOMMENDED_FLAGS['@aws-cdk/aws-s3:createDefaultLoggingPolicy']).toBe(true);
      expect(RECOMMENDED_FLAGS['@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope']).toBe(true);
      expect(RECOMMENDED_FLAGS[cxapi.S3_PUBLIC_ACCESS_BLOCKED_BY_DEFAULT]).toBe(true);
    });

    test('the bucket, its key and policy, and the log bucket and its policy are the same with no flags and with every recommended flag', () => {
      const render = (context: Record<string, unknown>) => {
        const { stack, bucket } = secureBucket({}, { context });
        const resources = Template.fromStack(stack).toJSON().Resources;
        const logs = bucket.serverAccessLogsBucket as AccessLogsBucket;
        return Object.fromEntries([
          bucket, bucket.key, bucket.policy!, logs, logs.policy!,
        ].map(c => [c.node.path, resources[logicalId(c)]]));
      };
      const withoutFlags = render({});
      expect(Object.values(withoutFlags).every(r => r !== undefined)).toBe(true);
      expect(render(RECOMMENDED_FLAGS)).toEqual(withoutFlags);
    });

    describe.each(CONTEXTS)('with %s', (_name, context) => {
      let fixture: Fixture;
      beforeAll(() => { fixture = secureBucket({}, { context }); });

      test.each(DEFAULT_GUARANTEES)('%s', (_guarantee, assert) => {
        assert(fixture);
      });

      test('raises no warning and no error', () => {
        Annotations.fromStack(fixture.stack).hasNoWarning('*', Match.anyValue());
        Annotations.fromStack(fixture.stack).hasNoError('*', Match.anyValue());
      });
    });
  });
});

describe('SecureBucket log targets in another stack', () => {
  test('a plain s3.Bucket log target in another stack names a source with a literal name without a cross-stack reference', () => {
    // GIVEN a log bucket in one stack and a named SecureBucket in another
    const app = newApp();
    const logStack = new Stack(app, 'Logs');
    const logs = new s3.Bucket(logStack, 'Logs', { objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED });
    const dataStack = new Stack(app, 'Data');
    new SecureBucket(dataStack, 'Data', { bucketName: 'my-data-bucket', serverAccessLogsBucket: logs });
    // THEN the log stack's policy names the source by its literal ARN, and does not depend on the data stack
    const statements = policyStatements(Template.fromStack(logStack), logs);
    expect(statements).toContainEqual(expect.objectContaining({
      Condition: expect.objectContaining({
        ArnLike: { 'aws:SourceArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-data-bucket']] }] },
      }),
    }));
    expect(logStack.dependencies).toEqual([]);
  });
});
