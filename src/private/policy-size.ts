import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/** The bucket-policy size limit of Amazon S3, in bytes. */
export const BUCKET_POLICY_LIMIT_BYTES = 20 * 1024;

/**
 * Length that stands in for a CloudFormation intrinsic (`Fn::GetAtt`, `Ref`, `Fn::Join`...) in
 * the size estimate: the longest value such a reference takes in a bucket policy is an ARN,
 * e.g. `arn:aws-us-gov:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-gov-west-1`.
 */
const INTRINSIC_PLACEHOLDER = 'x'.repeat(96);

const CHECKED = new WeakSet<IConstruct>();

/**
 * Estimates the deployed size of a policy document as S3 counts it (JSON without white space),
 * with every intrinsic counted as a long ARN.
 */
export function estimatePolicyBytes(resolved: unknown): number {
  return Buffer.byteLength(JSON.stringify(replaceIntrinsics(resolved)), 'utf8');
}

function replaceIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) { return value.map(replaceIntrinsics); }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return INTRINSIC_PLACEHOLDER;
    }
    return Object.fromEntries(keys.map(k => [k, replaceIntrinsics((value as any)[k])]));
  }
  return value;
}

/**
 * Adds a synth-time check that the bucket's policy stays under the 20 KB limit. Over the limit,
 * the error reports the estimated size and the statements that contribute most.
 */
export function checkPolicySize(bucket: s3.IBucket & IConstruct): void {
  if (CHECKED.has(bucket)) { return; }
  CHECKED.add(bucket);
  bucket.node.addValidation({
    validate: () => {
      const policy = bucket.policy;
      if (!policy) { return []; }
      const resolved = Stack.of(bucket).resolve(policy.document) ?? {};
      const bytes = estimatePolicyBytes(resolved);
      if (bytes <= BUCKET_POLICY_LIMIT_BYTES) { return []; }
      const statements: any[] = resolved.Statement ?? [];
      const largest = statements
        .map((s, i) => ({ name: s.Sid ?? `#${i + 1}`, bytes: estimatePolicyBytes(s) }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 3)
        .map(s => `${s.name} (${s.bytes} bytes)`);
      return [`The bucket policy of ${bucket.node.path} is about ${bytes} bytes, over the S3 limit of ${BUCKET_POLICY_LIMIT_BYTES} bytes `
        + `(${statements.length} statements; largest: ${largest.join(', ')}). Combine restrictions with AccessRestriction.anyOf, `
        + 'list fewer principals (wildcards such as role/team-*), or split the data across buckets.'];
    },
  });
}
