import * as fs from 'fs';
import * as path from 'path';
import { Mixins } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { FindingLevel, nag, SecureBucketAspect, SecureBucketDefaults } from '../../src';
import { pipelinesApp } from '../apps/pipelines-app';

/*
 * CDK Pipelines creates each Stage inside the pipeline's Stack. `Stack.of` throws on such a Stage,
 * so code that walks a stack's tree and asks each construct for its Stack made every synthesis of a
 * Pipelines app fail with "should be created in the scope of a Stack, but no Stack found".
 */
describe('SecureBucketAspect on a CDK Pipelines app (Stages inside a Stack)', () => {
  test('the app synthesizes with the Aspect on the app, as it does without it', () => {
    const { app } = pipelinesApp({ configureApp: a => SecureBucketAspect.applyTo(a, { level: FindingLevel.WARNING }) });
    expect(() => app.synth()).not.toThrow();
  });

  test('an Aspect on the app alone still judges the Stages CDK Pipelines synthesized before it ran, and says how to judge them in the Stage', () => {
    const { app, pipeline } = pipelinesApp({ configureApp: a => SecureBucketAspect.applyTo(a, { level: FindingLevel.WARNING }) });
    const assembly = app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'secure-bucket-report.json'), 'utf8'));
    const plain = report.buckets.find((b: any) => b.path === 'Pipeline/Prod/Data/Plain/Resource');
    expect(plain.findings.map((f: any) => f.ruleId)).toEqual(expect.arrayContaining(['SB-S3-1', 'SB-S3-4']));
    expect(report.buckets.find((b: any) => b.path === 'Pipeline/Prod/Data/Secure/Resource').findings).toEqual([]);
    Annotations.fromStack(pipeline).hasWarning('/Pipeline', Match.stringLikeRegexp(
      'Stage Pipeline/Dev was synthesized without SecureBucketAspect .* Call SecureBucketAspect.applyTo\\(this\\) in the Stage'));
  });

  test('fails: an ERROR-level Aspect on the app alone fails the synthesis on a finding in a Stage synthesized before it', () => {
    const { app } = pipelinesApp({ configureApp: a => SecureBucketAspect.applyTo(a) });
    expect(() => app.synth()).toThrow(/\[SB-S3-1\] Pipeline\/Dev\/Data\/Plain\/Resource/);
  });

  test('the Aspect applied in each Stage judges the Stage\'s buckets, and the report has every bucket', () => {
    const { app, pipeline } = pipelinesApp({ configureStage: stage => SecureBucketAspect.applyTo(stage, { level: FindingLevel.WARNING }) });
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING });
    const assembly = app.synth();

    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'secure-bucket-report.json'), 'utf8'));
    const paths: string[] = report.buckets.map((b: any) => b.path);
    expect(paths).toEqual(expect.arrayContaining([
      'Pipeline/Dev/Data/Secure/Resource', 'Pipeline/Dev/Data/Plain/Resource',
      'Pipeline/Prod/Data/Secure/Resource', 'Pipeline/Prod/Data/Plain/Resource',
      'Pipeline/Pipeline/Pipeline/ArtifactsBucket/Resource',
    ]));
    const findingsOf = (p: string) => report.buckets.find((b: any) => b.path === p).findings.map((f: any) => f.ruleId);
    expect(findingsOf('Pipeline/Dev/Data/Secure/Resource')).toEqual([]);
    expect(findingsOf('Pipeline/Dev/Data/Plain/Resource')).toEqual(expect.arrayContaining(['SB-S3-1', 'SB-S3-4']));
    // The findings reach the Stage's own stack as warnings.
    const dev = pipeline.stages[0].data;
    Annotations.fromStack(dev).hasWarning('/Pipeline/Dev/Data/Plain/Resource', Match.stringLikeRegexp('SB-S3-1'));
  });

  test('fails: an ERROR-level Aspect in a Stage fails the synthesis on a finding in that Stage, not with a crash', () => {
    expect(() => pipelinesApp({ configureStage: stage => SecureBucketAspect.applyTo(stage) }))
      .toThrow(/\[SB-S3-1\] Pipeline\/Dev\/Data\/Plain\/Resource/);
  });
});

describe('SecureBucketChecks (cdk-nag pack) on a CDK Pipelines app', () => {
  test('judges the buckets of every Stage, the pipeline\'s own included, without a crash', () => {
    const { app, pipeline } = pipelinesApp();
    pipeline.pipeline.buildPipeline(); // CDK Pipelines adds the pipeline's resources (its artifacts bucket) at synthesis
    const violations = new nag.SecureBucketChecks(app).validateScope(app).violations;
    const resources = violations.flatMap(v => v.violatingResources.map(r => r.constructPath));
    expect(resources).toEqual(expect.arrayContaining([
      'Pipeline/Dev/Data/Plain/Resource', 'Pipeline/Prod/Data/Plain/Resource', 'Pipeline/Pipeline/Pipeline/ArtifactsBucket/Resource',
    ]));
    expect(resources.filter(r => r?.includes('/Secure/'))).toEqual([]);
  });
});

describe('SecureBucketDefaults on a CDK Pipelines app', () => {
  test('applied in each Stage, it brings the Stage\'s buckets up to the rules', () => {
    const { pipeline } = pipelinesApp({ configureStage: stage => Mixins.of(stage).apply(new SecureBucketDefaults()) });
    const template = Template.fromStack(pipeline.stages[0].data);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

});
