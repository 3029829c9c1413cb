import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, PolicyValidationPluginReport, Stack, Stage, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FindingLevel, nag, SecureBucket, SecureBucketAspect, VpcEndpointOnly } from '../../src';
import { ALL_RULES } from '../../src/rules/registry';
import { ENV, newApp, newStack } from '../helpers/stacks';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** A SecureBucket, a plain s3.Bucket, a raw CfnBucket, a bucket with a token, and a role granted s3:*. */
function mixedStack(app: App): { stack: Stack; plain: s3.Bucket; raw: s3.CfnBucket; tokened: s3.CfnBucket; role: iam.Role } {
  const stack = newStack({ scope: app, env: ENV });
  new SecureBucket(stack, 'Secure');
  const plain = new s3.Bucket(stack, 'Plain');
  const raw = new s3.CfnBucket(stack, 'Raw');
  const status = new CfnParameter(stack, 'VersioningStatus', { default: 'Enabled' });
  const tokened = new s3.CfnBucket(stack, 'Tokened', { versioningConfiguration: { status: status.valueAsString } });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'data-admin' });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
  return { stack, plain, raw, tokened, role };
}

/** `rule id  construct path` for every violating resource of a pack report. */
function packFindings(report: PolicyValidationPluginReport): string[] {
  return report.violations
    .flatMap(v => v.violatingResources.map(r => `${v.ruleName}  ${r.constructPath}`))
    .sort();
}

/** `rule id  construct path` for every finding the Aspect raises (as warnings) on the stack. */
function aspectFindings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('^\\[SB-'))
    .map(w => `${/^\[([^\]]+)\]/.exec(String(w.entry.data))![1]}  ${w.id.replace(/^\//, '')}`)
    .sort();
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('SecureBucketChecks', () => {
  test('gives the same findings (rule id × resource) as SecureBucketAspect on a mixed stack', () => {
    // GIVEN
    const app = newApp();
    const { stack } = mixedStack(app);
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING, report: false });

    // WHEN
    const aspect = aspectFindings(stack);
    const pack = packFindings(new nag.SecureBucketChecks(app).validateScope(app));

    // THEN
    expect(pack).toEqual(aspect);
    expect(pack).toEqual(expect.arrayContaining([
      'SB-S3-3  Stack/Plain/Resource',
      'SB-S3-7  Stack/Raw',
      'SB-S3-3  Stack/Tokened',
      'SB-IAM-1  Stack/Role/DefaultPolicy/Resource',
    ]));
    expect(pack.filter(f => f.includes('Stack/Secure'))).toEqual([]);
  });

  test('reports a value it cannot verify as a finding, never a pass', () => {
    const app = newApp();
    mixedStack(app);
    const violation = new nag.SecureBucketChecks(app).validateScope(app).violations
      .find(v => v.ruleName === 'SB-S3-3' && v.violatingResources.some(r => r.constructPath === 'Stack/Tokened'))!;
    expect(violation.description).toMatch(/^Cannot verify: /);
    expect(violation.severity).toBe('error');
  });

  test('a finding says what was found, and "Cannot verify" when a value is not known at synth', () => {
    const app = newApp();
    mixedStack(app);
    const violations = new nag.SecureBucketChecks(app).validateScope(app).violations.filter(v => v.ruleName === 'SB-S3-3');
    const of = (constructPath: string) => violations
      .filter(v => v.violatingResources.some(r => r.constructPath === constructPath)).map(v => v.description);
    expect(of('Stack/Raw')).toEqual(['Versioning is not enabled (versioning is not configured).']);
    expect(of('Stack/Tokened')).toEqual([expect.stringMatching(/^Cannot verify: Versioning is not enabled \(.*not known at synth.*\)\.$/)]);
  });

  test('rule ids are the rules\' own ids (cdk-nag prefixes them with the pack name "SB")', () => {
    const app = newApp();
    mixedStack(app);
    const pack = new nag.SecureBucketChecks(app);
    const ids = new Set(ALL_RULES.map(r => r.id));
    expect(pack.readPackName).toBe('SB');
    expect(pack.name).toBe('SecureBucketChecks');
    for (const v of pack.validateScope(app).violations) {
      expect(ids.has(v.ruleName)).toBe(true);
      // The rule's cause and what was found: "Versioning is not enabled (versioning is not configured)."
      const cause = ALL_RULES.find(r => r.id === v.ruleName)!.cause.replace(/\.$/, '');
      expect(v.description).toMatch(new RegExp(`^(Cannot verify: )?${cause.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.+\\)\\.$`));
    }
  });

  test('a stack of SecureBuckets has zero findings', () => {
    const app = newApp();
    const stack = newStack({ scope: app, env: ENV });
    new SecureBucket(stack, 'Data');
    new SecureBucket(stack, 'Restricted', { accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'] })] });

    const report = new nag.SecureBucketChecks(app).validateScope(app);

    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('covers stacks inside Stages', () => {
    const app = newApp();
    new s3.CfnBucket(newStack({ scope: new Stage(app, 'Prod'), env: ENV }), 'Raw');
    const paths = packFindings(new nag.SecureBucketChecks(app).validateScope(app)).map(f => f.split('  ')[1]);
    expect(new Set(paths)).toEqual(new Set(['Prod/Stack/Raw']));
  });

  describe('acknowledgements', () => {
    test('Validations.acknowledge on the resource or an ancestor silences one rule there, in the pack and in the Aspect', () => {
      // GIVEN
      const app = newApp();
      const { stack, plain } = mixedStack(app);
      Validations.of(plain).acknowledge({ id: 'SB-S3-4', reason: 'Access logs are collected by CloudTrail data events.' });
      Validations.of(stack).acknowledge({ id: 'SB-IAM-1', reason: 'The data-admin role administers the buckets.' });
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING, report: false });

      // WHEN
      const pack = packFindings(new nag.SecureBucketChecks(app).validateScope(app));

      // THEN
      expect(pack).not.toContain('SB-S3-4  Stack/Plain/Resource');
      expect(pack).toContain('SB-S3-4  Stack/Raw');
      expect(pack).toContain('SB-S3-3  Stack/Plain/Resource');
      expect(pack.filter(f => f.startsWith('SB-IAM-1'))).toEqual([]);
      expect(pack).toEqual(aspectFindings(stack));
    });

    test('fails: an acknowledgement without a reason does not silence the finding', () => {
      const app = newApp();
      const { plain } = mixedStack(app);
      Validations.of(plain).acknowledge({ id: 'SB-S3-4', reason: '' });

      const report = new nag.SecureBucketChecks(app).validateScope(app);

      const noReason = report.violations.find(v => v.ruleName === 'SB-S3-4[AcknowledgementWithoutReason]')!;
      expect(noReason.violatingResources.map(r => r.constructPath)).toEqual(['Stack/Plain/Resource']);
      expect(noReason.description).toMatch(/has no reason/);
      expect(report.success).toBe(false);
    });
  });

  describe('options', () => {
    test('administratorArns and trustedAccounts are honoured as by the Aspect', () => {
      const app = newApp();
      const { plain } = mixedStack(app);
      plain.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal('arn:aws:iam::222222222222:role/reader')], actions: ['s3:GetObject'], resources: [plain.arnForObjects('*')],
      }));
      const rules = (props: nag.SecureBucketChecksProps) => packFindings(new nag.SecureBucketChecks(app, props).validateScope(app))
        .filter(f => f.startsWith('SB-IAM-1') || f.startsWith('SB-S3-14'));

      expect(rules({})).toEqual(['SB-IAM-1  Stack/Role/DefaultPolicy/Resource', 'SB-S3-14  Stack/Plain/Resource']);
      expect(rules({ administratorArns: ['data-admin'], trustedAccounts: ['222222222222'] })).toEqual([]);
    });

    test('excludedRules are not evaluated', () => {
      const app = newApp();
      mixedStack(app);
      const findings = packFindings(new nag.SecureBucketChecks(app, { excludedRules: { 'SB-S3-4': 'Logs come from CloudTrail.' } }).validateScope(app));
      expect(findings.filter(f => f.startsWith('SB-S3-4 '))).toEqual([]);
      expect(findings.filter(f => f.startsWith('SB-S3-3 '))).not.toEqual([]);
    });

    test('fails on an unknown excluded rule, or one without a reason', () => {
      expect(() => new nag.SecureBucketChecks(undefined, { excludedRules: { 'SB-S3-99': 'x' } })).toThrow(/names no rule/);
      expect(() => new nag.SecureBucketChecks(undefined, { excludedRules: { 'SB-S3-4': ' ' } })).toThrow(/needs a reason/);
    });

    test('fails on an invalid trusted account or an empty administrator', () => {
      expect(() => new nag.SecureBucketChecks(undefined, { trustedAccounts: ['12345'] })).toThrow(/trustedAccounts\[0\]' is not a 12-digit AWS account id/);
      expect(() => new nag.SecureBucketChecks(undefined, { administratorArns: [' '] })).toThrow(/administratorArns\[0\]' is empty/);
    });
  });

  describe('as a validation plugin of the app', () => {
    function synthWithPlugin(level?: FindingLevel, compliant = false) {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-nag-'));
      const app = newApp({ outdir });
      if (compliant) {
        new SecureBucket(newStack({ scope: app, env: ENV }), 'Data');
      } else {
        mixedStack(app);
      }
      Validations.of(app).addPlugins(new nag.SecureBucketChecks(app, { level }));
      const reportFile = path.join(outdir, 'validation-report.json');
      return { synth: () => app.synth(), report: () => JSON.parse(fs.readFileSync(reportFile, 'utf8')), reportFile };
    }

    test('fails synth with the findings and writes validation-report.json (aws-cdk-lib 2.276, in-memory app)', () => {
      const { synth, report } = synthWithPlugin();

      // An in-memory app (a test) throws the report; under the CDK CLI the report is printed and the exit code is 1.
      expect(synth).toThrow(/ERROR Versioning is not enabled \(versioning is [^)]+\)\. \(SecureBucketChecks\)/);
      expect(synth).toThrow(/Stack\/Raw/);
      const json = JSON.stringify(report());
      expect(json).toContain('SecureBucketChecks');
      expect(json).toContain('SB-IAM-1');
      expect(json).toContain('Stack/Raw');
    });

    test('an acknowledgement in the pack\'s namespace works too', () => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-nag-'));
      const app = newApp({ outdir });
      const bucket = new s3.CfnBucket(newStack({ scope: app, env: ENV }), 'Raw');
      for (const id of ['SB-S3-1', 'SB-S3-3', 'SB-S3-4', 'SB-S3-5', 'SB-S3-6', 'SB-S3-7']) {
        Validations.of(bucket).acknowledge({ id, reason: 'test' });
      }
      for (const id of ['SB-S3-8', 'SB-S3-9', 'SB-S3-11']) {
        Validations.of(bucket).acknowledge({ id: `SecureBucketChecks::${id}`, reason: 'test' });
      }
      expect(new nag.SecureBucketChecks(app).validateScope(app).violations).toEqual([]);
      Validations.of(app).addPlugins(new nag.SecureBucketChecks(app));
      expect(() => app.synth()).not.toThrow();
    });

    test('FindingLevel.WARNING reports without failing synth', () => {
      const { synth, report } = synthWithPlugin(FindingLevel.WARNING);
      const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        expect(synth).not.toThrow();
      } finally {
        errors.mockRestore();
      }
      const json = JSON.stringify(report());
      expect(json).toContain('SB-S3-3');
      expect(json).not.toContain('"error"');
    });

    test('a compliant app synthesizes', () => {
      const { synth } = synthWithPlugin(undefined, true);
      expect(synth).not.toThrow();
    });
  });
});
