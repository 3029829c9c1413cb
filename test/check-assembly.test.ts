import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, NestedStack, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AllowlistEntry,
  allowlistEntryFor,
  applyAcknowledgements,
  assertNotStackWide,
  CheckerFinding,
  checkerOfRule,
  findTool,
  loadAllowlist,
  loadAssembly,
  main,
  missingToolMessage,
  parseCfnLint,
  parseCheckov,
  Report,
  runCfnLint,
  runCheckov,
  resourceMatches,
  StackMetadata,
  toolCandidates,
  UsageError,
  validateEntry,
} from '../scripts/check-assembly';
import { AccessLogsBucket, SecureBucket } from '../src';

const REPO = path.resolve(__dirname, '..');
const SCRIPT = path.join(REPO, 'scripts', 'check-assembly.ts');

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-assembly-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => tmpDirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

/** Runs the script as users do, in a child process (transpile-only: the build type-checks it). */
function runScript(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', SCRIPT, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'scripts', 'tsconfig.json'), ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An executable shell script standing in for checkov or cfn-lint. */
function fakeTool(dir: string, name: string, script: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

/** A hand-written cloud assembly: one stack, one bucket, metadata in an additional file (as CDK writes it). */
function handWrittenAssembly(): string {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
    version: '55.0.0',
    artifacts: {
      S: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'S.template.json' }, additionalMetadataFile: 'S.metadata.json', displayName: 'S' },
    },
  }));
  fs.writeFileSync(path.join(dir, 'S.template.json'), JSON.stringify({ Resources: { BucketABC: { Type: 'AWS::S3::Bucket' } } }));
  fs.writeFileSync(path.join(dir, 'S.metadata.json'), JSON.stringify({ '/S/Bucket/Resource': [{ type: 'aws:cdk:logicalId', data: 'BucketABC' }] }));
  return dir;
}

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
    const app = new App({ outdir, builtinCloudFormationValidation: false });
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

describe('the allow-list', () => {
  const entry = (over: Partial<AllowlistEntry> = {}): AllowlistEntry => ({
    checker: 'control-tower', rule: 'CT.S3.PR.2', resource: '*SecureBucketAccessLogs*', reason: 'a log target does not log to itself', ...over,
  });

  test("the repository's allow-list is valid and every exception names a resource and a reason", () => {
    // (SecureBucket and AccessLogsBucket acknowledge what they fail by design themselves, so it may be empty.)
    const entries = loadAllowlist(path.join(REPO, 'checkers-allowlist.json'));
    for (const e of entries) {
      expect(e.reason.length).toBeGreaterThan(40);
      expect(e.resource.replace(/[*?]/g, '').length).toBeGreaterThan(10);
    }
  });

  test('accepts the bare array form', () => {
    const file = path.join(tmpDir(), 'list.json');
    fs.writeFileSync(file, JSON.stringify([entry()]));
    expect(loadAllowlist(file)).toEqual([entry()]);
  });

  test.each([
    ['a missing reason', { reason: '' }, /non-empty 'reason'/],
    ['a cdk-nag rule', { checker: 'cdk-nag', rule: 'AwsSolutions-S1' }, /acknowledge them in the app/],
    ['an unknown checker', { checker: 'tfsec' }, /unknown checker 'tfsec'/],
    ['a bare wildcard', { resource: '*' }, /never a whole stack/],
    ['a whole stack', { resource: 'MyStack/*' }, /never a whole stack/],
    ['a construct subtree', { resource: '/MyStack/Data/' }, /never a whole stack/],
  ])('fails on %s', (_label, over, message) => {
    expect(() => validateEntry({ ...entry(), ...over }, 'entry')).toThrow(message);
  });

  test('fails on an unknown field (a typo would silently widen nothing)', () => {
    expect(() => validateEntry({ ...entry(), resources: 'x' }, 'entry')).toThrow(/unknown field\(s\) resources/);
  });

  test('fails with a clear message on a missing or malformed file', () => {
    expect(() => loadAllowlist('/nonexistent/list.json')).toThrow(/Allow-list not found/);
    const file = path.join(tmpDir(), 'bad.json');
    fs.writeFileSync(file, '{ "exceptions": ');
    expect(() => loadAllowlist(file)).toThrow(/not valid JSON/);
  });

  test('a pattern without a slash is a logical id; with one, a construct path', () => {
    expect(resourceMatches('*SecureBucketAccessLogs*', 'SecureBucketAccessLogsE49EB61F', ['S/SecureBucketAccessLogs/Resource'])).toBe(true);
    expect(resourceMatches('*SecureBucketAccessLogs*', 'Data666C94C7', ['S/Data/Resource'])).toBe(false);
    expect(resourceMatches('S/Data/Resource', 'Data666C94C7', ['S/Data/Resource'])).toBe(true);
    expect(resourceMatches('/S/Data/Resource', 'Data666C94C7', ['S/Data/Resource'])).toBe(true);
    expect(resourceMatches('S/Data/Resource', 'Data666C94C7', ['S/DataX/Resource'])).toBe(false);
    expect(resourceMatches('*/Logs/Resource', 'Logs1', ['Stage/S/Logs/Resource'])).toBe(true);
    expect(resourceMatches('Data666C94C?', 'Data666C94C7', [])).toBe(true);
    // regular-expression characters are literal
    expect(resourceMatches('S/Data.Resource', 'x', ['S/DataXResource'])).toBe(false);
  });

  test('an exception applies only to its checker and rule', () => {
    const f = { checker: 'control-tower' as const, rule: 'CT.S3.PR.2', logicalId: 'SecureBucketAccessLogsE49EB61F', constructPaths: [] };
    expect(allowlistEntryFor([entry()], f)).toEqual(entry());
    expect(allowlistEntryFor([entry()], { ...f, rule: 'CT.S3.PR.10' })).toBeUndefined();
    expect(allowlistEntryFor([entry()], { ...f, checker: 'checkov' })).toBeUndefined();
  });

  test('fails on a pattern that names every resource of a stack', () => {
    const stacks = loadAssembly(handWrittenAssembly());
    const two = { ...stacks[0], template: { Resources: { BucketABC: { Type: 'AWS::S3::Bucket' }, BucketDEF: { Type: 'AWS::S3::Bucket' } } } };
    expect(() => assertNotStackWide([entry({ resource: 'Bucket*' })], [two])).toThrow(/names every resource of stack S/);
    expect(() => assertNotStackWide([entry({ resource: 'BucketABC' })], [two])).not.toThrow();
  });
});

describe('finding checkov and cfn-lint', () => {
  test('looks in $CHECKOV only when it is set', () => {
    expect(toolCandidates('checkov', { env: { CHECKOV: '/x/checkov', PATH: '/usr/bin' }, roots: ['/r'] })).toEqual(['/x/checkov']);
  });

  test('looks in .venv/checkers/bin, then .venv/bin of each root, then on PATH', () => {
    expect(toolCandidates('cfn-lint', { env: { PATH: ['/a', '/b'].join(path.delimiter) }, roots: ['/r'] })).toEqual([
      '/r/.venv/checkers/bin/cfn-lint', '/r/.venv/bin/cfn-lint', '/a/cfn-lint', '/b/cfn-lint',
    ]);
  });

  test('skips a candidate that exists but does not run (a pyenv shim for a missing tool)', () => {
    const root = tmpDir();
    fakeTool(path.join(root, '.venv', 'checkers', 'bin'), 'checkov', 'echo "pyenv: checkov: command not found" >&2; exit 127');
    const good = fakeTool(path.join(root, '.venv', 'bin'), 'checkov', 'echo 3.3.30');
    expect(findTool('checkov', { env: { PATH: '' }, roots: [root] })).toEqual({ name: 'checkov', command: good, version: '3.3.30' });
  });

  test('finds nothing when no candidate runs, and the message says how to install it', () => {
    const search = { env: { PATH: tmpDir() }, roots: [tmpDir()] };
    expect(findTool('cfn-lint', search)).toBeUndefined();
    const message = missingToolMessage('cfn-lint', search);
    expect(message).toMatch(/cfn-lint is not installed/);
    expect(message).toMatch(/pip install checkov==\d+\.\d+\.\d+ cfn-lint==\d+\.\d+\.\d+/);
    expect(message).toMatch(/--checkers cdk-nag,control-tower,checkov/);
  });
});

describe('reading the checkers output', () => {
  const stacks = () => loadAssembly(handWrittenAssembly());

  test('checkov: gates failed checks on S3 and KMS resources, reports others, lists in-template skips with their comment', () => {
    const s = stacks();
    const file = s[0].templateFile;
    const output = JSON.stringify([{
      check_type: 'cloudformation',
      results: {
        passed_checks: [{}, {}],
        failed_checks: [
          { check_id: 'CKV_AWS_18', check_name: 'Ensure the S3 bucket has access logging enabled', resource: 'AWS::S3::Bucket.BucketABC', file_abs_path: file },
          { check_id: 'CKV_AWS_116', check_name: 'Ensure that AWS Lambda function is configured for a DLQ', resource: 'AWS::Lambda::Function.Fn1', file_abs_path: file },
        ],
        skipped_checks: [
          { check_id: 'CKV_AWS_21', check_name: 'Ensure the S3 bucket has versioning enabled', resource: 'AWS::S3::Bucket.BucketABC', file_abs_path: file, check_result: { suppress_comment: 'a scratch bucket' } },
        ],
        parsing_errors: [],
      },
    }]);
    const r = parseCheckov(output, s);
    expect(r.passed).toBe(2);
    expect(r.findings).toEqual([
      expect.objectContaining({ rule: 'CKV_AWS_18', stack: 'S', logicalId: 'BucketABC', resourceType: 'AWS::S3::Bucket', constructPaths: ['S/Bucket/Resource'], status: 'open' }),
      expect.objectContaining({ rule: 'CKV_AWS_21', status: 'acknowledged', reason: 'a scratch bucket' }),
    ]);
    expect(r.otherFailures.map(f => f.rule)).toEqual(['CKV_AWS_116']);
  });

  test('checkov: a summary without results (nothing scanned) is no finding; no JSON is an error', () => {
    expect(parseCheckov('{"passed": 0, "failed": 0}', stacks())).toEqual({ findings: [], otherFailures: [], passed: 0, reports: 0 });
    expect(() => parseCheckov('Traceback (most recent call last):', stacks())).toThrow(UsageError);
  });

  test('cfn-lint: maps each match to its resource', () => {
    const s = stacks();
    const output = JSON.stringify([{
      Filename: s[0].templateFile,
      Level: 'Warning',
      Location: { Path: ['Resources', 'BucketABC', 'Properties', 'BucketName'], Start: { LineNumber: 3 } },
      Message: 'something odd',
      Rule: { Id: 'W3045' },
    }]);
    expect(parseCfnLint(output, s)).toEqual([expect.objectContaining({
      checker: 'cfn-lint', rule: 'W3045', stack: 'S', logicalId: 'BucketABC', constructPaths: ['S/Bucket/Resource'], status: 'open',
    })]);
    expect(parseCfnLint('[]', s)).toEqual([]);
  });
});

describe('running checkov and cfn-lint', () => {
  test('cfn-lint: its matches become findings', async () => {
    const stacks = loadAssembly(handWrittenAssembly());
    const report = JSON.stringify([{ Filename: stacks[0].templateFile, Level: 'Error', Location: { Path: ['Resources', 'BucketABC', 'Type'] }, Message: 'bad', Rule: { Id: 'E3006' } }]);
    const command = fakeTool(tmpDir(), 'cfn-lint', `echo '${report}'; exit 2`);
    await expect(runCfnLint({ name: 'cfn-lint', command, version: '1.58.0' }, stacks)).resolves.toEqual([
      expect.objectContaining({ rule: 'E3006', logicalId: 'BucketABC', status: 'open' }),
    ]);
  });

  test('fails when cfn-lint exits non-zero without a report (a usage error exits 2 too)', async () => {
    const command = fakeTool(tmpDir(), 'cfn-lint', 'echo "cfn-lint: error: unrecognized arguments" >&2; exit 2');
    await expect(runCfnLint({ name: 'cfn-lint', command, version: '1.58.0' }, loadAssembly(handWrittenAssembly()))).rejects.toThrow(/cfn-lint failed \(exit 2\)/);
  });

  test('fails when checkov scans nothing, or crashes', async () => {
    const stacks = loadAssembly(handWrittenAssembly());
    const nothing = fakeTool(tmpDir(), 'checkov', 'echo \'{"passed": 0, "failed": 0, "resource_count": 0}\'');
    await expect(runCheckov({ name: 'checkov', command: nothing, version: '3.3.30' }, stacks)).rejects.toThrow(/checkov scanned no resources/);
    const crash = fakeTool(tmpDir(), 'checkov', 'echo "Traceback" >&2; exit 3');
    await expect(runCheckov({ name: 'checkov', command: crash, version: '3.3.30' }, stacks)).rejects.toThrow(/checkov failed \(exit 3\)/);
  });
});

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
    for (const file of ['check-assembly.ts', 'cloud-assembly.ts']) {
      fs.copyFileSync(path.join(REPO, 'scripts', file), path.join(checkout, 'scripts', file));
    }
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
    const app = new App({ outdir, builtinCloudFormationValidation: false });
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
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Checked', { env: { account: '111111111111', region: 'us-east-1' } });
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

/** Runs the command in process; returns its exit code, the printed lines and the report. */
async function check(outdir: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; text: string; report: Report }> {
  const lines: string[] = [];
  const code = await main([outdir, ...args], { log: l => lines.push(l), error: l => lines.push(l) }, env);
  const reportFile = path.join(outdir, 'checkers-report.json');
  const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined;
  return { code, text: lines.join('\n'), report };
}

describe('acknowledgements written by SecureBucket and AccessLogsBucket', () => {
  test('Control Tower: what a data bucket and a log target fail by design is acknowledged on each bucket, with the AWS reason, and nothing is open', async () => {
    // GIVEN a SecureBucket with its stack's AccessLogsBucket, and a SecureBucket with Object Lock
    const outdir = tmpDir();
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Checked', { env: { account: '111111111111', region: 'us-east-1' } });
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
    const app = new App({ outdir, builtinCloudFormationValidation: false });
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
    const app = new App({ outdir, builtinCloudFormationValidation: false });
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
    const app = new App({ outdir, builtinCloudFormationValidation: false });
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
