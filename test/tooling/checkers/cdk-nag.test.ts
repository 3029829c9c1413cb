/** nagFindings: cdk-nag's four packs over a construct tree, as the tests run them. */
import { Aspects, IAspect, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { nagAcknowledgements, nagFindings, ruleIds, ruleIdsByResource } from '../../../scripts/checkers';
import { hardenedBuckets } from '../../helpers/checkers';
import { appOf, newApp, newStack } from '../../helpers/stacks';

describe('nagFindings', () => {
  test('plain bucket: exact findings of all four packs', () => {
    const stack = newStack({ id: 'S' });
    const app = appOf(stack);
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
    const stack = newStack({ id: 'S' });
    const app = appOf(stack);
    new s3.Bucket(stack, 'B');
    expect(ruleIds(nagFindings(app, ['AwsSolutions']))).toEqual(['AwsSolutions-S1', 'AwsSolutions-S10']);
    expect(ruleIds(nagFindings(app, ['NIST80053R5'])).every(r => r.startsWith('NIST.800.53.R5-'))).toBe(true);
  });

  test('acknowledging AwsSolutions-S1 on the L2 bucket removes it for that bucket only', () => {
    const stack = newStack({ id: 'S' });
    const app = appOf(stack);
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
    const stack = newStack({ id: 'S' });
    const app = appOf(stack);
    new s3.Bucket(stack, 'B');
    new s3.Bucket(stack, 'Other');
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-S1', reason: 'never do this' });

    expect(ruleIds(nagFindings(app, ['AwsSolutions']))).toEqual(['AwsSolutions-S10']);
    expect(nagAcknowledgements(app).map(a => a.on)).toEqual(['stack']);
  });

  test('the plugin-namespaced acknowledgement form is honoured too (validateScope alone ignores it)', () => {
    const stack = newStack({ id: 'S' });
    const app = appOf(stack);
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
    const stack = newStack({ id: 'S' });
    const app = appOf(stack);
    hardenedBuckets(stack);

    const packs = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];
    expect(ruleIdsByResource(nagFindings(app))).toEqual({
      'S/Data/Resource': packs.map(p => `${p}-S3BucketReplicationEnabled`),
      'S/Logs/Resource': packs.flatMap(p => [`${p}-S3BucketReplicationEnabled`, `${p}-S3DefaultEncryptionKMS`]).sort(),
    });
  });

  test('works on a Stage scope', () => {
    const app = newApp();
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
    const stack = newStack({ id: 'S' });
    const app = appOf(stack);
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
