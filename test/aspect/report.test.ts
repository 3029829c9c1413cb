import * as fs from 'fs';
import * as path from 'path';
import { App, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessRestriction, AdminOnlyChanges, FindingLevel, RoleOnly, SecureBucket, SecureBucketAspect, SourceIpOnly, VpcEndpointOnly } from '../../src';
import { ENV, newApp } from '../helpers/stacks';

/** The app of every report test: a compliant, a non-compliant and an acknowledged bucket, and an IAM finding. */
function buildApp(): App {
  const app = newApp({ outdirPrefix: 'sb-report-' });
  const stack = new Stack(app, 'Stack');
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'reader' });
  new SecureBucket(stack, 'Compliant', {
    accessRestrictions: [
      new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], exemptPrincipalArns: ['BreakGlass'] }),
      new RoleOnly({ roles: [reader] }),
      new AdminOnlyChanges({ administratorArns: ['Admin'] }),
    ],
  });
  new s3.Bucket(stack, 'NonCompliant', { versioned: true });
  const scratch = new SecureBucket(stack, 'Scratch', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
  Validations.of(scratch).acknowledge({ id: 'SB-S3-11', reason: 'Scratch space, emptied and deleted with the stack.' });
  reader.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutBucketPolicy'], resources: ['*'] }));
  SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING, excludedRules: { 'SB-S3-8': 'TLS 1.2 is enforced by an SCP.' } });
  return app;
}

function reports(app: App): { json: string; markdown: string } {
  const dir = app.synth().directory;
  return {
    json: fs.readFileSync(path.join(dir, 'secure-bucket-report.json'), 'utf8'),
    markdown: fs.readFileSync(path.join(dir, 'secure-bucket-report.md'), 'utf8'),
  };
}

describe('secure-bucket report', () => {
  const app = buildApp();
  const { json, markdown } = reports(app);
  const report = JSON.parse(json);
  const bucket = (name: string) => report.buckets.find((b: any) => b.path === `Stack/${name}/Resource`);

  test('is written into the cloud assembly directory', () => {
    expect(fs.existsSync(path.join(app.outdir, 'secure-bucket-report.json'))).toBe(true);
    expect(fs.existsSync(path.join(app.outdir, 'secure-bucket-report.md'))).toBe(true);
  });

  test('summarises the app', () => {
    // SB-S3-5 and SB-S3-6 are advisories on NonCompliant: it declares neither its public access block nor its ownership.
    expect(report.summary).toEqual({ stacks: 1, buckets: 4, openFindings: 8, failing: 6, advisory: 2, cannotVerify: 0, acknowledged: 1 });
    expect(report.excludedRules).toEqual({ 'SB-S3-8': 'TLS 1.2 is enforced by an SCP.' });
  });

  test('a compliant bucket: its posture, its access restrictions and no findings', () => {
    expect(bucket('Compliant')).toEqual({
      stack: 'Stack',
      path: 'Stack/Compliant/Resource',
      logicalId: expect.stringMatching(/^Compliant[0-9A-F]{8}$/),
      kind: 'data',
      posture: {
        encryption: 'SSE-KMS',
        key: 'Stack/Compliant/Key',
        bucketKey: true,
        versioning: 'Enabled',
        logTarget: 'Stack/SecureBucketAccessLogs',
        publicAccessBlock: 'all four',
        ownership: 'BucketOwnerEnforced',
        tls: 'TLS only, >= 1.2',
        lifecycle: 'abort uploads 7d, noncurrent 90d, delete markers',
        deletionPolicy: 'Retain',
        replication: [],
        objectLock: 'off',
        access: {
          summary: 'VPC endpoint vpce-1a2b3c4d; principals Stack/Reader; admin-only changes by role/Admin; '
            + 'exempt: AWS services, account root, deployment role, role/BreakGlass, services acting for a caller',
          statements: ['VPC endpoint', 'principal', 'admin-only changes'],
          vpcEndpoints: ['vpce-1a2b3c4d'],
          vpcs: [],
          sourceIps: [],
          // The allowed role only: the exemptions of the same statement are listed apart.
          principals: ['Stack/Reader'],
          administrators: ['role/Admin'],
          exemptions: ['AWS services', 'account root', 'deployment role', 'role/BreakGlass', 'services acting for a caller'],
          networkRules: ['VPC endpoint vpce-1a2b3c4d'],
        },
      },
      findings: [],
    });
  });

  test('a non-compliant bucket: its findings with rule ids, in registry order', () => {
    const b = bucket('NonCompliant');
    expect(b.posture).toMatchObject({ encryption: 'default (SSE-S3)', key: '-', versioning: 'Enabled', logTarget: 'none', tls: 'not enforced' });
    expect(b.findings.map((f: any) => f.ruleId)).toEqual(['SB-S3-1', 'SB-S3-4', 'SB-S3-5', 'SB-S3-6', 'SB-S3-7', 'SB-S3-9', 'SB-S3-10']);
    expect(b.findings[0]).toEqual({
      ruleId: 'SB-S3-1',
      status: 'fail',
      resource: 'Stack/NonCompliant/Resource',
      logicalId: b.logicalId,
      detail: 'no default encryption configuration: S3 applies SSE-S3 (AES256)',
    });
  });

  test('an acknowledged finding, with its reason and where it was made', () => {
    expect(bucket('Scratch').findings).toEqual([expect.objectContaining({
      ruleId: 'SB-S3-11',
      status: 'fail',
      acknowledged: { reason: 'Scratch space, emptied and deleted with the stack.', on: 'Stack/Scratch' },
    })]);
    expect(bucket('SecureBucketAccessLogs')).toMatchObject({ kind: 'log', posture: { encryption: 'SSE-S3', logTarget: 'none (log bucket)' }, findings: [] });
  });

  test('the IAM findings', () => {
    expect(report.identityFindings).toEqual([{
      ruleId: 'SB-IAM-1',
      status: 'fail',
      resource: 'Stack/Reader/DefaultPolicy/Resource',
      logicalId: expect.stringMatching(/^ReaderDefaultPolicy/),
      detail: 'grants s3:PutBucketPolicy to role/reader, not on the administrators allow-list',
    }]);
  });

  test('the Markdown holds a row per bucket and a line per finding', () => {
    expect(markdown).toMatch(/^# Secure bucket report\n\n4 bucket\(s\) in 1 stack\(s\): 8 open finding\(s\) \(6 failing, 2 advisory, 0 cannot be verified\), 1 acknowledged\./);
    expect(markdown).toContain('## Stack Stack');
    expect(markdown).toContain('| `Compliant` | data | SSE-KMS Compliant/Key, bucket key | Enabled | SecureBucketAccessLogs | blocked, ACLs off | TLS only, >= 1.2 '
      + '| abort uploads 7d, noncurrent 90d, delete markers | Retain | - | VPC endpoint vpce-1a2b3c4d; principals Reader; admin-only changes by role/Admin; '
      + 'exempt: AWS services, account root, deployment role, role/BreakGlass, services acting for a caller | none |');
    expect(markdown).toContain('| `NonCompliant` | data | default (SSE-S3) | Enabled | none | blocked, ACLs off (block and ownership: AWS default, not declared) | not enforced | none | Retain '
      + '| - | IAM only | SB-S3-1, SB-S3-4, SB-S3-5, SB-S3-6, SB-S3-7, SB-S3-9, SB-S3-10 |');
    expect(markdown).toContain('| `Scratch` | data | SSE-KMS Scratch/Key, bucket key | Enabled | SecureBucketAccessLogs | blocked, ACLs off | TLS only, >= 1.2 '
      + '| abort uploads 7d, noncurrent 90d, delete markers | Delete | - | IAM only | none; 1 acknowledged |');
    expect(markdown).toContain('- **SB-S3-11** fails on `Stack/Scratch/Resource`: DeletionPolicy is Delete; UpdateReplacePolicy is Delete. '
      + 'Acknowledged on `Stack/Scratch`: Scratch space, emptied and deleted with the stack.');
    expect(markdown).toContain('## IAM identity policies\n\n- **SB-IAM-1** fails on `Stack/Reader/DefaultPolicy/Resource`: grants s3:PutBucketPolicy to role/reader');
    expect(markdown).toContain('## Rules not evaluated\n\n- SB-S3-8: TLS 1.2 is enforced by an SCP.');
  });

  test('shows no CloudFormation syntax: no ${AWS::Partition}, no Fn::, no absolute paths', () => {
    for (const text of [json, markdown]) {
      expect(text).not.toMatch(/\$\{AWS::|Fn::|"Ref"/);
      expect(text).not.toContain(app.outdir);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });

  test('is deterministic: the same app synthesized twice gives byte-identical reports', () => {
    const again = reports(buildApp());
    expect(again.json).toEqual(json);
    expect(again.markdown).toEqual(markdown);
  });

  test('shows replication and Object Lock (the recovery column)', () => {
    const recoveryApp = newApp({ outdirPrefix: 'sb-report-' });
    const stack = new Stack(recoveryApp, 'Stack', { env: ENV });
    const replica = new SecureBucket(stack, 'Replica', { objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 30 } });
    new SecureBucket(stack, 'Source', { replication: { destination: replica, replicationTime: true } });
    new SecureBucket(stack, 'Vault', { objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetentionYears: 7, confirmComplianceMode: true } });
    SecureBucketAspect.applyTo(recoveryApp, { level: FindingLevel.WARNING });
    const { json: recoveryJson, markdown: recoveryMarkdown } = reports(recoveryApp);
    const posture = (name: string) => JSON.parse(recoveryJson).buckets.find((b: any) => b.path === `Stack/${name}/Resource`).posture;
    expect(posture('Source')).toMatchObject({ replication: ['Stack/Replica (SSE-KMS, RTC)'], objectLock: 'off' });
    expect(posture('Replica')).toMatchObject({ replication: [], objectLock: 'GOVERNANCE 30 days' });
    expect(posture('Vault')).toMatchObject({ replication: [], objectLock: 'COMPLIANCE 7 years' });
    expect(recoveryMarkdown).toMatch(/\| `Source` \|[^\n]*\| replicates to Replica \(SSE-KMS, RTC\) \|/);
    expect(recoveryMarkdown).toMatch(/\| `Replica` \|[^\n]*\| Object Lock GOVERNANCE 30 days \|/);
  });

  test('the TLS column agrees with SB-S3-7: a Deny of one action, or one with another condition, is not "TLS only"', () => {
    const tlsApp = newApp({ outdirPrefix: 'sb-report-' });
    const stack = new Stack(tlsApp, 'Stack');
    const withDeny = (id: string, actions: string[], condition: Record<string, unknown>) => {
      const b = new s3.Bucket(stack, id);
      b.addToResourcePolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions,
        resources: [b.bucketArn, b.arnForObjects('*')],
        conditions: condition,
      }));
    };
    withDeny('PutOnly', ['s3:PutObject'], { Bool: { 'aws:SecureTransport': 'false' } });
    withDeny('Narrowed', ['s3:*'], { Bool: { 'aws:SecureTransport': 'false' }, StringEquals: { 'aws:PrincipalAccount': '999999999999' } });
    withDeny('IfExists', ['s3:*'], { BoolIfExists: { 'aws:SecureTransport': 'false' } });
    SecureBucketAspect.applyTo(tlsApp, { level: FindingLevel.WARNING });
    const tls = (name: string) => JSON.parse(reports(tlsApp).json).buckets.find((b: any) => b.path === `Stack/${name}/Resource`).posture.tls;
    expect(tls('PutOnly')).toBe('not enforced');
    expect(tls('Narrowed')).toBe('not enforced');
    expect(tls('IfExists')).toBe('TLS only');
  });

  test('the access summary: separate restrictions all hold ("and"), anyOf is one ("or"), a Deny that blocks an endpoint allows none', () => {
    const accessApp = newApp({ outdirPrefix: 'sb-report-' });
    const stack = new Stack(accessApp, 'Stack');
    const endpoint = () => new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'] });
    const office = () => new SourceIpOnly({ cidrs: ['203.0.113.0/24'] });
    new SecureBucket(stack, 'Both', { accessRestrictions: [endpoint(), office()] });
    new SecureBucket(stack, 'Either', { accessRestrictions: [AccessRestriction.anyOf(endpoint(), office())] });
    const blocking = new SecureBucket(stack, 'Blocking');
    blocking.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: [blocking.bucketArn, blocking.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceVpce': 'vpce-0badbadb' } },
    }));
    SecureBucketAspect.applyTo(accessApp, { level: FindingLevel.WARNING });
    const summary = (name: string) => JSON.parse(reports(accessApp).json).buckets.find((b: any) => b.path === `Stack/${name}/Resource`).posture.access.summary;
    expect(summary('Both')).toMatch(/^VPC endpoint vpce-1a2b3c4d and source IP 203\.0\.113\.0\/24; exempt: /);
    expect(summary('Either')).toMatch(/^VPC endpoint vpce-1a2b3c4d or source IP 203\.0\.113\.0\/24; exempt: /);
    expect(summary('Blocking')).toBe('IAM only');
  });

  test('covers the stacks inside Stages, and is written even when the app has no bucket', () => {
    const withStage = newApp({ outdirPrefix: 'sb-report-' });
    new SecureBucket(new Stack(new Stage(withStage, 'Prod'), 'Stack'), 'Data');
    SecureBucketAspect.applyTo(withStage);
    expect(JSON.parse(reports(withStage).json).buckets.map((b: any) => b.path)).toEqual(['Prod/Stack/Data/Resource', 'Prod/Stack/SecureBucketAccessLogs/Resource']);

    const empty = newApp({ outdirPrefix: 'sb-report-' });
    new Stack(empty, 'Empty');
    SecureBucketAspect.applyTo(empty);
    expect(JSON.parse(reports(empty).json).summary)
      .toEqual({ stacks: 0, buckets: 0, openFindings: 0, failing: 0, advisory: 0, cannotVerify: 0, acknowledged: 0 });
  });
});
