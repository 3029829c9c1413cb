/**
 * The apps that bench/synth.bench.ts measures. Each builder adds N buckets to an App, at most
 * `PER_STACK` per stack (so N = 200 is 5 stacks of 40).
 */
import type * as solutions from '@aws-solutions-constructs/core';
import { App, ArnFormat, AspectPriority, Aspects, Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as nag from 'cdk-nag';
import {
  AccessRestriction, AdminOnlyChanges, FindingLevel, RoleOnly, SecureBucket, SecureBucketAspect, SourceIpOnly, VpcEndpointOnly,
} from '../src';

/** At most this many buckets per stack. */
export const PER_STACK = 40;

/** A fixed environment, so that ARNs and account conditions are literal in every variant. */
export const ENV = { account: '111111111111', region: 'us-east-1' };

/**
 * The context the CDK CLI passes to an app by default (`cdk synth` without options), so that the
 * in-process synth does the same work as `cdk synth`: path metadata, asset metadata, version reporting.
 */
export const CLI_CONTEXT: Record<string, unknown> = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:version-reporting': true,
  'aws:cdk:bundling-stacks': ['**'],
};

/*
 * cdk-nag and Solutions Constructs are loaded only by the variants that use them, so that a fresh process
 * measuring another variant does not load them (`preload` loads them before the timed section).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const nagModule = (): typeof nag => require('cdk-nag');
const solutionsModule = (): typeof solutions => require('@aws-solutions-constructs/core');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Loads the modules that `variant` needs, outside the timed section. */
export function preload(variant: Variant): void {
  if (variant === 'secure+nag') { nagModule(); }
  if (variant === 'solutions') { solutionsModule(); }
}

/** What is measured. */
export type Variant =
  /** default `new SecureBucket(stack, id)` */
  | 'secure'
  /** the same settings written by hand with `s3.Bucket` and `kms.Key` */
  | 'hand'
  /** the SecureBucket template written by hand: `hand` plus every statement and property SecureBucket adds */
  | 'hand-full'
  /** AWS Solutions Constructs' `buildS3Bucket(stack, {}, id)` defaults */
  | 'solutions'
  /** default SecureBuckets plus `SecureBucketAspect.applyTo(app, { level: WARNING })` */
  | 'secure+aspect'
  /** default SecureBuckets plus cdk-nag's AwsSolutions pack as a validation plugin */
  | 'secure+nag'
  /** SecureBuckets sharing one customer-managed key per stack (template size only) */
  | 'secure-shared-key'
  /** `secure+aspect` without the report (`report: false`): what the report costs (bench/ab.ts and bench/phases.ts; not in the full run) */
  | 'secure+aspect-no-report'
  /** default SecureBuckets plus an Aspect whose `visit` does nothing: what invoking any Aspect costs (bench/ab.ts and bench/phases.ts; not in the full run) */
  | 'secure+noop-aspect'
  /** `hand` plus one piece of what SecureBucket writes besides (bench/ab.ts and bench/phases.ts; not in the full run) */
  | `hand+${Piece}`;

/**
 * What SecureBucket writes that the brief's hand-written app does not; `hand-full` has all of them. Each
 * has a variant `hand+PIECE` of its own, to measure what it costs.
 */
export type Piece =
  /** the two Deny statements on uploads with another encryption or key (`wrongEncryptionDenies` below) */
  | 'denies'
  /** the key-policy statement that lets only AWS services create grants, and the key's description */
  | 'key-statement'
  /** SSE-C blocked (`BlockedEncryptionTypes`) */
  | 'sse-c'
  /** EventBridge notifications on, on the data and the log bucket */
  | 'eventbridge'
  /** date-partitioned log keys, and one log-delivery statement listing every source instead of aws-cdk-lib's one per source */
  | 'log-statement';

export const PIECES: Piece[] = ['denies', 'key-statement', 'sse-c', 'eventbridge', 'log-statement'];

export const VARIANT_LABELS: Record<Variant, string> = {
  'secure': 'SecureBucket (default)',
  'hand': 'hand-written s3.Bucket + kms.Key',
  'hand-full': 'hand-written, SecureBucket\'s template',
  'solutions': 'Solutions Constructs buildS3Bucket',
  'secure+aspect': 'SecureBucket + SecureBucketAspect',
  'secure+nag': 'SecureBucket + cdk-nag AwsSolutions',
  'secure-shared-key': 'SecureBucket, one key per stack',
  'secure+aspect-no-report': 'SecureBucket + SecureBucketAspect without the report',
  'secure+noop-aspect': 'SecureBucket + an Aspect that does nothing',
  'hand+denies': 'hand-written + the encryption and replication Denies',
  'hand+key-statement': 'hand-written + the key-policy grant restriction',
  'hand+sse-c': 'hand-written + SSE-C blocked',
  'hand+eventbridge': 'hand-written + EventBridge',
  'hand+log-statement': 'hand-written + one log-delivery statement, partitioned logs',
};

export interface AppOptions {
  readonly outdir: string;
  readonly validation: boolean;
  /** Every bucket in one stack, ignoring PER_STACK (for the template-size measurement at N = 40). */
  readonly oneStack?: boolean;
}

/** Builds the app of `variant` with `n` buckets. */
export function buildApp(variant: Variant, n: number, options: AppOptions): App {
  const app = new App({
    outdir: options.outdir,
    builtinCloudFormationValidation: options.validation,
    context: {
      ...CLI_CONTEXT,
      // The hand-written variant needs the aws-cdk-lib flag that writes a bucket-policy statement for log
      // delivery (ACLs are disabled); a new `cdk init` app has it. It changes nothing in the other variants.
      ...(variant === 'hand' || (variant.startsWith('hand+') && variant !== 'hand+log-statement')
        ? { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } : {}),
    },
  });
  const perStack = options.oneStack ? Math.max(n, 1) : PER_STACK;
  const stacks = Math.ceil(n / perStack);
  for (let s = 0; s < stacks; s++) {
    const stack = new Stack(app, `Bench${s}`, { env: ENV });
    const count = Math.min(perStack, n - s * perStack);
    const add = STACK_BUILDERS[variant](stack);
    for (let i = 0; i < count; i++) {
      add(`Bucket${i}`);
    }
  }
  if (variant === 'secure+aspect' || variant === 'secure+aspect-no-report') {
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING, report: variant === 'secure+aspect' });
  }
  if (variant === 'secure+noop-aspect') {
    Aspects.of(app).add({ visit: () => {} }, { priority: AspectPriority.READONLY });
  }
  if (variant === 'secure+nag') {
    Validations.of(app).addPlugins(new (nagModule().AwsSolutionsChecks)(app));
  }
  return app;
}

/** For each variant: given a stack, returns a function that adds one bucket to it. */
const STACK_BUILDERS: Record<Variant, (stack: Stack) => (id: string) => void> = {
  'secure': stack => id => { new SecureBucket(stack, id); },
  'secure+aspect': stack => id => { new SecureBucket(stack, id); },
  'secure+nag': stack => id => { new SecureBucket(stack, id); },
  'secure+aspect-no-report': stack => id => { new SecureBucket(stack, id); },
  'secure+noop-aspect': stack => id => { new SecureBucket(stack, id); },
  'secure-shared-key': stack => {
    const key = new kms.Key(stack, 'SharedKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    return id => { new SecureBucket(stack, id, { encryptionKey: key }); };
  },
  'hand': handWith([]),
  'hand-full': handWith(PIECES),
  'hand+denies': handWith(['denies']),
  'hand+key-statement': handWith(['key-statement']),
  'hand+sse-c': handWith(['sse-c']),
  'hand+eventbridge': handWith(['eventbridge']),
  'hand+log-statement': handWith(['log-statement']),
  'solutions': stack => {
    const { buildS3Bucket } = solutionsModule();
    return id => { buildS3Bucket(stack, {}, id); };
  },
};

/**
 * The hand-written app with some of what SecureBucket writes besides. With every piece it is SecureBucket's
 * template by hand (bench/apps.test.ts): the same log bucket with one log-delivery statement listing
 * every source and EventBridge on; per bucket, the key's grant restriction, SSE-C blocked, the two Deny
 * statements on uploads with another encryption, EventBridge, date-partitioned logs. None of SecureBucket's
 * synth-time checks.
 */
function handWith(pieces: Piece[]): (stack: Stack) => (id: string) => void {
  const has = (piece: Piece) => pieces.includes(piece);
  return stack => {
    const logs = handLogBucket(stack);
    const sources: string[] = [];
    if (has('eventbridge')) {
      (logs.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }
    if (has('log-statement')) {
      logs.addToResourcePolicy(logDeliveryStatement(logs.arnForObjects('*'), stack.account, sources));
    }
    return id => {
      const key = new kms.Key(stack, `${id}Key`, {
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
        ...(has('key-statement') ? { description: `Created by ${stack.node.path}/${id}` } : {}),
      });
      if (has('key-statement')) { key.addToResourcePolicy(denyGrantsExceptForAwsServices()); }
      // Without the piece, aws-cdk-lib writes the log-delivery statement for each source (buildApp sets its flag).
      const bucket = new s3.Bucket(stack, id, { ...handBucketProps(key), ...(has('log-statement') ? {} : { serverAccessLogsBucket: logs }) });
      const cfn = bucket.node.defaultChild as s3.CfnBucket;
      if (has('sse-c')) {
        cfn.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BlockedEncryptionTypes', { EncryptionType: ['SSE-C'] });
      }
      if (has('denies')) {
        for (const statement of wrongEncryptionDenies(bucket.arnForObjects('*'), key.keyArn)) {
          bucket.addToResourcePolicy(statement);
        }
        bucket.addToResourcePolicy(denyReplicationToAllButRoot(bucket.arnForObjects('*'), Stack.of(bucket)));
      }
      if (has('eventbridge')) {
        cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
      }
      if (has('log-statement')) {
        cfn.loggingConfiguration = {
          destinationBucketName: logs.bucketName,
          targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: 'EventTime' } },
        };
        sources.push(bucket.bucketArn);
      }
    };
  };
}

/*
 * The statements SecureBucket writes, by hand, as a user who wanted them would write them (the bench uses
 * the library's public API only; bench/apps.test.ts proves `hand-full` writes SecureBucket's template).
 */
const SSE_HEADER = 's3:x-amz-server-side-encryption';
const SSE_KEY_HEADER = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/**
 * The two Deny statements on writes of object data encrypted with anything but `keyArn` (each applies only
 * when its header is sent), on every action that takes the encryption headers.
 */
function wrongEncryptionDenies(objectsArn: string, keyArn: string): iam.PolicyStatement[] {
  const actions = ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption'];
  const base = { effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions, resources: [objectsArn] };
  return [
    new iam.PolicyStatement({
      ...base,
      sid: 'DenyEncryptionWithoutThisKey',
      conditions: { Null: { [SSE_HEADER]: 'false' }, StringNotEquals: { [SSE_KEY_HEADER]: keyArn } },
    }),
    new iam.PolicyStatement({
      ...base,
      sid: 'DenyKeyIdWithOtherEncryption',
      conditions: { Null: { [SSE_KEY_HEADER]: 'false' }, StringNotEquals: { [SSE_HEADER]: 'aws:kms' } },
    }),
  ];
}

/** No one but the account root writes replicas (the bucket replicates from no source). */
function denyReplicationToAllButRoot(objectsArn: string, stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyReplicationExceptReplicationRoles',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:ObjectOwnerOverrideToBucketOwner', 's3:Replicate*'],
    resources: [objectsArn],
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': [stack.formatArn({ service: 'iam', region: '', resource: 'root', arnFormat: ArnFormat.NO_RESOURCE_NAME })] } },
  });
}

/** S3 log delivery may write under `objectsArn` for the source buckets of `account` (rendered when the policy is, so sources added later count). */
function logDeliveryStatement(objectsArn: string, account: string, sources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'S3ServerAccessLogsPolicy',
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [objectsArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: Lazy.any({ produce: () => ({ 'aws:SourceArn': sources }) }),
    },
  });
}

/** Only AWS services may create grants on the key (AWS Control Tower CT.KMS.PR.3). */
function denyGrantsExceptForAwsServices(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}

/** The settings every bucket of the hand-written variants has, log bucket included. */
const HARDENED: s3.BucketProps = {
  versioned: true,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
};

/** The shared log bucket of the hand-written variants: SSE-S3 (a log target cannot use SSE-KMS), otherwise hardened alike. */
function handLogBucket(stack: Stack): s3.Bucket {
  return new s3.Bucket(stack, 'AccessLogs', {
    ...HARDENED,
    encryption: s3.BucketEncryption.S3_MANAGED,
    lifecycleRules: [
      { id: 'ExpireLogs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
    ],
  });
}

/** The data bucket settings of the hand-written variants (SecureBucket's defaults). */
function handBucketProps(key: kms.IKey): s3.BucketProps {
  return {
    ...HARDENED,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    lifecycleRules: [{
      id: 'SecureBucketDefaults',
      abortIncompleteMultipartUploadAfter: Duration.days(7),
      noncurrentVersionExpiration: Duration.days(90),
      expiredObjectDeleteMarker: true,
    }],
  };
}

/** List sizes of the fully restricted bucket. */
export type ListSizes = 'minimal' | 'typical';

/**
 * A SecureBucket with every access restriction, every exemption and `anyOf` applied, plus the
 * two CDK roles that the bucket-service-role exemption covers (auto-delete objects and bucket
 * notifications): anyOf(VpcEndpointOnly, SourceIpOnly), RoleOnly, AdminOnlyChanges, each with
 * break-glass principals and every default exemption on.
 *
 * `minimal`: one value per list (1 endpoint and 1 VPC, 1 IPv4 and 1 IPv6 CIDR, 1 role, 1 break-glass
 * principal, 1 administrator). `typical`: 2 endpoints, 2 VPCs, 4 CIDRs, 3 roles (created, imported by
 * name, imported by ARN), 2 break-glass principals, 2 administrator patterns.
 */
export function buildFullyRestrictedBucket(app: App, lists: ListSizes): SecureBucket {
  const stack = new Stack(app, `PolicySize-${lists}`, { env: ENV });
  const typical = lists === 'typical';
  const pipeline = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  const roles = typical
    ? [pipeline, iam.Role.fromRoleName(stack, 'Analysts', 'data-analysts'), iam.Role.fromRoleArn(stack, 'Reporting', 'arn:aws:iam::111111111111:role/reporting/quarterly-reports')]
    : [pipeline];
  const breakGlass = typical
    ? ['BreakGlass', 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Emergency_*']
    : ['BreakGlass'];
  const administrators = typical
    ? ['arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*', 'PlatformAdmin']
    : ['arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*'];
  const bucket = new SecureBucket(stack, 'Restricted', {
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    accessRestrictions: [
      AccessRestriction.anyOf(
        new VpcEndpointOnly(typical
          ? { vpcEndpointIds: ['vpce-0a1b2c3d4e5f60718', 'vpce-1a2b3c4d'], vpcIds: ['vpc-0a1b2c3d4e5f60718', 'vpc-1a2b3c4d'] }
          : { vpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'], vpcIds: ['vpc-0a1b2c3d4e5f60718'] }),
        new SourceIpOnly({
          cidrs: typical ? ['203.0.113.0/24', '198.51.100.0/24', '2001:db8:1234::/48', '2001:db8:abcd::/48'] : ['203.0.113.0/24', '2001:db8:1234::/48'],
        }),
      ),
      new RoleOnly({ roles, exemptPrincipalArns: breakGlass }),
      new AdminOnlyChanges({ administratorArns: administrators, exemptPrincipalArns: breakGlass }),
    ],
  });
  // The notifications handler role joins the bucket-service-role exemption.
  const topic = { bind: () => ({ arn: 'arn:aws:sns:us-east-1:111111111111:bucket-events', type: s3.BucketNotificationDestinationType.TOPIC }) };
  bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, topic);
  return bucket;
}
