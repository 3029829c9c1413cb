/** Acknowledgements made in the app, read back from the cloud assembly and applied to any checker's findings. */
import { Stack, Stage, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { applyAcknowledgements, CheckerFinding, checkerOfRule, loadAssembly, StackMetadata } from '../../../scripts/checkers';
import { handWrittenAssembly, removeTmpDirs, tmpDir } from '../../helpers/checkers';
import { newApp } from '../../helpers/stacks';

afterAll(removeTmpDirs);

describe('acknowledgements read from the cloud assembly', () => {
  const metadata = {
    '/Stack/Data/Resource': [
      { type: 'aws:cdk:logicalId', data: 'Data1234' },
      { type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::NIST.800.53.R5-S3BucketReplicationEnabled': 'on the resource' } },
    ],
    '/Stack/Data': [
      { type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::AwsSolutions-S1': 'on the L2', 'AwsSolutions::AwsSolutions-S10': 'namespaced' } },
    ],
    '/Stack/Data/Policy/Resource': [{ type: 'aws:cdk:logicalId', data: 'DataPolicy99' }],
    '/Stack/DataCopy/Resource': [{ type: 'aws:cdk:logicalId', data: 'DataCopy42' }],
    '/Stack/Role/Resource': [
      { type: 'aws:cdk:logicalId', data: 'Role77' },
      { type: 'aws:cdk:acknowledged-rules', data: { 'annotation::AwsSolutions-IAM5[Action::s3:*]': 'one granular finding (old lowercase prefix)' } },
    ],
    '/Stack': [{ type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::PCI.DSS.321-S3BucketLoggingEnabled': 'on the stack' } }],
  };

  test('maps each logical id to its construct path', () => {
    const meta = new StackMetadata(metadata);
    expect(meta.pathsOf('Data1234')).toEqual(['Stack/Data/Resource']);
    expect(meta.pathsOf('Nope')).toEqual([]);
  });

  test('an acknowledgement applies to its construct and everything below it, the nearest one winning', () => {
    const meta = new StackMetadata(metadata);
    expect(meta.acknowledgementOf('Data1234', 'NIST.800.53.R5-S3BucketReplicationEnabled')).toMatchObject({ path: 'Stack/Data/Resource', reason: 'on the resource' });
    expect(meta.acknowledgementOf('Data1234', 'AwsSolutions-S1')).toMatchObject({ path: 'Stack/Data', reason: 'on the L2' });
    // below the L2: its policy too
    expect(meta.acknowledgementOf('DataPolicy99', 'AwsSolutions-S1')?.reason).toBe('on the L2');
    // a stack-level acknowledgement reaches every resource of the stack
    expect(meta.acknowledgementOf('Role77', 'PCI.DSS.321-S3BucketLoggingEnabled')?.path).toBe('Stack');
  });

  test('fails to acknowledge a sibling whose path merely starts with the same characters', () => {
    const meta = new StackMetadata(metadata);
    expect(meta.acknowledgementOf('DataCopy42', 'AwsSolutions-S1')).toBeUndefined();
    expect(meta.acknowledgementOf('Data1234', 'AwsSolutions-S2')).toBeUndefined();
  });

  test('accepts the plugin-namespaced form and granular finding ids, exactly', () => {
    const meta = new StackMetadata(metadata);
    expect(meta.acknowledgementOf('Data1234', 'AwsSolutions-S10')?.reason).toBe('namespaced');
    expect(meta.acknowledgementOf('Role77', 'AwsSolutions-IAM5[Action::s3:*]')?.reason).toMatch(/granular/);
    expect(meta.acknowledgementOf('Role77', 'AwsSolutions-IAM5[Action::s3:Get*]')).toBeUndefined();
    expect(meta.acknowledgementOf('Role77', 'AwsSolutions-IAM5')).toBeUndefined();
  });

  test('lists the cdk-nag acknowledgements no finding used', () => {
    const meta = new StackMetadata(metadata);
    meta.acknowledgementOf('Data1234', 'AwsSolutions-S1');
    expect(meta.unusedAcknowledgements(['cdk-nag']).map(a => a.id).sort()).toEqual([
      'AwsSolutions-IAM5[Action::s3:*]',
      'AwsSolutions::AwsSolutions-S10',
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'PCI.DSS.321-S3BucketLoggingEnabled',
    ]);
  });

  test('tells the checker of a rule id from its form', () => {
    expect(['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketReplicationEnabled', 'AwsSolutions::AwsSolutions-S10', 'CT.S3.PR.9', 'CT.KMS.PR.1', 'CKV_AWS_18', 'CKV2_AWS_62', 'W3005', 'E3002', 'SB-S3-01']
      .map(checkerOfRule)).toEqual(['cdk-nag', 'cdk-nag', 'cdk-nag', 'control-tower', 'control-tower', 'checkov', 'checkov', 'cfn-lint', 'cfn-lint', undefined]);
  });

  test('reads what Validations.of(x).acknowledge() writes, from a synthesized app with a Stage', () => {
    // GIVEN an app whose acknowledgement sits on an L2 bucket inside a Stage
    const outdir = tmpDir();
    const app = newApp({ outdir });
    const stack = new Stack(new Stage(app, 'Stg'), 'St');
    const bucket = new s3.Bucket(stack, 'Plain');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'acknowledged on the L2 bucket' });
    app.synth();
    // WHEN the assembly is read back
    const [loaded, ...others] = loadAssembly(outdir);
    // THEN the nested assembly's stack is found, and the acknowledgement reaches the CfnBucket
    expect(others).toEqual([]);
    expect(loaded.stack).toBe('Stg/St');
    const logicalId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    expect(loaded.meta.pathsOf(logicalId)).toEqual(['Stg/St/Plain/Resource']);
    expect(loaded.meta.acknowledgementOf(logicalId, 'AwsSolutions-S1')).toMatchObject({ path: 'Stg/St/Plain', reason: 'acknowledged on the L2 bucket' });
  });
});

describe('acknowledgements of Control Tower, checkov and cfn-lint rules', () => {
  const metadata = {
    '/S/Data/Resource': [
      { type: 'aws:cdk:logicalId', data: 'Data1234' },
      { type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::CT.S3.PR.9': 'Object Lock is an explicit option', 'Annotation::CKV_AWS_18': '' } },
    ],
    '/S/Other/Resource': [{ type: 'aws:cdk:logicalId', data: 'Other5678' }],
    '/S/Linted': [{ type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::W3005': 'the dependency is explicit on purpose' } }],
    '/S/Linted/Resource': [{ type: 'aws:cdk:logicalId', data: 'Linted9' }],
  };
  const stacks = () => [{ ...loadAssembly(handWrittenAssembly())[0], stack: 'S', meta: new StackMetadata(metadata) }];
  const finding = (checker: CheckerFinding['checker'], rule: string, logicalId: string): CheckerFinding => ({
    checker, rule, stack: 'S', logicalId, constructPaths: [], message: 'what the checker says', status: 'open',
  });

  test('an acknowledgement silences exactly that rule on exactly that resource, with its reason', () => {
    // GIVEN findings of three checkers on the acknowledged resource and on a sibling
    const findings = [
      finding('control-tower', 'CT.S3.PR.9', 'Data1234'),
      finding('control-tower', 'CT.S3.PR.2', 'Data1234'),
      finding('control-tower', 'CT.S3.PR.9', 'Other5678'),
      finding('cfn-lint', 'W3005', 'Linted9'),
      finding('cfn-lint', 'W3005', 'Other5678'),
      finding('control-tower', 'CT.S3.PR.9', ''),
    ];
    // WHEN the acknowledgements are applied
    applyAcknowledgements(findings, stacks());
    // THEN only the acknowledged rule on the acknowledged resource (or below the acknowledged construct) is excepted
    expect(findings.map(f => `${f.rule}@${f.logicalId || '-'}:${f.status}`)).toEqual([
      'CT.S3.PR.9@Data1234:acknowledged',
      'CT.S3.PR.2@Data1234:open',
      'CT.S3.PR.9@Other5678:open',
      'W3005@Linted9:acknowledged',
      'W3005@Other5678:open',
      'CT.S3.PR.9@-:open',
    ]);
    expect(findings[0]).toMatchObject({ reason: 'Object Lock is an explicit option', exceptedBy: '/S/Data/Resource' });
    expect(findings[3]).toMatchObject({ reason: 'the dependency is explicit on purpose', exceptedBy: '/S/Linted' });
  });

  test('fails to silence a finding with an acknowledgement that has no reason, and says why', () => {
    const findings = [finding('checkov', 'CKV_AWS_18', 'Data1234')];
    applyAcknowledgements(findings, stacks());
    expect(findings[0].status).toBe('open');
    expect(findings[0].reason).toBeUndefined();
    expect(findings[0].message).toMatch(/acknowledged on \/S\/Data\/Resource without a reason, which does not count/);
  });

  test('an acknowledgement with a reason wins over one without on the same construct', () => {
    const meta = new StackMetadata({
      '/S/Data/Resource': [
        { type: 'aws:cdk:logicalId', data: 'Data1234' },
        { type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::CT.S3.PR.9': 'the reason' } },
        { type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::CT.S3.PR.9': '   ' } },
      ],
    });
    expect(meta.acknowledgementOf('Data1234', 'CT.S3.PR.9')?.reason).toBe('the reason');
  });

  test('lists the unused acknowledgements of the checkers that ran only', () => {
    const meta = new StackMetadata(metadata);
    meta.acknowledgementOf('Data1234', 'CT.S3.PR.9');
    expect(meta.unusedAcknowledgements(['control-tower', 'cfn-lint']).map(a => a.id)).toEqual(['W3005']);
    expect(meta.unusedAcknowledgements(['cdk-nag'])).toEqual([]);
  });
});
