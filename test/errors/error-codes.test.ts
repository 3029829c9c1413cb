/**
 * Every error this library throws, and every message its synth-time validations return, ends with a
 * stable code (`[SecureBucket.VersioningRequired]`), listed in docs/errors.md.
 *
 * The codes are collected from the source: the first argument of every call to a function that takes a
 * code first (`invalidProp`, `validationMessage`, the local `fail` wrappers, `checkStringList`, ...).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  AccessLogsBucket, AccessRestriction, AdminOnlyChanges, BucketSecurityMonitor, nag, RoleOnly, SecureBucket, SecureBucketAspect,
  SecureBucketDefaults, SourceIpOnly, VpcEndpointOnly,
} from '../../src';
import { SecureBucketError } from '../../src/private/errors';
import { appOf, newStack } from '../helpers/stacks';

const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');
const ERRORS_MD = path.join(ROOT, 'docs', 'errors.md');

/** The construct families a code starts with. */
const FAMILIES = [
  'SecureBucket', 'AccessLogsBucket', 'Replication',
  'AccessRestriction', 'VpcEndpointOnly', 'SourceIpOnly', 'RoleOnly', 'AdminOnlyChanges',
  'BucketSecurityMonitor', 'SecureBucketAspect', 'SecureBucketChecks', 'SecureBucketDefaults',
];
const CODE_FORM = /^([A-Z][A-Za-z]*)\.([A-Z][A-Za-z0-9]*)$/;

/** Codes raised from more than one call site: one condition, detected in two ways. */
const SHARED: { [code: string]: { readonly sites: number; readonly reason: string } } = {
  'SecureBucket.LogTargetKmsEncrypted': {
    sites: 2,
    reason: 'SSE-KMS on the log target is seen either on the L2 (encryptionKey) or on its CfnBucket (BucketEncryption)',
  },
  'Replication.DestinationKeyAwsManaged': {
    sites: 2,
    reason: 'an AWS managed destination key is recognised either by its alias name (alias/aws/...) or by its key ARN',
  },
};

// ---------------------------------------------------------------------------
// Reading the source
// ---------------------------------------------------------------------------

interface Site {
  readonly code: string;
  readonly where: string;
}

interface Scan {
  readonly sites: Site[];
  readonly problems: string[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) { return sourceFiles(full); }
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The text with the comments that start a line blanked out (line numbers kept). */
function withoutComments(text: string): string {
  const blank = (comment: string) => comment.replace(/[^\n]/g, ' ');
  return text.replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, blank).replace(/^[ \t]*\/\/.*$/gm, blank);
}

/**
 * The index of the bracket that closes the one at `open` (`(`, `[` or `{`), skipping strings and
 * template literals (with their `${...}`); -1 when there is none.
 */
function closing(text: string, open: number): number {
  const pairs: { [c: string]: string } = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (top === '\'' || top === '"') {
      if (c === '\\') { i++; } else if (c === top) { stack.pop(); }
      continue;
    }
    if (top === '`') {
      if (c === '\\') { i++; } else if (c === '`') { stack.pop(); } else if (c === '$' && text[i + 1] === '{') { stack.push('}'); i++; }
      continue;
    }
    if (c === '\'' || c === '"' || c === '`') { stack.push(c); continue; }
    if (pairs[c]) { stack.push(pairs[c]); continue; }
    if (c === ')' || c === ']' || c === '}') {
      if (stack.pop() !== c) { return -1; }
      if (stack.length === 0) { return i; }
    }
  }
  return -1;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Functions that take a code (or an object of codes) as their first parameter. */
const CODE_TAKER = /(?:function\s+(\w+)\s*\(|(?:const|let)\s+(\w+)\s*=\s*\()\s*(?:code|codes)\s*:/g;
const EXPORTED_CODE_TAKER = /export\s+function\s+(\w+)\s*\(\s*(?:code|codes)\s*:/g;

function scanSource(): Scan {
  const files = sourceFiles(SRC).map(file => ({ file: path.relative(ROOT, file), text: withoutComments(fs.readFileSync(file, 'utf-8')) }));
  const exported = new Set(files.flatMap(f => [...f.text.matchAll(EXPORTED_CODE_TAKER)].map(m => m[1])));
  const sites: Site[] = [];
  const problems: string[] = [];

  for (const { file, text } of files) {
    const local = [...text.matchAll(CODE_TAKER)].map(m => m[1] ?? m[2]);
    const imports = [...text.matchAll(/import\s*\{([^}]*)\}/g)].flatMap(m => m[1].split(',').map(s => s.trim()));
    const names = new Set([...local, ...[...exported].filter(name => imports.includes(name))]);
    for (const name of names) {
      for (const call of text.matchAll(new RegExp(`(?<![\\w.])${name}\\s*\\(`, 'g'))) {
        if (/function\s+$/.test(text.slice(0, call.index))) { continue; } // the declaration
        const where = `${file}:${lineOf(text, call.index!)}`;
        const rest = text.slice(call.index! + call[0].length);
        const arg = rest.trimStart();
        if (arg.startsWith('\'')) {
          sites.push({ code: arg.slice(1, arg.indexOf('\'', 1)), where });
        } else if (arg.startsWith('{')) {
          const start = call.index! + call[0].length + rest.indexOf('{');
          const body = text.slice(start + 1, closing(text, start));
          const entries = body.split(',').map(s => s.trim()).filter(s => s !== '');
          for (const entry of entries) {
            const m = /^\w+\s*:\s*'([^']*)'$/.exec(entry);
            if (m) { sites.push({ code: m[1], where }); } else { problems.push(`${where}: ${name}() is given a code that is not a string literal: ${entry}`); }
          }
        } else if (/^(code|codes\.\w+)\s*,/.test(arg) && local.length > 0) {
          // A wrapper or a shared validator passes on the code its caller gave.
        } else {
          problems.push(`${where}: ${name}() is not given a string literal code: ${arg.slice(0, 40)}`);
        }
      }
    }

    // Every synth-time validation returns its messages through validationMessage (or none at all).
    for (const v of text.matchAll(/addValidation\s*\(/g)) {
      const open = v.index! + v[0].length - 1;
      const end = closing(text, open);
      if (end < 0) { problems.push(`${file}:${lineOf(text, v.index!)}: cannot read the addValidation(...) call`); continue; }
      let block = text.slice(open, end + 1);
      for (const call of ['validationMessage', 'addWarningV2']) {
        let i: number;
        while ((i = block.indexOf(`${call}(`)) >= 0) {
          const close = closing(block, i + call.length);
          if (close < 0) { problems.push(`${file}:${lineOf(text, v.index!)}: cannot read a ${call}(...) call`); break; }
          block = block.slice(0, i) + block.slice(close + 1);
        }
      }
      // A message is an array element, a returned string, or what a validate arrow maps the problems to.
      if (/\[\s*[`'"]|return\s+[`'"]|push\(\s*[`'"]|validate:\s*\(\)\s*=>[^{]*\.map\([^)]*\)?\s*=>\s*[`'"]/.test(block)) {
        problems.push(`${file}:${lineOf(text, v.index!)}: a validation returns a message without validationMessage(code, ...)`);
      }
    }
  }
  return { sites, problems };
}

const scan = scanSource();
const codes = [...new Set(scan.sites.map(s => s.code))].sort();

/** The codes of the table in docs/errors.md, with their cells. */
function documentedCodes(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of fs.readFileSync(ERRORS_MD, 'utf-8').split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) { rows.set(m[1], m[2].split('|').map(cell => cell.trim())); }
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('error codes in the source', () => {
  test('every call site passes a string literal code', () => {
    expect(scan.problems).toEqual([]);
    // The collector found the call sites (a broken regex would find none, and pass the test above).
    expect(scan.sites.length).toBeGreaterThan(100);
  });

  test('every code has the form <Family>.<PascalCaseCondition>', () => {
    const wrong = codes.filter(code => !CODE_FORM.test(code) || !FAMILIES.includes(CODE_FORM.exec(code)![1]));
    expect(wrong).toEqual([]);
  });

  test('no code is used at two call sites, except the listed shared ones', () => {
    const sitesOf = new Map<string, string[]>();
    for (const site of scan.sites) { sitesOf.set(site.code, [...sitesOf.get(site.code) ?? [], site.where]); }
    const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code);
    const reused = [...sitesOf].filter(([, where]) => where.length > 1).map(([code, where]) => ({ code, sites: where.length }));
    expect(reused.sort(byCode)).toEqual(Object.entries(SHARED).map(([code, shared]) => ({ code, sites: shared.sites })).sort(byCode));
  });

  test('every shared code has a reason', () => {
    for (const shared of Object.values(SHARED)) { expect(shared.reason.length).toBeGreaterThan(20); }
  });
});

describe('docs/errors.md', () => {
  test('lists every code, and no other', () => {
    const documented = documentedCodes();
    expect(codes.filter(code => !documented.has(code))).toEqual([]);
    expect([...documented.keys()].filter(code => !codes.includes(code))).toEqual([]);
  });

  test('gives every code its construct, meaning and fix', () => {
    for (const [code, cells] of documentedCodes()) {
      expect({ code, cells: cells.length }).toEqual({ code, cells: 3 });
      expect(cells.filter(cell => cell === '')).toEqual([]);
    }
  });
});

/** The error `fn` throws (fails the test when it throws none, or another type). */
function thrown(fn: () => unknown): SecureBucketError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SecureBucketError);
    return e as SecureBucketError;
  }
  throw new Error('nothing was thrown');
}

const ENDPOINT_ID = 'vpce-1a2b3c4d';

describe('SecureBucketError', () => {
  const cases: [string, string, (stack: Stack) => unknown][] = [
    ['SecureBucket.VersioningRequired', 'Stack/Data', stack => new SecureBucket(stack, 'Data', { versioned: false })],
    ['SecureBucket.ObjectLockComplianceNotConfirmed', 'Stack/Data',
      stack => new SecureBucket(stack, 'Data', { objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetentionDays: 1 } })],
    ['AccessLogsBucket.LogRetentionTooShort', 'Stack/Logs', stack => new AccessLogsBucket(stack, 'Logs', { logRetention: Duration.hours(12) })],
    ['Replication.DestinationIsSelf', 'Stack/Data', stack => {
      const data = new SecureBucket(stack, 'Data');
      data.addReplicationDestination({ destination: data });
    }],
    ['AccessRestriction.AnyOfTooFew', 'AccessRestriction.anyOf', () => AccessRestriction.anyOf(new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }))],
    ['AccessRestriction.ExemptPrincipalArnMalformed', 'VpcEndpointOnly',
      () => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID], exemptPrincipalArns: ['arn:aws:iam::111111111111:group/admins'] })],
    ['AccessRestriction.TargetNotABucket', 'Stack/Imported',
      stack => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }).applyTo(s3.Bucket.fromBucketName(stack, 'Imported', 'imported'))],
    ['VpcEndpointOnly.EndpointIdMalformed', 'VpcEndpointOnly', () => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID, 'vpce-12'] })],
    ['SourceIpOnly.CidrMalformed', 'SourceIpOnly', () => new SourceIpOnly({ cidrs: ['10.0.0.0/33'] })],
    ['RoleOnly.RolesEmpty', 'RoleOnly', () => new RoleOnly({ roles: [] })],
    ['AdminOnlyChanges.AdministratorArnsEmpty', 'AdminOnlyChanges', () => new AdminOnlyChanges({ administratorArns: [] })],
    ['BucketSecurityMonitor.EmailInvalid', 'Stack/Monitor',
      stack => new BucketSecurityMonitor(stack, 'Monitor', { allBuckets: true, alertEmails: ['security.example.com'] })],
    ['SecureBucketAspect.AdministratorArnMalformed', 'SecureBucketAspect',
      () => new SecureBucketAspect({ administratorArns: ['arn:aws:sts::111111111111:assumed-role/Admin/alice'] })],
    ['SecureBucketChecks.TrustedAccountMalformed', 'SecureBucketChecks', () => new nag.SecureBucketChecks(undefined, { trustedAccounts: ['1234'] })],
    ['SecureBucketDefaults.TargetNotABucket', 'Stack/Thing', stack => new SecureBucketDefaults().applyTo(new Construct(stack, 'Thing'))],
  ];

  test.each(cases)('%s carries its code and the construct path', (code, constructPath, fn) => {
    const error = thrown(() => fn(newStack()));
    expect(error.name).toBe('SecureBucketError');
    expect(error.code).toBe(code);
    expect(error.constructPath).toBe(constructPath);
    expect(error.message.startsWith(`[${constructPath}] '`)).toBe(true);
    expect(error.message.endsWith(`. [${code}]`)).toBe(true);
  });

  test('the samples cover every family and use codes of the source', () => {
    expect(cases.map(([code]) => code).filter(code => !codes.includes(code))).toEqual([]);
    const sampled = new Set(cases.map(([code]) => code.split('.')[0]));
    expect(FAMILIES.filter(family => !sampled.has(family))).toEqual([]);
  });

  test('keeps the message of the condition before the code', () => {
    const error = thrown(() => new SecureBucket(newStack(), 'Data', { versioned: false }));
    expect(error.message).toBe(
      '[Stack/Data] \'versioned\' cannot be false: SecureBucket always versions objects (got false). Remove the prop. [SecureBucket.VersioningRequired]');
  });
});

describe('synth-time validation messages', () => {
  test('a guarantee weakened after construction ends with its code', () => {
    const data = new SecureBucket(newStack(), 'Data');
    (data.node.defaultChild as s3.CfnBucket).versioningConfiguration = { status: 'Suspended' };
    expect(data.node.validate()).toEqual([expect.stringMatching(/^SecureBucket Stack\/Data: versioning is not Enabled\. .* \[SecureBucket\.VersioningWeakened\]$/)]);
  });

  test('a monitor that watches nothing fails synthesis with the code', () => {
    const stack = newStack();
    const monitor = new BucketSecurityMonitor(stack, 'Monitor');
    expect(monitor.node.validate()).toEqual([expect.stringMatching(/'buckets' is empty .* \[BucketSecurityMonitor\.NothingMonitored\]$/)]);
    expect(() => appOf(stack).synth()).toThrow(/\[BucketSecurityMonitor\.NothingMonitored\]/);
  });
});
