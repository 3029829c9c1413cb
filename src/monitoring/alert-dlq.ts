import { ArnFormat, Duration, Lazy, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlertTopic } from './alert-topic';
import { acknowledgeRules } from '../private/acknowledge';
import { allowServiceFromSources, allowServiceKeyUse, EVENTS_SERVICE } from '../private/statements';

/**
 * How EventBridge retries an alert it could not publish, before it goes to the dead-letter queue:
 * the documented defaults (24 hours, up to 185 attempts), written out.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export const ALERT_RETRY_POLICY: events.CfnRule.RetryPolicyProperty = { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 };

/**
 * The dead-letter queue of the alert rules' target: alerts EventBridge could not publish to the
 * topic (topic or key deleted, policy changed, throttling after all retries) are kept 14 days.
 *
 * - Encrypted with the alert key (customer-managed). EventBridge sends to an encrypted queue with
 *   `kms:GenerateDataKey` and `kms:Decrypt` on its key; the statement is limited to this queue by
 *   the SQS encryption context `aws:sqs:arn`. The queue has a fixed name so that the key policy can
 *   name it without a dependency cycle (key, queue, rules).
 * - TLS only (`enforceSSL`).
 * - EventBridge may send to it for the monitor's rules only (`allowRulesToDeadLetter`), as the
 *   "Granting permissions to the dead-letter queue" section of
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html shows it.
 */
export function createAlertDeadLetterQueue(scope: Construct, key: kms.IKey): sqs.Queue {
  const stack = Stack.of(scope);
  const queueName = Names.uniqueResourceName(scope, { maxLength: 70, separator: '-' }) + '-AlertsDLQ';
  const queueArn = stack.formatArn({ service: 'sqs', resource: queueName, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  key.addToResourcePolicy(allowServiceKeyUse(EVENTS_SERVICE, 'AllowEventBridgeToUseTheAlertDeadLetterQueue',
    ['kms:GenerateDataKey', 'kms:Decrypt'], 'aws:sqs:arn', queueArn));
  const queue = new sqs.Queue(scope, 'AlertsDeadLetterQueue', {
    queueName,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const isDeadLetterQueue = 'This queue is the dead-letter queue of the monitor\'s EventBridge rule targets (the checkers cannot see an EventBridge DLQ); a dead-letter queue needs no dead-letter queue of its own.';
  acknowledgeRules(queue.node.defaultChild!, [
    { id: 'AwsSolutions-SQS3', reason: isDeadLetterQueue },
    { id: 'CT.SQS.PR.1', reason: isDeadLetterQueue },
  ]);
  return queue;
}

/** The ARNs of the rules, read when rendered (the monitor adds rules with buckets). */
export function ruleArns(rules: () => events.IRule[]): string[] {
  return Lazy.list({ produce: () => rules().map(r => r.ruleArn) });
}

/** Lets EventBridge send to the dead-letter queue for these rules only (read when the policy is rendered). */
export function allowRulesToDeadLetter(queue: sqs.IQueue, rules: () => events.IRule[]): void {
  queue.addToResourcePolicy(allowServiceFromSources(EVENTS_SERVICE, 'AllowTheMonitorRulesToDeadLetter', 'sqs:SendMessage', queue.queueArn,
    ruleArns(rules)));
}

/** The CloudWatch service principal (alarm actions). */
const CLOUDWATCH_SERVICE = 'cloudwatch.amazonaws.com';

/**
 * An alarm as soon as an alert lands in the dead-letter queue (the queue's visible messages, maximum
 * over 5 minutes, at least 1), notifying the alert topic: a lost alert does not go unnoticed.
 *
 * When the topic itself is what failed (its key or policy changed), this notification fails too,
 * but the alarm stays in ALARM in CloudWatch until the queue is emptied. CloudWatch publishes to an
 * encrypted topic with `kms:GenerateDataKey*` and `kms:Decrypt` on its key
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services),
 * and needs the topic policy to allow `cloudwatch.amazonaws.com` to publish; both are limited to
 * this alarm (`aws:SourceArn`, a fixed alarm name) and this topic.
 */
export function alarmOnUndeliveredAlerts(scope: Construct, queue: sqs.IQueue, alerts: AlertTopic): cloudwatch.Alarm {
  const stack = Stack.of(scope);
  const alarmName = Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' }) + '-AlertsNotDelivered';
  const alarmArn = stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const alarm = new cloudwatch.Alarm(scope, 'AlertsNotDelivered', {
    alarmName,
    alarmDescription: `S3 security alerts of ${scope.node.path} could not be published to the alert topic: read them from the dead-letter queue.`,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cloudwatchActions.SnsAction(alerts.topic));
  alerts.topic.addToResourcePolicy(allowServiceFromSources(CLOUDWATCH_SERVICE, 'AllowTheUndeliveredAlertsAlarmToPublish', 'sns:Publish',
    alerts.topicArn, alarmArn, stack.account));
  alerts.key.addToResourcePolicy(allowServiceKeyUse(CLOUDWATCH_SERVICE, 'AllowTheUndeliveredAlertsAlarmToUseTheAlertTopic',
    ['kms:GenerateDataKey*', 'kms:Decrypt'], 'aws:sns:topicArn', alerts.topicArn));
  return alarm;
}
