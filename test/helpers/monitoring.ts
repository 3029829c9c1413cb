/** What the monitoring tests share: the events the alert rules must match, and a stack in the tests' environment. */
import { App, Stack } from 'aws-cdk-lib';
import { appOf, ENV, newStack } from './stacks';

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

/** A stack in the tests' fixed environment, in an app of its own, and the app. */
export function monitorStack(): { app: App; stack: Stack } {
  const stack = newStack({ env: ENV });
  return { app: appOf(stack), stack };
}
