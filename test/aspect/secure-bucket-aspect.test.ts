import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { App, AspectPriority, Aspects, CfnResource, NestedStack, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct, IConstruct } from 'constructs';
import {
  AccessLogsBucket, AccessRestriction, AdminOnlyChanges, FindingLevel, RoleMatch, RoleOnly, SecureBucket, SecureBucketAspect,
  SecureBucketAspectProps, SourceIpOnly, VpcEndpointOnly,
} from '../../src';
import * as evaluation from '../../src/rules/evaluation';
import { IndexCache } from '../../src/rules/evaluation';
import { COMPLIANCE_APP } from '../helpers/compliance';
import { compliantL1 } from '../helpers/compliant-buckets';
import { ACCOUNT, ENV, newApp } from '../helpers/stacks';
import { ruleWarnings } from '../helpers/templates';

const warningsOf = (stack: Stack, id: string) =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(`\\[${id}\\]`));

/** A bucket that fails versioning (SB-S3-3) and nothing else that matters here. */
function unversioned(stack: Stack, id = 'Unversioned'): s3.CfnBucket {
  const { bucket } = compliantL1(stack, id);
  bucket.versioningConfiguration = { status: 'Suspended' };
  return bucket;
}

function readReport(app: App): any {
  return JSON.parse(fs.readFileSync(path.join(app.outdir, 'secure-bucket-report.json'), 'utf8'));
}

describe('SecureBucketAspect', () => {
  describe('is read-only', () => {
    /** Every kind of resource the Aspect judges, compliant and not. */
    function build(app: App): Stack {
      const stack = new Stack(app, 'Stack');
      new SecureBucket(stack, 'Secure', { accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'] })] });
      new s3.Bucket(stack, 'Plain');
      unversioned(stack);
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      return stack;
    }

    test('the template is byte-identical with and without the Aspect', () => {
      const without = newApp(COMPLIANCE_APP);
      const withAspect = newApp(COMPLIANCE_APP);
      const a = build(without);
      const b = build(withAspect);
      SecureBucketAspect.applyTo(withAspect, { level: FindingLevel.WARNING });
      const template = (app: App, stack: Stack) => fs.readFileSync(app.synth().getStackArtifact(stack.artifactId).templateFullPath, 'utf8');
      const plain = template(without, a);
      expect(template(withAspect, b)).toEqual(plain);
      expect(ruleWarnings(b).length).toBeGreaterThan(0);
    });

    test('applyTo adds it with the READONLY priority', () => {
      const app = newApp(COMPLIANCE_APP);
      const aspect = SecureBucketAspect.applyTo(app);
      const applied = Aspects.of(app).applied.find(a => a.aspect === aspect);
      expect(applied?.priority).toBe(AspectPriority.READONLY);
    });
  });

  describe('synthesis', () => {
    /** Resources of many kinds: judged and not, overrides, a parameter, a nested stack, cross-stack references. */
    function buildRich(app: Construct): Stack[] {
      const data = new Stack(app, 'Data', { env: ENV });
      const analysts = iam.Role.fromRoleName(data, 'Analysts', 'analytics-team');
      const restricted = new SecureBucket(data, 'Restricted', {
        accessRestrictions: [
          AccessRestriction.anyOf(new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'] }), new SourceIpOnly({ cidrs: ['203.0.113.0/24'] })),
          new RoleOnly({ roles: [analysts] }),
          new AdminOnlyChanges({ administratorArns: [`arn:aws:iam::${ACCOUNT}:role/platform-admin`] }),
        ],
      });
      const overridden = new SecureBucket(data, 'Overridden');
      (overridden.node.defaultChild as s3.CfnBucket).addPropertyOverride('Tags', [{ Key: 'team', Value: 'data' }]);
      const plain = new s3.Bucket(data, 'Plain', { versioned: true });
      plain.node.defaultChild!.node.addMetadata('note', 'not in the template');
      new cloudtrail.Trail(data, 'Trail');
      const topic = new sns.Topic(data, 'Topic');
      plain.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(topic));
      const nested = new NestedStack(data, 'Nested');
      new SecureBucket(nested, 'InNested');
      const consumer = new Stack(app, 'Consumer', { env: ENV });
      const role = new iam.Role(consumer, 'Reader', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'analytics-reader' });
      restricted.grantRead(role);
      const key = new kms.Key(consumer, 'Key', { enableKeyRotation: true });
      key.grantDecrypt(role);
      return [data, consumer];
    }

    /** How many times synthesis renders a resource (the prototype's `_toCloudFormation`), with or without the Aspect. */
    function renderCalls(app: App, aspect: boolean): number {
      if (aspect) { SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING }); }
      const spy = jest.spyOn(CfnResource.prototype as any, '_toCloudFormation');
      try {
        app.synth();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    }

    /** The resources of `app` that still carry a hand-off (an own `_toCloudFormation`). */
    function handedOff(app: App): IConstruct[] {
      return app.node.findAll().filter(c => CfnResource.isCfnResource(c) && Object.prototype.hasOwnProperty.call(c, '_toCloudFormation'));
    }

    function templates(app: App): Record<string, string> {
      const outdir = app.synth().directory;
      return Object.fromEntries(fs.readdirSync(outdir).filter(f => f.endsWith('.template.json'))
        .map(f => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]));
    }

    test('every template, nested ones included, is byte-identical with and without the Aspect', () => {
      const without = newApp(COMPLIANCE_APP);
      const withAspect = newApp(COMPLIANCE_APP);
      buildRich(without);
      buildRich(withAspect);
      SecureBucketAspect.applyTo(withAspect, { level: FindingLevel.WARNING });
      const plain = templates(without);
      expect(Object.keys(plain).filter(f => f.endsWith('.nested.template.json'))).toHaveLength(1);
      expect(Object.keys(plain)).toHaveLength(3);
      expect(templates(withAspect)).toEqual(plain);
    });

    test('hands the resources it rendered for the rules to template synthesis instead of rendering them twice', () => {
      const rich = () => {
        const app = newApp(COMPLIANCE_APP);
        buildRich(app);
        return app;
      };
      expect(renderCalls(rich(), true)).toBe(renderCalls(rich(), false));
    });

    test('renders each resource once in an app with Stages too (a Stage writes its templates before the app writes the report)', () => {
      const withStage = () => {
        const app = newApp(COMPLIANCE_APP);
        buildRich(new Stage(app, 'Prod'));
        new SecureBucket(new Stack(app, 'Root'), 'Bucket');
        return app;
      };
      const withAspect = withStage();
      const without = withStage();
      expect(renderCalls(withAspect, true)).toBe(renderCalls(without, false));
      expect(fs.existsSync(path.join(withAspect.outdir, 'secure-bucket-report.json'))).toBe(true);
      expect(fs.existsSync(path.join(without.outdir, 'secure-bucket-report.json'))).toBe(false);
    });

    test('leaves no hand-off behind: after synthesis, after a failed synthesis', async () => {
      const ok = newApp(COMPLIANCE_APP);
      buildRich(ok);
      SecureBucketAspect.applyTo(ok, { level: FindingLevel.WARNING });
      ok.synth();
      expect(handedOff(ok)).toEqual([]);

      const failing = newApp(COMPLIANCE_APP);
      unversioned(new Stack(failing, 'Stack'));
      SecureBucketAspect.applyTo(failing, { level: FindingLevel.ERROR });
      expect(() => failing.synth()).toThrow(/SB-S3-3/);
      await new Promise(resolve => setImmediate(resolve));
      expect(handedOff(failing)).toEqual([]);
    });

    test('keeps nothing rendered once synthesis is over: the app (which aws-cdk-lib keeps reachable) holds no rendered resource or outcome', async () => {
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      // The stack indexes (every resource rendered for the rules) and the outcomes (each refers to the rendered bucket).
      const kept: WeakRef<object>[] = [];
      const calls = { indexes: 0, outcomes: 0 };
      const of = IndexCache.prototype.of;
      const indexSpy = jest.spyOn(IndexCache.prototype, 'of').mockImplementation(function (this: IndexCache, resource) {
        const index = of.call(this, resource);
        calls.indexes++;
        kept.push(new WeakRef(index));
        return index;
      });
      const evaluate = evaluation.evaluateResource;
      const outcomeSpy = jest.spyOn(evaluation, 'evaluateResource').mockImplementation((...args) => {
        const outcomes = evaluate(...args);
        calls.outcomes++;
        kept.push(new WeakRef(outcomes));
        return outcomes;
      });
      const app = newApp(COMPLIANCE_APP);
      try {
        buildRich(app);
        SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
        app.synth();
      } finally {
        indexSpy.mockRestore();
        outcomeSpy.mockRestore();
      }
      expect(calls.indexes).toBeGreaterThan(0);
      expect(calls.outcomes).toBeGreaterThan(0);
      await new Promise(resolve => setImmediate(resolve));
      gc();
      expect(kept.filter(ref => ref.deref() !== undefined)).toEqual([]);
      expect(app.node.findAll().length).toBeGreaterThan(0);
    });

    test('a second synthesis judges the app again: the same findings fail it again, a fix made in between is judged and written', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      const bucket = unversioned(stack);
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Stack\/Unversioned/);
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Stack\/Unversioned/);
      bucket.versioningConfiguration = { status: 'Enabled' };
      const template = JSON.parse(fs.readFileSync(app.synth().getStackArtifact(stack.artifactId).templateFullPath, 'utf8'));
      expect(template.Resources[stack.getLogicalId(bucket)].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    });

    test('a forced second synthesis leaves no hand-off behind, even for the Stages CDK does not synthesize again', () => {
      const app = newApp(COMPLIANCE_APP);
      buildRich(new Stage(app, 'Prod'));
      new SecureBucket(new Stack(app, 'Root'), 'Bucket');
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
      app.synth();
      expect(handedOff(app)).toEqual([]);
      app.synth({ force: true });
      // Synchronously, before the end-of-job clean-up: nothing was offered that synthesis did not use.
      expect(handedOff(app)).toEqual([]);
    });

    test('a second synthesis judges a Stage again too', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(new Stage(app, 'Prod'), 'Stack');
      const bucket = unversioned(stack);
      new SecureBucket(new Stack(app, 'Root'), 'Bucket');
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Prod\/Stack\/Unversioned/);
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Prod\/Stack\/Unversioned/);
      bucket.versioningConfiguration = { status: 'Enabled' };
      app.synth();
      const assembly = (Stage.of(stack) as Stage).synth();
      const template = JSON.parse(fs.readFileSync(assembly.getStackArtifact(stack.artifactId).templateFullPath, 'utf8'));
      expect(template.Resources[stack.getLogicalId(bucket)].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    });

    test('leaves alone a resource that renders itself through its own _toCloudFormation', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      const bucket = new SecureBucket(stack, 'Bucket');
      const original = (CfnResource.prototype as any)._toCloudFormation;
      const own = jest.fn(function (this: CfnResource) { return original.call(this); });
      (bucket.node.defaultChild as any)._toCloudFormation = own;
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      app.synth();
      expect((bucket.node.defaultChild as any)._toCloudFormation).toBe(own);
      expect(own.mock.calls.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('reach', () => {
    test('applyTo reaches the stacks inside a Stage', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(new Stage(app, 'Prod'), 'Stack');
      unversioned(stack);
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
      Annotations.fromStack(stack).hasWarning('/Prod/Stack/Unversioned', Match.stringLikeRegexp('\\[SB-S3-3\\]'));
    });

    test('plain Aspects.of(app).add() does not reach a Stage (documented limitation: use applyTo)', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(new Stage(app, 'Prod'), 'Stack');
      unversioned(stack);
      Aspects.of(app).add(new SecureBucketAspect({ level: FindingLevel.ERROR }), { priority: AspectPriority.READONLY });
      expect(() => app.synth()).not.toThrow();
      expect(ruleWarnings(stack)).toHaveLength(0);
    });

    test('reaches the resources of a nested stack', () => {
      const app = newApp(COMPLIANCE_APP);
      const parent = new Stack(app, 'Parent');
      unversioned(new NestedStack(parent, 'Nested'));
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Parent\/Nested\/Unversioned/);
    });

    test('judges resources as synthesized: after mutating Aspects further down the tree', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      new SecureBucket(stack, 'First');
      const second = new SecureBucket(stack, 'Second');
      // Visited after First: a read-only Aspect that judged the stack when it visited First would miss it.
      Aspects.of(second).add({
        visit: node => {
          if (node instanceof s3.CfnBucket) { node.versioningConfiguration = { status: 'Suspended' }; }
        },
      }, { priority: AspectPriority.MUTATING });
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Stack\/Second\/Resource: Versioning is not enabled/);
    });

    test('judges the bucket a third-party construct creates (a CloudTrail trail\'s own bucket) and a raw CfnBucket', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      new cloudtrail.Trail(stack, 'Trail');
      new s3.CfnBucket(stack, 'Raw');
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
      const annotations = Annotations.fromStack(stack);
      // The trail's bucket: SSE-S3, no server access logs, no lifecycle.
      for (const id of ['SB-S3-1', 'SB-S3-4', 'SB-S3-9']) {
        annotations.hasWarning('/Stack/Trail/S3/Resource', Match.stringLikeRegexp(`\\[${id}\\]`));
      }
      annotations.hasNoWarning('/Stack/Trail/S3/Resource', Match.stringLikeRegexp('\\[SB-S3-7\\]'));
      for (const id of ['SB-S3-1', 'SB-S3-3', 'SB-S3-5', 'SB-S3-7']) {
        annotations.hasWarning('/Stack/Raw', Match.stringLikeRegexp(`\\[${id}\\]`));
      }
    });
  });

  describe('levels', () => {
    test('a WARNING Aspect that runs first does not swallow the findings of an ERROR Aspect', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      unversioned(stack);
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      // Default priority (500): visited before the READONLY (1000) Aspect applyTo adds.
      Aspects.of(stack).add(new SecureBucketAspect({ level: FindingLevel.WARNING }));
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Stack\/Unversioned/);
    });

    test('ERROR (the default): synth fails with the rule id and the path in the message', () => {
      const app = newApp(COMPLIANCE_APP);
      unversioned(new Stack(app, 'Stack'));
      SecureBucketAspect.applyTo(app);
      expect(() => app.synth()).toThrow(/\[SB-S3-3\] Stack\/Unversioned: Versioning is not enabled \(versioning is Suspended\)/);
    });

    test('WARNING: synth succeeds with warnings whose id is the rule id', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      unversioned(stack);
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
      expect(() => app.synth()).not.toThrow();
      const warnings = warningsOf(stack, 'SB-S3-3');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].id).toBe('/Stack/Unversioned');
      // addWarningV2 ids: the id CDK shows, and the one Validations.of(x).acknowledge({ id }) takes.
      expect(warnings[0].entry.data).toMatch(/\[ack: SB-S3-3\]$/);
      expect(ruleWarnings(stack)).toHaveLength(1);
    });
  });

  describe('acknowledgements', () => {
    test('with a reason, on the resource: no finding, and the report shows it with the reason', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      const bucket = unversioned(stack);
      Validations.of(bucket).acknowledge({ id: 'SB-S3-3', reason: 'Scratch data, rewritten every night.' });
      SecureBucketAspect.applyTo(app);
      expect(() => app.synth()).not.toThrow();
      expect(readReport(app).buckets[0].findings).toEqual([expect.objectContaining({
        ruleId: 'SB-S3-3',
        acknowledged: { reason: 'Scratch data, rewritten every night.', on: 'Stack/Unversioned' },
      })]);
    });

    test('with a reason, on an ancestor (the L2, the stack): no finding', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      const bucket = new s3.Bucket(stack, 'Bucket', { removalPolicy: RemovalPolicy.DESTROY });
      Validations.of(bucket).acknowledge({ id: 'SB-S3-11', reason: 'Disposable build cache.' });
      Validations.of(stack).acknowledge(...['SB-S3-1', 'SB-S3-3', 'SB-S3-4', 'SB-S3-5', 'SB-S3-6', 'SB-S3-7', 'SB-S3-8', 'SB-S3-9']
        .map(id => ({ id, reason: 'Legacy stack, migrated in ticket SEC-42.' })));
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).not.toThrow();
      const findings = readReport(app).buckets[0].findings;
      expect(findings.find((f: any) => f.ruleId === 'SB-S3-11').acknowledged).toEqual({ reason: 'Disposable build cache.', on: 'Stack/Bucket' });
      expect(findings.find((f: any) => f.ruleId === 'SB-S3-5').acknowledged).toEqual({ reason: 'Legacy stack, migrated in ticket SEC-42.', on: 'Stack' });
    });

    test('with the id CDK qualifies (annotation::SB-S3-3): no finding', () => {
      const app = newApp(COMPLIANCE_APP);
      const bucket = unversioned(new Stack(app, 'Stack'));
      Validations.of(bucket).acknowledge({ id: 'annotation::SB-S3-3', reason: 'Scratch data.' });
      SecureBucketAspect.applyTo(app);
      expect(() => app.synth()).not.toThrow();
    });

    test('fails without a reason (empty string), at either level', () => {
      for (const level of [FindingLevel.ERROR, FindingLevel.WARNING]) {
        const app = newApp(COMPLIANCE_APP);
        const bucket = unversioned(new Stack(app, 'Stack'));
        Validations.of(bucket).acknowledge({ id: 'SB-S3-3', reason: '' });
        SecureBucketAspect.applyTo(app, { level });
        expect(() => app.synth()).toThrow(/\[SB-S3-3\] the acknowledgement on Stack\/Unversioned has no reason/);
      }
    });

    test('a key finding is acknowledged on the key', () => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack');
      const { key } = compliantL1(stack);
      key.enableKeyRotation = false;
      SecureBucketAspect.applyTo(app);
      expect(() => app.synth()).toThrow(/\[SB-KMS-1\] Stack\/BucketKey:/);

      const app2 = newApp(COMPLIANCE_APP);
      const { key: key2 } = compliantL1(new Stack(app2, 'Stack'));
      key2.enableKeyRotation = false;
      Validations.of(key2).acknowledge({ id: 'SB-KMS-1', reason: 'Imported key material: rotated by hand every year.' });
      SecureBucketAspect.applyTo(app2);
      expect(() => app2.synth()).not.toThrow();
    });
  });

  test('administratorArns accepts a group ARN and "*" (holders of identity policies), as before', () => {
    expect(() => new SecureBucketAspect({ administratorArns: [`arn:aws:iam::${ACCOUNT}:group/ops`, '*'] })).not.toThrow();
  });

  test('a second bucket policy in another stack, attached through a cross-stack reference, fails SB-S3-15 on the bucket', () => {
    const app = newApp(COMPLIANCE_APP);
    const data = new Stack(app, 'Data', { env: ENV });
    const bucket = new SecureBucket(data, 'Bucket');
    const other = new Stack(app, 'Other', { env: ENV });
    new s3.BucketPolicy(other, 'Second', { bucket }).document.addStatements(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal(ACCOUNT)], actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')],
    }));
    SecureBucketAspect.applyTo(app);
    expect(() => app.synth()).toThrow(/\[SB-S3-15\] Data\/Bucket\/Resource: .*2 bucket policies: .*Other\/Second \(another stack\)/);
  });

  describe('options', () => {
    test.each<[string, SecureBucketAspectProps, RegExp]>([
      ['an unknown rule id in excludedRules', { excludedRules: { 'SB-S3-99': 'no such rule' } },
        /\[SecureBucketAspect\] 'excludedRules' names no rule \(got "SB-S3-99"\)\. Use a rule id from RULES.md/],
      ['an excluded rule without a reason', { excludedRules: { 'SB-S3-11': ' ' } }, /'excludedRules\[SB-S3-11\]' needs a reason/],
      ['a malformed trusted account', { trustedAccounts: ['1234'] }, /'trustedAccounts\[0\]' is not a 12-digit AWS account id \(got "1234"\)/],
      ['an empty trusted account', { trustedAccounts: [''] }, /'trustedAccounts\[0\]' is empty/],
      ['an empty administrator', { administratorArns: [''] }, /'administratorArns\[0\]' is empty/],
      ['a malformed administrator ARN', { administratorArns: ['arn:aws:iam:111111111111:role/Admin'] },
        /'administratorArns\[0\]' is malformed: it is neither an IAM principal ARN with its 12-digit account \(or \*\) nor a role name/],
      ['a role session ARN as administrator', { administratorArns: ['arn:aws:sts::111111111111:assumed-role/Admin/alice'] },
        /'administratorArns\[0\]' is malformed: it is a role session \(assumed-role\) ARN: aws:PrincipalArn holds the role's ARN/],
      ['an unknown level', { level: 'STRICT' as FindingLevel }, /'level' is not a FindingLevel \(got "STRICT"\)/],
    ])('fails on %s', (_, props, message) => {
      expect(() => new SecureBucketAspect(props)).toThrow(message);
    });

    test('excludedRules are not evaluated and the report says why', () => {
      const app = newApp(COMPLIANCE_APP);
      unversioned(new Stack(app, 'Stack'));
      SecureBucketAspect.applyTo(app, { excludedRules: { 'SB-S3-3': 'Versioning is enforced by an SCP.' } });
      expect(() => app.synth()).not.toThrow();
      expect(readReport(app).excludedRules).toEqual({ 'SB-S3-3': 'Versioning is enforced by an SCP.' });
    });

    test('report: false writes no report', () => {
      const app = newApp(COMPLIANCE_APP);
      unversioned(new Stack(app, 'Stack'));
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING, report: false });
      app.synth();
      expect(fs.existsSync(path.join(app.outdir, 'secure-bucket-report.json'))).toBe(false);
    });
  });

  describe('a stack with only SecureBuckets has zero findings at ERROR level', () => {
    function secureBuckets(stack: Stack): void {
      new SecureBucket(stack, 'Data');
      const app = new iam.Role(stack, 'AppRole', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app' });
      const worker = new iam.Role(stack, 'Worker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      new SecureBucket(stack, 'Restricted', {
        minimumTLSVersion: 1.3,
        accessRestrictions: [
          AccessRestriction.anyOf(
            new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], vpcIds: ['vpc-0a1b2c3d'] }),
            new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8::/32'] }),
          ),
          new RoleOnly({ roles: [app, worker], exemptPrincipalArns: ['BreakGlass'] }),
          new RoleOnly({ roles: [app], matchBy: RoleMatch.userId() }),
          new AdminOnlyChanges({ administratorArns: ['Admin', `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*`] }),
        ],
      });
      new SecureBucket(stack, 'SeparateLogs', { serverAccessLogsBucket: new AccessLogsBucket(stack, 'Logs'), serverAccessLogsPrefix: 'data/' });
      new SecureBucket(stack, 'OwnKey', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
      const granted = new SecureBucket(stack, 'Granted', { bucketName: 'granted-bucket-0123' });
      granted.grantReadWrite(app);
      granted.grantRead(worker);
      granted.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));
      new SecureBucket(new NestedStack(stack, 'Nested'), 'InNested');
    }

    test.each([
      ['environment-agnostic', {}],
      ['with an environment', { env: { account: ACCOUNT, region: 'eu-west-1' } }],
    ])('%s', (_, props) => {
      const app = newApp(COMPLIANCE_APP);
      const stack = new Stack(app, 'Stack', props);
      secureBuckets(stack);
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).not.toThrow();
      expect(ruleWarnings(stack)).toHaveLength(0);
      const report = readReport(app);
      expect(report.summary).toMatchObject({ buckets: 9, openFindings: 0, acknowledged: 0 });
    });

    test('with an AccessLogsBucket in another stack', () => {
      const app = newApp(COMPLIANCE_APP);
      const logs = new AccessLogsBucket(new Stack(app, 'Logs'), 'Logs');
      new SecureBucket(new Stack(app, 'Data'), 'Data', { bucketName: 'data-bucket-0123', serverAccessLogsBucket: logs });
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).not.toThrow();
      const report = readReport(app);
      expect(report.summary).toMatchObject({ buckets: 2, openFindings: 0 });
      expect(report.buckets.find((b: any) => b.path === 'Data/Data/Resource').posture.logTarget).toBe('Logs/Logs');
    });

    test('in a Stage, with every recommended feature flag', () => {
      const app = newApp({ ...COMPLIANCE_APP, context: { ...COMPLIANCE_APP.context, ...cxapi.CURRENTLY_RECOMMENDED_FLAGS } });
      secureBuckets(new Stack(new Stage(app, 'Prod'), 'Stack'));
      SecureBucketAspect.applyTo(app, { level: FindingLevel.ERROR });
      expect(() => app.synth()).not.toThrow();
      expect(readReport(app).summary).toMatchObject({ buckets: 9, openFindings: 0 });
    });
  });
});
