import { Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

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
