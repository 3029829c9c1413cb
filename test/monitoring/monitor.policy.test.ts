import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Template } from 'aws-cdk-lib/assertions';
import { AdminOnlyChanges, BucketSecurityMonitor, RemediationMode, SecureBucket, VpcEndpointOnly } from '../../src';
import { keyArnFor, resolveIntrinsics, roleArnFor } from '../helpers/intrinsics';
import { monitorStack } from '../helpers/monitoring';
import { BucketPolicyEvaluator } from '../helpers/policy-eval';
import { ACCOUNT, REGION } from '../helpers/stacks';
import { resourceIdOf } from '../helpers/templates';

const OTHER_ACCOUNT = '222222222222';

function synth() {
  const { stack } = monitorStack();
  new BucketSecurityMonitor(stack, 'Monitor', { buckets: [new SecureBucket(stack, 'Data')], alertEmails: ['security@example.com'] });
  const template = Template.fromStack(stack).toJSON();
  const trail = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::CloudTrail::Trail');
  const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${trail.Properties.TrailName}`;
  return { template, trailArn };
}

describe('BucketSecurityMonitor trail bucket policy (evaluated)', () => {
  const { template, trailArn } = synth();
  const bucketLogicalId = resourceIdOf(template, 'AWS::S3::Bucket', 'MonitorTrailBucket');
  const evaluator = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId });
  const keyArn = keyArnFor(resourceIdOf(template, 'AWS::KMS::Key', 'MonitorTrailKey'));
  const logKey = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/11/27/${ACCOUNT}_CloudTrail_${REGION}_20261127T0900Z_abc.json.gz`;
  const cloudTrailWrite = (sourceArn: string | undefined, extra: Record<string, string | undefined> = {}) => ({
    principal: 'cloudtrail.amazonaws.com',
    action: 's3:PutObject',
    objectKey: logKey,
    context: {
      'aws:SourceArn': sourceArn,
      'aws:SourceAccount': ACCOUNT,
      's3:x-amz-acl': 'bucket-owner-full-control',
      's3:x-amz-server-side-encryption': 'aws:kms',
      's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn,
      ...extra,
    },
  });

  test('CloudTrail may write log files for this trail, encrypted with the trail key', async () => {
    expect(await evaluator.evaluate(cloudTrailWrite(trailArn))).toBe('Allowed');
  });

  test('CloudTrail may check the bucket ACL for this trail', async () => {
    expect(await evaluator.evaluate({ principal: 'cloudtrail.amazonaws.com', action: 's3:GetBucketAcl', resource: 'bucket', context: { 'aws:SourceArn': trailArn } })).toBe('Allowed');
  });

  test('fails for another trail, in this account or another', async () => {
    expect(await evaluator.evaluate(cloudTrailWrite(`arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/other`))).toBe('ImplicitlyDenied');
    expect(await evaluator.evaluate(cloudTrailWrite(`arn:aws:cloudtrail:${REGION}:${OTHER_ACCOUNT}:trail/${trailArn.split('/')[1]}`, { 'aws:SourceAccount': OTHER_ACCOUNT }))).toBe('ImplicitlyDenied');
    expect(await evaluator.evaluate({ principal: 'cloudtrail.amazonaws.com', action: 's3:GetBucketAcl', resource: 'bucket', context: { 'aws:SourceArn': undefined } })).toBe('ImplicitlyDenied');
  });

  test('fails without the SourceArn, outside AWSLogs/<account>/, or with another key', async () => {
    expect(await evaluator.evaluate(cloudTrailWrite(undefined))).toBe('ImplicitlyDenied');
    expect(await evaluator.evaluate({ ...cloudTrailWrite(trailArn), objectKey: `AWSLogs/${OTHER_ACCOUNT}/x.json.gz` })).toBe('ImplicitlyDenied');
    expect(await evaluator.evaluate(cloudTrailWrite(trailArn, { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArnFor('SomeOtherKey') }))).toBe('ExplicitlyDenied');
  });

  test('another account may neither write nor read, even with an identity policy allowing s3:*', async () => {
    const attacker = `arn:aws:iam::${OTHER_ACCOUNT}:role/Attacker`;
    expect(await evaluator.evaluate({ principal: attacker, action: 's3:PutObject', objectKey: logKey })).toBe('ImplicitlyDenied');
    expect(await evaluator.evaluate({ principal: attacker, action: 's3:GetObject', objectKey: logKey })).toBe('ImplicitlyDenied');
  });

  test('plain HTTP is denied even for CloudTrail', async () => {
    expect(await evaluator.evaluate(cloudTrailWrite(trailArn, { 'aws:SecureTransport': 'false' }))).toBe('ExplicitlyDenied');
  });
});

/**
 * The SNS topic policy, evaluated. The policy-eval resolver knows buckets, keys and roles; the topic
 * (`Ref` = its ARN) and the rules (`Fn::GetAtt Arn`) are substituted here first.
 */
describe('BucketSecurityMonitor topic policy (evaluated)', () => {
  const { template } = synth();
  const topicId = resourceIdOf(template, 'AWS::SNS::Topic', 'MonitorAlerts');
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${template.Resources[topicId].Properties.TopicName}`;
  const ruleArn = (id: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${id}`;
  const ruleIds = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule').map(([id]) => id);
  const substitute = (node: any): any => {
    if (Array.isArray(node)) { return node.map(substitute); }
    if (node && typeof node === 'object') {
      if (node.Ref === topicId) { return topicArn; }
      if (Array.isArray(node['Fn::GetAtt']) && ruleIds.includes(node['Fn::GetAtt'][0]) && node['Fn::GetAtt'][1] === 'Arn') {
        return ruleArn(node['Fn::GetAtt'][0]);
      }
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v)]));
    }
    return node;
  };
  const policy = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::SNS::TopicPolicy');
  const document = resolveIntrinsics(template, substitute(policy.Properties.PolicyDocument)) as Record<string, unknown>;

  async function publish(principal: string, context: Record<string, string>, identityAllows = false): Promise<string> {
    const result = await runSimulation({
      request: {
        principal,
        action: 'sns:Publish',
        resource: { resource: topicArn, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', ...context },
      },
      identityPolicies: identityAllows ? [{ name: 'allow', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }] } }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: document,
    }, {});
    if (result.resultType === 'error') { throw new Error(JSON.stringify(result.errors)); }
    return result.overallResult;
  }
  const events = (sourceArn: string, extra: Record<string, string> = {}) =>
    publish('events.amazonaws.com', { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': ACCOUNT, 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': 'events.amazonaws.com', ...extra });

  test('has two rules, and EventBridge may publish for each of them', async () => {
    expect(ruleIds).toHaveLength(2);
    for (const id of ruleIds) {
      expect(await events(ruleArn(id))).toBe('Allowed');
    }
  });

  test('fails for any other rule, in this account or another', async () => {
    expect(await events(ruleArn('SomeOtherRule'))).toBe('ImplicitlyDenied');
    expect(await events(`arn:aws:events:${REGION}:${OTHER_ACCOUNT}:rule/${ruleIds[0]}`, { 'aws:SourceAccount': OTHER_ACCOUNT })).toBe('ImplicitlyDenied');
  });

  test('fails for another account, even with an identity policy allowing sns:Publish', async () => {
    const attacker = `arn:aws:iam::${OTHER_ACCOUNT}:role/Attacker`;
    expect(await publish(attacker, { 'aws:PrincipalAccount': OTHER_ACCOUNT, 'aws:PrincipalArn': attacker }, true)).toBe('ImplicitlyDenied');
  });

  test('fails without TLS, even for the rules', async () => {
    expect(await events(ruleArn(ruleIds[0]), { 'aws:SecureTransport': 'false' })).toBe('ExplicitlyDenied');
  });
});

describe('BucketSecurityMonitor remediation through a restricted bucket (evaluated)', () => {
  /** A SecureBucket restricted to a VPC endpoint and to administrators for changes, remediated automatically. */
  function remediated(options: { exemptBucketServiceRoles?: boolean } = {}) {
    const { stack } = monitorStack();
    const data = new SecureBucket(stack, 'Data', {
      accessRestrictions: [
        new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], ...options }),
        new AdminOnlyChanges({ administratorArns: ['Admin'], ...options }),
      ],
    });
    new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], configRules: true, remediation: RemediationMode.AUTOMATIC });
    const template = Template.fromStack(stack).toJSON();
    const evaluator = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: resourceIdOf(template, 'AWS::S3::Bucket', 'Data') });
    const role = roleArnFor(template, resourceIdOf(template, 'AWS::IAM::Role', 'MonitorConfigRemediationRole'));
    // The runbook's calls, from Systems Manager's network, with the role's own permissions.
    const call = (principal: string, action: string) => evaluator.evaluate({
      principal,
      action,
      resource: 'bucket',
      context: { 'aws:SourceIp': '52.94.133.131' },
      identityPolicyAllows: false,
      identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutBucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock'], Resource: '*' }] }],
    });
    return { call, role };
  }

  test('the remediation role may read and put the public access block of a bucket restricted to an endpoint and to administrators', async () => {
    const { call, role } = remediated();
    expect(await call(role, 's3:GetBucketPublicAccessBlock')).toBe('Allowed');
    expect(await call(role, 's3:PutBucketPublicAccessBlock')).toBe('Allowed');
  });

  test('fails for another role with the same permissions, and for the remediation role when the restrictions exempt no bucket service role', async () => {
    const { call } = remediated();
    expect(await call(`arn:aws:iam::${ACCOUNT}:role/Other`, 's3:PutBucketPublicAccessBlock')).toBe('ExplicitlyDenied');
    const strict = remediated({ exemptBucketServiceRoles: false });
    expect(await strict.call(strict.role, 's3:PutBucketPublicAccessBlock')).toBe('ExplicitlyDenied');
  });
});
