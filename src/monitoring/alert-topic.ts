import { ArnFormat, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { invalidProp } from '../private/errors';
import { rotatedKey } from '../private/keys';
import { allowServiceKeyUse, EVENTS_SERVICE } from '../private/statements';

/** What `createAlertTopic` built. */
export interface AlertTopic {
  readonly topic: sns.Topic;
  readonly topicArn: string;
  readonly key: kms.Key;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Throws on a literal that is not an email address; tokens pass. */
export function checkEmails(owner: string, emails: string[]): void {
  if (Token.isUnresolved(emails)) { return; }
  const seen = new Set<string>();
  emails.forEach((email, i) => {
    if (Token.isUnresolved(email)) { return; }
    if (!EMAIL.test(email)) {
      invalidProp('BucketSecurityMonitor.EmailInvalid', owner, `alertEmails[${i}]`, email, 'is not an email address', 'Give addresses such as "security@example.com".');
    }
    if (seen.has(email)) {
      invalidProp('BucketSecurityMonitor.EmailDuplicate', owner, `alertEmails[${i}]`, email, 'is a duplicate', 'List each address once.');
    }
    seen.add(email);
  });
}

/**
 * The alert topic: SSE-KMS with its own customer-managed key, TLS-only (`enforceSSL` adds the
 * Deny on `aws:SecureTransport` false), an email subscription per address.
 *
 * The topic has a fixed physical name so that the key policy can name it
 * (`kms:EncryptionContext:aws:sns:topicArn`) without a dependency cycle. SNS puts the topic ARN in
 * the encryption context under `aws:sns:topicArn`, as AWS's own key policies for encrypted topics
 * condition on it (for example GameLift's:
 * https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html). EventBridge needs
 * `kms:GenerateDataKey*` and `kms:Decrypt` on the key of an encrypted target topic:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export function createAlertTopic(scope: Construct, emails: string[]): AlertTopic {
  const stack = Stack.of(scope);
  const topicName = Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' }) + '-Alerts';
  const topicArn = stack.formatArn({ service: 'sns', resource: topicName, arnFormat: ArnFormat.NO_RESOURCE_NAME });

  const key = rotatedKey(scope, 'AlertKey', `Encrypts the alert topic of ${scope.node.path}`, RemovalPolicy.DESTROY);
  key.addToResourcePolicy(allowServiceKeyUse(EVENTS_SERVICE, 'AllowEventBridgeToPublishToTheAlertTopic',
    ['kms:GenerateDataKey*', 'kms:Decrypt'], 'aws:sns:topicArn', topicArn));

  const topic = new sns.Topic(scope, 'Alerts', {
    topicName,
    displayName: 'S3 security alerts',
    masterKey: key,
    enforceSSL: true,
  });
  for (const email of emails) {
    topic.addSubscription(new subscriptions.EmailSubscription(email));
  }
  return { topic, topicArn, key };
}
