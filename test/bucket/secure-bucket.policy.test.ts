/**
 * The synthesized bucket policies of a SecureBucket and of its log bucket, judged by a real IAM
 * policy evaluator (`@cloud-copilot/iam-simulate`) over a matrix of requests.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { SecureBucket, SecureBucketProps } from '../../src';
import { bucketArnFor, CfnTemplate, keyArnFor, TEST_ACCOUNT, TEST_REGION } from '../helpers/intrinsics';
import { BucketPolicyEvaluator, ContextInput, EvaluationResult } from '../helpers/policy-eval';
import { newStack } from '../helpers/stacks';
import { logicalId } from '../helpers/templates';

const APP_ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/app`;
const OTHER_ACCOUNT_ROLE = 'arn:aws:iam::222222222222:role/partner';
const LOG_DELIVERY = 'logging.s3.amazonaws.com';
const SSE = 's3:x-amz-server-side-encryption';
const SSE_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const OTHER_KEY_ARN = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;

interface Synthesized {
  /** The SecureBucket's policy. */
  readonly data: BucketPolicyEvaluator;
  /** The policy of the stack's shared SecureBucketAccessLogs bucket. */
  readonly logs: BucketPolicyEvaluator;
  /** The resolved ARN of the SecureBucket's key. */
  readonly keyArn: string;
  /** The resolved ARN of the SecureBucket. */
  readonly dataArn: string;
}

/** One SecureBucket in an env-agnostic stack (the evaluator resolves AWS::AccountId to 111111111111). */
function synthesize(props: SecureBucketProps = {}): Synthesized {
  const stack = newStack();
  const bucket = new SecureBucket(stack, 'Data', props);
  const template: CfnTemplate = Template.fromStack(stack).toJSON();
  return {
    data: BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: logicalId(bucket) }),
    logs: BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: logicalId(bucket.serverAccessLogsBucket) }),
    keyArn: keyArnFor(logicalId(bucket.key)),
    dataArn: bucketArnFor(template, logicalId(bucket)),
  };
}

/** A request in a table: what is asked, and what the policy must answer. */
interface Scenario {
  readonly principal: string;
  readonly action: string;
  readonly resource: 'bucket' | 'object';
  /** Context over the evaluator's defaults (TLS 1.3); a function when it needs the synthesized ARNs. */
  readonly context?: ContextInput | ((s: Synthesized) => ContextInput);
  readonly identityPolicyAllows?: boolean;
  readonly expected: EvaluationResult;
  /** Sids of the Deny statements that must be the ones denying the request. */
  readonly deniedBy?: string[];
}

async function expectScenario(policy: BucketPolicyEvaluator, synthesized: Synthesized, scenario: Scenario): Promise<void> {
  const context = typeof scenario.context === 'function' ? scenario.context(synthesized) : scenario.context;
  const details = await policy.evaluateDetailed({
    principal: scenario.principal,
    action: scenario.action,
    resource: scenario.resource,
    context,
    identityPolicyAllows: scenario.identityPolicyAllows,
  });
  // A context key the simulator ignores would make a scenario prove nothing.
  expect(details.ignoredContextKeys).toEqual([]);
  expect(details.result).toBe(scenario.expected);
  if (scenario.deniedBy) {
    expect(details.deniedBy).toEqual(scenario.deniedBy);
  }
}

type Table = Array<[string, Scenario]>;

describe('SecureBucket', () => {
  describe('bucket policy of a default SecureBucket', () => {
    let synthesized: Synthesized;
    beforeAll(() => { synthesized = synthesize(); });

    const DATA_BUCKET: Table = [
      ['denies a request without TLS on the bucket', {
        principal: APP_ROLE,
        action: 's3:ListBucket',
        resource: 'bucket',
        context: { 'aws:SecureTransport': 'false' },
        expected: 'ExplicitlyDenied',
      }],
      ['denies a request without TLS on an object', {
        principal: APP_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 'aws:SecureTransport': 'false' },
        expected: 'ExplicitlyDenied',
      }],
      ['denies a request without TLS from another account too', {
        principal: OTHER_ACCOUNT_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 'aws:SecureTransport': 'false' },
        expected: 'ExplicitlyDenied',
      }],
      ['denies TLS 1.1 on an object', {
        principal: APP_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 's3:TlsVersion': '1.1' },
        expected: 'ExplicitlyDenied',
      }],
      ['denies TLS 1.1 on the bucket', {
        principal: APP_ROLE,
        action: 's3:ListBucket',
        resource: 'bucket',
        context: { 's3:TlsVersion': '1.1' },
        expected: 'ExplicitlyDenied',
      }],
      ['allows TLS 1.2 (the minimum)', {
        principal: APP_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 's3:TlsVersion': '1.2' },
        expected: 'Allowed',
      }],
      ['allows a same-account role with an identity policy to GetObject', {
        principal: APP_ROLE, action: 's3:GetObject', resource: 'object', expected: 'Allowed',
      }],
      ['grants nothing by itself: a same-account role without an identity policy cannot GetObject', {
        principal: APP_ROLE, action: 's3:GetObject', resource: 'object', identityPolicyAllows: false, expected: 'ImplicitlyDenied',
      }],
      ['grants nothing to another account, even one with its own identity policy', {
        principal: OTHER_ACCOUNT_ROLE, action: 's3:GetObject', resource: 'object', expected: 'ImplicitlyDenied',
      }],
      ['allows PutObject without encryption headers (default encryption applies the bucket key)', {
        principal: APP_ROLE, action: 's3:PutObject', resource: 'object', expected: 'Allowed',
      }],
      ['denies PutObject with the AES256 header', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: { [SSE]: 'AES256' },
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyEncryptionWithoutThisKey'],
      }],
      ['denies PutObject with the AES256 header and the bucket key ARN', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: s => ({ [SSE]: 'AES256', [SSE_KEY]: s.keyArn }),
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyKeyIdWithOtherEncryption'],
      }],
      ['denies PutObject with the AES256 header and another key ARN', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: { [SSE]: 'AES256', [SSE_KEY]: OTHER_KEY_ARN },
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyEncryptionWithoutThisKey', 'DenyKeyIdWithOtherEncryption'],
      }],
      ['denies PutObject with the aws:kms:dsse header and no key id', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: { [SSE]: 'aws:kms:dsse' },
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyEncryptionWithoutThisKey'],
      }],
      ['denies PutObject with the aws:kms:dsse header and another key ARN', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: { [SSE]: 'aws:kms:dsse', [SSE_KEY]: OTHER_KEY_ARN },
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyEncryptionWithoutThisKey', 'DenyKeyIdWithOtherEncryption'],
      }],
      ['denies PutObject with the aws:kms:dsse header and the bucket key ARN (dual-layer is not the bucket\'s encryption)', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: s => ({ [SSE]: 'aws:kms:dsse', [SSE_KEY]: s.keyArn }),
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyKeyIdWithOtherEncryption'],
      }],
      ['denies PutObject with aws:kms and another key ARN', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: { [SSE]: 'aws:kms', [SSE_KEY]: OTHER_KEY_ARN },
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyEncryptionWithoutThisKey'],
      }],
      ['denies PutObject with aws:kms and no key id (S3 would use the aws/s3 key)', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: { [SSE]: 'aws:kms' },
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyEncryptionWithoutThisKey'],
      }],
      ['denies PutObject with another key id and no algorithm', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: { [SSE_KEY]: OTHER_KEY_ARN },
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyKeyIdWithOtherEncryption'],
      }],
      ['denies PutObject with the bucket key ARN and no algorithm (S3 itself refuses a key id without aws:kms)', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: s => ({ [SSE_KEY]: s.keyArn }),
        expected: 'ExplicitlyDenied',
        deniedBy: ['DenyKeyIdWithOtherEncryption'],
      }],
      ['allows PutObject with aws:kms and the bucket key ARN', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: s => ({ [SSE]: 'aws:kms', [SSE_KEY]: s.keyArn }),
        expected: 'Allowed',
      }],
      ['denies PutObject with the bucket key ARN over TLS 1.1', {
        principal: APP_ROLE,
        action: 's3:PutObject',
        resource: 'object',
        context: s => ({ [SSE]: 'aws:kms', [SSE_KEY]: s.keyArn, 's3:TlsVersion': '1.1' }),
        expected: 'ExplicitlyDenied',
      }],
    ];

    test.each(DATA_BUCKET)('%s', async (_name, scenario) => {
      await expectScenario(synthesized.data, synthesized, scenario);
    });

    const sourceOf = (account: string) => (s: Synthesized): ContextInput => ({ 'aws:SourceArn': s.dataArn, 'aws:SourceAccount': account });
    const LOG_BUCKET: Table = [
      ['allows the log delivery service to write logs of a source bucket of this account', {
        principal: LOG_DELIVERY,
        action: 's3:PutObject',
        resource: 'object',
        context: sourceOf(TEST_ACCOUNT),
        expected: 'Allowed',
      }],
      ['does not allow the log delivery service to write for a bucket of another account (confused deputy)', {
        principal: LOG_DELIVERY,
        action: 's3:PutObject',
        resource: 'object',
        context: sourceOf('222222222222'),
        expected: 'ImplicitlyDenied',
      }],
      ['does not allow the log delivery service to write for a bucket that is not a source', {
        principal: LOG_DELIVERY,
        action: 's3:PutObject',
        resource: 'object',
        context: { 'aws:SourceArn': 'arn:aws:s3:::some-other-bucket', 'aws:SourceAccount': TEST_ACCOUNT },
        expected: 'ImplicitlyDenied',
      }],
      ['does not allow the log delivery service to write without a source ARN', {
        principal: LOG_DELIVERY,
        action: 's3:PutObject',
        resource: 'object',
        context: { 'aws:SourceAccount': TEST_ACCOUNT },
        expected: 'ImplicitlyDenied',
      }],
      ['denies the log delivery service over a connection without TLS', {
        principal: LOG_DELIVERY,
        action: 's3:PutObject',
        resource: 'object',
        context: s => ({ ...sourceOf(TEST_ACCOUNT)(s), 'aws:SecureTransport': 'false' }),
        expected: 'ExplicitlyDenied',
      }],
      ['does not allow another service principal with the same source', {
        principal: 'cloudtrail.amazonaws.com',
        action: 's3:PutObject',
        resource: 'object',
        context: sourceOf(TEST_ACCOUNT),
        expected: 'ImplicitlyDenied',
      }],
      ['grants nothing to a same-account role without an identity policy', {
        principal: APP_ROLE, action: 's3:GetObject', resource: 'object', identityPolicyAllows: false, expected: 'ImplicitlyDenied',
      }],
      ['denies a same-account role over TLS 1.1', {
        principal: APP_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 's3:TlsVersion': '1.1' },
        expected: 'ExplicitlyDenied',
      }],
    ];

    test.each(LOG_BUCKET)('log bucket: %s', async (_name, scenario) => {
      await expectScenario(synthesized.logs, synthesized, scenario);
    });
  });

  describe('bucket policy of a SecureBucket with minimumTLSVersion 1.3', () => {
    let synthesized: Synthesized;
    beforeAll(() => { synthesized = synthesize({ minimumTLSVersion: 1.3 }); });

    const TLS_13: Table = [
      ['denies TLS 1.2 on an object', {
        principal: APP_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 's3:TlsVersion': '1.2' },
        expected: 'ExplicitlyDenied',
      }],
      ['denies TLS 1.2 on the bucket', {
        principal: APP_ROLE,
        action: 's3:ListBucket',
        resource: 'bucket',
        context: { 's3:TlsVersion': '1.2' },
        expected: 'ExplicitlyDenied',
      }],
      ['allows TLS 1.3', {
        principal: APP_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 's3:TlsVersion': '1.3' },
        expected: 'Allowed',
      }],
      ['still denies a request without TLS', {
        principal: APP_ROLE,
        action: 's3:GetObject',
        resource: 'object',
        context: { 'aws:SecureTransport': 'false' },
        expected: 'ExplicitlyDenied',
      }],
    ];

    test.each(TLS_13)('%s', async (_name, scenario) => {
      await expectScenario(synthesized.data, synthesized, scenario);
    });

    test('log bucket: still lets the log delivery service write over TLS 1.2', async () => {
      await expectScenario(synthesized.logs, synthesized, {
        principal: LOG_DELIVERY,
        action: 's3:PutObject',
        resource: 'object',
        context: s => ({ 'aws:SourceArn': s.dataArn, 'aws:SourceAccount': TEST_ACCOUNT, 's3:TlsVersion': '1.2' }),
        expected: 'Allowed',
      });
    });
  });
});
