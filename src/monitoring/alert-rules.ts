import { Lazy, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_RETRY_POLICY, ruleArns } from './alert-dlq';
import { ACCOUNT_LEVEL_EVENT_NAMES, BUCKET_LEVEL_EVENT_NAMES, OBJECT_LEVEL_EVENT_NAMES } from './s3-api-calls';
import { allowServiceFromSources, EVENTS_SERVICE } from '../private/statements';

/**
 * The detail type of CloudTrail API calls on EventBridge, and their source for S3:
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-s3.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** The event pattern of the bucket rule; `bucketNames` undefined means every bucket of the account. */
export function bucketChangePattern(bucketNames: string[] | undefined): Record<string, unknown> {
  return {
    'source': ['aws.s3'],
    'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
    'detail': {
      eventSource: ['s3.amazonaws.com'],
      eventName: [...BUCKET_LEVEL_EVENT_NAMES, ...OBJECT_LEVEL_EVENT_NAMES],
      ...(bucketNames ? { requestParameters: { bucketName: bucketNames } } : {}),
    },
  };
}

/**
 * EventBridge's default quota on the size of an event pattern, in characters (adjustable):
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 */
export const EVENT_PATTERN_LIMIT = 2048;

/** The longest bucket name S3 allows, the length a name not known at synth is counted at. */
const MAX_BUCKET_NAME = 63;

/** The size of the bucket rule's pattern for these bucket names, a name not known at synth counted at its maximum length. */
export function bucketChangePatternChars(bucketNames: string[]): number {
  return JSON.stringify(bucketChangePattern(bucketNames.map(n => (Token.isUnresolved(n) ? 'x'.repeat(MAX_BUCKET_NAME) : n)))).length;
}

/** The event pattern of the account-level public access block rule. */
export function accountChangePattern(): Record<string, unknown> {
  return {
    'source': ['aws.s3'],
    'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
    'detail': {
      eventSource: ['s3.amazonaws.com'],
      eventName: [...ACCOUNT_LEVEL_EVENT_NAMES],
    },
  };
}

/** Who did what to which bucket, from where and when: the alert e-mail body. */
export function alertMessage(): events.RuleTargetInput {
  const f = (path: string) => events.EventField.fromPath(path);
  return events.RuleTargetInput.fromText([
    `S3 security alert: ${f('$.detail.eventName')} on bucket ${f('$.detail.requestParameters.bucketName')}`,
    `who: ${f('$.detail.userIdentity.arn')}`,
    `from IP: ${f('$.detail.sourceIPAddress')}`,
    `when: ${f('$.detail.eventTime')}`,
    `account: ${f('$.account')}, region: ${f('$.region')}`,
    `error (if the call failed): ${f('$.detail.errorCode')}`,
  ].join('\n'));
}

/**
 * An EventBridge rule whose pattern is rendered at synth time (so that buckets added later are in
 * it), targeting the alert topic through the topic policy only (no role), with a retry policy and
 * a dead-letter queue.
 */
export function createAlertRule(
  scope: Construct, id: string, description: string, pattern: () => Record<string, unknown>, topic: sns.ITopic, deadLetterQueue: sqs.IQueue,
): events.Rule {
  const initial = pattern();
  const rule = new events.Rule(scope, id, {
    description,
    eventPattern: { source: initial.source as string[] },
  });
  (rule.node.defaultChild as events.CfnRule).eventPattern = Lazy.any({ produce: () => pattern() });
  const input = alertMessage();
  // Not events_targets.SnsTopic: it grants sns:Publish to events.amazonaws.com for any rule of any account.
  // Alerts that cannot be published after the retries go to the dead-letter queue.
  rule.addTarget({
    bind: () => ({ arn: topic.topicArn, input, deadLetterConfig: { arn: deadLetterQueue.queueArn }, retryPolicy: ALERT_RETRY_POLICY }),
  });
  return rule;
}

/** Lets EventBridge publish to the topic for these rules only (read when the policy is rendered: rules are added with buckets). */
export function allowRulesToPublish(topic: sns.ITopic, rules: () => events.IRule[]): void {
  topic.addToResourcePolicy(allowServiceFromSources(EVENTS_SERVICE, 'AllowTheMonitorRulesToPublish', 'sns:Publish', topic.topicArn,
    ruleArns(rules)));
}
