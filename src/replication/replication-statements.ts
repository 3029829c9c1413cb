import { Aws, Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ReplicationDestinationKeyPolicyOptions, ReplicationDestinationPolicyOptions } from './replication-destination';
import { REPLICATION_WRITES_ACTIONS } from '../private/s3-actions';

/*
 * Permissions follow the Amazon S3 User Guide:
 * - "Setting up permissions for live replication" (role trust and access policy; destination bucket
 *   policy for cross-account):
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
 * - "Replicating encrypted objects" (SseKmsEncryptedObjects, ReplicaKmsKeyID; kms:Decrypt on the
 *   source key and kms:Encrypt on the destination key, limited with kms:ViaService and
 *   kms:EncryptionContext:aws:s3:arn; with an S3 Bucket Key the encryption context is the bucket ARN
 *   and the key that encrypts replicas must also allow kms:Decrypt):
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
 * - "Changing the replica owner" (AccessControlTranslation, s3:ObjectOwnerOverrideToBucketOwner):
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html
 * - Object Lock replication needs s3:GetObjectRetention and s3:GetObjectLegalHold on the source:
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html
 */

/** Actions on the source bucket itself. */
export const SOURCE_BUCKET_ACTIONS = ['s3:GetReplicationConfiguration', 's3:ListBucket'];
/** Actions on the source objects. */
export const SOURCE_OBJECT_ACTIONS = ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'];
/** Extra actions on the source objects when the source has Object Lock. */
export const SOURCE_OBJECT_LOCK_ACTIONS = ['s3:GetObjectRetention', 's3:GetObjectLegalHold'];

/** Actions on the destination objects. */
export function destinationObjectActions(deleteMarkers: boolean, crossAccount: boolean): string[] {
  return [
    's3:ReplicateObject',
    ...(deleteMarkers ? ['s3:ReplicateDelete'] : []),
    's3:ReplicateTags',
    ...(crossAccount ? ['s3:ObjectOwnerOverrideToBucketOwner'] : []),
  ];
}

/**
 * Every replication action a destination can receive (denied to all but the replication roles): the
 * class `replicates-objects` of src/private/s3-actions.ts, generated from AWS's Service Authorization Reference.
 */
export const ALL_REPLICATE_ACTIONS: readonly string[] = REPLICATION_WRITES_ACTIONS;

/** KMS actions on the key that encrypts replicas (Decrypt: the S3 Bucket Key integrity check). */
export const DESTINATION_KEY_ACTIONS = ['kms:Encrypt', 'kms:Decrypt'];

/** `s3.<region>.<url suffix>`, the value of `kms:ViaService` for S3 in a region. */
function s3ViaService(region: string): string {
  return `s3.${region}.${Aws.URL_SUFFIX}`;
}

/** The KMS conditions that tie a key use to S3 in one region and one bucket (object or S3 Bucket Key context). */
export function kmsConditions(region: string, bucketArn: string | undefined): Record<string, Record<string, unknown>> {
  return {
    StringLike: {
      'kms:ViaService': s3ViaService(region),
      ...(bucketArn !== undefined ? { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] } : {}),
    },
  };
}

/** Bucket-policy statements a destination needs so that one replication role may write replicas. */
export function destinationBucketStatements(options: ReplicationDestinationPolicyOptions, sid: string,
  crossAccount: boolean = true): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid,
      effect: iam.Effect.ALLOW,
      principals: [new iam.AccountPrincipal(options.sourceAccount)],
      actions: destinationObjectActions(options.deleteMarkerReplication ?? false, crossAccount),
      resources: [`${options.destinationBucketArn}/*`],
      conditions: { ArnEquals: { 'aws:PrincipalArn': options.replicationRoleArn } },
    }),
  ];
}

/** The Deny that keeps everyone but the listed principals (replication roles) from writing replicas. */
export function denyOtherReplicators(objectsArn: string, roleArns: () => string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyReplicationExceptReplicationRoles',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [...ALL_REPLICATE_ACTIONS],
    resources: [objectsArn],
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: roleArns }) } },
  });
}

/**
 * Key-policy statement letting one replication role encrypt replicas with the destination key.
 * Without a bucket ARN (a key policy cannot name the bucket the key encrypts without a dependency
 * cycle), the encryption-context condition stays in the role's own policy only.
 */
export function destinationKeyStatement(options: Omit<ReplicationDestinationKeyPolicyOptions, 'destinationBucketArn'> & { destinationBucketArn?: string },
  sid: string): iam.PolicyStatement {
  const conditions = kmsConditions(options.destinationRegion, options.destinationBucketArn);
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.ALLOW,
    principals: [new iam.AccountPrincipal(options.sourceAccount)],
    actions: DESTINATION_KEY_ACTIONS,
    resources: ['*'],
    conditions: { ...conditions, ArnEquals: { 'aws:PrincipalArn': options.replicationRoleArn } },
  });
}
