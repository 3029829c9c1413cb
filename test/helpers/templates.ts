/**
 * Reading synthesized templates and annotations: logical ids, the references CDK renders, one
 * resource's properties, a bucket's policy statements, the warnings of a stack.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';

/** The logical id of the L1 resource behind an L2 construct (or of an L1 itself). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).getLogicalId(element);
}

/** `{ Fn::GetAtt: [bucket, Arn] }`, as CDK renders a bucket's ARN in its own stack. */
export function bucketArn(bucket: IConstruct) {
  return { 'Fn::GetAtt': [logicalId(bucket), 'Arn'] };
}

/** `bucket/*`, as CDK renders it in the bucket's own stack. */
export function objectsArn(bucket: IConstruct) {
  return { 'Fn::Join': ['', [bucketArn(bucket), '/*']] };
}

/** The Deny of requests without TLS on the bucket and its objects, as `s3.Bucket` renders it (`enforceSSL`). */
export function expectedTlsDeny(bucket: IConstruct) {
  return {
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucketArn(bucket), objectsArn(bucket)],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** The Deny of TLS versions below `version` on the bucket and its objects, as `s3.Bucket` renders it (`minimumTLSVersion`). */
export function expectedMinTlsDeny(bucket: IConstruct, version = 1.2) {
  return { ...expectedTlsDeny(bucket), Condition: { NumericLessThan: { 's3:TlsVersion': version } } };
}

/** `{ Fn::GetAtt: [key, Arn] }`. */
export function keyArn(key: IConstruct) {
  return { 'Fn::GetAtt': [logicalId(key), 'Arn'] };
}

/**
 * Asserts that the one resource `id` (not just any resource of the type) matches `pattern`
 * (an `objectLike` pattern over the whole resource: `Properties`, `DeletionPolicy`, ...).
 */
export function expectResource(template: Template, type: string, id: string, pattern: Record<string, unknown>): void {
  const all = template.findResources(type);
  expect(Object.keys(all)).toContain(id);
  const matching = template.findResources(type, pattern);
  if (!(id in matching)) {
    throw new Error(`${type} ${id} does not match ${JSON.stringify(pattern)}:\n${JSON.stringify(all[id], null, 2)}`);
  }
}

/** Asserts that the properties of the one bucket `bucket` match `properties`. */
export function expectBucket(template: Template, bucket: IConstruct, properties: Record<string, unknown>): void {
  expectResource(template, 'AWS::S3::Bucket', logicalId(bucket), { Properties: properties });
}

/** The policy document of the one bucket policy attached to `bucket`. */
export function policyDocument(template: Template, bucket: IConstruct): any {
  const policies = template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logicalId(bucket) } } });
  const ids = Object.keys(policies);
  expect(ids).toHaveLength(1);
  return policies[ids[0]].Properties.PolicyDocument;
}

/** The statements of the one bucket policy attached to `bucket`. */
export function policyStatements(template: Template, bucket: IConstruct): any[] {
  return policyDocument(template, bucket).Statement;
}

/** The logical ids of the resources of one type. */
export function resourceIdsOf(template: any, type: string): string[] {
  return Object.entries<any>(template.Resources ?? {}).filter(([, r]) => r.Type === type).map(([id]) => id);
}

/** The one logical id of a resource type whose id starts with `prefix`. */
export function resourceIdOf(template: any, type: string, prefix: string): string {
  const ids = resourceIdsOf(template, type).filter(id => id.startsWith(prefix));
  if (ids.length !== 1) { throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`); }
  return ids[0];
}

/** Every warning of the stack (it is synthesized), with its path and its id (`[ack: id]`). */
export function warnings(stack: Stack): { path: string; id: string; message: string }[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => {
    const message = String(w.entry.data);
    return { path: w.id, id: /\[ack: ([^\]]+)\]/.exec(message)?.[1] ?? '', message };
  });
}

/** The ids (`[ack: id]`) of the warnings of the stack. */
export function warningIds(stack: Stack): string[] {
  return warnings(stack).map(w => w.id);
}

/** The warnings of the rules (`[SB-S3-1]`, `[SB-KMS-1]`, `[SB-IAM-1]`) in the stack. */
export function ruleWarnings(stack: Stack) {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('\\[SB-(S3|KMS|IAM)-\\d+\\]'));
}
