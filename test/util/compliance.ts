/**
 * Test helpers for the compliance rules: evaluate one resource directly (as the Aspect and the
 * cdk-nag pack do, through `evaluateResource` and an `IndexCache`), and build small stacks.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps, CfnResource, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { evaluateResource, evaluationOptions, EvaluationOptionsInput, IndexCache, Outcome } from '../../src/rules/evaluation';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';

/**
 * An app without the (slow) built-in CloudFormation validation, writing into a fresh temporary
 * directory. `s3.Bucket` grants log delivery through the bucket policy (the feature flag), so that
 * an L2 log target can keep ACLs disabled.
 */
export function newApp(props: AppProps = {}): App {
  return new App({
    builtinCloudFormationValidation: false,
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'sb-compliance-')),
    ...props,
    context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true, ...props.context },
  });
}

export function newStack(props: StackProps = {}, app: App = newApp()): Stack {
  return new Stack(app, 'Stack', props);
}

/** The L1 resource of a construct (the construct itself when it is one). */
export function l1(construct: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(construct)) { return construct; }
  const child = construct.node.defaultChild;
  if (!CfnResource.isCfnResource(child)) { throw new Error(`${construct.node.path} has no L1 default child`); }
  return child;
}

/** Every rule's outcome on one resource, evaluated directly. */
export function outcomesOf(construct: IConstruct, options: EvaluationOptionsInput = {}): Outcome[] {
  const resource = l1(construct);
  // As the Aspect and the cdk-nag pack do: through the cache, which also finds the policies of other stacks.
  return evaluateResource(resource, new IndexCache().of(resource), evaluationOptions('test', options));
}

/** A rule's verdict, with the path of the resource the finding is reported on. */
export interface TestVerdict {
  readonly status: string;
  readonly detail?: string;
  readonly subject?: string;
}

/** The verdict of one rule on one resource: `not-applied` when the rule does not judge it (e.g. a data rule on a log bucket). */
export function verdictOf(construct: IConstruct, ruleId: string, options: EvaluationOptionsInput = {}): TestVerdict {
  const outcome = outcomesOf(construct, options).find(o => o.rule.id === ruleId);
  if (!outcome) { return { status: 'not-applied' }; }
  return { ...outcome.verdict, subject: outcome.subjectConstruct.node.path };
}

/** The ids of the rules that do not pass on one resource. */
export function findingIds(construct: IConstruct, options: EvaluationOptionsInput = {}): string[] {
  return outcomesOf(construct, options).filter(o => o.verdict.status === 'fail' || o.verdict.status === 'cannot-verify').map(o => o.rule.id);
}

const DAYS_7 = Duration.days(7);
const DAYS_90 = Duration.days(90);
const RETAIN = (r: CfnResource) => r.applyRemovalPolicy(RemovalPolicy.RETAIN);

/** The Deny of plain HTTP on the bucket and its objects, as a policy statement for `bucket`. */
export function tlsDeny(bucket: s3.CfnBucket, extra: Record<string, unknown> = {}): any {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucket.attrArn, `${bucket.attrArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    ...extra,
  };
}

/** The Deny of TLS below `version` on the bucket and its objects. */
export function minTlsDeny(bucket: s3.CfnBucket, version: unknown = 1.2, extra: Record<string, unknown> = {}): any {
  return {
    Sid: 'DenyOutdatedTls',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucket.attrArn, `${bucket.attrArn}/*`],
    Condition: { NumericLessThan: { 's3:TlsVersion': version } },
    ...extra,
  };
}

export interface CompliantL1 {
  readonly bucket: s3.CfnBucket;
  readonly key: kms.CfnKey;
  readonly policy: s3.CfnBucketPolicy;
}

/**
 * A `CfnBucket` that passes every data-bucket rule: SSE-KMS with a rotating, retained key of the
 * stack and a Bucket Key, versioned, logging to a literal bucket name, public access blocked, ACLs
 * disabled, TLS 1.2+ only on bucket and objects, abort and noncurrent lifecycle, retained.
 * `statements` are added to its policy.
 */
export function compliantL1(scope: IConstruct, id = 'Bucket', statements: (b: s3.CfnBucket) => any[] = () => []): CompliantL1 {
  const key = new kms.CfnKey(scope, `${id}Key`, {
    enableKeyRotation: true,
    keyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] },
  });
  RETAIN(key);
  const bucket = new s3.CfnBucket(scope, id, {
    bucketEncryption: {
      serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.attrArn }, bucketKeyEnabled: true }],
    },
    versioningConfiguration: { status: 'Enabled' },
    loggingConfiguration: { destinationBucketName: 'central-access-logs' },
    publicAccessBlockConfiguration: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
    ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
    lifecycleConfiguration: {
      rules: [{ id: 'Defaults', status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 7 }, noncurrentVersionExpiration: { noncurrentDays: 90 } }],
    },
  });
  RETAIN(bucket);
  const policy = new s3.CfnBucketPolicy(scope, `${id}Policy`, {
    bucket: bucket.ref,
    policyDocument: { Version: '2012-10-17', Statement: [tlsDeny(bucket), minTlsDeny(bucket), ...statements(bucket)] },
  });
  return { bucket, key, policy };
}

/**
 * An `s3.Bucket` that passes every data-bucket rule, with `props` on top. It logs to a shared
 * `s3.Bucket` log target (SSE-S3) of the stack, created on first use.
 */
export function compliantL2(scope: IConstruct, id = 'Bucket', props: s3.BucketProps = {}): s3.Bucket {
  const stack = Stack.of(scope);
  const logs = (stack.node.tryFindChild('Logs') as s3.Bucket | undefined) ?? compliantLogBucketL2(stack, 'Logs');
  return new s3.Bucket(scope, id, {
    ...HARDENED_L2,
    encryptionKey: new kms.Key(scope, `${id}Key`, { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN }),
    encryption: s3.BucketEncryption.KMS,
    bucketKeyEnabled: true,
    serverAccessLogsBucket: logs,
    ...props,
  });
}

/** What the compliant data and log buckets share: versioned, private, ACLs off, TLS 1.2+, lifecycle, retained. */
const HARDENED_L2: s3.BucketProps = {
  versioned: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  lifecycleRules: [{ abortIncompleteMultipartUploadAfter: DAYS_7, noncurrentVersionExpiration: DAYS_90 }],
  removalPolicy: RemovalPolicy.RETAIN,
};

/** An `s3.Bucket` that passes every log-bucket rule (SSE-S3, no Object Lock). */
export function compliantLogBucketL2(scope: IConstruct, id: string, props: s3.BucketProps = {}): s3.Bucket {
  return new s3.Bucket(scope, id, { ...HARDENED_L2, encryption: s3.BucketEncryption.S3_MANAGED, ...props });
}
