import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Template } from 'aws-cdk-lib/assertions';
import { Acknowledgement, assemblyCheckerAcknowledgements, nagAcknowledgements, nagFindings } from '../../scripts/checkers';
import { BucketSecurityMonitor, SecureBucket } from '../../src';
import { resolveIntrinsics } from '../helpers/intrinsics';
import { monitorStack } from '../helpers/monitoring';
import { ACCOUNT, REGION } from '../helpers/stacks';
import { resourceIdOf } from '../helpers/templates';

const OTHER_ACCOUNT = '222222222222';

function synth() {
  const { app, stack } = monitorStack();
  const monitor = new BucketSecurityMonitor(stack, 'Monitor', { buckets: [new SecureBucket(stack, 'Data')] });
  return { app, stack, monitor, template: Template.fromStack(stack).toJSON() };
}

describe('BucketSecurityMonitor alert dead-letter queue', () => {
  const { template, app, stack, monitor } = synth();
  const queueId = resourceIdOf(template, 'AWS::SQS::Queue', 'MonitorAlertsDeadLetterQueue');

  test('is the monitor\'s deadLetterQueue', () => {
    expect(stack.resolve(monitor.deadLetterQueue.queueArn)).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
  });
  const queueName = template.Resources[queueId].Properties.QueueName;
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${queueName}`;
  const ruleIds = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule').map(([id]) => id);
  const ruleArn = (id: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${id}`;
  const keyId = resourceIdOf(template, 'AWS::KMS::Key', 'MonitorAlertKey');
  const topicId = resourceIdOf(template, 'AWS::SNS::Topic', 'MonitorAlerts');
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${template.Resources[topicId].Properties.TopicName}`;

  /** Substitutes what the policy-eval resolver does not know: the queue, the rules and the alert topic. */
  const substitute = (node: any): any => {
    if (Array.isArray(node)) { return node.map(substitute); }
    if (node && typeof node === 'object') {
      const getAtt = node['Fn::GetAtt'];
      if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && getAtt[0] === queueId) { return queueArn; }
      if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && ruleIds.includes(getAtt[0])) { return ruleArn(getAtt[0]); }
      if (node.Ref === queueId) { return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${queueName}`; }
      if (node.Ref === topicId) { return topicArn; }
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v)]));
    }
    return node;
  };

  async function simulate(policy: unknown, principal: string, action: string, resource: string, context: Record<string, string>): Promise<string> {
    const result = await runSimulation({
      request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables: { 'aws:SecureTransport': 'true', ...context } },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resolveIntrinsics(template, substitute(policy)) as Record<string, unknown>,
    }, {});
    if (result.resultType === 'error') { throw new Error(JSON.stringify(result.errors)); }
    return result.overallResult;
  }
  const eventBridge = { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': 'events.amazonaws.com', 'aws:SourceAccount': ACCOUNT };

  test('both rules retry for 24 hours, then send the alert to the queue', () => {
    expect(ruleIds).toHaveLength(2);
    for (const id of ruleIds) {
      const [target] = template.Resources[id].Properties.Targets;
      expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
    }
  });

  test('the queue is encrypted with the alert key and keeps messages 14 days', () => {
    expect(template.Resources[queueId].Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      MessageRetentionPeriod: 1209600,
    });
  });

  describe('queue policy (evaluated)', () => {
    const policy = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::SQS::QueuePolicy').Properties.PolicyDocument;
    const send = (context: Record<string, string>, principal = 'events.amazonaws.com') => simulate(policy, principal, 'sqs:SendMessage', queueArn, context);

    test('EventBridge may send for each of the monitor\'s rules', async () => {
      for (const id of ruleIds) { expect(await send({ ...eventBridge, 'aws:SourceArn': ruleArn(id) })).toBe('Allowed'); }
    });

    test('fails for another rule, in this account or another, and without a source', async () => {
      expect(await send({ ...eventBridge, 'aws:SourceArn': ruleArn('SomeOtherRule') })).toBe('ImplicitlyDenied');
      expect(await send({ ...eventBridge, 'aws:SourceArn': `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:rule/${ruleIds[0]}`, 'aws:SourceAccount': OTHER_ACCOUNT })).toBe('ImplicitlyDenied');
      expect(await send(eventBridge)).toBe('ImplicitlyDenied');
    });

    test('fails for another account\'s principal, and without TLS even for the rules', async () => {
      const attacker = `arn:aws:iam::${OTHER_ACCOUNT}:role/Attacker`;
      expect(await send({ 'aws:PrincipalAccount': OTHER_ACCOUNT, 'aws:PrincipalArn': attacker }, attacker)).toBe('ImplicitlyDenied');
      expect(await send({ ...eventBridge, 'aws:SourceArn': ruleArn(ruleIds[0]), 'aws:SecureTransport': 'false' })).toBe('ExplicitlyDenied');
    });
  });

  // iam-simulate drops encryption-context keys whose name holds a colon (aws:sqs:arn) as unknown to the
  // action, so this statement is checked by its shape: EventBridge, for this queue's encryption context only.
  test('the alert key lets EventBridge encrypt and decrypt for this queue only', () => {
    const statements = resolveIntrinsics(template, template.Resources[keyId].Properties.KeyPolicy.Statement) as any[];
    expect(statements.filter(st => JSON.stringify(st).includes('aws:sqs:arn'))).toEqual([{
      Sid: 'AllowEventBridgeToUseTheAlertDeadLetterQueue',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:sqs:arn': queueArn } },
    }]);
  });

  describe('undelivered-alerts alarm', () => {
    const alarm = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::CloudWatch::Alarm');
    const alarmArn = (name: string, account = ACCOUNT) => `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`;
    const topicPolicy = substitute(Object.values<any>(template.Resources).find(r => r.Type === 'AWS::SNS::TopicPolicy').Properties.PolicyDocument);
    const cloudWatch = (sourceArn: string, account = ACCOUNT) => simulate(topicPolicy, 'cloudwatch.amazonaws.com', 'sns:Publish', topicArn, {
      'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com', 'aws:SourceArn': sourceArn, 'aws:SourceAccount': account,
    });

    test('goes off as soon as one alert is in the dead-letter queue, and notifies the alert topic', () => {
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
      });
      expect(alarm.Properties.AlarmName).toMatch(/-AlertsNotDelivered$/);
    });

    test('CloudWatch may publish to the topic for this alarm only (evaluated)', async () => {
      expect(await cloudWatch(alarmArn(alarm.Properties.AlarmName))).toBe('Allowed');
      expect(await cloudWatch(alarmArn('SomeOtherAlarm'))).toBe('ImplicitlyDenied');
      expect(await cloudWatch(alarmArn(alarm.Properties.AlarmName, OTHER_ACCOUNT), OTHER_ACCOUNT)).toBe('ImplicitlyDenied');
    });

    test('the alert key lets CloudWatch encrypt for the alert topic only', () => {
      const statements = template.Resources[keyId].Properties.KeyPolicy.Statement;
      const forCloudWatch = statements.filter((st: any) => st.Principal?.Service === 'cloudwatch.amazonaws.com');
      expect(forCloudWatch).toHaveLength(1);
      expect(forCloudWatch[0]).toMatchObject({
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': expect.anything() } },
      });
      expect(JSON.stringify(resolveIntrinsics(template, substitute(forCloudWatch[0].Condition)))).toContain(topicArn);
    });
  });

  test('zero findings from cdk-nag\'s four packs; the queue\'s one exception (a DLQ of its own) acknowledged on the queue only', () => {
    expect(nagFindings(app)).toEqual([]);
    const onQueue = (acks: Acknowledgement[]) => acks.filter(a => a.id.endsWith('SQS3') || a.id === 'CT.SQS.PR.1')
      .map(a => `${a.id} ${a.constructPath}`);
    expect(onQueue(nagAcknowledgements(app))).toEqual(['AwsSolutions-SQS3 Stack/Monitor/AlertsDeadLetterQueue/Resource']);
    expect(onQueue(assemblyCheckerAcknowledgements(app))).toEqual(['CT.SQS.PR.1 Stack/Monitor/AlertsDeadLetterQueue/Resource']);
  });
});
