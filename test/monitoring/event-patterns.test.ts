/**
 * The EventBridge patterns of BucketSecurityMonitor, matched against sample CloudTrail events by
 * AWS's open-source Event Ruler (https://github.com/aws/event-ruler), the matching library that
 * EventBridge is built on, run from tools/event-ruler (Java 17 + Maven).
 *
 * The jar is built when missing; the first build downloads Event Ruler and the Maven plugins from
 * Maven Central (about 20 s on a fresh machine), later builds run offline.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { BucketSecurityMonitor, SecureBucket } from '../../src';
import { resolveIntrinsics } from '../helpers/intrinsics';
import { EXPECTED_ACCOUNT_EVENTS, EXPECTED_BUCKET_EVENTS, monitorStack } from '../helpers/monitoring';

const ROOT = path.join(__dirname, '..', '..');
const POM = path.join(ROOT, 'tools', 'event-ruler', 'pom.xml');
const JAR = path.join(ROOT, 'tools', 'event-ruler', 'target', 'event-ruler-check.jar');
const EVENTS = path.join(__dirname, 'events');

const MONITORED = 'data-bucket-one';
const OUTSIDE = 'someone-elses-bucket';

const BUCKET_LEVEL = EXPECTED_BUCKET_EVENTS;
const ACCOUNT_LEVEL = EXPECTED_ACCOUNT_EVENTS;

interface Case { readonly name: string; readonly pattern: unknown; readonly event: unknown; readonly expected: boolean }
interface Result { readonly name: string; readonly expected: boolean; readonly matched?: boolean; readonly ok: boolean; readonly error?: string }

function ensureJar(): void {
  if (fs.existsSync(JAR)) { return; }
  try {
    execFileSync('mvn', ['-q', '-B', '-f', POM, 'package'], { stdio: 'inherit', timeout: 15 * 60_000 });
  } catch (e: any) {
    throw new Error(`Building ${path.relative(ROOT, JAR)} failed (${e.code === 'ENOENT' ? 'mvn is not installed' : e.message}). `
      + 'These tests need Java 17+ and Maven 3.8+, and Maven Central on the first run: mvn -q -f tools/event-ruler/pom.xml package');
  }
}

function runRuler(cases: Case[]): Result[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-ruler-'));
  const file = path.join(dir, 'cases.json');
  fs.writeFileSync(file, JSON.stringify(cases));
  try {
    let out: string;
    try {
      out = execFileSync('java', ['-jar', JAR, file], { encoding: 'utf-8', timeout: 120_000 });
    } catch (e: any) {
      if (e.status === 1 && e.stdout) { out = e.stdout; } else { throw e; }
    }
    return JSON.parse(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The resolved event patterns of the monitor's two rules, keyed by rule id prefix. */
function patterns(allBuckets: boolean): { bucket: unknown; account: unknown } {
  const { stack } = monitorStack();
  const data = new SecureBucket(stack, 'Data', { bucketName: MONITORED });
  new BucketSecurityMonitor(stack, 'Monitor', allBuckets ? { allBuckets } : { buckets: [data] });
  const template = Template.fromStack(stack).toJSON();
  const rules = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule');
  const find = (prefix: string) => resolveIntrinsics(template, rules.find(([id]) => id.startsWith(prefix))![1].Properties.EventPattern);
  return { bucket: find('MonitorBucketChanges'), account: find('MonitorAccountPublicAccessBlockChanges') };
}

function sample(name: string, bucketName?: string): any {
  const event = JSON.parse(fs.readFileSync(path.join(EVENTS, `${name}.json`), 'utf-8'));
  if (bucketName !== undefined) {
    event.detail.requestParameters.bucketName = bucketName;
    event.detail.requestParameters.Host = `${bucketName}.s3.us-east-1.amazonaws.com`;
  }
  return event;
}

describe('BucketSecurityMonitor event patterns under AWS Event Ruler', () => {
  let results: Map<string, Result>;
  const cases: Case[] = [];

  beforeAll(() => {
    ensureJar();
    const monitored = patterns(false);
    const all = patterns(true);
    const add = (name: string, pattern: unknown, event: unknown, expected: boolean) => cases.push({ name, pattern, event, expected });

    for (const name of BUCKET_LEVEL) {
      add(`monitored/${name}/in scope`, monitored.bucket, sample(name), true);
      add(`monitored/${name}/bucket outside scope`, monitored.bucket, sample(name, OUTSIDE), false);
      add(`all/${name}/any bucket`, all.bucket, sample(name, OUTSIDE), true);
      add(`monitored/${name}/not an account rule event`, monitored.account, sample(name), false);
    }
    for (const name of ACCOUNT_LEVEL) {
      add(`account/${name}`, monitored.account, sample(name), true);
      add(`account/${name}/all scope`, all.account, sample(name), true);
      add(`bucket rule/${name}/no bucket named`, all.bucket, sample(name), false);
    }
    for (const rule of ['bucket', 'account'] as const) {
      for (const [scope, p] of [['monitored', monitored], ['all', all]] as const) {
        add(`near miss/${scope}/${rule}/read-only GetBucketPolicy`, p[rule], sample('GetBucketPolicy'), false);
        add(`near miss/${scope}/${rule}/other service (IAM PutRolePolicy)`, p[rule], sample('iam-PutRolePolicy'), false);
        // The same call reported by another service's event source.
        const spoofed = sample('PutBucketPolicy');
        spoofed.source = 'aws.s3-outposts';
        spoofed.detail.eventSource = 's3-outposts.amazonaws.com';
        add(`near miss/${scope}/${rule}/PutBucketPolicy from another event source`, p[rule], spoofed, false);
      }
    }
    results = new Map(runRuler(cases).map(r => [r.name, r]));
  }, 15 * 60_000);

  test('there is one sample event file per event name under test', () => {
    const files = fs.readdirSync(EVENTS).filter(f => f.endsWith('.json')).map(f => f.replace(/\.json$/, ''));
    expect(files).toEqual(expect.arrayContaining([...BUCKET_LEVEL, ...ACCOUNT_LEVEL, 'GetBucketPolicy', 'iam-PutRolePolicy']));
  });

  test('Event Ruler evaluated every case without error', () => {
    expect(results.size).toBe(cases.length);
    expect([...results.values()].filter(r => r.error !== undefined)).toEqual([]);
  });

  test.each(BUCKET_LEVEL)('%s on a monitored bucket matches; on another bucket only with allBuckets', (name) => {
    expect(results.get(`monitored/${name}/in scope`)).toMatchObject({ matched: true, ok: true });
    expect(results.get(`monitored/${name}/bucket outside scope`)).toMatchObject({ matched: false, ok: true });
    expect(results.get(`all/${name}/any bucket`)).toMatchObject({ matched: true, ok: true });
    expect(results.get(`monitored/${name}/not an account rule event`)).toMatchObject({ matched: false, ok: true });
  });

  test.each(ACCOUNT_LEVEL)('%s matches the account rule in both scopes, never the bucket rule', (name) => {
    expect(results.get(`account/${name}`)).toMatchObject({ matched: true, ok: true });
    expect(results.get(`account/${name}/all scope`)).toMatchObject({ matched: true, ok: true });
    expect(results.get(`bucket rule/${name}/no bucket named`)).toMatchObject({ matched: false, ok: true });
  });

  test('near misses match no rule: a read-only call, another service, another event source', () => {
    const nearMisses = [...results.values()].filter(r => r.name.startsWith('near miss/'));
    expect(nearMisses).toHaveLength(12);
    expect(nearMisses.filter(r => r.matched !== false)).toEqual([]);
  });
});
