import { App, Stack } from 'aws-cdk-lib';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

/**
 * The CloudTrail event names the alert rules must match, written out here (not imported from src)
 * so that a name dropped from the rules fails the tests: the bucket-level calls of issue 5 and the
 * object ACL data event.
 */
export const EXPECTED_BUCKET_EVENTS = [
  'CreateBucket', 'DeleteBucket', 'PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl',
  'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock', 'PutBucketEncryption', 'DeleteBucketEncryption',
  'PutBucketVersioning', 'PutBucketLifecycle', 'DeleteBucketLifecycle', 'PutBucketLogging',
  'PutBucketOwnershipControls', 'DeleteBucketOwnershipControls', 'PutBucketReplication', 'DeleteBucketReplication',
  'PutObjectAcl',
];

/** The account-level public access block calls, under both candidate event names (see src/monitoring/s3-api-calls.ts). */
export const EXPECTED_ACCOUNT_EVENTS = ['PutAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock', 'PutPublicAccessBlock', 'DeletePublicAccessBlock'];

/** An app without the slow built-in CloudFormation validation and a stack with a fixed environment. */
export function monitorStack(): { app: App; stack: Stack } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
  return { app, stack };
}

/** The logical ids of the resources of one type. */
export function logicalIdsOf(template: any, type: string): string[] {
  return Object.entries<any>(template.Resources ?? {}).filter(([, r]) => r.Type === type).map(([id]) => id);
}

/** The one logical id of a resource type whose id starts with `prefix`. */
export function logicalIdOf(template: any, type: string, prefix: string): string {
  const ids = logicalIdsOf(template, type).filter(id => id.startsWith(prefix));
  if (ids.length !== 1) { throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`); }
  return ids[0];
}
