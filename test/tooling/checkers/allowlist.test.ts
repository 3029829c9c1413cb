/** The allow-list of exceptions for findings the app cannot acknowledge. */
import * as fs from 'fs';
import * as path from 'path';
import {
  AllowlistEntry, allowlistEntryFor, assertNotStackWide, loadAllowlist, loadAssembly, resourceMatches, validateEntry,
} from '../../../scripts/checkers';
import { handWrittenAssembly, removeTmpDirs, REPO, tmpDir } from '../../helpers/checkers';

afterAll(removeTmpDirs);

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
