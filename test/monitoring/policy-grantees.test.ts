import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessLogsBucket, AccessRestriction, BucketSecurityMonitor, PolicyGranteeCheckOptions, RoleOnly, SecureBucket, SourceIpOnly, VpcEndpointOnly } from '../../src';
import { monitorStack } from '../helpers/monitoring';
import { ACCOUNT, newApp, REGION } from '../helpers/stacks';

/** The InputParameters of the grantee check rule scoped to `bucket`. */
function granteeParameters(stack: Stack, bucket: s3.IBucket): Record<string, unknown> {
  const template = Template.fromStack(stack).toJSON();
  const bucketId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  const rules = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::Config::ConfigRule'
    && r.Properties.Source.SourceIdentifier === 'S3_BUCKET_POLICY_GRANTEE_CHECK'
    && JSON.stringify(r.Properties.Scope.ComplianceResourceId) === JSON.stringify({ Ref: bucketId }));
  expect(rules).toHaveLength(1);
  return rules[0].Properties.InputParameters;
}

function monitored(bucketProps: ConstructorParameters<typeof SecureBucket>[2] = {}, policyGrantees?: PolicyGranteeCheckOptions) {
  const { app, stack } = monitorStack();
  const data = new SecureBucket(stack, 'Data', bucketProps);
  const monitor = new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], configRules: true, policyGrantees });
  return { app, stack, data, monitor };
}

describe('BucketSecurityMonitor policy grantee check', () => {
  test('derived lists longer than AWS Config\'s 1,024 characters of parameters fail synth, naming policyGrantees; shorter lists given there pass', () => {
    const build = (policyGrantees?: PolicyGranteeCheckOptions) => {
      const { app, stack } = monitorStack();
      const roles = Array.from({ length: 20 }, (_, i) => iam.Role.fromRoleName(stack, `Team${i}`, `analytics-team-${i}-pipeline-reader`));
      const data = new SecureBucket(stack, 'Data', { accessRestrictions: [new RoleOnly({ roles })] });
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], configRules: true, policyGrantees });
      return app;
    };
    expect(() => build().synth()).toThrow(/the policy grantee check of Stack\/Data would pass AWS Config about \d{4} characters of parameters \(2\d awsPrincipals.*over its limit of 1024.*Give 'policyGrantees' with shorter lists/);
    expect(() => build({ awsPrincipals: [`arn:aws:iam::${ACCOUNT}:role/analytics-team-*`] }).synth()).not.toThrow();
  });


  test('a SecureBucket without grants or restrictions: its account only', () => {
    const { stack, data } = monitored();
    expect(granteeParameters(stack, data)).toEqual({ awsPrincipals: ACCOUNT });
  });

  test('federated principals of Allow statements become federatedUsers; statements for everyone (`*`, `AWS: *`) add no grantee', () => {
    const { stack, data } = monitored();
    data.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {}, 'sts:AssumeRoleWithWebIdentity')],
      actions: ['s3:GetObject'],
      resources: [data.arnForObjects('shared/*')],
    }));
    const inOrg = { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } };
    data.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['s3:GetObject'], resources: [data.arnForObjects('org/*')], conditions: inOrg }));
    data.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.StarPrincipal()], actions: ['s3:GetObject'], resources: [data.arnForObjects('org/*')], conditions: inOrg }));
    expect(granteeParameters(stack, data)).toEqual({ awsPrincipals: ACCOUNT, federatedUsers: 'cognito-identity.amazonaws.com' });
  });

  test('derives VPC ids, IP ranges and principals from the bucket\'s access restrictions', () => {
    const { stack } = monitorStack();
    const app = new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() });
    const data = new SecureBucket(stack, 'Data', {
      accessRestrictions: [
        AccessRestriction.anyOf(
          new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], vpcIds: ['vpc-1234abcd'] }),
          new SourceIpOnly({ cidrs: ['192.0.2.0/24', '2001:db8::/32'] }),
        ),
        new RoleOnly({ roles: [app], exemptPrincipalArns: ['BreakGlass'] }),
      ],
    });
    new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], configRules: true });
    const parameters = granteeParameters(stack, data);
    expect(parameters.vpcIds).toBe('vpc-1234abcd');
    expect(parameters.ipAddresses).toBe('192.0.2.0/24,2001:db8::/32');
    const principals = JSON.stringify(stack.resolve(parameters.awsPrincipals));
    expect(principals).toContain(ACCOUNT);
    expect(principals).toContain(stack.getLogicalId(app.node.defaultChild as iam.CfnRole));
    expect(principals).toContain(`:iam::${ACCOUNT}:role/BreakGlass`);
  });

  test('restrictions applied after the bucket joined the monitor are included (read at synth)', () => {
    const { stack, data } = monitored();
    data.with(new SourceIpOnly({ cidrs: ['198.51.100.0/24'] }));
    expect(granteeParameters(stack, data).ipAddresses).toBe('198.51.100.0/24');
  });

  test('the service principals the library grants: S3 log delivery on a monitored log bucket', () => {
    const { stack } = monitorStack();
    const logs = new AccessLogsBucket(stack, 'Logs');
    new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs });
    new BucketSecurityMonitor(stack, 'Monitor', { buckets: [logs], configRules: true });
    expect(granteeParameters(stack, logs)).toEqual({ awsPrincipals: ACCOUNT, servicePrincipals: 'logging.s3.amazonaws.com' });
  });

  test('the principal the replication statements of a monitored destination bucket grant', () => {
    const { stack } = monitorStack();
    const destination = new SecureBucket(stack, 'Destination');
    new SecureBucket(stack, 'Source', { replication: { destination } });
    new BucketSecurityMonitor(stack, 'Monitor', { buckets: [destination], configRules: true });
    const allowed = (Template.fromStack(stack).toJSON().Resources[stack.getLogicalId((destination.policy!.node.defaultChild) as s3.CfnBucketPolicy)]
      .Properties.PolicyDocument.Statement as any[]).filter(s => s.Effect === 'Allow').map(s => JSON.stringify(s.Principal.AWS));
    expect(allowed.length).toBeGreaterThan(0);
    const principals = JSON.stringify(stack.resolve(granteeParameters(stack, destination).awsPrincipals));
    expect(principals).toContain(ACCOUNT);
    // The replication statements grant the source account's root, pinned to the role by conditions.
    expect(principals).toContain(':iam::111111111111:root');
  });

  test('policyGrantees overrides the derived lists it gives, field by field', () => {
    const { stack, data } = monitored(
      { accessRestrictions: [new SourceIpOnly({ cidrs: ['192.0.2.0/24'] })] },
      { awsPrincipals: ['arn:aws:iam::111111111111:role/App'], vpcIds: ['vpc-1234abcd'] },
    );
    expect(granteeParameters(stack, data)).toEqual({
      awsPrincipals: 'arn:aws:iam::111111111111:role/App',
      ipAddresses: '192.0.2.0/24',
      vpcIds: 'vpc-1234abcd',
    });
  });

  test('one rule per monitored bucket, each with its own grantees', () => {
    const { stack } = monitorStack();
    const a = new SecureBucket(stack, 'A', { accessRestrictions: [new SourceIpOnly({ cidrs: ['192.0.2.0/24'] })] });
    const b = new SecureBucket(stack, 'B', { accessRestrictions: [new VpcEndpointOnly({ vpcIds: ['vpc-1234abcd'] })] });
    new BucketSecurityMonitor(stack, 'Monitor', { buckets: [a, b], configRules: true });
    expect(granteeParameters(stack, a)).toEqual({ awsPrincipals: ACCOUNT, ipAddresses: '192.0.2.0/24' });
    expect(granteeParameters(stack, b)).toEqual({ awsPrincipals: ACCOUNT, vpcIds: 'vpc-1234abcd' });
  });

  test('allBuckets: one account-wide rule with the account and the log services', () => {
    const { stack } = monitorStack();
    new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, configRules: true });
    Template.fromStack(stack).hasResourceProperties('AWS::Config::ConfigRule', {
      Source: { SourceIdentifier: 'S3_BUCKET_POLICY_GRANTEE_CHECK' },
      Scope: { ComplianceResourceTypes: ['AWS::S3::Bucket'] },
      InputParameters: { awsPrincipals: ACCOUNT, servicePrincipals: 'cloudtrail.amazonaws.com,logging.s3.amazonaws.com,config.amazonaws.com' },
    });
  });

  test('a restricted bucket of another stack: its role reaches the rule through a stack export', () => {
    const app = newApp();
    const env = { account: ACCOUNT, region: REGION };
    const dataStack = new Stack(app, 'Data', { env });
    const role = new iam.Role(dataStack, 'App', { assumedBy: new iam.AccountRootPrincipal() });
    const bucket = new SecureBucket(dataStack, 'Bucket', { accessRestrictions: [new RoleOnly({ roles: [role] })] });
    const stack = new Stack(app, 'Monitoring', { env });
    new BucketSecurityMonitor(stack, 'Monitor', { buckets: [bucket], configRules: true });
    const rule = Object.values<any>(Template.fromStack(stack).toJSON().Resources)
      .find(r => r.Properties?.Source?.SourceIdentifier === 'S3_BUCKET_POLICY_GRANTEE_CHECK');
    expect(JSON.stringify(rule.Properties.InputParameters.awsPrincipals)).toContain('Fn::ImportValue');
  });
});
