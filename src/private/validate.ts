import { Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { invalidProp } from './errors';

/**
 * Why `name` is not a valid general purpose S3 bucket name, or `undefined` when it is
 * (or when it is a token that cannot be checked at synth).
 *
 * Rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function validateBucketName(name: string): string | undefined {
  if (Token.isUnresolved(name)) { return undefined; }
  if (name.length < 3 || name.length > 63) { return `it has ${name.length} characters, not 3 to 63`; }
  if (/[^a-z0-9.-]/.test(name)) { return 'only lowercase letters, digits, dots and hyphens are allowed'; }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) { return 'it must start and end with a letter or digit'; }
  if (name.includes('..')) { return 'it must not contain two adjacent dots'; }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) { return 'it must not be formatted as an IP address'; }
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) { return `it must not start with the reserved prefix '${prefix}'`; }
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) { return `it must not end with the reserved suffix '${suffix}'`; }
  }
  return undefined;
}

/**
 * The name of `bucket` when it is known at synth, else `undefined`.
 *
 * The `bucketName` attribute of a bucket defined in the app is a token even when a literal
 * `bucketName` prop was given; that literal is read from the `AWS::S3::Bucket` resource.
 */
export function literalBucketName(bucket: s3.IBucket): string | undefined {
  if (!Token.isUnresolved(bucket.bucketName)) { return bucket.bucketName; }
  const cfn = bucket.node.defaultChild;
  if (cfn instanceof s3.CfnBucket && typeof cfn.bucketName === 'string' && !Token.isUnresolved(cfn.bucketName)) {
    return cfn.bucketName;
  }
  return undefined;
}

/** Options of `checkStringList`. */
export interface StringListCheck {
  /** Whether an empty list is acceptable. */
  readonly allowEmpty: boolean;
  /** The pattern every literal element must match. */
  readonly pattern?: RegExp;
  /** What a valid element looks like, for the error message. */
  readonly patternHelp?: string;
  /** A custom check per literal element: the problem, or undefined. */
  readonly check?: (value: string) => string | undefined;
}

/** The error codes of `checkStringList`, given by its caller: one per condition. */
export interface StringListCodes {
  /** The list is empty (and `allowEmpty` is false). */
  readonly empty: string;
  /** An element is listed twice. */
  readonly duplicate: string;
  /** An element fails the pattern or the check. */
  readonly malformed: string;
}

/**
 * Validates a list prop of an access restriction: not empty (unless allowed), no duplicates,
 * every literal element well-formed. Tokens (the list or an element) are accepted unchecked.
 */
export function checkStringList(codes: StringListCodes, owner: string, prop: string, values: string[] | undefined, rules: StringListCheck): void {
  if (values === undefined || Token.isUnresolved(values)) { return; }
  if (values.length === 0 && !rules.allowEmpty) {
    invalidProp(codes.empty, owner, prop, values, 'cannot be an empty list', `Give at least one value, or omit '${prop}'.`);
  }
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (Token.isUnresolved(value)) { return; }
    if (seen.has(value)) {
      invalidProp(codes.duplicate, owner, `${prop}[${i}]`, value, 'is a duplicate', 'List each value once.');
    }
    seen.add(value);
    if (rules.pattern && !rules.pattern.test(value)) {
      invalidProp(codes.malformed, owner, `${prop}[${i}]`, value, 'is malformed', rules.patternHelp ?? `It must match ${rules.pattern}.`);
    }
    const problem = rules.check?.(value);
    if (problem) {
      invalidProp(codes.malformed, owner, `${prop}[${i}]`, value, `is malformed: ${problem}`, rules.patternHelp ?? 'Fix the value.');
    }
  });
}
