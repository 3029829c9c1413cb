import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Duration, IAspect, Stack, Stage, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import {
  controlIdsByResource,
  controlTowerGuardFiles,
  controlTowerViolations,
  nagAcknowledgements,
  nagFindings,
  ruleIds,
  ruleIdsByResource,
} from './checkers';

const LOG_BUCKET_POLICY_FLAG = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

function newStack(context: Record<string, unknown> = {}): { app: App; stack: Stack } {
  const app = new App({ builtinCloudFormationValidation: false, context });
  const stack = new Stack(app, 'S');
  return { app, stack };
}

/** The "hardened" layout: KMS data bucket + SSE-S3 access-log bucket. */
function hardened(stack: Stack): { data: s3.Bucket; logs: s3.Bucket; key: kms.Key } {
  const logs = new s3.Bucket(stack, 'Logs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const data = new s3.Bucket(stack, 'Data', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    versioned: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: logs,
    serverAccessLogsPrefix: 'access-logs/',
    lifecycleRules: [{
      noncurrentVersionExpiration: Duration.days(90),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
  });
  (data.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
    eventBridgeConfiguration: { eventBridgeEnabled: true },
  };
  return { data, logs, key };
}

function logicalId(c: IConstruct): string {
  return Stack.of(c).getLogicalId(c.node.defaultChild as s3.CfnBucket);
}

describe('nagFindings', () => {
  test('plain bucket: exact findings of all four packs', () => {
    const { app, stack } = newStack();
    new s3.Bucket(stack, 'B');

    const findings = nagFindings(app);
    const perPack = ['S3BucketLoggingEnabled', 'S3BucketPublicReadProhibited', 'S3BucketPublicWriteProhibited',
      'S3BucketReplicationEnabled', 'S3BucketSSLRequestsOnly', 'S3BucketVersioningEnabled', 'S3DefaultEncryptionKMS'];
    expect(ruleIdsByResource(findings)).toEqual({
      'S/B/Resource': [
        'AwsSolutions-S1',
        'AwsSolutions-S10',
        ...perPack.map(r => `HIPAA.Security-${r}`),
        ...perPack.map(r => `NIST.800.53.R5-${r}`),
        ...perPack.map(r => `PCI.DSS.321-${r}`),
      ].sort(),
    });

    const s1 = findings.find(f => f.ruleId === 'AwsSolutions-S1');
    expect(s1).toEqual({
      ruleId: 'AwsSolutions-S1',
      resourcePath: 'S/B/Resource',
      logicalId: 'B08E7C7AF',
      stack: 'S',
      message: 'The S3 Bucket has server access logs disabled.',
      pack: 'AwsSolutions',
      severity: 'error',
    });
  });

  test('packs argument restricts the packs that run', () => {
    const { app, stack } = newStack();
    new s3.Bucket(stack, 'B');
    expect(ruleIds(nagFindings(app, ['AwsSolutions']))).toEqual(['AwsSolutions-S1', 'AwsSolutions-S10']);
    expect(ruleIds(nagFindings(app, ['NIST80053R5'])).every(r => r.startsWith('NIST.800.53.R5-'))).toBe(true);
  });

  test('acknowledging AwsSolutions-S1 on the L2 bucket removes it for that bucket only', () => {
    const { app, stack } = newStack();
    const b = new s3.Bucket(stack, 'B');
    new s3.Bucket(stack, 'Other');
    Validations.of(b).acknowledge({ id: 'AwsSolutions-S1', reason: 'test' });

    const byResource = ruleIdsByResource(nagFindings(app, ['AwsSolutions']));
    expect(byResource['S/B/Resource']).toEqual(['AwsSolutions-S10']);
    expect(byResource['S/Other/Resource']).toEqual(['AwsSolutions-S1', 'AwsSolutions-S10']);

    expect(nagAcknowledgements(app)).toEqual([
      { id: 'AwsSolutions-S1', reason: 'test', constructPath: 'S/B', on: 'construct' },
    ]);
  });

  test('an acknowledgement on a Stack silences the rule for every resource in it', () => {
    const { app, stack } = newStack();
    new s3.Bucket(stack, 'B');
    new s3.Bucket(stack, 'Other');
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-S1', reason: 'never do this' });

    expect(ruleIds(nagFindings(app, ['AwsSolutions']))).toEqual(['AwsSolutions-S10']);
    expect(nagAcknowledgements(app).map(a => a.on)).toEqual(['stack']);
  });

  test('the plugin-namespaced acknowledgement form is honoured too (validateScope alone ignores it)', () => {
    const { app, stack } = newStack();
    const b = new s3.Bucket(stack, 'B');
    Validations.of(b).acknowledge({ id: 'AwsSolutions::AwsSolutions-S1', reason: 'namespaced' });
    Validations.of(b).acknowledge({ id: 'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled', reason: 'namespaced' });

    const ids = ruleIds(nagFindings(app, ['AwsSolutions', 'NIST80053R5']));
    expect(ids).not.toContain('AwsSolutions-S1');
    expect(ids).not.toContain('NIST.800.53.R5-S3BucketReplicationEnabled');
    expect(ids).toContain('AwsSolutions-S10');

    // cdk-nag's own validateScope does NOT honour the namespaced form (CDK's synth-time report does).
    const raw = new AwsSolutionsChecks().validateScope(app).violations.map(v => v.ruleName);
    expect(raw).toContain('AwsSolutions-S1');

    expect(nagAcknowledgements(app).map(a => a.id)).toEqual([
      'AwsSolutions::AwsSolutions-S1',
      'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled',
    ]);
  });

  test('hardened layout: only replication (both buckets) and KMS-on-log-bucket remain', () => {
    const { app, stack } = newStack();
    hardened(stack);

    const packs = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];
    expect(ruleIdsByResource(nagFindings(app))).toEqual({
      'S/Data/Resource': packs.map(p => `${p}-S3BucketReplicationEnabled`),
      'S/Logs/Resource': packs.flatMap(p => [`${p}-S3BucketReplicationEnabled`, `${p}-S3DefaultEncryptionKMS`]).sort(),
    });
  });

  test('works on a Stage scope', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stage = new Stage(app, 'Prod');
    const stack = new Stack(stage, 'S');
    new s3.Bucket(stack, 'B', { enforceSSL: true });

    expect(nagFindings(stage, ['AwsSolutions'])).toEqual([expect.objectContaining({
      ruleId: 'AwsSolutions-S1',
      resourcePath: 'Prod/S/B/Resource',
      stack: 'Prod/S',
      logicalId: 'B08E7C7AF',
    })]);
  });

  test('Aspect mutations are only seen with { synth: true }', () => {
    const { app, stack } = newStack();
    new s3.Bucket(stack, 'B', { enforceSSL: true });
    const addLogging: IAspect = {
      visit(node: IConstruct) {
        if (node instanceof s3.CfnBucket) node.loggingConfiguration = { logFilePrefix: 'x/' };
      },
    };
    Aspects.of(stack).add(addLogging);

    expect(ruleIds(nagFindings(app, ['AwsSolutions']))).toEqual(['AwsSolutions-S1']);
    expect(nagFindings(app, ['AwsSolutions'], { synth: true })).toEqual([]);
  });
});

describe('controlTowerViolations', () => {
  test('S3 and KMS guard files bundled in the validator', () => {
    const names = Array.from(controlTowerGuardFiles().keys()).filter(n => /^ct-(s3|kms)-/.test(n));
    expect(names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))).toEqual([
      'ct-kms-pr-1', 'ct-kms-pr-2', 'ct-kms-pr-3',
      'ct-s3-pr-1', 'ct-s3-pr-2', 'ct-s3-pr-3', 'ct-s3-pr-4', 'ct-s3-pr-5', 'ct-s3-pr-6',
      'ct-s3-pr-8', 'ct-s3-pr-9', 'ct-s3-pr-10', 'ct-s3-pr-11', 'ct-s3-pr-12',
    ]);
  });

  test('plain bucket fails public access, versioning and most other S3 controls', () => {
    const { stack } = newStack();
    new s3.Bucket(stack, 'B');

    const violations = controlTowerViolations(Template.fromStack(stack).toJSON());
    expect(controlIdsByResource(violations)).toEqual({
      B08E7C7AF: [
        'CT.S3.PR.1', 'CT.S3.PR.2', 'CT.S3.PR.3', 'CT.S3.PR.4', 'CT.S3.PR.5',
        'CT.S3.PR.6', 'CT.S3.PR.9', 'CT.S3.PR.10', 'CT.S3.PR.11',
      ],
    });
    expect(violations.find(v => v.controlId === 'CT.S3.PR.1')).toEqual({
      controlId: 'CT.S3.PR.1',
      ruleName: 's3_bucket_level_public_access_prohibited_check',
      guardFile: 'ct-s3-pr-1',
      resourceLogicalIds: ['B08E7C7AF'],
      description: '[CT.S3.PR.1]: Require an Amazon S3 bucket to have block public access settings configured',
      fix: expect.stringContaining('PublicAccessBlockConfiguration'),
    });
  });

  test('hardened layout: data bucket fails only object lock; log bucket fails more; CDK key policy fails KMS.PR.3', () => {
    const { stack } = newStack();
    const { data, logs, key } = hardened(stack);

    const byResource = controlIdsByResource(controlTowerViolations(stack));
    expect(byResource).toEqual({
      [logicalId(data)]: ['CT.S3.PR.9'],
      [logicalId(logs)]: ['CT.S3.PR.2', 'CT.S3.PR.3', 'CT.S3.PR.4', 'CT.S3.PR.5', 'CT.S3.PR.6', 'CT.S3.PR.9', 'CT.S3.PR.10'],
      [Stack.of(key).getLogicalId(key.node.defaultChild as kms.CfnKey)]: ['CT.KMS.PR.3'],
    });
  });

  test('with the serverAccessLogsUseBucketPolicy flag the log bucket no longer uses an ACL (CT.S3.PR.5 passes)', () => {
    const { stack } = newStack({ [LOG_BUCKET_POLICY_FLAG]: true });
    const { logs } = hardened(stack);

    expect(controlIdsByResource(controlTowerViolations(stack))[logicalId(logs)]).toEqual(
      ['CT.S3.PR.2', 'CT.S3.PR.3', 'CT.S3.PR.4', 'CT.S3.PR.6', 'CT.S3.PR.9', 'CT.S3.PR.10'],
    );
  });

  test('disabledRules accepts guard file names and control ids; unknown names throw', () => {
    const { stack } = newStack();
    new s3.Bucket(stack, 'B');
    const template = Template.fromStack(stack).toJSON();

    const ids = controlTowerViolations(template, { disabledRules: ['ct-s3-pr-9', 'CT.S3.PR.1'] }).map(v => v.controlId);
    expect(ids).not.toContain('CT.S3.PR.9');
    expect(ids).not.toContain('CT.S3.PR.1');
    expect(ids).toContain('CT.S3.PR.11');

    expect(() => controlTowerViolations(template, { disabledRules: ['ct-s3-pr-7'] })).toThrow(/unknown guard rule/);
  });

  test('a template without failing resources gives []', () => {
    expect(controlTowerViolations({ Resources: {} })).toEqual([]);
  });

  test('a template file path gives the same result as the template object', () => {
    const { stack } = newStack();
    new s3.Bucket(stack, 'B');
    const template = Template.fromStack(stack).toJSON();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkers-test-'));
    try {
      const file = path.join(dir, 'S.template.json');
      fs.writeFileSync(file, JSON.stringify(template));
      expect(controlTowerViolations(file)).toEqual(controlTowerViolations(template));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
