import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { nagAcknowledgements, nagFindings } from '../../scripts/checkers';
import { BucketSecurityMonitor, FindingLevel, SecureBucket, SecureBucketAspect } from '../../src';
import { EXPECTED_ACCOUNT_EVENTS, EXPECTED_BUCKET_EVENTS, monitorStack } from '../helpers/monitoring';
import { ENV } from '../helpers/stacks';
import { resourceIdOf, ruleWarnings } from '../helpers/templates';


function defaultMonitor() {
  const { app, stack } = monitorStack();
  const data = new SecureBucket(stack, 'Data');
  const monitor = new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], alertEmails: ['security@example.com'] });
  return { app, stack, data, monitor, template: Template.fromStack(stack) };
}

describe('BucketSecurityMonitor', () => {
  describe('trail', () => {
    test('creates a multi-region, validated, KMS-encrypted trail logging to a SecureBucket and CloudWatch Logs', () => {
      const { template } = defaultMonitor();
      const json = template.toJSON();
      const keyId = resourceIdOf(json, 'AWS::KMS::Key', 'MonitorTrailKey');
      const bucketId = resourceIdOf(json, 'AWS::S3::Bucket', 'MonitorTrailBucket');
      template.resourceCountIs('AWS::CloudTrail::Trail', 1);
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        IsLogging: true,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        KMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
        S3BucketName: { Ref: bucketId },
        CloudWatchLogsLogGroupArn: Match.anyValue(),
        CloudWatchLogsRoleArn: Match.anyValue(),
        EventSelectors: Match.absent(),
      });
      // The trail bucket is a SecureBucket encrypted with the trail key (CloudTrail's SSE-KMS header names that key).
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [Match.objectLike({
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
          })],
        },
        VersioningConfiguration: { Status: 'Enabled' },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 365 });
    });

    test('logs management events and write data events of the monitored buckets only', () => {
      const { template, data } = defaultMonitor();
      const dataId = Stack.of(data).getLogicalId(data.node.defaultChild as s3.CfnBucket);
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        AdvancedEventSelectors: [
          { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
          {
            Name: 'S3 data events of the monitored buckets',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
              { Field: 'resources.ARN', StartsWith: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [dataId, 'Arn'] }, '/']] }] },
              { Field: 'readOnly', Equals: ['false'] },
            ],
          },
        ],
      });
    });

    test.each([
      [cloudtrail.ReadWriteType.READ_ONLY, [{ Field: 'readOnly', Equals: ['true'] }]],
      [cloudtrail.ReadWriteType.ALL, []],
    ])('dataEvents %s selects the matching data events', (dataEvents, readOnly) => {
      const { stack } = monitorStack();
      const data = new SecureBucket(stack, 'Data');
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [data], dataEvents });
      const trail = Template.fromStack(stack).findResources('AWS::CloudTrail::Trail');
      const selectors = Object.values<any>(trail)[0].Properties.AdvancedEventSelectors;
      expect(selectors[1].FieldSelectors.slice(3)).toEqual(readOnly);
    });

    test('dataEvents NONE, or allBuckets without buckets, logs management events only', () => {
      for (const props of [{ dataEvents: cloudtrail.ReadWriteType.NONE }, { allBuckets: true }]) {
        const { stack } = monitorStack();
        const monitor = new BucketSecurityMonitor(stack, 'Monitor', props);
        if (!props.allBuckets) { monitor.addBucket(new SecureBucket(stack, 'Data')); }
        Template.fromStack(stack).hasResourceProperties('AWS::CloudTrail::Trail', {
          AdvancedEventSelectors: [{ Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
        });
      }
    });

    test('warns (with an id) that object ACL changes raise no alert without write data events', () => {
      for (const dataEvents of [cloudtrail.ReadWriteType.NONE, cloudtrail.ReadWriteType.READ_ONLY]) {
        const { stack } = monitorStack();
        new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, dataEvents });
        Annotations.fromStack(stack).hasWarning('/Stack/Monitor', Match.stringLikeRegexp('PutObjectAcl.*cdk-secure-bucket:BucketSecurityMonitor.noObjectAclAlerts'));
      }
      const { stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true });
      expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('noObjectAclAlerts'))).toEqual([]);
    });

    test('the trail bucket is never a data-event source, even with allBuckets', () => {
      const { stack } = monitorStack();
      const monitor = new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, dataEvents: cloudtrail.ReadWriteType.ALL });
      expect(() => monitor.addBucket(monitor.trailBucket!)).toThrow(/'buckets' holds the trail's own bucket/);
      const imported = s3.Bucket.fromBucketName(stack, 'Imported', monitor.trailBucket!.bucketName);
      expect(() => monitor.addBucket(imported)).toThrow(/trail's own bucket/);
    });

    test('uses an existing trail of the stack and gives it advanced event selectors', () => {
      const { stack } = monitorStack();
      const trail = new cloudtrail.Trail(stack, 'OrgTrail');
      const data = new SecureBucket(stack, 'Data');
      const monitor = new BucketSecurityMonitor(stack, 'Monitor', { trail, buckets: [data] });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::CloudTrail::Trail', 1);
      expect(monitor.trailBucket).toBeUndefined();
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        EventSelectors: Match.absent(),
        AdvancedEventSelectors: Match.arrayWith([Match.objectLike({ Name: 'S3 data events of the monitored buckets' })]),
      });
    });

    test('addBucket is idempotent and buckets added later are monitored', () => {
      const { stack } = monitorStack();
      const monitor = new BucketSecurityMonitor(stack, 'Monitor');
      const data = new SecureBucket(stack, 'Data', { bucketName: 'data-bucket-one' });
      monitor.addBucket(data);
      monitor.addBucket(data);
      expect(monitor.buckets).toEqual([data]);
      const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
      const patterns = Object.values<any>(rules).map(r => r.Properties.EventPattern);
      expect(patterns[0].detail.requestParameters.bucketName).toHaveLength(1);
    });
    test('SecureBucket.monitorWith adds the bucket to the monitor in one line', () => {
      const { stack } = monitorStack();
      const monitor = new BucketSecurityMonitor(stack, 'Monitor');
      const data = new SecureBucket(stack, 'Data', { bucketName: 'data-bucket-one' }).monitorWith(monitor);
      expect(monitor.buckets).toEqual([data]);
      const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
      const patterns = Object.values<any>(rules).map(r => r.Properties.EventPattern);
      expect(patterns[0].detail.requestParameters.bucketName).toHaveLength(1);
    });
  });

  describe('keys', () => {
    test('the trail key lets CloudTrail encrypt, describe and use the bucket key for this trail only', () => {
      const { template } = defaultMonitor();
      const json = template.toJSON();
      const keyId = resourceIdOf(json, 'AWS::KMS::Key', 'MonitorTrailKey');
      const trail = Object.values<any>(template.findResources('AWS::CloudTrail::Trail'))[0];
      const trailArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudtrail:us-east-1:111111111111:trail/${trail.Properties.TrailName}`]] };
      const statements: any[] = json.Resources[keyId].Properties.KeyPolicy.Statement;
      const cloudTrail = statements.filter(st => st.Principal?.Service === 'cloudtrail.amazonaws.com');
      expect(cloudTrail).toHaveLength(2);
      for (const st of cloudTrail) {
        expect(st.Effect).toBe('Allow');
        expect(st.Condition.StringEquals['aws:SourceArn']).toEqual(trailArn);
      }
      expect(cloudTrail.flatMap(st => [st.Action].flat()).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*']);
      expect(statements.find(st => st.Principal?.Service === 'logs.us-east-1.amazonaws.com').Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])
        .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:us-east-1:111111111111:log-group:/aws/cloudtrail/${trail.Properties.TrailName}`]] });
    });

    test('the alert key lets EventBridge use it for the alert topic only', () => {
      const { template } = defaultMonitor();
      const json = template.toJSON();
      const keyId = resourceIdOf(json, 'AWS::KMS::Key', 'MonitorAlertKey');
      const topicName = Object.values<any>(template.findResources('AWS::SNS::Topic'))[0].Properties.TopicName;
      const statement = json.Resources[keyId].Properties.KeyPolicy.Statement.find((st: any) => st.Principal?.Service === 'events.amazonaws.com');
      expect(statement).toEqual(expect.objectContaining({
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:us-east-1:111111111111:${topicName}`]] } } },
      }));
    });
  });

  describe('alerts', () => {
    test('one rule on the S3 calls that change exposure or protection, scoped to the monitored buckets', () => {
      const { template, data } = defaultMonitor();
      const dataId = Stack.of(data).getLogicalId(data.node.defaultChild as s3.CfnBucket);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.s3'],
          'detail-type': ['AWS API Call via CloudTrail'],
          'detail': {
            eventSource: ['s3.amazonaws.com'],
            eventName: EXPECTED_BUCKET_EVENTS,
            requestParameters: { bucketName: [{ Ref: dataId }] },
          },
        },
        State: 'ENABLED',
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.s3'],
          'detail-type': ['AWS API Call via CloudTrail'],
          'detail': { eventSource: ['s3.amazonaws.com'], eventName: EXPECTED_ACCOUNT_EVENTS },
        },
      });
    });

    test('allBuckets drops the bucket filter', () => {
      const { stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, buckets: [new SecureBucket(stack, 'Data')] });
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { detail: { eventSource: ['s3.amazonaws.com'], eventName: EXPECTED_BUCKET_EVENTS, requestParameters: Match.absent() } },
      });
    });

    test('targets the topic without a role, with a message saying who, what, which bucket, from where and when', () => {
      const { template, stack } = defaultMonitor();
      const topicId = resourceIdOf(template.toJSON(), 'AWS::SNS::Topic', 'MonitorAlerts');
      const rules = template.findResources('AWS::Events::Rule');
      expect(Object.keys(rules)).toHaveLength(2);
      for (const rule of Object.values<any>(rules)) {
        expect(rule.Properties.Targets).toHaveLength(1);
        const target = rule.Properties.Targets[0];
        expect(target.Arn).toEqual({ Ref: topicId });
        expect(target.RoleArn).toBeUndefined();
        expect(target.InputTransformer.InputPathsMap).toEqual(expect.objectContaining({
          'detail-userIdentity-arn': '$.detail.userIdentity.arn',
          'detail-eventName': '$.detail.eventName',
          'detail-requestParameters-bucketName': '$.detail.requestParameters.bucketName',
          'detail-sourceIPAddress': '$.detail.sourceIPAddress',
          'detail-eventTime': '$.detail.eventTime',
        }));
        expect(target.InputTransformer.InputTemplate).toContain('who: <detail-userIdentity-arn>');
      }
      expect(stack).toBeDefined();
    });

    test('the topic is KMS-encrypted with its own rotating key and has one email subscription per address', () => {
      const { stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, alertEmails: ['a@example.com', 'b@example.org'] });
      const template = Template.fromStack(stack);
      const keyId = resourceIdOf(template.toJSON(), 'AWS::KMS::Key', 'MonitorAlertKey');
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.resourceCountIs('AWS::SNS::Subscription', 2);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'b@example.org' });
    });

    test('an imported bucket with a token name is monitored', () => {
      const { stack } = monitorStack();
      const name = new CfnParameter(stack, 'BucketName').valueAsString;
      const monitor = new BucketSecurityMonitor(stack, 'Monitor', { buckets: [s3.Bucket.fromBucketName(stack, 'Imported', name)] });
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { detail: { requestParameters: { bucketName: [{ Ref: 'BucketName' }] } } },
      });
      expect(monitor.buckets).toHaveLength(1);
    });

    test('many buckets: one more bucket rule whenever a pattern would pass EventBridge\'s 2,048 characters; every bucket in exactly one; every rule may publish', () => {
      const { stack } = monitorStack();
      // 40 SecureBuckets (names not known at synth: counted at 63 characters) and 10 literal 63-character names.
      const buckets: s3.IBucket[] = [
        ...Array.from({ length: 40 }, (_, i) => new SecureBucket(stack, `Data${i}`)),
        ...Array.from({ length: 10 }, (_, i) => s3.Bucket.fromBucketName(stack, `Imported${i}`, `${String(i).padStart(2, '0')}-${'a'.repeat(60)}`)),
      ];
      const monitor = new BucketSecurityMonitor(stack, 'Monitor', { buckets });
      const template = Template.fromStack(stack).toJSON();
      const rules = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern.detail.requestParameters);
      expect(rules.length).toBeGreaterThan(1);
      expect(monitor.rules).toHaveLength(rules.length + 1);
      const named: string[] = [];
      for (const [, rule] of rules) {
        const pattern = rule.Properties.EventPattern;
        // A reference deploys as a name of at most 63 characters.
        const size = JSON.stringify(pattern, (_k, v) => (v && typeof v === 'object' && 'Ref' in v ? 'x'.repeat(63) : v)).length;
        expect(size).toBeLessThanOrEqual(2048);
        named.push(...pattern.detail.requestParameters.bucketName.map((n: any) => (typeof n === 'string' ? n : n.Ref)));
      }
      const expected = buckets.map(b => { const n = stack.resolve(b.bucketName); return typeof n === 'string' ? n : n.Ref; });
      expect([...named].sort()).toEqual([...expected].sort());
      // The topic and the dead-letter queue accept every rule, the new ones included.
      const ruleIds = Object.keys(template.Resources).filter(id => template.Resources[id].Type === 'AWS::Events::Rule').sort();
      for (const type of ['AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy']) {
        const policy = Object.values<any>(template.Resources).find(r => r.Type === type);
        const statement = policy.Properties.PolicyDocument.Statement.find((st: any) => st.Principal?.Service === 'events.amazonaws.com');
        expect(statement.Condition.ArnEquals['aws:SourceArn'].map((a: any) => a['Fn::GetAtt'][0]).sort()).toEqual(ruleIds);
      }
    });

    test('a token email passes', () => {
      const { stack } = monitorStack();
      const email = new CfnParameter(stack, 'Email').valueAsString;
      expect(() => new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, alertEmails: [email] })).not.toThrow();
    });
  });

  describe('bad input', () => {
    test('fails on an email that is not an address', () => {
      const { stack } = monitorStack();
      expect(() => new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, alertEmails: ['security.example.com'] }))
        .toThrow(/\[Stack\/Monitor\] 'alertEmails\[0\]' is not an email address \(got "security.example.com"\)/);
    });

    test.each([
      ['region', { bucketName: 'eu-bucket', region: 'eu-west-1' }, 'bucketInAnotherRegion',
        /is in region eu-west-1, but the monitor is in us-east-1: EventBridge rules see only the events of their own region.*Create a BucketSecurityMonitor in eu-west-1 for it\./],
      ['account', { bucketName: 'their-bucket', account: '222222222222' }, 'bucketInAnotherAccount',
        /is in account 222222222222, but the monitor is in account 111111111111.*Create a BucketSecurityMonitor in that account for it\./],
    ])('warns on a bucket of another %s: its events never reach this monitor\'s rules', (_what, attributes, id, message) => {
      const { stack } = monitorStack();
      const elsewhere = s3.Bucket.fromBucketAttributes(stack, 'Elsewhere', attributes);
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [elsewhere] });
      // The same name without an environment of its own is this account's and region's.
      new BucketSecurityMonitor(stack, 'Monitor2', { buckets: [s3.Bucket.fromBucketName(stack, 'Here', attributes.bucketName)] });
      const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(`BucketSecurityMonitor\\.${id}`));
      expect(warnings.map(w => w.id)).toEqual(['/Stack/Monitor']);
      expect(String(warnings[0].entry.data)).toMatch(message);
    });

    test('fails on a duplicate email', () => {
      const { stack } = monitorStack();
      expect(() => new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, alertEmails: ['a@example.com', 'a@example.com'] }))
        .toThrow(/'alertEmails\[1\]' is a duplicate/);
    });

    test('fails at synth with no bucket and no allBuckets', () => {
      const { app, stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor');
      expect(() => app.synth()).toThrow(/'buckets' is empty and 'allBuckets' is not true/);
    });

    test('fails on data events for the trail\'s own bucket of an existing trail', () => {
      const { stack } = monitorStack();
      const trailBucket = new s3.Bucket(stack, 'TrailBucket', { enforceSSL: true });
      const trail = new cloudtrail.Trail(stack, 'Existing', { bucket: trailBucket });
      expect(() => new BucketSecurityMonitor(stack, 'Monitor', { trail, buckets: [trailBucket] })).toThrow(/trail's own bucket/);
    });

    test('fails on an existing trail with basic event selectors, or in another stack', () => {
      const { app, stack } = monitorStack();
      const basic = new cloudtrail.Trail(stack, 'Basic', { managementEvents: cloudtrail.ReadWriteType.ALL });
      expect(() => new BucketSecurityMonitor(stack, 'M1', { trail: basic, allBuckets: true }))
        .toThrow(/'trail' cannot be given data event selectors from this stack: it uses basic event selectors/);
      const other = new Stack(app, 'Other', { env: ENV });
      const elsewhere = new cloudtrail.Trail(other, 'Elsewhere');
      expect(() => new BucketSecurityMonitor(stack, 'M2', { trail: elsewhere, allBuckets: true }))
        .toThrow(/it is in stack Other, not in Stack/);
      // With dataEvents NONE the monitor does not touch the trail.
      expect(() => new BucketSecurityMonitor(stack, 'M3', { trail: basic, allBuckets: true, dataEvents: cloudtrail.ReadWriteType.NONE })).not.toThrow();
    });
  });

  describe('checkers', () => {
    test('zero findings from cdk-nag AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1', () => {
      const { app } = defaultMonitor();
      expect(nagFindings(app)).toEqual([]);
    });

    test('the only acknowledgements outside the SecureBuckets are on one resource each, with the AWS reason', () => {
      const { app } = defaultMonitor();
      const acks = nagAcknowledgements(app).filter(a => a.constructPath.startsWith('Stack/Monitor/') && !a.constructPath.startsWith('Stack/Monitor/TrailBucket/'));
      expect(acks.map(a => [a.constructPath, a.id.replace(/\[.*$/, '')])).toEqual([
        ['Stack/Monitor/TrailLogsPolicy/Resource', 'AwsSolutions-IAM5'],
        ['Stack/Monitor/AlertsDeadLetterQueue/Resource', 'AwsSolutions-SQS3'],
      ]);
      expect(acks.every(a => a.on === 'cfn-resource')).toBe(true);
      expect(acks[0].reason).toMatch(/CloudTrail creates the log streams/);
      expect(acks[1].reason).toMatch(/dead-letter queue of the monitor's EventBridge rule targets/);
    });

    test('zero SecureBucketAspect findings on a stack with the monitor', () => {
      const { app, stack } = monitorStack();
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [new SecureBucket(stack, 'Data')], alertEmails: ['security@example.com'] });
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
      app.synth();
      expect(ruleWarnings(stack)).toEqual([]);
    });

    test('the template passes the built-in CloudFormation validation', () => {
      const app = new App();
      const stack = new Stack(app, 'Stack', { env: ENV });
      new BucketSecurityMonitor(stack, 'Monitor', { buckets: [new SecureBucket(stack, 'Data')], alertEmails: ['security@example.com'] });
      expect(() => app.synth()).not.toThrow();
    });
  });
});
