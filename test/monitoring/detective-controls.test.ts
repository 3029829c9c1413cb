import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { nagFindings } from '../../scripts/checkers';
import { BucketSecurityMonitor, FindingLevel, RemediationMode, SecureBucket, SecureBucketAspect, VpcEndpointOnly } from '../../src';
import { monitorStack } from '../helpers/monitoring';
import { ENV } from '../helpers/stacks';
import { resourceIdOf, ruleWarnings } from '../helpers/templates';

const IDENTIFIERS = [
  'S3_BUCKET_PUBLIC_READ_PROHIBITED', 'S3_BUCKET_PUBLIC_WRITE_PROHIBITED', 'S3_BUCKET_SSL_REQUESTS_ONLY',
  'S3_DEFAULT_ENCRYPTION_KMS', 'S3_BUCKET_VERSIONING_ENABLED', 'S3_BUCKET_LOGGING_ENABLED',
  'S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED', 'S3_BUCKET_ACL_PROHIBITED', 'S3_BUCKET_POLICY_GRANTEE_CHECK',
];

function withConfig(props: Partial<ConstructorParameters<typeof BucketSecurityMonitor>[2]> = {}) {
  const { app, stack } = monitorStack();
  const data = new SecureBucket(stack, 'Data');
  const monitor = new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], configRules: true, ...props });
  return { app, stack, data, monitor, template: Template.fromStack(stack) };
}

describe('BucketSecurityMonitor detective controls', () => {
  test('one managed rule per check, scoped to the monitored bucket', () => {
    const { template, stack, data } = withConfig();
    const dataId = stack.getLogicalId(data.node.defaultChild as s3.CfnBucket);
    const rules = Object.values<any>(template.findResources('AWS::Config::ConfigRule'));
    expect(rules.map(r => r.Properties.Source.SourceIdentifier).sort()).toEqual([...IDENTIFIERS].sort());
    for (const rule of rules) {
      expect(rule.Properties.Source.Owner).toBe('AWS');
      expect(rule.Properties.Scope).toEqual({ ComplianceResourceId: { Ref: dataId }, ComplianceResourceTypes: ['AWS::S3::Bucket'] });
    }
  });

  test('KMS encryption is checked against the bucket\'s own key, grantees of a plain SecureBucket are its account only', () => {
    const { template, data, stack } = withConfig();
    const keyId = stack.getLogicalId(data.key.node.defaultChild as any);
    template.hasResourceProperties('AWS::Config::ConfigRule', {
      Source: { SourceIdentifier: 'S3_DEFAULT_ENCRYPTION_KMS' },
      InputParameters: { kmsKeyArns: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Config::ConfigRule', {
      Source: { SourceIdentifier: 'S3_BUCKET_POLICY_GRANTEE_CHECK' },
      InputParameters: { awsPrincipals: '111111111111' },
    });
  });

  test('the grantee check takes the restrictions\' principals, IP ranges and VPCs', () => {
    const { template } = withConfig({ policyGrantees: { awsPrincipals: ['arn:aws:iam::111111111111:role/App'], ipAddresses: ['192.0.2.0/24', '2001:db8::/32'], vpcIds: ['vpc-1234abcd'] } });
    template.hasResourceProperties('AWS::Config::ConfigRule', {
      Source: { SourceIdentifier: 'S3_BUCKET_POLICY_GRANTEE_CHECK' },
      InputParameters: { awsPrincipals: 'arn:aws:iam::111111111111:role/App', ipAddresses: '192.0.2.0/24,2001:db8::/32', vpcIds: 'vpc-1234abcd' },
    });
  });

  test('allBuckets scopes each rule to every bucket; buckets added later get rules of their own', () => {
    const { stack } = monitorStack();
    const monitor = new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, configRules: true });
    monitor.addBucket(new SecureBucket(stack, 'Data'));
    const rules = Object.values<any>(Template.fromStack(stack).findResources('AWS::Config::ConfigRule'));
    expect(rules).toHaveLength(IDENTIFIERS.length);
    for (const rule of rules) { expect(rule.Properties.Scope).toEqual({ ComplianceResourceTypes: ['AWS::S3::Bucket'] }); }

    const { stack: s2 } = monitorStack();
    const m2 = new BucketSecurityMonitor(s2, 'Monitor', { configRules: true, buckets: [new SecureBucket(s2, 'A')] });
    m2.addBucket(new SecureBucket(s2, 'B'));
    Template.fromStack(s2).resourceCountIs('AWS::Config::ConfigRule', 2 * IDENTIFIERS.length);
  });

  test('no recorder unless asked; the recorder records buckets and keys with the service-linked role', () => {
    withConfig().template.resourceCountIs('AWS::Config::ConfigurationRecorder', 0);
    const { template } = withConfig({ configRecorder: true });
    template.hasResourceProperties('AWS::Config::ConfigurationRecorder', {
      RoleARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig']] },
      RecordingGroup: { AllSupported: false, IncludeGlobalResourceTypes: false, ResourceTypes: ['AWS::S3::Bucket', 'AWS::KMS::Key'] },
    });
    template.resourceCountIs('AWS::Config::DeliveryChannel', 1);
    const ruleIds = Object.keys(template.findResources('AWS::Config::ConfigRule'));
    const recorderId = resourceIdOf(template.toJSON(), 'AWS::Config::ConfigurationRecorder', 'MonitorConfigRecorder');
    for (const id of ruleIds) { expect(template.toJSON().Resources[id].DependsOn).toContain(recorderId); }
  });

  test.each([RemediationMode.AUTOMATIC, RemediationMode.MANUAL])('remediation %s runs AWS-DisableS3BucketPublicReadWrite on the public-access rules', (remediation) => {
    const { template } = withConfig({ remediation });
    const remediations = Object.values<any>(template.findResources('AWS::Config::RemediationConfiguration'));
    expect(remediations).toHaveLength(3);
    const roleId = resourceIdOf(template.toJSON(), 'AWS::IAM::Role', 'MonitorConfigRemediationRole');
    for (const r of remediations) {
      expect(r.Properties).toMatchObject({
        TargetType: 'SSM_DOCUMENT',
        TargetId: 'AWS-DisableS3BucketPublicReadWrite',
        ResourceType: 'AWS::S3::Bucket',
        Automatic: remediation === RemediationMode.AUTOMATIC,
        Parameters: {
          AutomationAssumeRole: { StaticValue: { Values: [{ 'Fn::GetAtt': [roleId, 'Arn'] }] } },
          S3BucketName: { ResourceValue: { Value: 'RESOURCE_ID' } },
        },
      });
    }
  });

  test('the remediation role may only put and read the public access block of the monitored buckets', () => {
    const { template, stack, data } = withConfig({ remediation: RemediationMode.AUTOMATIC });
    const dataId = stack.getLogicalId(data.node.defaultChild as s3.CfnBucket);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:PutBucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock'], Resource: [{ 'Fn::GetAtt': [dataId, 'Arn'] }] }] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } }] },
    });
  });

  test('a restricted bucket of another stack: a warning that its restrictions cannot exempt the remediation role; none without restrictions', () => {
    const { app, stack } = monitorStack();
    const data = new Stack(app, 'Data', { env: ENV });
    const restricted = new SecureBucket(data, 'Restricted', { accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'] })] });
    const open = new SecureBucket(data, 'Open');
    new BucketSecurityMonitor(stack, 'Monitor', { buckets: [restricted, open], configRules: true, remediation: RemediationMode.AUTOMATIC });
    app.synth();
    const warnings = Annotations.fromStack(data).findWarning('*', Match.stringLikeRegexp('remediationRoleNotExempt'));
    expect(warnings.map(w => w.id)).toEqual(['/Data/Restricted']);
    expect(String(warnings[0].entry.data)).toMatch(/remediates this bucket with the role Stack\/Monitor\/Config\/RemediationRole.*Create the monitor in the bucket's stack.*stack Stack\)/);
    // The bucket's stack does not refer to the monitor's (which would be a cycle).
    expect(JSON.stringify(Template.fromStack(data).toJSON())).not.toContain('Fn::ImportValue');
  });

  test('fails on remediation, a recorder or grantees without configRules', () => {
    const { stack } = monitorStack();
    expect(() => new BucketSecurityMonitor(stack, 'M1', { allBuckets: true, remediation: RemediationMode.AUTOMATIC }))
      .toThrow(/'remediation' needs configRules: true/);
    expect(() => new BucketSecurityMonitor(stack, 'M2', { allBuckets: true, configRecorder: true })).toThrow(/'configRecorder' needs configRules: true/);
    expect(() => new BucketSecurityMonitor(stack, 'M3', { allBuckets: true, policyGrantees: {} })).toThrow(/'policyGrantees' needs configRules: true/);
  });

  test('every option on: zero cdk-nag findings in the four packs, zero SecureBucketAspect findings', () => {
    const { app, stack } = withConfig({ configRecorder: true, remediation: RemediationMode.AUTOMATIC, alertEmails: ['security@example.com'] });
    expect(nagFindings(app)).toEqual([]);
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
    app.synth();
    expect(ruleWarnings(stack)).toEqual([]);
  });

  test('allBuckets with remediation: zero cdk-nag findings, the wildcard acknowledged on the policy only', () => {
    const { app, stack } = monitorStack();
    new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, configRules: true, remediation: RemediationMode.MANUAL });
    expect(nagFindings(app)).toEqual([]);
  });
});
