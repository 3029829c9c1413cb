/** The check-assembly command: bad input, and runs over synthesized apps (cdk-nag and Control Tower in process). */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NestedStack, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadAssembly, main, Report } from '../../../scripts/checkers';
import { AccessLogsBucket, SecureBucket } from '../../../src';
import { check, fakeTool, handWrittenAssembly, removeTmpDirs, REPO, runScript, tmpDir } from '../../helpers/checkers';
import { ENV, newApp } from '../../helpers/stacks';

afterAll(removeTmpDirs);

describe('the command on bad input (child process)', () => {
  test('fails with exit code 2 when the cloud assembly directory is missing', () => {
    const r = runScript([path.join(tmpDir(), 'cdk.out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Cloud assembly directory not found: .*cdk\.out\. Synthesize your app first/);
  });

  test('fails with exit code 2 when the directory is not a cloud assembly, and points to its cdk.out', () => {
    const app = tmpDir();
    fs.mkdirSync(path.join(app, 'cdk.out'));
    fs.writeFileSync(path.join(app, 'cdk.out', 'manifest.json'), '{"version":"55.0.0","artifacts":{}}');
    const r = runScript([app]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no manifest\.json\. Did you mean .*cdk\.out\?/);
  });

  test('fails with exit code 2 when the cloud assembly holds no templates', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"version":"55.0.0","artifacts":{"Tree":{"type":"cdk:tree","properties":{"file":"tree.json"}}}}');
    const r = runScript([dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds no stack templates/);
  });

  test('fails with exit code 2 and an install hint when checkov is not installed', () => {
    const r = runScript([handWrittenAssembly()], { CHECKOV: path.join(tmpDir(), 'checkov') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/checkov is not installed/);
    expect(r.stderr).toMatch(/pip install checkov==[\d.]+ cfn-lint==[\d.]+/);
  });

  test('fails with exit code 2 and says to run npm ci when an npm checker (cdk-nag, the Control Tower rules) is not installed', () => {
    // The script as a user would have it in a checkout without node_modules: it resolves the checkers from its own repository.
    const checkout = tmpDir();
    fs.mkdirSync(path.join(checkout, 'scripts'));
    fs.copyFileSync(path.join(REPO, 'scripts', 'check-assembly.ts'), path.join(checkout, 'scripts', 'check-assembly.ts'));
    fs.cpSync(path.join(REPO, 'scripts', 'checkers'), path.join(checkout, 'scripts', 'checkers'), { recursive: true });
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(checkout, 'scripts', 'check-assembly.ts'),
      handWrittenAssembly(), '--checkers', 'cdk-nag', '--no-allowlist'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'scripts', 'tsconfig.json') },
      timeout: 120_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/(aws-cdk-lib|cdk-nag) is not installed: run `npm ci` in /);
    expect(r.stderr).toContain(checkout);
  });

  test('fails with exit code 2 and an install hint when cfn-lint is not installed', () => {
    const r = runScript([handWrittenAssembly(), '--checkers', 'cfn-lint'], { CFN_LINT: path.join(tmpDir(), 'cfn-lint') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cfn-lint is not installed/);
  });

  test('fails with exit code 2 when a nested stack\'s template is missing from the assembly', () => {
    const outdir = tmpDir();
    const app = newApp({ outdir });
    new s3.Bucket(new NestedStack(new Stack(app, 'Parent'), 'Nested'), 'Bucket');
    app.synth();
    const nestedFile = fs.readdirSync(outdir).find(f => f.endsWith('.nested.template.json'))!;
    fs.rmSync(path.join(outdir, nestedFile));
    const r = runScript([outdir, '--checkers', 'control-tower']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`nested stack Parent/Nested of Parent has no template .*${nestedFile.replace(/\./g, '\\.')} is missing`));
  });

  test('--help says how to acknowledge, that App and Stage acknowledgements are not seen, and exits 0', async () => {
    const lines: string[] = [];
    const code = await main(['--help'], { log: l => lines.push(l), error: l => lines.push(l) });
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/Validations\.of\(resource\)\.acknowledge\(\{ id: 'CT\.S3\.PR\.9'/);
    expect(text).toMatch(/Acknowledgements on the App or a Stage are NOT written to the cloud assembly/);
  });

  test('fails with exit code 2 on an unknown checker name', () => {
    const r = runScript([handWrittenAssembly(), '--checkers', 'cdk-nag,tfsec']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown checker\(s\) tfsec/);
  });
});

describe('the command on a synthesized app (cdk-nag and Control Tower, in process)', () => {
  test('fails on an unacknowledged finding, lists acknowledged ones with their reasons, and writes the report', async () => {
    // GIVEN an app with a SecureBucket and a plain bucket whose S1 is acknowledged on its L2
    const outdir = tmpDir();
    const app = newApp({ outdir });
    const stack = new Stack(app, 'Checked', { env: ENV });
    new SecureBucket(stack, 'Data');
    const plain = new s3.Bucket(stack, 'Plain');
    Validations.of(plain).acknowledge({ id: 'AwsSolutions-S1', reason: 'a scratch bucket that nobody audits' });
    app.synth();
    const allowlist = path.join(tmpDir(), 'allow.json');
    fs.writeFileSync(allowlist, JSON.stringify({
      exceptions: [{ checker: 'control-tower', rule: 'CT.S3.PR.2', resource: 'Checked/Plain/Resource', reason: 'a scratch bucket that nobody audits' }],
    }));

    // WHEN the checkers run
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const code = await main([outdir, '--checkers', 'cdk-nag,control-tower', '--allowlist', allowlist], io);

    // THEN the plain bucket's other findings are open, and the command fails
    expect(code).toBe(1);
    const report: Report = JSON.parse(fs.readFileSync(path.join(outdir, 'checkers-report.json'), 'utf8'));
    const plainId = stack.getLogicalId(plain.node.defaultChild as s3.CfnBucket);
    const nag = report.checkers['cdk-nag']!.findings;
    expect(nag.find(f => f.logicalId === plainId && f.rule === 'AwsSolutions-S1')).toMatchObject({
      status: 'acknowledged', reason: 'a scratch bucket that nobody audits', exceptedBy: '/Checked/Plain', constructPaths: ['Checked/Plain/Resource'],
    });
    expect(nag.filter(f => f.logicalId === plainId && f.status === 'open').map(f => f.rule)).toEqual(expect.arrayContaining(['AwsSolutions-S10']));
    // the SecureBucket has nothing open in cdk-nag; its acknowledged rules carry the library's reasons
    expect(nag.filter(f => f.constructPaths[0]?.startsWith('Checked/Data/') && f.status === 'open')).toEqual([]);
    expect(nag.filter(f => f.constructPaths[0] === 'Checked/Data/Resource').every(f => f.status === 'acknowledged' && f.reason!.length > 40)).toBe(true);
    // Control Tower: the allow-listed control on the plain bucket, and the open ones
    const ct = report.checkers['control-tower']!.findings.filter(f => f.logicalId === plainId);
    expect(ct.find(f => f.rule === 'CT.S3.PR.2')).toMatchObject({ status: 'allow-listed', exceptedBy: 'allow-list Checked/Plain/Resource' });
    expect(ct.filter(f => f.status === 'open').map(f => f.rule)).toEqual(expect.arrayContaining(['CT.S3.PR.1', 'CT.S3.PR.10']));
    expect(report.open).toBe([...nag, ...report.checkers['control-tower']!.findings].filter(f => f.status === 'open').length);
    // the readable summary says so
    const text = lines.join('\n');
    expect(text).toMatch(/OPEN:/);
    expect(text).toMatch(/why: a scratch bucket that nobody audits/);
    expect(text).toMatch(/FAILED: \d+ finding\(s\) neither acknowledged nor allow-listed/);
  });
});

describe('acknowledgements written by SecureBucket and AccessLogsBucket', () => {
  test('Control Tower: what a data bucket and a log target fail by design is acknowledged on each bucket, with the AWS reason, and nothing is open', async () => {
    // GIVEN a SecureBucket with its stack's AccessLogsBucket, and a SecureBucket with Object Lock
    const outdir = tmpDir();
    const app = newApp({ outdir });
    const stack = new Stack(app, 'Checked', { env: ENV });
    const data = new SecureBucket(stack, 'Data');
    const locked = new SecureBucket(stack, 'Locked', { objectLock: { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetentionDays: 30 } });
    app.synth();

    // WHEN Control Tower runs without an allow-list
    const { code, report, text } = await check(outdir, ['--checkers', 'control-tower', '--no-allowlist']);

    // THEN every finding is acknowledged on its own bucket resource
    expect(code).toBe(0);
    const findings = report.checkers['control-tower']!.findings;
    const on = (bucket: s3.IBucket) => findings.filter(f => f.logicalId === stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket))
      .map(f => `${f.rule}:${f.status}:${f.exceptedBy}`).sort();
    const logs = AccessLogsBucket.ofStack(stack);
    expect(on(data)).toEqual(['CT.S3.PR.9:acknowledged:/Checked/Data/Resource']);
    expect(on(logs)).toEqual([
      'CT.S3.PR.10:acknowledged:/Checked/SecureBucketAccessLogs/Resource',
      'CT.S3.PR.2:acknowledged:/Checked/SecureBucketAccessLogs/Resource',
      'CT.S3.PR.9:acknowledged:/Checked/SecureBucketAccessLogs/Resource',
    ]);
    expect(on(locked)).toEqual([]);
    expect(findings.every(f => f.status === 'acknowledged')).toBe(true);
    expect(findings.find(f => f.constructPaths[0] === 'Checked/Data/Resource')!.reason).toMatch(/Object Lock cannot be turned off once enabled/);
    expect(findings.find(f => f.rule === 'CT.S3.PR.9' && f.constructPaths[0] === 'Checked/SecureBucketAccessLogs/Resource')!.reason)
      .toMatch(/does not deliver server access logs to a target bucket that has an Object Lock default retention/);
    expect(findings.find(f => f.rule === 'CT.S3.PR.10')!.reason).toMatch(/does not support SSE-KMS default encryption on a server access log target/);
    // no acknowledgement went unused, and none is written into the template (Control Tower's hooks read template Metadata)
    expect(report.unusedAcknowledgements).toEqual([]);
    const template = fs.readFileSync(path.join(outdir, 'Checked.template.json'), 'utf8');
    expect(template).not.toMatch(/SuppressedRules|CT\.S3\.PR|CKV_AWS/);
    expect(text).toMatch(/PASSED/);
  });

  test('fails on a Control Tower finding acknowledged without a reason', async () => {
    // GIVEN a plain bucket whose CT.S3.PR.9 is acknowledged with an empty reason, and CT.S3.PR.2 with one
    const outdir = tmpDir();
    const app = newApp({ outdir });
    const stack = new Stack(app, 'Checked');
    const plain = new s3.Bucket(stack, 'Plain');
    Validations.of(plain).acknowledge({ id: 'CT.S3.PR.9', reason: '' });
    Validations.of(plain).acknowledge({ id: 'CT.S3.PR.2', reason: 'a scratch bucket that nobody audits' });
    app.synth();
    // WHEN Control Tower runs
    const { code, report } = await check(outdir, ['--checkers', 'control-tower', '--no-allowlist']);
    // THEN CT.S3.PR.9 stays open, CT.S3.PR.2 is acknowledged
    expect(code).toBe(1);
    const findings = report.checkers['control-tower']!.findings;
    expect(findings.find(f => f.rule === 'CT.S3.PR.9')).toMatchObject({ status: 'open', message: expect.stringMatching(/without a reason/) });
    expect(findings.find(f => f.rule === 'CT.S3.PR.2')).toMatchObject({ status: 'acknowledged', exceptedBy: '/Checked/Plain' });
  });

  test('checkov: the log target\'s CKV_AWS_18 is acknowledged on the log bucket only', async () => {
    // GIVEN a SecureBucket and its log bucket, and a checkov that fails CKV_AWS_18 on both buckets
    const outdir = tmpDir();
    const app = newApp({ outdir });
    const stack = new Stack(app, 'Checked');
    const data = new SecureBucket(stack, 'Data');
    app.synth();
    const file = path.join(outdir, 'Checked.template.json');
    const idOf = (b: s3.IBucket) => stack.getLogicalId(b.node.defaultChild as s3.CfnBucket);
    const failed = [idOf(AccessLogsBucket.ofStack(stack)), idOf(data)].map(id => ({
      check_id: 'CKV_AWS_18', check_name: 'Ensure the S3 bucket has access logging enabled', resource: `AWS::S3::Bucket.${id}`, file_abs_path: file,
    }));
    const output = JSON.stringify({ check_type: 'cloudformation', results: { passed_checks: [], failed_checks: failed, skipped_checks: [], parsing_errors: [] } });
    const outputFile = path.join(tmpDir(), 'checkov.json');
    fs.writeFileSync(outputFile, output);
    const checkov = fakeTool(tmpDir(), 'checkov', `if [ "$1" = --version ]; then echo 3.3.30; exit 0; fi\ncat '${outputFile}'; exit 1`);

    // WHEN checkov runs
    const { code, report } = await check(outdir, ['--checkers', 'checkov', '--no-allowlist'], { ...process.env, CHECKOV: checkov });

    // THEN the log bucket's finding is acknowledged with the AWS reason, the data bucket's stays open
    expect(code).toBe(1);
    const findings = report.checkers.checkov!.findings;
    expect(findings.map(f => `${f.logicalId}:${f.status}`)).toEqual([`${idOf(AccessLogsBucket.ofStack(stack))}:acknowledged`, `${idOf(data)}:open`]);
    expect(findings[0].reason).toMatch(/server access log target/);
  });
});

describe('NestedStack templates', () => {
  test('are checked, each resource with its own construct path and acknowledgements', async () => {
    // GIVEN a stack and its nested stack, each with a bucket of the same id (so the same logical id)
    const outdir = tmpDir();
    const app = newApp({ outdir });
    const parent = new Stack(app, 'Parent');
    const nested = new NestedStack(parent, 'Nested');
    const outer = new s3.Bucket(parent, 'Bucket');
    const inner = new s3.Bucket(nested, 'Bucket');
    new SecureBucket(nested, 'Data');
    Validations.of(inner).acknowledge({ id: 'CT.S3.PR.9', reason: 'the nested scratch bucket keeps nothing' });
    Validations.of(inner).acknowledge({ id: 'AwsSolutions-S1', reason: 'the nested scratch bucket keeps nothing' });
    app.synth();
    const id = parent.getLogicalId(outer.node.defaultChild as s3.CfnBucket);
    expect(nested.getLogicalId(inner.node.defaultChild as s3.CfnBucket)).toBe(id);

    // WHEN the assembly is read and checked
    const stacks = loadAssembly(outdir);
    const { report } = await check(outdir, ['--checkers', 'cdk-nag,control-tower', '--no-allowlist']);

    // THEN the nested template is one of the checked stacks, and the two buckets are told apart
    expect(stacks.map(s => [s.stack, s.nestedIn])).toEqual([['Parent', undefined], ['Parent/Nested', 'Parent']]);
    expect(stacks[0].meta.pathsOf(id)).toEqual(['Parent/Bucket/Resource']);
    expect(stacks[1].meta.pathsOf(id)).toEqual(['Parent/Nested/Bucket/Resource']);
    expect(report.stacks.map(s => s.name)).toEqual(['Parent', 'Parent/Nested']);
    for (const checker of ['cdk-nag', 'control-tower'] as const) {
      const findings = report.checkers[checker]!.findings;
      const status = (stack: string, rule: string) => findings.find(f => f.stack === stack && f.logicalId === id && f.rule === rule)?.status;
      const rule = checker === 'cdk-nag' ? 'AwsSolutions-S1' : 'CT.S3.PR.9';
      expect([status('Parent', rule), status('Parent/Nested', rule)]).toEqual(['open', 'acknowledged']);
    }
    // the SecureBucket in the nested stack: its log bucket and itself, acknowledged by the library
    const ct = report.checkers['control-tower']!.findings.filter(f => f.stack === 'Parent/Nested' && f.logicalId !== id);
    expect(ct.length).toBeGreaterThan(0);
    expect(ct.filter(f => f.status === 'open')).toEqual([]);
  });
});
