/**
 * The allow-list (`checkers-allowlist.json`): exceptions for Control Tower, checkov and cfn-lint findings
 * on resources the app cannot acknowledge, each naming one rule, one resource and the reason.
 */
import * as fs from 'fs';
import type { LoadedStack } from './assembly';
import { ALLOWLISTABLE, CheckerFinding, CheckerName, UsageError } from './findings';

export interface AllowlistEntry {
  readonly checker: CheckerName;
  readonly rule: string;
  /** A logical id or a construct path, or a glob of either ('*' any run of characters, '?' one). */
  readonly resource: string;
  readonly reason: string;
}

const ENTRY_KEYS = ['checker', 'rule', 'resource', 'reason'];

/** Reads and validates an allow-list: `{ "exceptions": [ { checker, rule, resource, reason } ] }` (or the bare array). */
export function loadAllowlist(file: string): AllowlistEntry[] {
  if (!fs.existsSync(file)) {
    throw new UsageError(`Allow-list not found: ${file}. Pass --allowlist <file>, or --no-allowlist.`);
  }
  let parsed: any;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`Allow-list ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : parsed?.exceptions;
  if (!Array.isArray(list)) {
    throw new UsageError(`Allow-list ${file} must hold { "exceptions": [ { "checker", "rule", "resource", "reason" }, ... ] }.`);
  }
  return list.map((entry, i) => validateEntry(entry, `${file}: exception #${i + 1}`));
}

export function validateEntry(entry: any, where: string): AllowlistEntry {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new UsageError(`${where} must be an object with ${ENTRY_KEYS.join(', ')}.`);
  }
  const unknown = Object.keys(entry).filter(k => !ENTRY_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new UsageError(`${where} has unknown field(s) ${unknown.join(', ')}: expected ${ENTRY_KEYS.join(', ')}.`);
  }
  for (const key of ENTRY_KEYS) {
    if (typeof entry[key] !== 'string' || entry[key].trim() === '') {
      throw new UsageError(`${where} needs a non-empty '${key}'.`);
    }
  }
  if (entry.checker === 'cdk-nag') {
    throw new UsageError(`${where}: cdk-nag findings are not allow-listed; acknowledge them in the app, on the one resource, with Validations.of(resource).acknowledge({ id: '${entry.rule}', reason }).`);
  }
  if (!ALLOWLISTABLE.includes(entry.checker)) {
    throw new UsageError(`${where}: unknown checker '${entry.checker}', expected one of ${ALLOWLISTABLE.join(', ')}.`);
  }
  const resource: string = entry.resource.trim();
  const literal = resource.replace(/[*?/]/g, '');
  if (literal.length < 3 || /\/\**$/.test(resource)) {
    throw new UsageError(`${where}: resource '${resource}' does not name a resource. Give its logical id or construct path (or a pattern such as '*SecureBucketAccessLogs*'), never a whole stack or construct subtree.`);
  }
  return { checker: entry.checker, rule: entry.rule.trim(), resource, reason: entry.reason.trim() };
}

/** '*' matches any run of characters (also '/'), '?' one character; everything else literally. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/^\//, '').split('').map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`);
}

/**
 * Whether an allow-list resource pattern names a resource. A pattern with a '/' is a construct
 * path ('MyStack/Logs/Resource', leading '/' optional); without one, a logical id.
 */
export function resourceMatches(pattern: string, logicalId: string, constructPaths: readonly string[]): boolean {
  const re = globToRegExp(pattern);
  if (pattern.includes('/')) {
    return constructPaths.some(p => re.test(p.replace(/^\//, '')));
  }
  return re.test(logicalId);
}

/** The first allow-list entry that excepts a finding. */
export function allowlistEntryFor(entries: readonly AllowlistEntry[], f: Pick<CheckerFinding, 'checker' | 'rule' | 'logicalId' | 'constructPaths'>): AllowlistEntry | undefined {
  return entries.find(e => e.checker === f.checker && e.rule === f.rule && resourceMatches(e.resource, f.logicalId, f.constructPaths));
}

/**
 * An entry that names every resource of a stack is a stack-wide exception in disguise: refused.
 * Stacks of a single resource are not judged (a pattern for that resource names the stack too).
 */
export function assertNotStackWide(entries: readonly AllowlistEntry[], stacks: readonly LoadedStack[]): void {
  for (const e of entries) {
    for (const s of stacks) {
      const ids = Object.keys(s.template.Resources ?? {}).filter(id => s.template.Resources![id].Type !== 'AWS::CDK::Metadata');
      if (ids.length > 1 && ids.every(id => resourceMatches(e.resource, id, s.meta.pathsOf(id)))) {
        throw new UsageError(`Allow-list exception ${describeEntry(e)} names every resource of stack ${s.stack}: name the one resource it concerns.`);
      }
    }
  }
}

export function describeEntry(e: AllowlistEntry): string {
  return `{ ${e.checker} ${e.rule} on ${e.resource} }`;
}
