import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { existingStateOf, stateOf } from '../../private/construct-state';
import { validationMessage } from '../../private/errors';
import { isIntrinsic } from '../../private/template-values';

/** The bucket-policy size limit of Amazon S3, in bytes. */
export const BUCKET_POLICY_LIMIT_BYTES = 20 * 1024;

/** Longest values, in characters, that stand in for intrinsics in the size estimate. */
interface Bounds {
  /** Pseudo parameter name to the length of its longest value. */
  readonly pseudo: Record<string, number>;
  /** A reference to a resource or parameter, or any intrinsic whose value is not known. */
  readonly reference: number;
}

let BOUNDS: Bounds | undefined;

/**
 * The longest value each pseudo parameter takes, so that the estimate is never below the policy S3
 * stores, in any partition and Region:
 *
 * - `AWS::AccountId`: a 12-digit account id; `AWS::Partition`: `aws`, `aws-cn`, `aws-us-gov`...;
 *   `AWS::Region`: a Region code; `AWS::URLSuffix`: `amazonaws.com`, `amazonaws.com.cn` in China;
 *   `AWS::StackId`: `arn:<partition>:cloudformation:<region>:<account>:stack/<stack name>/<UUID>`
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html).
 * - `AWS::StackName`: at most 128 characters
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html).
 * - Partitions, Region codes and URL suffixes: the longest in AWS's endpoint data (the `partitions.json` of
 *   the AWS SDKs, e.g. https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-endpoints/src/lib/aws/partitions.json)
 *   and in the region table of aws-cdk-lib 2.276 (`aws-cdk-lib/region-info`): `aws-us-gov` (10),
 *   `us-isof-south-1` (15), `amazonaws.com.cn` (16). The table of the aws-cdk-lib in use is read too, so a
 *   longer value added by AWS raises the bound with the next aws-cdk-lib.
 *
 * A reference to a resource counts as the longest value it usually takes in a bucket policy: an IAM
 * role ARN whose name is at the 64-character maximum of IAM (the longest name CloudFormation generates;
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), in the longest partition:
 * `arn:aws-us-gov:iam::111111111111:role/<64 characters>`, 102 characters. Bucket ARNs (at most 83),
 * bucket names (63) and KMS key ARNs (at most 88) are shorter. A role with a long path, or a reference to a
 * list, can be longer: the estimate is no bound for those.
 */
function bounds(): Bounds {
  if (BOUNDS) { return BOUNDS; }
  const longest = (floor: number, values: Array<string | undefined>) =>
    Math.max(floor, ...values.map(v => (typeof v === 'string' ? v.length : 0)));
  const regions = RegionInfo.regions;
  const partition = longest('aws-us-gov'.length, regions.map(r => r.partition));
  const region = longest('us-isof-south-1'.length, regions.map(r => r.name));
  const urlSuffix = longest('amazonaws.com.cn'.length, regions.map(r => r.domainSuffix));
  const account = 12;
  const stackName = 128;
  const uuid = 36;
  BOUNDS = {
    pseudo: {
      'AWS::AccountId': account,
      'AWS::Partition': partition,
      'AWS::Region': region,
      'AWS::URLSuffix': urlSuffix,
      'AWS::StackName': stackName,
      'AWS::StackId': 'arn:'.length + partition + ':cloudformation:'.length + region + ':'.length + account
        + ':stack/'.length + stackName + '/'.length + uuid,
      // Removes the property: counted as an empty string (the key stays in the estimate).
      'AWS::NoValue': 0,
    },
    reference: 'arn:'.length + partition + ':iam::'.length + account + ':role/'.length + 64,
  };
  return BOUNDS;
}

/**
 * Estimates the size of a resolved policy document as S3 counts it (JSON without white space),
 * with every intrinsic replaced by the longest value it can take:
 *
 * | intrinsic                               | counted as                                            |
 * |-----------------------------------------|-------------------------------------------------------|
 * | `Ref` of a pseudo parameter             | its longest value (`AWS::Partition` 10, `AWS::AccountId` 12, ...) |
 * | `Fn::Join` of a list                    | its literal parts and delimiters, plus each nested intrinsic |
 * | `Fn::Sub`                               | its literal text, plus each `${...}` (a pseudo parameter, a variable of its map, or a reference) |
 * | `Fn::If`                                | its longer branch (an object or a list as its JSON)   |
 * | `Fn::Select` from a literal list        | its longest element (an object or a list as its JSON) |
 * | `Ref` of a resource, `Fn::GetAtt`, any other | 102 characters, an IAM role ARN (see `bounds`) |
 */
export function estimatePolicyBytes(resolved: unknown): number {
  return Buffer.byteLength(JSON.stringify(replaceIntrinsics(resolved)), 'utf8');
}

function replaceIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) { return value.map(replaceIntrinsics); }
  if (isIntrinsic(value)) { return structuralChoice(value) ?? 'x'.repeat(intrinsicBytes(value)); }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceIntrinsics(v)]));
  }
  return value;
}

/**
 * An `Fn::If` or `Fn::Select` that chooses between objects or lists (a whole statement, a list of
 * principals): the largest choice, its own intrinsics replaced. Undefined when every choice is a
 * string, a number or an intrinsic (those are counted as a string by `intrinsicBytes`).
 */
function structuralChoice(intrinsic: Record<string, unknown>): unknown | undefined {
  const [name, args] = Object.entries(intrinsic)[0];
  const choices = name === 'Fn::If' && Array.isArray(args) && args.length === 3 ? [args[1], args[2]]
    : name === 'Fn::Select' && Array.isArray(args) && Array.isArray(args[1]) ? args[1] as unknown[] : undefined;
  if (!choices || !choices.some(c => c !== null && typeof c === 'object' && !isIntrinsic(c))) { return undefined; }
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');
  return choices.map(replaceIntrinsics).reduce((largest, c) => (size(c) > size(largest) ? c : largest));
}

/** Bytes a literal string takes inside a JSON string (escapes included), without the quotes. */
function literalBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** The longest length, in bytes inside a JSON string, of a value used as a string by an intrinsic. */
function stringBytes(value: unknown): number {
  if (typeof value === 'string') { return literalBytes(value); }
  if (typeof value === 'number' || typeof value === 'boolean') { return String(value).length; }
  if (isIntrinsic(value)) { return intrinsicBytes(value); }
  return bounds().reference;
}

function intrinsicBytes(intrinsic: Record<string, unknown>): number {
  const [name, args] = Object.entries(intrinsic)[0];
  const pseudo = bounds().pseudo;
  switch (name) {
    case 'Ref':
      return typeof args === 'string' && Object.prototype.hasOwnProperty.call(pseudo, args) ? pseudo[args] : bounds().reference;
    case 'Fn::Join': {
      if (!Array.isArray(args) || typeof args[0] !== 'string' || !Array.isArray(args[1])) { return bounds().reference; }
      const parts: unknown[] = args[1];
      return parts.reduce<number>((sum, part) => sum + stringBytes(part), 0) + literalBytes(args[0]) * Math.max(0, parts.length - 1);
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(args) ? args : [args, {}];
      if (typeof template !== 'string') { return bounds().reference; }
      return subBytes(template, (variables && typeof variables === 'object') ? variables as Record<string, unknown> : {});
    }
    case 'Fn::If':
      return Array.isArray(args) && args.length === 3 ? Math.max(stringBytes(args[1]), stringBytes(args[2])) : bounds().reference;
    case 'Fn::Select':
      return Array.isArray(args) && Array.isArray(args[1]) && args[1].length > 0
        ? Math.max(...(args[1] as unknown[]).map(stringBytes))
        : bounds().reference;
    default:
      return bounds().reference;
  }
}

/**
 * `Fn::Sub`: the literal text (`${!Literal}` stands for `${Literal}`) plus each `${Name}`: a variable of
 * the map, a pseudo parameter, or a resource reference / attribute.
 */
function subBytes(template: string, variables: Record<string, unknown>): number {
  const pseudo = bounds().pseudo;
  let bytes = 0;
  let rest = template;
  for (let match = /\$\{([^}]*)\}/.exec(rest); match; match = /\$\{([^}]*)\}/.exec(rest)) {
    bytes += literalBytes(rest.slice(0, match.index));
    const name = match[1];
    if (name.startsWith('!')) {
      bytes += literalBytes(`\${${name.slice(1)}}`);
    } else if (Object.prototype.hasOwnProperty.call(variables, name)) {
      bytes += stringBytes(variables[name]);
    } else if (Object.prototype.hasOwnProperty.call(pseudo, name)) {
      bytes += pseudo[name];
    } else {
      bytes += bounds().reference;
    }
    rest = rest.slice(match.index + match[0].length);
  }
  return bytes + literalBytes(rest);
}

/** Options of `checkPolicySize`. */
export interface PolicySizeCheckOptions {
  /**
   * How many of the statements the policy holds now the caller vouches for: statements it wrote
   * itself, of a size bounded well under the limit (no list that grows later). While the bucket's
   * policy is the same and holds no more statements, the check does not resolve it; once anything
   * adds a statement (a restriction, a grant, a user statement), the whole policy is checked.
   * Counts above the number of statements present are taken as that number.
   *
   * @default 0 - the whole policy is checked whenever it exists
   */
  readonly fixedStatements?: number;
}

interface Registration {
  readonly policy?: s3.BucketPolicy;
  readonly fixedStatements: number;
}

/** The state key of a bucket's policy-size check. */
const SIZE_CHECK = 'access.policySizeCheck';

/** The statement count of a bucket's policy; 0 without a policy. */
function statementCount(document?: iam.PolicyDocument): number {
  return document?.statementCount ?? 0;
}

/**
 * Adds a synth-time check that the bucket's policy stays under the 20 KB limit. Over the limit,
 * the error reports the estimated size and the statements that contribute most. The first call
 * for a bucket registers the check (and its options); later calls change nothing.
 */
export function checkPolicySize(bucket: s3.IBucket & IConstruct, options: PolicySizeCheckOptions = {}): void {
  if (existingStateOf(bucket, SIZE_CHECK) !== undefined) { return; }
  const registered = stateOf<Registration>(bucket, SIZE_CHECK, () => ({
    policy: bucket.policy,
    fixedStatements: Math.min(options.fixedStatements ?? 0, statementCount(bucket.policy?.document)),
  }));
  bucket.node.addValidation({
    validate: () => {
      const policy = bucket.policy;
      if (!policy) { return []; }
      if (policy === registered.policy && statementCount(policy.document) <= registered.fixedStatements) {
        return []; // only the statements the caller vouched for: nothing to resolve
      }
      const resolved = Stack.of(bucket).resolve(policy.document) ?? {};
      const bytes = estimatePolicyBytes(resolved);
      if (bytes <= BUCKET_POLICY_LIMIT_BYTES) { return []; }
      const statements: any[] = resolved.Statement ?? [];
      const largest = statements
        .map((s, i) => ({ name: s.Sid ?? `#${i + 1}`, bytes: estimatePolicyBytes(s) }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 3)
        .map(s => `${s.name} (${s.bytes} bytes)`);
      return [validationMessage('AccessRestriction.BucketPolicyTooLarge', `The bucket policy of ${bucket.node.path} is about ${bytes} bytes, over the S3 limit of ${BUCKET_POLICY_LIMIT_BYTES} bytes `
        + `(${statements.length} statements; largest: ${largest.join(', ')}). Combine restrictions with AccessRestriction.anyOf, `
        + 'list fewer principals (wildcards such as role/team-*), or split the data across buckets.')];
    },
  });
}
