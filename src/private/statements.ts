import { Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { invalidProp } from './errors';
import { ENCRYPTED_WRITES_ACTIONS } from './s3-actions';
import { literalBucketName } from './validate';

/**
 * Policy-statement builders shared by every construct and mixin of this library.
 *
 * They build statements only; they never decide whether one is needed.
 */

/** The S3 service principal that delivers server access logs. */
export const LOG_DELIVERY_SERVICE = 'logging.s3.amazonaws.com';

const SSE_HEADER = 's3:x-amz-server-side-encryption';
const SSE_KEY_HEADER = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/**
 * The two Deny statements that stop uploads encrypted with anything but `keyArn`.
 *
 * | request headers (algorithm, key id)            | result                                          |
 * |------------------------------------------------|-------------------------------------------------|
 * | none, none                                     | allowed: default encryption uses the key        |
 * | `aws:kms`, `keyArn`                            | allowed                                         |
 * | any algorithm, no key id or another key id     | denied (statement 1); `aws:kms` alone would use aws/s3 |
 * | no algorithm or not `aws:kms`, any key id      | denied (statement 2); S3 itself refuses a key id without an algorithm |
 *
 * Each statement applies only when its header is in the request (`Null: false`), so requests without
 * encryption headers (default encryption, the log delivery service) are not denied; the other header is
 * compared with `StringNotEquals`, which IAM evaluates as true when that header is absent
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 * Two statements cover what three did with one `Null` guard each: a smaller policy and template.
 */
export function wrongEncryptionDenies(objectsArn: string, keyArn: string): iam.PolicyStatement[] {
  const base = {
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    // Every action that writes object data with encryption headers: PutObject, and ReplicateObject (default
    // encryption does not apply to replicas), from AWS's Service Authorization Reference (src/private/s3-actions.ts).
    actions: [...ENCRYPTED_WRITES_ACTIONS],
    resources: [objectsArn],
  };
  return [
    new iam.PolicyStatement({
      ...base,
      sid: 'DenyEncryptionWithoutThisKey',
      conditions: {
        Null: { [SSE_HEADER]: 'false' },
        StringNotEquals: { [SSE_KEY_HEADER]: keyArn },
      },
    }),
    new iam.PolicyStatement({
      ...base,
      sid: 'DenyKeyIdWithOtherEncryption',
      conditions: {
        Null: { [SSE_KEY_HEADER]: 'false' },
        StringNotEquals: { [SSE_HEADER]: 'aws:kms' },
      },
    }),
  ];
}

/** Properties of the log-delivery statement. */
export interface LogDeliveryStatementProps {
  /** ARNs the logs are written under, e.g. `arn:aws:s3:::logs/*`. */
  readonly objectArns: string[];
  /**
   * Produces the source bucket ARNs (`aws:SourceArn`) when the policy is rendered, so that
   * one statement can list every source added later. `undefined` means account-scoped delivery.
   */
  readonly sourceArns: () => string[] | undefined;
  /** The account the source buckets belong to (`aws:SourceAccount`). */
  readonly sourceAccount: string;
}

/**
 * Allows the S3 log delivery service to write server access logs, for the given
 * source buckets of the given account only (the confused-deputy guard AWS documents:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
export function logDeliveryStatement(props: LogDeliveryStatementProps): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'S3ServerAccessLogsPolicy',
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal(LOG_DELIVERY_SERVICE)],
    actions: ['s3:PutObject'],
    resources: props.objectArns,
    conditions: {
      StringEquals: { 'aws:SourceAccount': props.sourceAccount },
      ArnLike: Lazy.any({
        produce: () => {
          const arns = props.sourceArns();
          return arns === undefined ? undefined : { 'aws:SourceArn': arns };
        },
      }),
    },
  });
}

/**
 * Key-policy statement that lets only AWS services create grants on a key
 * (AWS Control Tower CT.KMS.PR.3; https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
 */
export function denyGrantsExceptForAwsServices(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  });
}

/**
 * The `aws:SourceArn` of a log source bucket, as seen from the log target's stack, without
 * creating a reference from that stack to another one (the two stacks would depend on each
 * other: the source names the target, the target's policy names the source).
 */
export function logSourceArn(target: IConstruct, source: s3.IBucket): string {
  const targetStack = Stack.of(target);
  if (Stack.of(source) === targetStack) {
    return source.bucketArn;
  }
  const sourceName = literalBucketName(source);
  if (sourceName !== undefined) {
    return targetStack.formatArn({ service: 's3', region: '', account: '', resource: sourceName });
  }
  return invalidProp('SecureBucket.LogTargetInOtherStackUnnamed', source, 'serverAccessLogsBucket', target.node.path,
    `is in stack ${targetStack.stackName}, another stack than the bucket, which has no literal name to put in the target's policy`,
    'Give the bucket a literal bucketName, or use a log bucket in the bucket\'s own stack (the default).');
}

/** The EventBridge service principal. */
export const EVENTS_SERVICE = 'events.amazonaws.com';

/**
 * Lets an AWS service (`service`, e.g. `events.amazonaws.com`) perform `action` on `resourceArn` (a topic,
 * a queue) for the given sources only (`aws:SourceArn`: EventBridge rules, a CloudWatch alarm), and, when
 * `sourceAccount` is given, from that account only, instead of for any source of any account.
 */
export function allowServiceFromSources(
  service: string, sid: string, action: string, resourceArn: string, sourceArns: string | string[], sourceAccount?: string,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(service)],
    actions: [action],
    resources: [resourceArn],
    conditions: {
      ArnEquals: { 'aws:SourceArn': sourceArns },
      ...(sourceAccount !== undefined ? { StringEquals: { 'aws:SourceAccount': sourceAccount } } : {}),
    },
  });
}

/**
 * The key-policy statement that lets an AWS service (`service`, e.g. `events.amazonaws.com`) use the
 * key for one resource only: `actions` when the KMS encryption context names it
 * (`kms:EncryptionContext:<contextKey>` = `resourceArn`).
 */
export function allowServiceKeyUse(service: string, sid: string, actions: string[], contextKey: string, resourceArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(service)],
    actions,
    resources: ['*'],
    conditions: { StringEquals: { [`kms:EncryptionContext:${contextKey}`]: resourceArn } },
  });
}
