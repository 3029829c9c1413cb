/**
 * Test helper: a synthesized template's bucket policies found, and its CloudFormation intrinsics resolved to literal values for a
 * fixed test environment (account 111111111111, region us-east-1, partition aws), and the physical
 * names and ARNs CloudFormation would give its resources there.
 */
import { createHash } from 'crypto';
import { ACCOUNT, REGION } from './stacks';


/** The environment an environment-agnostic template is evaluated in: the tests' own. */
export const TEST_ACCOUNT = ACCOUNT;
export const TEST_REGION = REGION;
export const TEST_PARTITION = 'aws';
export const TEST_URL_SUFFIX = 'amazonaws.com';

/** Default object key used when `resource: 'object'` is requested. */
export const DEFAULT_OBJECT_KEY = 'some/key';

/** Minimal shape of a synthesized CloudFormation template. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { readonly Default?: unknown; readonly [key: string]: unknown }>;
  readonly [key: string]: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::AccountId': TEST_ACCOUNT,
  'AWS::Region': TEST_REGION,
  'AWS::Partition': TEST_PARTITION,
  'AWS::URLSuffix': TEST_URL_SUFFIX,
};

/** Marker for `Ref: AWS::NoValue`; removed from the enclosing object/array. */
const NO_VALUE = Symbol('AWS::NoValue');

// ---------------------------------------------------------------------------
// Deterministic physical ids
// ---------------------------------------------------------------------------

function hashHex(input: string): string {
  return createHash('sha256').update(input).digest('hex');
}

function getResource(template: CfnTemplate, logicalId: string, expectedType?: string): CfnResource {
  const resource = template.Resources?.[logicalId];
  if (!resource) {
    throw new Error(`Resource '${logicalId}' not found in template`);
  }
  if (expectedType && resource.Type !== expectedType) {
    throw new Error(`Resource '${logicalId}' is a ${resource.Type}, expected ${expectedType}`);
  }
  return resource;
}

function resolveToString(template: CfnTemplate, value: unknown, what: string): string {
  const resolved = resolveIntrinsics(template, value);
  if (typeof resolved !== 'string') {
    throw new Error(`${what} did not resolve to a string: ${JSON.stringify(resolved)}`);
  }
  return resolved;
}

/** The bucket name: its `BucketName` property if set, else the lower-cased logical id (max 63 chars). */
export function bucketNameFor(template: CfnTemplate, logicalId: string): string {
  const bucket = getResource(template, logicalId, 'AWS::S3::Bucket');
  const explicitName = bucket.Properties?.BucketName;
  if (explicitName !== undefined) {
    return resolveToString(template, explicitName, `BucketName of '${logicalId}'`);
  }
  return logicalId.toLowerCase().slice(0, 63);
}

/** `arn:aws:s3:::<bucket name>` */
export function bucketArnFor(template: CfnTemplate, logicalId: string): string {
  return `arn:${TEST_PARTITION}:s3:::${bucketNameFor(template, logicalId)}`;
}

/** `arn:aws:s3:::<bucket name>/<key>` */
export function objectArnFor(template: CfnTemplate, logicalId: string, key: string = DEFAULT_OBJECT_KEY): string {
  return `${bucketArnFor(template, logicalId)}/${key}`;
}

/** A deterministic UUID-shaped key id derived from the logical id. */
export function keyIdFor(logicalId: string): string {
  const h = hashHex(`kms-key:${logicalId}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `arn:aws:kms:us-east-1:111111111111:key/<keyIdFor(logicalId)>` */
export function keyArnFor(logicalId: string): string {
  return `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/${keyIdFor(logicalId)}`;
}

/** The role name: its `RoleName` property if set, else the logical id. */
export function roleNameFor(template: CfnTemplate, logicalId: string): string {
  const role = getResource(template, logicalId, 'AWS::IAM::Role');
  const explicitName = role.Properties?.RoleName;
  if (explicitName !== undefined) {
    return resolveToString(template, explicitName, `RoleName of '${logicalId}'`);
  }
  return logicalId;
}

/** `arn:aws:iam::111111111111:role/<path><role name>` */
export function roleArnFor(template: CfnTemplate, logicalId: string): string {
  const role = getResource(template, logicalId, 'AWS::IAM::Role');
  const rawPath = role.Properties?.Path;
  const path = rawPath === undefined ? '/' : resolveToString(template, rawPath, `Path of '${logicalId}'`);
  return `arn:${TEST_PARTITION}:iam::${TEST_ACCOUNT}:role${path}${roleNameFor(template, logicalId)}`;
}

/** A deterministic `AROA` + 17 characters unique role id derived from the logical id. */
export function roleIdFor(logicalId: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = createHash('sha256').update(`iam-role:${logicalId}`).digest();
  let suffix = '';
  for (let i = 0; i < 17; i++) {
    suffix += alphabet[bytes[i] % alphabet.length];
  }
  return `AROA${suffix}`;
}

// ---------------------------------------------------------------------------
// Intrinsic resolution
// ---------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(template: CfnTemplate, target: unknown): unknown {
  if (typeof target !== 'string') {
    throw new Error(`Ref target must be a string, got ${JSON.stringify(target)}`);
  }
  if (target === 'AWS::NoValue') {
    return NO_VALUE;
  }
  if (target in PSEUDO_PARAMETERS) {
    return PSEUDO_PARAMETERS[target];
  }
  if (target.startsWith('AWS::')) {
    throw new Error(`Unsupported pseudo parameter in Ref: ${target}`);
  }
  const parameter = template.Parameters?.[target];
  if (parameter) {
    if (parameter.Default === undefined) {
      throw new Error(`Ref to parameter '${target}' which has no Default`);
    }
    return resolveIntrinsics(template, parameter.Default);
  }
  const resource = template.Resources?.[target];
  if (!resource) {
    throw new Error(`Ref to unknown logical id '${target}'`);
  }
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return bucketNameFor(template, target);
    case 'AWS::KMS::Key':
      return keyIdFor(target);
    case 'AWS::IAM::Role':
      return roleNameFor(template, target);
    default:
      throw new Error(`Unsupported Ref to '${target}' of type ${resource.Type}`);
  }
}

function resolveGetAtt(template: CfnTemplate, args: unknown): string {
  let logicalId: unknown;
  let attribute: unknown;
  if (typeof args === 'string') {
    const dot = args.indexOf('.');
    [logicalId, attribute] = dot < 0 ? [args, undefined] : [args.slice(0, dot), args.slice(dot + 1)];
  } else if (Array.isArray(args) && args.length === 2) {
    [logicalId, attribute] = args;
  } else {
    throw new Error(`Malformed Fn::GetAtt: ${JSON.stringify(args)}`);
  }
  if (typeof logicalId !== 'string') {
    throw new Error(`Malformed Fn::GetAtt logical id: ${JSON.stringify(args)}`);
  }
  attribute = resolveIntrinsics(template, attribute);
  const resource = getResource(template, logicalId);
  const key = `${resource.Type}.${String(attribute)}`;
  switch (key) {
    case 'AWS::S3::Bucket.Arn':
      return bucketArnFor(template, logicalId);
    case 'AWS::S3::Bucket.DomainName':
      return `${bucketNameFor(template, logicalId)}.s3.${TEST_URL_SUFFIX}`;
    case 'AWS::S3::Bucket.RegionalDomainName':
      return `${bucketNameFor(template, logicalId)}.s3.${TEST_REGION}.${TEST_URL_SUFFIX}`;
    case 'AWS::KMS::Key.Arn':
      return keyArnFor(logicalId);
    case 'AWS::KMS::Key.KeyId':
      return keyIdFor(logicalId);
    case 'AWS::IAM::Role.Arn':
      return roleArnFor(template, logicalId);
    case 'AWS::IAM::Role.RoleId':
      return roleIdFor(logicalId);
    default:
      throw new Error(`Unsupported Fn::GetAtt [${logicalId}, ${String(attribute)}] (type ${resource.Type})`);
  }
}

function resolveSub(template: CfnTemplate, args: unknown): string {
  let body: unknown;
  let variables: Record<string, unknown> = {};
  if (typeof args === 'string') {
    body = args;
  } else if (Array.isArray(args) && args.length === 2 && isPlainObject(args[1])) {
    [body] = args;
    variables = args[1];
  } else {
    throw new Error(`Malformed Fn::Sub: ${JSON.stringify(args)}`);
  }
  if (typeof body !== 'string') {
    throw new Error(`Fn::Sub template must be a literal string: ${JSON.stringify(args)}`);
  }
  return body.replace(/\$\{([^}]*)\}/g, (_match: string, name: string) => {
    if (name.startsWith('!')) {
      return `\${${name.slice(1)}}`;
    }
    const trimmed = name.trim();
    if (trimmed in variables) {
      return resolveToString(template, variables[trimmed], `Fn::Sub variable '${trimmed}'`);
    }
    if (trimmed.includes('.')) {
      return resolveGetAtt(template, trimmed);
    }
    return resolveToString(template, { Ref: trimmed }, `Fn::Sub reference '${trimmed}'`);
  });
}

function resolveList(template: CfnTemplate, value: unknown, what: string): unknown[] {
  const resolved = resolveIntrinsics(template, value);
  if (!Array.isArray(resolved)) {
    throw new Error(`${what} must be a list, got ${JSON.stringify(resolved)}`);
  }
  return resolved;
}

function resolveIntrinsic(template: CfnTemplate, name: string, args: unknown): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(template, args);
    case 'Fn::GetAtt':
      return resolveGetAtt(template, args);
    case 'Fn::Join': {
      if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') {
        throw new Error(`Malformed Fn::Join: ${JSON.stringify(args)}`);
      }
      const parts = resolveList(template, args[1], 'Fn::Join list');
      return parts.map((part, i) => {
        if (typeof part !== 'string' && typeof part !== 'number') {
          throw new Error(`Fn::Join element ${i} did not resolve to a string: ${JSON.stringify(part)}`);
        }
        return String(part);
      }).join(args[0]);
    }
    case 'Fn::Sub':
      return resolveSub(template, args);
    case 'Fn::Select': {
      if (!Array.isArray(args) || args.length !== 2) {
        throw new Error(`Malformed Fn::Select: ${JSON.stringify(args)}`);
      }
      const index = Number(resolveIntrinsics(template, args[0]));
      const list = resolveList(template, args[1], 'Fn::Select list');
      if (!Number.isInteger(index) || index < 0 || index >= list.length) {
        throw new Error(`Fn::Select index ${String(args[0])} out of range for list of length ${list.length}`);
      }
      return list[index];
    }
    case 'Fn::Split': {
      if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') {
        throw new Error(`Malformed Fn::Split: ${JSON.stringify(args)}`);
      }
      return resolveToString(template, args[1], 'Fn::Split source').split(args[0]);
    }
    case 'Fn::ImportValue':
      throw new Error(`Fn::ImportValue is not supported by the policy-eval resolver: ${JSON.stringify(args)}`);
    case 'Fn::FindInMap':
      throw new Error(`Fn::FindInMap is not supported by the policy-eval resolver: ${JSON.stringify(args)}`);
    default:
      throw new Error(`Unsupported CloudFormation intrinsic '${name}': ${JSON.stringify(args)}`);
  }
}

function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return keys[0];
  }
  return undefined;
}

function resolveInternal(template: CfnTemplate, value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => resolveInternal(template, v)).filter((v) => v !== NO_VALUE);
  }
  if (isPlainObject(value)) {
    const name = intrinsicName(value);
    if (name) {
      return resolveIntrinsic(template, name, value[name]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = resolveInternal(template, v);
      if (resolved !== NO_VALUE) {
        out[k] = resolved;
      }
    }
    return out;
  }
  return value;
}

/**
 * Deeply resolves CloudFormation intrinsics in `value` to literals for the fixed test environment.
 * Throws on any intrinsic it does not understand.
 */
export function resolveIntrinsics(template: CfnTemplate, value: unknown): unknown {
  const resolved = resolveInternal(template, value);
  return resolved === NO_VALUE ? undefined : resolved;
}

// ---------------------------------------------------------------------------
// Bucket policy lookup
// ---------------------------------------------------------------------------

export interface BucketPolicyLookupOptions {
  /** Logical id of the `AWS::S3::Bucket`. Default: the only bucket that has an `AWS::S3::BucketPolicy`. */
  readonly bucketLogicalId?: string;
}

export interface FoundBucketPolicy {
  readonly bucketLogicalId: string;
  readonly policyLogicalId: string;
  /** The `PolicyDocument` with all intrinsics resolved. */
  readonly policyDocument: Record<string, unknown>;
}

function refTarget(value: unknown): string | undefined {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.Ref === 'string'
    ? value.Ref
    : undefined;
}

/** Finds (and resolves) the `AWS::S3::BucketPolicy` attached by `Ref` to the chosen bucket. */
export function findBucketPolicy(template: CfnTemplate, options: BucketPolicyLookupOptions = {}): FoundBucketPolicy {
  const resources = template.Resources ?? {};
  const policies = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::S3::BucketPolicy')
    .map(([policyLogicalId, r]) => ({ policyLogicalId, bucketRef: refTarget(r.Properties?.Bucket), resource: r }))
    .filter((p) => p.bucketRef !== undefined && resources[p.bucketRef]?.Type === 'AWS::S3::Bucket');

  let bucketLogicalId = options.bucketLogicalId;
  if (bucketLogicalId === undefined) {
    const buckets = [...new Set(policies.map((p) => p.bucketRef as string))];
    if (buckets.length !== 1) {
      throw new Error(
        `Expected exactly one AWS::S3::Bucket with an AWS::S3::BucketPolicy, found ${buckets.length}` +
        (buckets.length ? ` (${buckets.join(', ')}); pass bucketLogicalId` : ''),
      );
    }
    bucketLogicalId = buckets[0];
  } else {
    getResource(template, bucketLogicalId, 'AWS::S3::Bucket');
  }

  const matching = policies.filter((p) => p.bucketRef === bucketLogicalId);
  if (matching.length !== 1) {
    throw new Error(`Expected exactly one AWS::S3::BucketPolicy for bucket '${bucketLogicalId}', found ${matching.length}`);
  }
  const [found] = matching;
  const document = resolveIntrinsics(template, found.resource.Properties?.PolicyDocument);
  if (!isPlainObject(document)) {
    throw new Error(`Bucket policy '${found.policyLogicalId}' has no PolicyDocument`);
  }
  return { bucketLogicalId, policyLogicalId: found.policyLogicalId, policyDocument: document };
}
