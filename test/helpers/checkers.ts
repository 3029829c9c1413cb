/**
 * What the tests of the checkers share: the tests of scripts/checkers/ and of the check-assembly command.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { main, Report } from '../../scripts/checkers';

/** The "hardened" layout: KMS data bucket + SSE-S3 access-log bucket. */
export function hardenedBuckets(stack: Stack): { data: s3.Bucket; logs: s3.Bucket; key: kms.Key } {
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

// ---------------------------------------------------------------------------
// The check-assembly command
// ---------------------------------------------------------------------------

/** The repository, and the check-assembly command in it. */
export const REPO = path.resolve(__dirname, '..', '..');
export const SCRIPT = path.join(REPO, 'scripts', 'check-assembly.ts');

const tmpDirs: string[] = [];

/** A fresh temporary directory, removed by `removeTmpDirs` (call it in `afterAll`). */
export function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-assembly-'));
  tmpDirs.push(dir);
  return dir;
}
/** Removes the directories `tmpDir` made. */
export function removeTmpDirs(): void {
  tmpDirs.splice(0).forEach(d => fs.rmSync(d, { recursive: true, force: true }));
}

/** Runs the script as users do, in a child process (transpile-only: the build type-checks it). */
export function runScript(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', SCRIPT, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'scripts', 'tsconfig.json'), ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An executable shell script standing in for checkov or cfn-lint. */
export function fakeTool(dir: string, name: string, script: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

/** A hand-written cloud assembly: one stack, one bucket, metadata in an additional file (as CDK writes it). */
export function handWrittenAssembly(): string {
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

/** Runs the command in process; returns its exit code, the printed lines and the report. */
export async function check(
  outdir: string, args: string[], env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; text: string; report: Report }> {
  const lines: string[] = [];
  const code = await main([outdir, ...args], { log: l => lines.push(l), error: l => lines.push(l) }, env);
  const reportFile = path.join(outdir, 'checkers-report.json');
  const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined;
  return { code, text: lines.join('\n'), report };
}
