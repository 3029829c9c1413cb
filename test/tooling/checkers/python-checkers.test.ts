/** checkov and cfn-lint: finding them, reading their reports, running them. */
import * as path from 'path';
import {
  findTool, loadAssembly, missingToolMessage, parseCfnLint, parseCheckov, runCfnLint, runCheckov, toolCandidates, UsageError,
} from '../../../scripts/checkers';
import { fakeTool, handWrittenAssembly, removeTmpDirs, tmpDir } from '../../helpers/checkers';

afterAll(removeTmpDirs);

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
