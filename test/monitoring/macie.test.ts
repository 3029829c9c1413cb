import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Acknowledgement, assemblyCheckerAcknowledgements, nagAcknowledgements, nagFindings } from '../../scripts/checkers';
import { BucketSecurityMonitor, FindingLevel, MacieJobFrequency, MacieOptions, SecureBucket, SecureBucketAspect, VpcEndpointOnly } from '../../src';
import { monitorStack } from '../helpers/monitoring';
import { ACCOUNT, newApp, REGION } from '../helpers/stacks';
import { resourceIdOf, ruleWarnings } from '../helpers/templates';

const SLR = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie`;

function macieMonitor(macie: MacieOptions = {}) {
  const { app, stack } = monitorStack();
  const data = new SecureBucket(stack, 'Data');
  const monitor = new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], macie });
  return { app, stack, data, monitor };
}

/** The SDK calls of the job custom resource, with the bucket references kept as `{ Ref }` markers. */
function jobCalls(stack: Stack): { create: any; update: any; delete: any; resource: any } {
  const template = Template.fromStack(stack).toJSON();
  const resource = Object.values<any>(template.Resources).find(r => r.Type === 'Custom::MacieClassificationJob');
  const parse = (value: any) => {
    if (typeof value === 'string') { return JSON.parse(value); }
    const parts = value['Fn::Join'][1].map((p: any) => typeof p === 'string' ? p : `<${p.Ref ?? JSON.stringify(p)}>`);
    return JSON.parse(parts.join(''));
  };
  const { Create, Update, Delete } = resource.Properties;
  return { create: parse(Create), update: parse(Update), delete: parse(Delete), resource };
}

function refOf(bucket: s3.IBucket): string {
  return `<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}>`;
}

describe('BucketSecurityMonitor macie', () => {
  describe('session and job', () => {
    test('enables Macie with findings published every 15 minutes', () => {
      const { stack, monitor } = macieMonitor();
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Macie::Session', 1);
      template.hasResourceProperties('AWS::Macie::Session', { Status: 'ENABLED', FindingPublishingFrequency: 'FIFTEEN_MINUTES' });
      expect(monitor.macieSession).toBeDefined();
      expect(resourceIdOf(template.toJSON(), 'AWS::Macie::Session', 'MonitorMacieSession')).toBe(stack.resolve(monitor.macieSession!.logicalId));
    });

    test('creates a one-time Macie2 classification job over the monitored buckets, after the session', () => {
      const { stack, data } = macieMonitor();
      const { create, update, resource } = jobCalls(stack);
      expect(create.service).toBe('Macie2');
      expect(create.action).toBe('createClassificationJob');
      expect(create.parameters).toEqual({
        // No clientToken: the SDK makes a new one per call, so no call is answered with an old job.
        name: expect.stringMatching(/-[0-9a-f]{32}$/),
        description: expect.any(String),
        jobType: 'ONE_TIME',
        samplingPercentage: 100,
        s3JobDefinition: { bucketDefinitions: [{ accountId: ACCOUNT, buckets: [refOf(data)] }] },
      });
      expect(create.physicalResourceId).toEqual({ responsePath: 'jobId' });
      // A job cannot be changed: an update creates a new job (new physical id), and CloudFormation deletes the old one.
      expect(update).toEqual(create);
      expect(resource.DependsOn).toContain(resourceIdOf(Template.fromStack(stack).toJSON(), 'AWS::Macie::Session', 'MonitorMacieSession'));
      expect(resource.Properties.InstallLatestAwsSdk).toBe(false);
    });

    test('waits for the bucket\'s key policy and bucket policy that let Macie in (a one-time job runs once, at creation)', () => {
      const { stack, data } = macieMonitor();
      const { resource } = jobCalls(stack);
      const key = stack.getLogicalId(data.encryptionKey!.node.defaultChild as kms.CfnKey);
      const policy = stack.getLogicalId(data.policy!.node.defaultChild as s3.CfnBucketPolicy);
      expect(resource.DependsOn).toEqual(expect.arrayContaining([key, policy]));
    });

    test('the job description stays within Macie\'s 200 characters, whatever the construct path', () => {
      const { stack } = monitorStack();
      const deep = new Construct(new Construct(stack, 'A'.repeat(80)), 'B'.repeat(80));
      const data = new SecureBucket(stack, 'Data');
      new BucketSecurityMonitor(deep, 'Monitor', { buckets: [data], macie: {} });
      const { create } = jobCalls(stack);
      expect(create.parameters.description.length).toBeLessThanOrEqual(200);
      expect(create.parameters.description).toMatch(/^Sensitive data discovery for the buckets of /);
    });

    test('on delete, cancels the job (Macie has no delete), ignoring a job that already finished', () => {
      const { stack } = macieMonitor();
      const { delete: del } = jobCalls(stack);
      expect(del).toEqual({
        service: 'Macie2',
        action: 'updateClassificationJob',
        parameters: { jobId: 'PHYSICAL:RESOURCEID:', jobStatus: 'CANCELLED' },
        ignoreErrorCodesMatching: 'ValidationException|ConflictException|ResourceNotFoundException',
      });
    });

    test('the job may only create and cancel classification jobs of this account and Region', () => {
      const { stack } = macieMonitor();
      const template = Template.fromStack(stack).toJSON();
      const policy = template.Resources[resourceIdOf(template, 'AWS::IAM::Policy', 'MonitorMacieJobCustomResourcePolicy')];
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{
        Effect: 'Allow',
        Action: ['macie2:CreateClassificationJob', 'macie2:UpdateClassificationJob'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:macie2:${REGION}:${ACCOUNT}:classification-job/*`]] },
      }]);
    });

    test('buckets added later with addBucket or monitorWith are classified too', () => {
      const { stack, data, monitor } = macieMonitor();
      const later = new SecureBucket(stack, 'Later');
      monitor.addBucket(later);
      const other = new SecureBucket(stack, 'Other').monitorWith(monitor);
      expect(jobCalls(stack).create.parameters.s3JobDefinition.bucketDefinitions[0].buckets).toEqual([refOf(data), refOf(later), refOf(other)]);
    });

    test('macie.buckets chooses the buckets, and works with allBuckets', () => {
      const { stack } = monitorStack();
      const monitored = new SecureBucket(stack, 'Monitored');
      const chosen = new SecureBucket(stack, 'Chosen');
      const monitor = new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, macie: { buckets: [chosen] } });
      monitor.addBucket(monitored);
      expect(jobCalls(stack).create.parameters.s3JobDefinition.bucketDefinitions[0].buckets).toEqual([refOf(chosen)]);
      // Only the chosen bucket's key lets Macie decrypt.
      const template = Template.fromStack(stack).toJSON();
      const keyPolicy = (prefix: string) => JSON.stringify(template.Resources[resourceIdOf(template, 'AWS::KMS::Key', prefix)].Properties.KeyPolicy);
      expect(keyPolicy('ChosenKey')).toContain('AWSServiceRoleForAmazonMacie');
      expect(keyPolicy('MonitoredKey')).not.toContain('AWSServiceRoleForAmazonMacie');
    });

    test.each([
      [MacieJobFrequency.DAILY, { dailySchedule: {} }],
      [MacieJobFrequency.WEEKLY, { weeklySchedule: { dayOfWeek: 'MONDAY' } }],
      [MacieJobFrequency.MONTHLY, { monthlySchedule: { dayOfMonth: 1 } }],
    ])('frequency %s schedules the job and analyses existing objects first', (frequency, schedule) => {
      const { stack } = macieMonitor({ frequency, samplingPercentage: 10 });
      const parameters = jobCalls(stack).create.parameters;
      expect(parameters.jobType).toBe('SCHEDULED');
      expect(parameters.scheduleFrequency).toEqual(schedule);
      expect(parameters.initialRun).toBe(true);
      expect(parameters.samplingPercentage).toBe(10);
    });

    test('the job name is stable for the same job and changes with the buckets; no client token is fixed in the template', () => {
      const create = (extra: boolean) => {
        const { stack, monitor } = macieMonitor();
        if (extra) { monitor.addBucket(new SecureBucket(stack, 'Extra')); }
        return jobCalls(stack).create;
      };
      expect(create(false).parameters.name).toBe(create(false).parameters.name);
      expect(create(true).parameters.name).not.toBe(create(false).parameters.name);
      expect(create(false).parameters).not.toHaveProperty('clientToken');
    });

    test('enableMacie: false uses the Macie already enabled in the account', () => {
      const { stack, monitor } = macieMonitor({ enableMacie: false });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Macie::Session', 0);
      expect(monitor.macieSession).toBeUndefined();
      template.resourceCountIs('Custom::MacieClassificationJob', 1);
      expect(jobCalls(stack).resource.DependsOn).not.toContainEqual(expect.stringMatching(/Session/));
    });

    test('a token sampling percentage passes', () => {
      const { stack } = monitorStack();
      const pct = new CfnParameter(stack, 'Pct', { type: 'Number' }).valueAsNumber;
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [new SecureBucket(stack, 'Data')], macie: { samplingPercentage: pct } });
      const create = Object.values<any>(Template.fromStack(stack).toJSON().Resources).find(r => r.Type === 'Custom::MacieClassificationJob').Properties.Create;
      expect(create['Fn::Join'][1]).toContainEqual({ Ref: 'Pct' });
    });

    test('no Macie resource without the macie prop', () => {
      const { stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [new SecureBucket(stack, 'Data')] });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Macie::Session', 0);
      template.resourceCountIs('Custom::MacieClassificationJob', 0);
    });
  });

  describe('keys', () => {
    test('the key a SecureBucket created gets the documented Macie statement and waits for the session', () => {
      const { stack } = macieMonitor();
      const template = Template.fromStack(stack).toJSON();
      const key = template.Resources[resourceIdOf(template, 'AWS::KMS::Key', 'DataKey')];
      expect(key.Properties.KeyPolicy.Statement).toContainEqual({
        Sid: 'AllowTheMacieServiceLinkedRoleToUseTheKey',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie`]] } },
        Action: 'kms:Decrypt',
        Resource: '*',
      });
      // KMS refuses a key policy naming a role that does not exist: the session creates it first.
      expect(key.DependsOn).toContain(resourceIdOf(template, 'AWS::Macie::Session', 'MonitorMacieSession'));
    });

    test('the trail and alert keys are not opened to Macie', () => {
      const { stack } = macieMonitor();
      const template = Template.fromStack(stack).toJSON();
      for (const prefix of ['MonitorTrailKey', 'MonitorAlertKey']) {
        expect(JSON.stringify(template.Resources[resourceIdOf(template, 'AWS::KMS::Key', prefix)].Properties.KeyPolicy)).not.toContain('Macie');
      }
    });

    test('warns (with an id) on a bucket whose key the user manages, and leaves that key alone', () => {
      const { stack } = monitorStack();
      const key = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true });
      const bucket = new SecureBucket(stack, 'Data', { encryptionKey: key });
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [bucket], macie: {} });
      Annotations.fromStack(stack).hasWarning('/Stack/Data', Match.stringLikeRegexp('BucketSecurityMonitor.macieKeyPolicyStatement.*ack: cdk-secure-bucket:BucketSecurityMonitor.macieKeyPolicy'));
      const template = Template.fromStack(stack).toJSON();
      expect(JSON.stringify(template.Resources[resourceIdOf(template, 'AWS::KMS::Key', 'OwnKey')].Properties.KeyPolicy)).not.toContain('Macie');
    });

    test('a SecureBucket key in another stack is changed only when this stack does not enable Macie', () => {
      const build = (enableMacie: boolean) => {
        const app = newApp();
        const env = { account: ACCOUNT, region: REGION };
        const dataStack = new Stack(app, 'Data', { env });
        const bucket = new SecureBucket(dataStack, 'Bucket');
        const stack = new Stack(app, 'Monitoring', { env });
        new BucketSecurityMonitor(stack, 'Monitor', { buckets: [bucket], macie: { enableMacie } });
        const template = Template.fromStack(dataStack).toJSON();
        return { dataStack, keyPolicy: JSON.stringify(template.Resources[resourceIdOf(template, 'AWS::KMS::Key', 'BucketKey')].Properties.KeyPolicy) };
      };
      const enabling = build(true);
      expect(enabling.keyPolicy).not.toContain('Macie');
      Annotations.fromStack(enabling.dataStack).hasWarning('/Data/Bucket', Match.stringLikeRegexp('in another stack than the monitor'));
      expect(build(false).keyPolicy).toContain('AWSServiceRoleForAmazonMacie');
    });

    test('macieKeyPolicyStatement gives the statement for a key the user manages', () => {
      const { stack } = monitorStack();
      const statement = stack.resolve(BucketSecurityMonitor.macieKeyPolicyStatement(stack).toStatementJson());
      expect(statement.Action).toBe('kms:Decrypt');
      expect(JSON.stringify(statement.Principal)).toContain(':iam::111111111111:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie');
    });
  });

  describe('access restrictions', () => {
    test('fails at synth on a restriction that does not exempt bucket service roles, unless it exempts Macie by ARN', () => {
      const { app, stack } = monitorStack();
      const data = new SecureBucket(stack, 'Data', {
        accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], exemptBucketServiceRoles: false })],
      });
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], macie: {} });
      expect(() => app.synth()).toThrow(/'macie' classifies Stack\/Data, but its VpcEndpointOnly restriction has exemptBucketServiceRoles: false.*exemptPrincipalArns/);

      const ok = monitorStack();
      const exempt = new SecureBucket(ok.stack, 'Data', {
        accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], exemptBucketServiceRoles: false, exemptPrincipalArns: [SLR] })],
      });
      new BucketSecurityMonitor(ok.stack, 'Monitor', { buckets: [exempt], macie: {} });
      expect(() => ok.app.synth()).not.toThrow();
    });

    test.each([
      ['the role ARN of a given account', SLR, true],
      ['a pattern over every account', 'arn:aws:iam::*:role/aws-service-role/macie.amazonaws.com/*', true],
      ['another service\'s role', 'arn:aws:iam::*:role/aws-service-role/config.amazonaws.com/*', false],
    ])('in an environment-agnostic stack (account unknown at synth), an exemption of %s (%s) exempts Macie: %p', (_name, arn, exempts) => {
      const app = newApp();
      const stack = new Stack(app, 'Stack');
      const data = new SecureBucket(stack, 'Data', {
        accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], exemptBucketServiceRoles: false, exemptPrincipalArns: [arn] })],
      });
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], macie: {} });
      if (exempts) {
        expect(() => app.synth()).not.toThrow();
      } else {
        expect(() => app.synth()).toThrow(/'macie' classifies Stack\/Data, but its VpcEndpointOnly restriction has exemptBucketServiceRoles: false/);
      }
    });
  });

  describe('bad input', () => {
    test.each([0, 101, 12.5, -1])('fails on samplingPercentage %p', (samplingPercentage) => {
      expect(() => macieMonitor({ samplingPercentage })).toThrow(new RegExp(`\\[Stack/Monitor\\] 'macie.samplingPercentage' must be a whole number from 1 to 100 \\(got ${samplingPercentage}\\)`));
    });

    test('fails on an unknown frequency', () => {
      expect(() => macieMonitor({ frequency: 'HOURLY' as MacieJobFrequency })).toThrow(/'macie.frequency' is not a MacieJobFrequency \(got "HOURLY"\). Use MacieJobFrequency.ONE_TIME/);
    });

    test('fails at synth with allBuckets and no bucket to classify', () => {
      const { app, stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, macie: {} });
      expect(() => app.synth()).toThrow(/'macie' has no bucket to classify.*Give macie.buckets/);
    });

    test('fails at synth when two monitors enable Macie in the same account and Region', () => {
      const { app, stack } = monitorStack();
      const data = new SecureBucket(stack, 'Data');
      new BucketSecurityMonitor(stack, 'A', { buckets: [data], macie: {} });
      new BucketSecurityMonitor(stack, 'B', { buckets: [data], macie: {} });
      expect(() => app.synth()).toThrow(/enables Macie, but Stack\/A\/Macie\/Session enables it in the same account and Region too.*enableMacie: false/);

      const ok = monitorStack();
      const bucket = new SecureBucket(ok.stack, 'Data');
      new BucketSecurityMonitor(ok.stack, 'A', { buckets: [bucket], macie: {} });
      new BucketSecurityMonitor(ok.stack, 'B', { buckets: [bucket], macie: { enableMacie: false } });
      expect(() => ok.app.synth()).not.toThrow();
      // The key gets the Macie statement once.
      const template = Template.fromStack(ok.stack).toJSON();
      const statements = template.Resources[resourceIdOf(template, 'AWS::KMS::Key', 'DataKey')].Properties.KeyPolicy.Statement as any[];
      expect(statements.filter(st => st.Sid === 'AllowTheMacieServiceLinkedRoleToUseTheKey')).toHaveLength(1);
    });

    test('fails on an empty macie.buckets', () => {
      const { stack } = monitorStack();
      expect(() => new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, macie: { buckets: [] } }))
        .toThrow(/'macie.buckets' cannot be an empty list/);
    });

    test('fails on a bucket of another account', () => {
      const { stack } = monitorStack();
      const foreign = s3.Bucket.fromBucketAttributes(stack, 'Foreign', { bucketName: 'foreign-bucket', account: '222222222222' });
      expect(() => new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, macie: { buckets: [foreign] } }))
        .toThrow(/'macie.buckets' holds a bucket of account 222222222222, not 111111111111/);
    });

    test('fails on a bucket of another region', () => {
      const { stack } = monitorStack();
      const elsewhere = s3.Bucket.fromBucketAttributes(stack, 'Elsewhere', { bucketName: 'eu-bucket', region: 'eu-west-1' });
      expect(() => new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, macie: { buckets: [elsewhere] } }))
        .toThrow(/'macie.buckets' holds a bucket of region eu-west-1, not us-east-1: a Macie job classifies the buckets of its own region.*Classify it from a monitor in eu-west-1\./);
    });
  });

  describe('checkers', () => {
    test('zero findings from cdk-nag AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1', () => {
      const { app } = macieMonitor({ frequency: MacieJobFrequency.WEEKLY });
      expect(nagFindings(app)).toEqual([]);
    });

    test('the acknowledgements of the custom resource are each on one resource, with a reason', () => {
      const { app } = macieMonitor();
      const acks = nagAcknowledgements(app).filter(a => /Macie|AWS679f53fac002430cb0da5b7982bd2287/.test(a.constructPath));
      expect(acks.length).toBeGreaterThan(0);
      for (const ack of acks) {
        expect(ack.on).toBe('cfn-resource');
        expect(ack.reason.length).toBeGreaterThan(40);
      }
      expect([...new Set(acks.map(a => a.constructPath))].sort()).toEqual([
        'Stack/AWS679f53fac002430cb0da5b7982bd2287/Resource',
        'Stack/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/Resource',
        'Stack/Monitor/Macie/Job/CustomResourcePolicy/Resource',
      ]);
    });

    test('the provider function two Macie jobs of a stack share is acknowledged once, Control Tower and cfn-lint included', () => {
      const { app, stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [new SecureBucket(stack, 'A')], macie: {} });
      new BucketSecurityMonitor(stack, 'Second', { buckets: [new SecureBucket(stack, 'B')], macie: { enableMacie: false } });
      const onProvider = (acks: Acknowledgement[]) => acks.filter(a => a.constructPath === 'Stack/AWS679f53fac002430cb0da5b7982bd2287/Resource')
        .map(a => a.id).sort();
      expect(onProvider(assemblyCheckerAcknowledgements(app))).toEqual(['CT.LAMBDA.PR.3', 'W3005']);
      const nag = onProvider(nagAcknowledgements(app));
      expect(nag).toHaveLength(7);
      expect(new Set(nag).size).toBe(7);
    });

    test('zero SecureBucketAspect findings on a stack with macie on', () => {
      const { app, stack } = macieMonitor();
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
      app.synth();
      expect(ruleWarnings(stack)).toEqual([]);
    });
  });
});
