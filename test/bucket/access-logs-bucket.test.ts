import { CfnParameter, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { AccessLogsBucket, AccessLogsBucketProps, SecureBucket } from '../../src';
import { ENV, newApp, newStack } from '../helpers/stacks';
import {
  bucketArn, expectBucket, expectedMinTlsDeny, expectedTlsDeny, expectResource, logicalId, objectsArn, policyStatements,
} from '../helpers/templates';

const ACCOUNT_SCOPED_WARNING = 'cdk-secure-bucket:AccessLogsBucket.accountScopedDelivery';
const LOG_DELIVERY = 'logging.s3.amazonaws.com';

function deliveryStatements(template: Template, logs: IConstruct): any[] {
  return policyStatements(template, logs).filter(s => s.Principal?.Service === LOG_DELIVERY);
}

function logsBucket(props: AccessLogsBucketProps = {}) {
  const stack = newStack();
  const logs = new AccessLogsBucket(stack, 'Logs', props);
  return { stack, logs, template: Template.fromStack(stack) };
}

describe('AccessLogsBucket', () => {
  describe('defaults', () => {
    let fixture: ReturnType<typeof logsBucket>;
    beforeAll(() => { fixture = logsBucket(); });

    test('encrypts with SSE-S3 (AES256), the only default encryption AWS supports on a log target, and creates no key', () => {
      expectBucket(fixture.template, fixture.logs, {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      });
      fixture.template.resourceCountIs('AWS::KMS::Key', 0);
      expect(fixture.logs.encryptionKey).toBeUndefined();
    });

    test('blocks all public access', () => {
      expectBucket(fixture.template, fixture.logs, {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
    });

    test('disables ACLs (BucketOwnerEnforced) and sets no canned ACL', () => {
      expectBucket(fixture.template, fixture.logs, {
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        AccessControl: Match.absent(),
      });
    });

    test('denies requests without TLS on the bucket and its objects', () => {
      expect(policyStatements(fixture.template, fixture.logs)).toContainEqual(expectedTlsDeny(fixture.logs));
    });

    test('denies TLS versions below 1.2', () => {
      expect(policyStatements(fixture.template, fixture.logs)).toContainEqual(expectedMinTlsDeny(fixture.logs));
    });

    test('versions objects', () => {
      expectBucket(fixture.template, fixture.logs, { VersioningConfiguration: { Status: 'Enabled' } });
    });

    test('is retained', () => {
      expectResource(fixture.template, 'AWS::S3::Bucket', logicalId(fixture.logs), { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('does not log to itself (no LoggingConfiguration)', () => {
      expectBucket(fixture.template, fixture.logs, { LoggingConfiguration: Match.absent() });
    });

    test('expires logs after 365 days and their noncurrent versions 30 days later, and removes expired delete markers', () => {
      expectBucket(fixture.template, fixture.logs, {
        LifecycleConfiguration: {
          Rules: [
            Match.objectEquals({
              Id: 'ExpireLogs',
              Status: 'Enabled',
              ExpirationInDays: 365,
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            }),
            Match.objectEquals({ Id: 'RemoveExpiredDeleteMarkers', Status: 'Enabled', ExpiredObjectDeleteMarker: true }),
          ],
        },
      });
    });

    test('sends events to EventBridge through the bucket property, with no custom resource', () => {
      expectBucket(fixture.template, fixture.logs, { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
      fixture.template.resourceCountIs('Custom::S3BucketNotifications', 0);
      fixture.template.resourceCountIs('AWS::Lambda::Function', 0);
    });

    test('has no log-delivery statement until a source is added', () => {
      expect(deliveryStatements(fixture.template, fixture.logs)).toEqual([]);
      expect(fixture.logs.sourceCount).toBe(0);
    });

    test('raises no warning', () => {
      Annotations.fromStack(fixture.stack).hasNoWarning('*', Match.anyValue());
    });

    test('records the cdk-nag logging acknowledgements, with a reason, on its L1 only', () => {
      const ackEntries = (c: IConstruct) => c.node.metadata.filter(e => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
      const acknowledged: Record<string, string> = Object.assign({}, ...ackEntries(fixture.logs.node.defaultChild!)
        .map(e => Object.fromEntries(Object.entries(e.data).map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason]))));

      for (const rule of ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled']) {
        expect(acknowledged[rule]).toMatch(/server access log target/);
      }
      expect(ackEntries(fixture.logs)).toEqual([]);
      expect(ackEntries(fixture.stack)).toEqual([]);
    });
  });

  describe('options', () => {
    test('logRetention sets the log expiration', () => {
      const { template, logs } = logsBucket({ logRetention: Duration.days(90) });
      expectBucket(template, logs, {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireLogs', ExpirationInDays: 90 })]) },
      });
    });

    test('logRetention accepts a token', () => {
      const stack = newStack();
      const days = new CfnParameter(stack, 'Days', { type: 'Number', default: 30 });
      const logs = new AccessLogsBucket(stack, 'Logs', { logRetention: Duration.days(days.valueAsNumber) });
      expectBucket(Template.fromStack(stack), logs, {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireLogs', ExpirationInDays: { Ref: 'Days' } })]) },
      });
    });

    test('removalPolicy and bucketName are passed to the bucket', () => {
      const { template, logs } = logsBucket({ removalPolicy: RemovalPolicy.DESTROY, bucketName: 'my-access-logs' });
      expectResource(template, 'AWS::S3::Bucket', logicalId(logs), { DeletionPolicy: 'Delete', Properties: Match.objectLike({ BucketName: 'my-access-logs' }) });
    });

    test('fails on logRetention of 0 days', () => {
      const stack = newStack();
      expect(() => new AccessLogsBucket(stack, 'Logs', { logRetention: Duration.days(0) }))
        .toThrow(/\[Stack\/Logs\] 'logRetention' must be at least 1 day \(got "0 days"\)\. Use Duration\.days\(n\) with n >= 1\./);
    });

    test('fails on maxListedSources 0', () => {
      const stack = newStack();
      expect(() => new AccessLogsBucket(stack, 'Logs', { maxListedSources: 0 }))
        .toThrow(/\[Stack\/Logs\] 'maxListedSources' must be a positive integer \(got 0\)\. Use a number such as 150\./);
    });

    test('fails on a fractional maxListedSources', () => {
      const stack = newStack();
      expect(() => new AccessLogsBucket(stack, 'Logs', { maxListedSources: 2.5 }))
        .toThrow(/'maxListedSources' must be a positive integer \(got 2\.5\)/);
    });
  });

  describe('ofStack', () => {
    test('returns the same instance for every scope of a stack, with the id SecureBucketAccessLogs', () => {
      const stack = newStack();
      const nested = new Construct(stack, 'Nested');
      const first = AccessLogsBucket.ofStack(stack);
      expect(AccessLogsBucket.ofStack(nested)).toBe(first);
      expect(first.node.id).toBe('SecureBucketAccessLogs');
      expect(first.node.scope).toBe(stack);
      expect(AccessLogsBucket.STACK_DEFAULT_ID).toBe('SecureBucketAccessLogs');
    });

    test('returns one instance per stack', () => {
      const app = newApp();
      const a = newStack({ scope: app, id: 'A' });
      const b = newStack({ scope: app, id: 'B' });
      expect(AccessLogsBucket.ofStack(a)).not.toBe(AccessLogsBucket.ofStack(b));
      expect(Stack.of(AccessLogsBucket.ofStack(b))).toBe(b);
    });

    test('fails when another construct already uses the id SecureBucketAccessLogs', () => {
      const stack = newStack();
      new s3.Bucket(stack, 'SecureBucketAccessLogs');
      expect(() => AccessLogsBucket.ofStack(stack))
        .toThrow(/\[Stack\] 'id' is used by another construct in this stack \(got "SecureBucketAccessLogs"\)\. Rename that construct, or pass 'serverAccessLogsBucket'/);
    });

    test('isAccessLogsBucket recognises AccessLogsBuckets only', () => {
      const stack = newStack();
      expect(AccessLogsBucket.isAccessLogsBucket(AccessLogsBucket.ofStack(stack))).toBe(true);
      expect(AccessLogsBucket.isAccessLogsBucket(new s3.Bucket(stack, 'Plain'))).toBe(false);
      expect(AccessLogsBucket.isAccessLogsBucket(new SecureBucket(stack, 'Data'))).toBe(false);
      expect(AccessLogsBucket.isAccessLogsBucket(undefined)).toBe(false);
    });
  });

  describe('log delivery', () => {
    test('one statement lets logging.s3.amazonaws.com put objects for every source of this account', () => {
      // GIVEN
      const stack = newStack();
      const logs = new AccessLogsBucket(stack, 'Logs');
      const plain = new s3.Bucket(stack, 'Plain');

      // WHEN
      const a = new SecureBucket(stack, 'A', { serverAccessLogsBucket: logs });
      const b = new SecureBucket(stack, 'B', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'b/' });
      logs.addLogSource(plain);

      // THEN
      expect(deliveryStatements(Template.fromStack(stack), logs)).toEqual([{
        Sid: 'S3ServerAccessLogsPolicy',
        Effect: 'Allow',
        Principal: { Service: LOG_DELIVERY },
        Action: 's3:PutObject',
        Resource: objectsArn(logs),
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': [bucketArn(a), bucketArn(b), bucketArn(plain)] },
        },
      }]);
      expect(logs.sourceCount).toBe(3);
    });

    test('uses the literal account of a stack with an explicit environment', () => {
      const stack = newStack({ env: ENV });
      const logs = new AccessLogsBucket(stack, 'Logs');
      new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs });
      expect(deliveryStatements(Template.fromStack(stack), logs)).toEqual([expect.objectContaining({
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': '111111111111' } }),
      })]);
    });

    test('lists a source added twice once', () => {
      const stack = newStack();
      const logs = new AccessLogsBucket(stack, 'Logs');
      const plain = new s3.Bucket(stack, 'Plain');
      logs.addLogSource(plain);
      logs.addLogSource(plain);
      expect(logs.sourceCount).toBe(1);
      expect(deliveryStatements(Template.fromStack(stack), logs)).toEqual([expect.objectContaining({
        Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': [bucketArn(plain)] } }),
      })]);
    });

    test('keeps listing sources, without a warning, up to maxListedSources', () => {
      const stack = newStack();
      const logs = new AccessLogsBucket(stack, 'Logs', { maxListedSources: 2 });
      new SecureBucket(stack, 'A', { serverAccessLogsBucket: logs });
      new SecureBucket(stack, 'B', { serverAccessLogsBucket: logs });

      const [statement] = deliveryStatements(Template.fromStack(stack), logs);
      expect(statement.Condition.ArnLike['aws:SourceArn']).toHaveLength(2);
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });

    test('falls back to account-scoped delivery, with a warning, past maxListedSources', () => {
      // GIVEN
      const stack = newStack();
      const logs = new AccessLogsBucket(stack, 'Logs', { maxListedSources: 2 });

      // WHEN
      for (const id of ['A', 'B', 'C']) {
        new SecureBucket(stack, id, { serverAccessLogsBucket: logs });
      }

      // THEN
      expect(deliveryStatements(Template.fromStack(stack), logs)).toEqual([{
        Sid: 'S3ServerAccessLogsPolicy',
        Effect: 'Allow',
        Principal: { Service: LOG_DELIVERY },
        Action: 's3:PutObject',
        Resource: objectsArn(logs),
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }]);
      Annotations.fromStack(stack).hasWarning(`/${stack.stackName}/Logs`,
        Match.stringLikeRegexp(`3 source buckets exceed maxListedSources \\(2\\).*\\[ack: ${ACCOUNT_SCOPED_WARNING}\\]`));
    });

    test('the account-scoped warning can be acknowledged by its id', () => {
      const stack = newStack();
      const logs = new AccessLogsBucket(stack, 'Logs', { maxListedSources: 1 });
      new SecureBucket(stack, 'A', { serverAccessLogsBucket: logs });
      new SecureBucket(stack, 'B', { serverAccessLogsBucket: logs });
      Validations.of(logs).acknowledge({ id: ACCOUNT_SCOPED_WARNING, reason: 'A test of the acknowledgement' });
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });

    test('names a source of another stack by its literal name, without a reference to that stack', () => {
      // GIVEN
      const app = newApp();
      const logStack = newStack({ scope: app, id: 'Logging' });
      const dataStack = newStack({ scope: app, id: 'Data' });
      const logs = new AccessLogsBucket(logStack, 'Logs');

      // WHEN
      new SecureBucket(dataStack, 'Data', { bucketName: 'my-data-bucket', serverAccessLogsBucket: logs });

      // THEN
      const logTemplate = Template.fromStack(logStack);
      expect(deliveryStatements(logTemplate, logs)).toEqual([expect.objectContaining({
        Condition: expect.objectContaining({
          ArnLike: { 'aws:SourceArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-data-bucket']] }] },
        }),
      })]);
      expect(JSON.stringify(logTemplate.toJSON())).not.toContain('Fn::ImportValue');
      expect(logStack.dependencies).toEqual([]);
      expect(dataStack.dependencies).toEqual([logStack]);
    });

    test('fails on a source of another stack without a literal name', () => {
      const app = newApp();
      const logStack = newStack({ scope: app, id: 'Logging' });
      const dataStack = newStack({ scope: app, id: 'Data' });
      const logs = new AccessLogsBucket(logStack, 'Logs');
      expect(() => new SecureBucket(dataStack, 'Data', { serverAccessLogsBucket: logs }))
        .toThrow(/\[Data\/Data\] 'serverAccessLogsBucket' is in stack Logging, another stack than the bucket, which has no literal name to put in the target's policy \(got "Logging\/Logs"\)\. Give the bucket a literal bucketName/);
    });

    test('fails on a source in another account', () => {
      const stack = newStack({ env: ENV });
      const logs = new AccessLogsBucket(stack, 'Logs');
      const foreign = s3.Bucket.fromBucketAttributes(stack, 'Foreign', { bucketName: 'foreign-bucket', account: '222222222222' });
      expect(() => logs.addLogSource(foreign))
        .toThrow(/\[Stack\/Logs\] 'serverAccessLogsBucket' is in account 111111111111 but the source bucket Stack\/Foreign is in account 222222222222.*Use a log bucket in the source bucket's account\./);
    });

    test('fails on a source in another region', () => {
      const stack = newStack({ env: ENV });
      const logs = new AccessLogsBucket(stack, 'Logs');
      const far = s3.Bucket.fromBucketAttributes(stack, 'Far', { bucketName: 'far-bucket', region: 'eu-west-1' });
      expect(() => logs.addLogSource(far))
        .toThrow(/\[Stack\/Logs\] 'serverAccessLogsBucket' is in region us-east-1 but the source bucket Stack\/Far is in region eu-west-1.*Use a log bucket in the source bucket's region\./);
    });
  });
});
