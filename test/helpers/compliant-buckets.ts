/**
 * Compliant buckets for the rule tests, as L1 (`CfnBucket` with its key and policy) and L2 (`s3.Bucket`),
 * and the builders the rule cases change them with.
 */
import { Aws, CfnParameter, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { ACCOUNT } from './stacks';

const DAYS_7 = Duration.days(7);
const DAYS_90 = Duration.days(90);
const RETAIN = (r: CfnResource) => r.applyRemovalPolicy(RemovalPolicy.RETAIN);

/** A Deny of s3:* to everyone on the bucket and its objects under `condition`, as a policy statement for `bucket`. */
function denyAll(bucket: s3.CfnBucket, sid: string, condition: unknown, extra: Record<string, unknown>): any {
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucket.attrArn, `${bucket.attrArn}/*`],
    Condition: condition,
    ...extra,
  };
}

/** The Deny of plain HTTP on the bucket and its objects, as a policy statement for `bucket`. */
export function tlsDeny(bucket: s3.CfnBucket, extra: Record<string, unknown> = {}): any {
  return denyAll(bucket, 'DenyInsecureTransport', { Bool: { 'aws:SecureTransport': 'false' } }, extra);
}

/** The Deny of TLS below `version` on the bucket and its objects. */
export function minTlsDeny(bucket: s3.CfnBucket, version: unknown = 1.2, extra: Record<string, unknown> = {}): any {
  return denyAll(bucket, 'DenyOutdatedTls', { NumericLessThan: { 's3:TlsVersion': version } }, extra);
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

// ---------------------------------------------------------------------------
// Builders of the rule cases
// ---------------------------------------------------------------------------

/** Builds a stack and returns the resource the rule judges: a bucket (for bucket and key rules) or an identity policy. */
export type Build = (stack: Stack) => IConstruct;

/** A CfnParameter: a value the rules cannot verify. */
export const param = (stack: Stack, id = 'Param', type = 'String') => new CfnParameter(stack, id, { type });
/** The path of the default encryption rule in a CfnBucket's properties, for overrides. */
export const ENCRYPTION = 'BucketEncryption.ServerSideEncryptionConfiguration.0';

/** A compliant CfnBucket changed by `change`. */
export function l1Bucket(change: (b: s3.CfnBucket, stack: Stack, policy: s3.CfnBucketPolicy, key: kms.CfnKey) => void = () => {}): Build {
  return stack => {
    const { bucket, policy, key } = compliantL1(stack);
    change(bucket, stack, policy, key);
    return bucket;
  };
}

/** A compliant CfnBucket whose policy holds `statements` (replacing the TLS statements when `replace`). */
export function l1Policy(statements: (b: s3.CfnBucket, stack: Stack) => any[], replace = false): Build {
  return l1Bucket((bucket, stack, policy) => {
    const base = replace ? [] : [tlsDeny(bucket), minTlsDeny(bucket)];
    policy.addPropertyOverride('PolicyDocument.Statement', [...base, ...statements(bucket, stack)]);
  });
}

/** A compliant s3.Bucket with `props`, then changed by `change`. */
export function l2Bucket(props: s3.BucketProps = {}, change: (b: s3.Bucket, stack: Stack) => void = () => {}): Build {
  return stack => {
    const bucket = compliantL2(stack, 'Bucket', props);
    change(bucket, stack);
    return bucket;
  };
}

/** A compliant CfnBucket `Logs` that is the log target of the compliant CfnBucket `Source`. */
export function l1LogBucket(change: (logs: s3.CfnBucket, stack: Stack) => void = () => {}): Build {
  return stack => {
    const logs = new s3.CfnBucket(stack, 'Logs', {
      bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      versioningConfiguration: { status: 'Enabled' },
      publicAccessBlockConfiguration: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
      ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
      lifecycleConfiguration: {
        rules: [{ status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 7 }, noncurrentVersionExpiration: { noncurrentDays: 30 } }],
      },
    });
    logs.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new s3.CfnBucketPolicy(stack, 'LogsPolicy', {
      bucket: logs.ref,
      policyDocument: {
        Statement: [tlsDeny(logs), minTlsDeny(logs), {
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${logs.attrArn}/*`,
          Condition: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }],
      },
    });
    const { bucket: source } = compliantL1(stack, 'Source');
    source.loggingConfiguration = { destinationBucketName: logs.ref };
    change(logs, stack);
    return logs;
  };
}

/** A role's inline policy (an L1 `CfnPolicy`) allowing `actions` on every resource. */
export function l1Identity(actions: unknown): Build {
  return stack => {
    const role = new iam.CfnRole(stack, 'Role', {
      roleName: 'app',
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
    return new iam.CfnPolicy(stack, 'Policy', {
      policyName: 'app',
      roles: [role.ref],
      policyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
    });
  };
}

/** A role's default policy (L2) allowing `actions` on every resource. */
export function l2Identity(actions: string[]): Build {
  return stack => {
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), roleName: 'app' });
    role.addToPolicy(new iam.PolicyStatement({ actions, resources: ['*'] }));
    return role.node.findChild('DefaultPolicy');
  };
}
