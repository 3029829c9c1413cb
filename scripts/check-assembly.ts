/**
 * Runs independent checkers over every stack template of a synthesized cloud assembly (the
 * templates of Stages and of NestedStacks included), and fails on any finding that is neither
 * acknowledged in the app nor allow-listed with a reason:
 *
 * - cdk-nag 3: AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1. cdk-nag judges
 *   construct trees, so each template is rebuilt as L1 constructs (`CfnInclude`).
 * - AWS Control Tower proactive controls (cfn-guard rules of `@cdklabs/cdk-validator-cfnguard`).
 * - checkov (CloudFormation framework): failed checks on `AWS::S3::*` and `AWS::KMS::*` resources.
 * - cfn-lint: every error and warning.
 *
 * Acknowledgements made in the app, `Validations.of(x).acknowledge({ id, reason })` with the rule
 * id of any of the four ('AwsSolutions-S1', 'CT.S3.PR.9', 'CKV_AWS_18', 'W3005'), are read back from
 * the cloud assembly's manifest metadata and apply to the resource they were made on and to
 * everything below it. An acknowledgement without a reason does not count. Acknowledgements on
 * the App or a Stage are not written to the cloud assembly, so this script cannot see them:
 * acknowledge on a Stack or below. (SecureBucket and AccessLogsBucket acknowledge the Control
 * Tower controls and checkov checks they fail by design this way, with the AWS reason.)
 *
 * Findings on resources the app cannot acknowledge may instead be excepted by an allow-list
 * (`checkers-allowlist.json`), each entry naming one Control Tower, checkov or cfn-lint rule, one
 * resource (a logical id, a construct path, or a glob of either) and the reason.
 *
 *   npx ts-node --project scripts/tsconfig.json scripts/check-assembly.ts <cloud-assembly-dir> [options]
 *   scripts/check-assembly.sh <cloud-assembly-dir> [options]
 *
 * Options:
 *   --allowlist <file>    the allow-list (default: checkers-allowlist.json at the root of this repository)
 *   --no-allowlist        use no allow-list
 *   --checkers <list>     comma-separated subset of cdk-nag,control-tower,checkov,cfn-lint (default: all four)
 *   --report <file>       where to write the JSON report (default: <cloud-assembly-dir>/checkers-report.json)
 *
 * checkov and cfn-lint are looked up in $CHECKOV / $CFN_LINT, then .venv/checkers/bin and .venv/bin
 * (of the current directory, then of this repository), then on PATH.
 *
 * Exit code: 0 when every finding is acknowledged or allow-listed, 1 when some remain, 2 on bad
 * input (no assembly, no templates, a nested template missing, an invalid allow-list), a missing
 * checker, or a checker that crashed.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AssemblyMetadataEntry, AssemblyTemplate, readTemplates } from './cloud-assembly';
import type { Finding as NagFinding } from '../test/util/checkers';

/** The repository this script lives in. */
const REPO_ROOT = path.resolve(__dirname, '..');

/** The versions CI installs and the README names. */
export const PINNED = { 'checkov': '3.3.30', 'cfn-lint': '1.58.0' } as const;

export const CHECKERS = ['cdk-nag', 'control-tower', 'checkov', 'cfn-lint'] as const;
export type CheckerName = typeof CHECKERS[number];

/** Checkers whose findings are excepted by the allow-list (cdk-nag's are acknowledged in the app). */
export const ALLOWLISTABLE: readonly CheckerName[] = ['control-tower', 'checkov', 'cfn-lint'];

/** Bad input, a missing tool or a crashed checker: exit code 2. */
export class UsageError extends Error {}

// ---------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------

export type FindingStatus = 'open' | 'acknowledged' | 'allow-listed';

export interface CheckerFinding {
  readonly checker: CheckerName;
  /** Rule id: 'AwsSolutions-S1', 'CT.S3.PR.2', 'CKV_AWS_18', 'W3005'. */
  readonly rule: string;
  /** The stack's display name. */
  readonly stack: string;
  /** Logical id of the resource in the template ('' when the finding is about the whole template). */
  readonly logicalId: string;
  readonly resourceType?: string;
  /** Construct paths of the resource, from the assembly metadata (without the leading '/'). */
  readonly constructPaths: string[];
  readonly message: string;
  status: FindingStatus;
  /** Why it is acknowledged or allow-listed. */
  reason?: string;
  /** Where the exception was made: the construct path of the acknowledgement, or the allow-list entry. */
  exceptedBy?: string;
}

// ---------------------------------------------------------------------------
// Acknowledgements recorded in the cloud assembly
// ---------------------------------------------------------------------------

/** `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`, as written to the cloud assembly. */
export const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';
const LOGICAL_ID = 'aws:cdk:logicalId';

/** Rule-id prefixes of the cdk-nag packs this script runs. */
const NAG_RULE_PREFIXES = ['AwsSolutions-', 'NIST.800.53.R5-', 'HIPAA.Security-', 'PCI.DSS.321-'];

export interface RecordedAcknowledgement {
  /** Construct path it was recorded on, without the leading '/'. */
  readonly path: string;
  /** The id as given to `acknowledge()` ('Annotation::' removed; a plugin namespace 'Pack::' is kept). */
  readonly id: string;
  /** Why ('' when none was given: such an acknowledgement does not count). */
  readonly reason: string;
}

/**
 * Which part of a stack artifact's metadata a template holds. A stack artifact's metadata also
 * covers the constructs of its NestedStacks, whose logical ids may repeat the parent's.
 */
export interface MetadataScope {
  /** Construct path of the (nested) stack, without the leading '/'. */
  readonly root: string;
  /** Construct paths of the NestedStacks below it, whose resources are in other templates. */
  readonly nestedRoots: readonly string[];
}

/**
 * What a stack's metadata says about its resources: their construct paths and the acknowledgements.
 * An acknowledgement applies to the construct it was recorded on and to everything below it, as
 * cdk-nag itself applies it (acknowledgements on the App or a Stage are not written to the cloud
 * assembly, so they cannot be seen here). At one construct, an acknowledgement with a reason wins
 * over one without; the nearest construct wins.
 */
export class StackMetadata {
  private readonly pathsById = new Map<string, string[]>();
  public readonly acknowledgements: RecordedAcknowledgement[] = [];

  /**
   * @param metadata the stack artifact's metadata, keyed by construct path
   * @param scope the part of it this template holds (default: every path)
   * @param used acknowledgements used so far, shared by a stack and its nested stacks
   */
  constructor(
    metadata: Record<string, readonly AssemblyMetadataEntry[]>,
    scope?: MetadataScope,
    private readonly used: Set<string> = new Set(),
  ) {
    const under = (p: string, root: string) => root === '' || p === root || p.startsWith(`${root}/`);
    const inScope = (p: string) => !scope || (under(p, scope.root) && !scope.nestedRoots.some(n => under(p, n)));
    for (const [rawPath, entries] of Object.entries(metadata)) {
      const p = rawPath.replace(/^\//, '');
      for (const entry of entries) {
        if (entry.type === LOGICAL_ID && typeof entry.data === 'string') {
          if (!inScope(p)) continue;
          const list = this.pathsById.get(entry.data) ?? [];
          list.push(p);
          this.pathsById.set(entry.data, list);
        } else if (entry.type === ACKNOWLEDGED_RULES && entry.data && typeof entry.data === 'object') {
          for (const [id, reason] of Object.entries<unknown>(entry.data)) {
            this.acknowledgements.push({ path: p, id: id.replace(/^annotation::/i, ''), reason: typeof reason === 'string' ? reason.trim() : '' });
          }
        }
      }
    }
  }

  /** Construct paths of a logical id (usually one). */
  public pathsOf(logicalId: string): string[] {
    return this.pathsById.get(logicalId) ?? [];
  }

  /**
   * The nearest acknowledgement of `ruleId` on the resource or one of its ancestors, if any. It may
   * have no reason (then it does not count: see `applyAcknowledgements`).
   */
  public acknowledgementOf(logicalId: string, ruleId: string): RecordedAcknowledgement | undefined {
    let best: RecordedAcknowledgement | undefined;
    for (const resourcePath of this.pathsOf(logicalId)) {
      for (const ack of this.acknowledgements) {
        if (!acknowledges(ack.id, ruleId)) continue;
        if (resourcePath !== ack.path && !resourcePath.startsWith(`${ack.path}/`)) continue;
        const nearer = !best || ack.path.length > best.path.length;
        const sameButReasoned = best && ack.path.length === best.path.length && best.reason === '' && ack.reason !== '';
        if (nearer || sameButReasoned) best = ack;
      }
    }
    if (best && best.reason !== '') this.used.add(ackKey(best));
    return best;
  }

  /** Acknowledgements of the given checkers' rules that no finding needed. */
  public unusedAcknowledgements(checkers: readonly CheckerName[] = ['cdk-nag']): RecordedAcknowledgement[] {
    return this.acknowledgements.filter(a => {
      const checker = checkerOfRule(a.id);
      return !this.used.has(ackKey(a)) && checker !== undefined && checkers.includes(checker);
    });
  }
}

function ackKey(a: RecordedAcknowledgement): string {
  return `${a.path}\u0000${a.id}`;
}

/** The checker a rule id belongs to, from its form ('AwsSolutions-S1', 'CT.S3.PR.9', 'CKV_AWS_18', 'W3005'). */
export function checkerOfRule(id: string): CheckerName | undefined {
  const bare = bareRuleId(id);
  if (NAG_RULE_PREFIXES.some(prefix => bare.startsWith(prefix))) return 'cdk-nag';
  if (/^CT\.[A-Z0-9]+\.PR\.\d+$/.test(bare)) return 'control-tower';
  if (/^CKV2?_[A-Z0-9_]+$/.test(bare)) return 'checkov';
  if (/^[EWI]\d{4}$/.test(bare)) return 'cfn-lint';
  return undefined;
}

/**
 * Marks the open findings that the app acknowledged, on their resource or an ancestor, with a
 * reason. An acknowledgement without a reason leaves the finding open and says so.
 */
export function applyAcknowledgements(findings: readonly CheckerFinding[], stacks: readonly LoadedStack[]): void {
  const byName = new Map(stacks.map(s => [s.stack, s]));
  for (const f of findings) {
    const s = byName.get(f.stack);
    if (f.status !== 'open' || !s || !f.logicalId) continue;
    const ack = s.meta.acknowledgementOf(f.logicalId, f.rule);
    if (!ack) continue;
    if (ack.reason === '') {
      (f as { message: string }).message = `${f.message} (acknowledged on /${ack.path} without a reason, which does not count: give one)`;
      continue;
    }
    f.status = 'acknowledged';
    f.reason = ack.reason;
    f.exceptedBy = `/${ack.path}`;
  }
}

/**
 * Whether an acknowledged id covers a rule id. Both forms CDK accepts: the rule id itself
 * ('AwsSolutions-S1', or a granular 'AwsSolutions-IAM5[Action::s3:*]'), and the plugin-namespaced
 * id ('AwsSolutions::AwsSolutions-S1').
 */
export function acknowledges(acknowledgedId: string, ruleId: string): boolean {
  return bareRuleId(acknowledgedId) === ruleId;
}

function bareRuleId(id: string): string {
  const bare = id.replace(/^annotation::/i, '');
  const bracket = bare.indexOf('[');
  const head = bracket === -1 ? bare : bare.slice(0, bracket);
  const ns = head.indexOf('::');
  return ns === -1 ? bare : bare.slice(ns + 2);
}

// ---------------------------------------------------------------------------
// The allow-list
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Finding the Python checkers
// ---------------------------------------------------------------------------

export interface Tool {
  readonly name: 'checkov' | 'cfn-lint';
  readonly command: string;
  readonly version: string;
}

export interface ToolSearch {
  /** Environment (for $CHECKOV, $CFN_LINT and PATH). */
  readonly env: NodeJS.ProcessEnv;
  /** Directories whose `.venv/checkers/bin` and `.venv/bin` are searched, in order. */
  readonly roots: readonly string[];
}

const TOOL_ENV: Record<Tool['name'], string> = { 'checkov': 'CHECKOV', 'cfn-lint': 'CFN_LINT' };

/** The candidates, in the order they are tried. */
export function toolCandidates(name: Tool['name'], search: ToolSearch): string[] {
  const explicit = search.env[TOOL_ENV[name]];
  if (explicit) return [explicit];
  const out: string[] = [];
  for (const root of search.roots) {
    out.push(path.join(root, '.venv', 'checkers', 'bin', name), path.join(root, '.venv', 'bin', name));
  }
  for (const dir of (search.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    out.push(path.join(dir, name));
  }
  return [...new Set(out)];
}

/** The first candidate that runs and prints a version (a pyenv shim for a missing tool does not). */
export function findTool(name: Tool['name'], search: ToolSearch): Tool | undefined {
  for (const candidate of toolCandidates(name, search)) {
    if (!fs.existsSync(candidate)) continue;
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8', env: search.env, timeout: 60_000 });
    if (r.status !== 0) continue;
    const version = /(\d+\.\d+\.\d+)/.exec(`${r.stdout}`)?.[1];
    if (version) return { name, command: candidate, version };
  }
  return undefined;
}

export function missingToolMessage(name: Tool['name'], search: ToolSearch): string {
  const envVar = TOOL_ENV[name];
  const where = search.env[envVar]
    ? `$${envVar} (${search.env[envVar]}) does not run`
    : `looked in $${envVar}, ${search.roots.map(r => path.join(r, '.venv/{checkers/,}bin')).join(', ')} and on PATH`;
  return [
    `${name} is not installed (${where}).`,
    'Install checkov and cfn-lint from PyPI into a virtual environment of their own (checkov pins old',
    'versions of packaging and boto3, which break build tools in a shared environment):',
    `  python3 -m venv .venv/checkers && .venv/checkers/bin/pip install checkov==${PINNED.checkov} cfn-lint==${PINNED['cfn-lint']}`,
    `or \`pip install checkov cfn-lint\` into the virtual environment .venv, or set $${envVar} to the executable.`,
    `To run without it: --checkers ${CHECKERS.filter(c => c !== name).join(',')}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------
// The checkers
// ---------------------------------------------------------------------------

export interface LoadedStack extends AssemblyTemplate {
  readonly meta: StackMetadata;
  /** For a NestedStack's template: the display name of the top-level stack it is deployed with. */
  readonly nestedIn?: string;
}

function resourceType(s: LoadedStack, logicalId: string): string | undefined {
  return s.template.Resources?.[logicalId]?.Type;
}

const NAG_PACK_LABELS: Record<NagFinding['pack'], string> = {
  AwsSolutions: 'AwsSolutions',
  NIST80053R5: 'NIST 800-53 rev 5',
  HIPAASecurity: 'HIPAA Security',
  PCIDSS321: 'PCI DSS 3.2.1',
};

/** cdk-nag's four packs over the templates rebuilt as L1 constructs (acknowledgements are applied by `applyAcknowledgements`). */
export function runCdkNag(stacks: readonly LoadedStack[]): CheckerFinding[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { CfnInclude } = require('aws-cdk-lib/cloudformation-include') as typeof import('aws-cdk-lib/cloudformation-include');
  const { nagFindings } = require('../test/util/checkers') as typeof import('../test/util/checkers');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const app = new App({ builtinCloudFormationValidation: false } as any);
  stacks.forEach((s, i) => {
    const stack = new Stack(app, `S${i}`);
    try {
      new CfnInclude(stack, 'Template', { templateFile: s.templateFile });
    } catch (e) {
      throw new UsageError(`cdk-nag: cannot rebuild ${s.stack} from its template (${s.templateFile}) with CfnInclude: ${(e as Error).message}`);
    }
  });
  return nagFindings(app).map(f => {
    const s = stacks[Number(f.resourcePath.split('/')[0].slice(1))];
    const logicalId = f.logicalId ?? f.resourcePath.split('/').pop()!;
    const finding: CheckerFinding = {
      checker: 'cdk-nag',
      rule: f.ruleId,
      stack: s.stack,
      logicalId,
      resourceType: resourceType(s, logicalId),
      constructPaths: s.meta.pathsOf(logicalId),
      message: `[${NAG_PACK_LABELS[f.pack]}] ${f.message}`,
      status: 'open',
    };
    return finding;
  });
}

/** Every bundled Control Tower guard rule, over all templates in one cfn-guard run. */
export function runControlTower(stacks: readonly LoadedStack[]): CheckerFinding[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CfnGuardValidator } = require('@cdklabs/cdk-validator-cfnguard') as typeof import('@cdklabs/cdk-validator-cfnguard');
  const byFile = new Map(stacks.map(s => [path.resolve(s.templateFile), s]));
  // The Beta1 context type also declares `appConstruct`, which the guard plugin never reads.
  const report = new CfnGuardValidator({}).validate({ templatePaths: stacks.map(s => s.templateFile) } as any);
  const out: CheckerFinding[] = [];
  const seen = new Set<string>();
  for (const v of report.violations) {
    // The control id leads the description: '[CT.S3.PR.1]: Require an Amazon S3 bucket to ...'.
    const match = /^\s*\[([^\]]+)\]:?\s*(.*)$/s.exec(v.description ?? '');
    const rule = match ? match[1] : v.ruleName;
    for (const r of v.violatingResources) {
      const s = byFile.get(path.resolve(r.templatePath));
      const key = `${rule}|${r.templatePath}|${r.resourceLogicalId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        checker: 'control-tower',
        rule,
        stack: s?.stack ?? r.templatePath,
        logicalId: r.resourceLogicalId,
        resourceType: s ? resourceType(s, r.resourceLogicalId) : undefined,
        constructPaths: s ? s.meta.pathsOf(r.resourceLogicalId) : [],
        message: match ? match[2] : v.description,
        status: 'open',
      });
    }
  }
  return out;
}

interface ProcessResult { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

/** Resource types whose failed checkov checks count. */
export function checkovGates(resourceTypeName: string): boolean {
  return /^AWS::(S3|KMS)::/.test(resourceTypeName);
}

export interface CheckovResult {
  /** Failed and in-template-suppressed checks on S3 and KMS resources. */
  readonly findings: CheckerFinding[];
  /** Failed checks on other resource types: reported, not gated. */
  readonly otherFailures: CheckerFinding[];
  readonly passed: number;
  /** Reports with results (0 when checkov scanned nothing). */
  readonly reports: number;
}

/** Maps checkov's JSON output (one report object, a list of them, or a bare summary) to findings. */
export function parseCheckov(stdout: string, stacks: readonly LoadedStack[]): CheckovResult {
  let parsed: any;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new UsageError(`checkov printed no JSON report:\n${stdout.slice(0, 2000)}`);
  }
  const reports: any[] = (Array.isArray(parsed) ? parsed : [parsed]).filter(r => r && r.results);
  const byFile = new Map(stacks.map(s => [path.resolve(s.templateFile), s]));
  const findings: CheckerFinding[] = [];
  const otherFailures: CheckerFinding[] = [];
  let passed = 0;
  for (const report of reports) {
    passed += (report.results.passed_checks ?? []).length;
    for (const parsingError of report.results.parsing_errors ?? []) {
      findings.push({ checker: 'checkov', rule: 'parsing-error', stack: String(parsingError), logicalId: '', constructPaths: [], message: 'checkov could not parse this template', status: 'open' });
    }
    const entries = [
      ...(report.results.failed_checks ?? []).map((c: any) => ({ c, skipped: false })),
      ...(report.results.skipped_checks ?? []).map((c: any) => ({ c, skipped: true })),
    ];
    for (const { c, skipped } of entries) {
      const [type, ...rest] = String(c.resource ?? '').split('.');
      const logicalId = rest.join('.');
      const s = byFile.get(path.resolve(c.file_abs_path ?? c.file_path ?? ''));
      const finding: CheckerFinding = {
        checker: 'checkov',
        rule: c.check_id,
        stack: s?.stack ?? String(c.file_path),
        logicalId,
        resourceType: type,
        constructPaths: s ? s.meta.pathsOf(logicalId) : [],
        message: c.check_name,
        status: skipped ? 'acknowledged' : 'open',
      };
      if (skipped) {
        finding.reason = c.check_result?.suppress_comment ?? 'skipped in the template';
        finding.exceptedBy = 'template Metadata.checkov.skip';
      }
      if (checkovGates(type)) {
        findings.push(finding);
      } else if (!skipped) {
        otherFailures.push(finding);
      }
    }
  }
  return { findings, otherFailures, passed, reports: reports.length };
}

export async function runCheckov(tool: Tool, stacks: readonly LoadedStack[]): Promise<CheckovResult> {
  const args = [
    ...stacks.flatMap(s => ['-f', s.templateFile]),
    '--framework', 'cloudformation', '--output', 'json', '--skip-download',
  ];
  const r = await run(tool.command, args, process.env);
  if (r.code !== 0 && r.code !== 1) {
    throw new UsageError(`checkov failed (exit ${r.code}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  }
  const result = parseCheckov(r.stdout, stacks);
  if (result.reports === 0 && stacks.some(st => Object.keys(st.template.Resources ?? {}).length > 0)) {
    throw new UsageError(`checkov scanned no resources of the templates (exit ${r.code}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  }
  return result;
}

/** Maps cfn-lint's JSON output to findings (errors and warnings; informational ones are not asked for). */
export function parseCfnLint(stdout: string, stacks: readonly LoadedStack[]): CheckerFinding[] {
  let matches: any[];
  try {
    matches = JSON.parse(stdout || '[]');
  } catch {
    throw new UsageError(`cfn-lint printed no JSON report:\n${stdout.slice(0, 2000)}`);
  }
  const byFile = new Map(stacks.map(s => [path.resolve(s.templateFile), s]));
  return matches.map(m => {
    const s = byFile.get(path.resolve(m.Filename ?? ''));
    const p: unknown[] = m.Location?.Path ?? [];
    const logicalId = p[0] === 'Resources' && typeof p[1] === 'string' ? p[1] : '';
    return {
      checker: 'cfn-lint' as const,
      rule: m.Rule?.Id ?? '?',
      stack: s?.stack ?? String(m.Filename),
      logicalId,
      resourceType: s && logicalId ? resourceType(s, logicalId) : undefined,
      constructPaths: s && logicalId ? s.meta.pathsOf(logicalId) : [],
      message: `${m.Level}: ${m.Message} (at ${p.join('/') || `line ${m.Location?.Start?.LineNumber}`})`,
      status: 'open' as FindingStatus,
    };
  });
}

const CFN_LINT_REPORT_CODES = [0, 2, 4, 6, 8, 10, 12, 14];

export async function runCfnLint(tool: Tool, stacks: readonly LoadedStack[]): Promise<CheckerFinding[]> {
  // One run per region, so that each template is judged against its own region's resource specification.
  const byRegion = new Map<string, LoadedStack[]>();
  for (const s of stacks) {
    const key = s.region ?? '';
    byRegion.set(key, [...(byRegion.get(key) ?? []), s]);
  }
  const out: CheckerFinding[] = [];
  for (const [region, group] of byRegion) {
    const args = ['--format', 'json', ...(region ? ['--regions', region] : []), '--', ...group.map(s => s.templateFile)];
    const r = await run(tool.command, args, process.env);
    // cfn-lint's exit code sums 2 (errors), 4 (warnings) and 8 (informational); 1 means it failed itself.
    // A usage error also exits 2, but prints no report: a non-zero exit needs matches to explain it.
    const found = CFN_LINT_REPORT_CODES.includes(r.code ?? -1) ? parseCfnLint(r.stdout, group) : undefined;
    if (!found || (r.code !== 0 && found.length === 0)) {
      throw new UsageError(`cfn-lint failed (exit ${r.code}):\n${(r.stderr || r.stdout).slice(-4000)}`);
    }
    out.push(...found);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------

export interface Options {
  readonly assemblyDir: string;
  readonly allowlist?: string;
  readonly checkers: readonly CheckerName[];
  readonly report: string;
}

export function parseArgs(argv: readonly string[]): Options {
  let assemblyDir: string | undefined;
  let allowlist: string | undefined = path.join(REPO_ROOT, 'checkers-allowlist.json');
  let checkers: CheckerName[] = [...CHECKERS];
  let report: string | undefined;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--allowlist') { allowlist = value(i, a); i++; } else if (a === '--no-allowlist') { allowlist = undefined; } else if (a === '--report') { report = value(i, a); i++; } else if (a === '--checkers') {
      const list = value(i, a).split(',').map(c => c.trim()).filter(Boolean);
      const unknown = list.filter(c => !(CHECKERS as readonly string[]).includes(c));
      if (unknown.length > 0 || list.length === 0) throw new UsageError(`--checkers: unknown checker(s) ${unknown.join(', ')}; expected a comma-separated list of ${CHECKERS.join(', ')}.`);
      checkers = list as CheckerName[];
      i++;
    } else if (a === '-h' || a === '--help') {
      throw new HelpRequested(HELP);
    } else if (a.startsWith('-')) {
      throw new UsageError(`Unknown option ${a}.\n${USAGE}`);
    } else if (assemblyDir === undefined) {
      assemblyDir = a;
    } else {
      throw new UsageError(`One cloud assembly directory, please (got ${assemblyDir} and ${a}).\n${USAGE}`);
    }
  }
  if (assemblyDir === undefined) throw new UsageError(`Which cloud assembly? Give its directory (usually cdk.out).\n${USAGE}`);
  return { assemblyDir, allowlist, checkers, report: report ?? path.join(assemblyDir, 'checkers-report.json') };
}

const USAGE = 'Usage: check-assembly.ts <cloud-assembly-dir> [--allowlist <file> | --no-allowlist] [--checkers cdk-nag,control-tower,checkov,cfn-lint] [--report <file>]';

/** What `--help` prints. */
export const HELP = [
  USAGE,
  '',
  'Runs cdk-nag (AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1), the AWS Control Tower',
  'proactive controls, checkov and cfn-lint over every template of a synthesized cloud assembly (Stages',
  'and NestedStacks included), and fails on any finding that is neither acknowledged nor allow-listed.',
  '',
  'Acknowledge a finding in the app, on the one resource it concerns, with the rule id of any checker:',
  "  Validations.of(resource).acknowledge({ id: 'CT.S3.PR.9', reason: '...' })",
  'The reason is required. Acknowledgements on the App or a Stage are NOT written to the cloud assembly,',
  'so this script cannot see them: acknowledge on a Stack or below.',
  '',
  'Options:',
  '  --allowlist <file>   exceptions for Control Tower, checkov and cfn-lint findings the app cannot',
  `                       acknowledge (default: ${path.join(REPO_ROOT, 'checkers-allowlist.json')})`,
  '  --no-allowlist       use none',
  `  --checkers <list>    a comma-separated subset of ${CHECKERS.join(',')} (default: all)`,
  '  --report <file>      the JSON report (default: <cloud-assembly-dir>/checkers-report.json)',
  '',
  'checkov and cfn-lint are looked up in $CHECKOV / $CFN_LINT, then .venv/checkers/bin and .venv/bin, then PATH.',
  'Exit code: 0 nothing open, 1 findings open, 2 bad input, a checker not installed, or a checker that failed.',
].join('\n');

/** `--help`: not an error. */
export class HelpRequested extends UsageError {}

/**
 * The templates of a stack artifact's NestedStacks. CDK records each (nested) stack's template file
 * as `aws:cdk:templateFile` metadata on the stack construct; a NestedStack's file sits beside its
 * parent's (`<ParentNestedXXXX>.nested.template.json`) and its resources' metadata is the parent's.
 */
export function nestedTemplates(parent: AssemblyTemplate): { path: string; file: string }[] {
  const own = path.basename(parent.templateFile);
  const out: { path: string; file: string }[] = [];
  for (const [rawPath, entries] of Object.entries(parent.metadata)) {
    for (const entry of entries) {
      if (entry.type !== TEMPLATE_FILE || typeof entry.data !== 'string' || entry.data === own) continue;
      out.push({ path: rawPath.replace(/^\//, ''), file: path.join(path.dirname(parent.templateFile), entry.data) });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const TEMPLATE_FILE = 'aws:cdk:templateFile';

/** The stack's own construct path: where its own template file is recorded (undefined when not recorded). */
function stackPath(t: AssemblyTemplate): string | undefined {
  const own = path.basename(t.templateFile);
  const found = Object.entries(t.metadata).find(([, entries]) => entries.some(e => e.type === TEMPLATE_FILE && e.data === own));
  return found?.[0].replace(/^\//, '');
}

/** A stack and its nested stacks, each a template with the part of the stack's metadata it holds. */
function withNestedStacks(t: AssemblyTemplate): LoadedStack[] {
  const nested = nestedTemplates(t);
  const roots = nested.map(n => n.path);
  const used = new Set<string>();
  const below = (root: string) => roots.filter(r => r !== root && (root === '' || r.startsWith(`${root}/`)));
  const top: LoadedStack = { ...t, meta: new StackMetadata(t.metadata, { root: stackPath(t) ?? '', nestedRoots: roots }, used) };
  return [top, ...nested.map(n => {
    if (!fs.existsSync(n.file)) {
      throw new UsageError(`The nested stack ${n.path} of ${t.stack} has no template in the cloud assembly (${n.file} is missing). Synthesize the app again.`);
    }
    let template: AssemblyTemplate['template'];
    try {
      template = JSON.parse(fs.readFileSync(n.file, 'utf8'));
    } catch (e) {
      throw new UsageError(`Cannot read the template of nested stack ${n.path} (${n.file}): ${(e as Error).message}`);
    }
    return {
      stack: n.path,
      template,
      artifactId: t.artifactId,
      templateFile: n.file,
      region: t.region,
      metadata: t.metadata,
      nestedIn: t.stack,
      meta: new StackMetadata(t.metadata, { root: n.path, nestedRoots: below(n.path) }, used),
    };
  })];
}

/** Reads the assembly's stack templates, with clear errors for a missing or empty assembly. */
export function loadAssembly(assemblyDir: string): LoadedStack[] {
  if (!fs.existsSync(assemblyDir) || !fs.statSync(assemblyDir).isDirectory()) {
    throw new UsageError(`Cloud assembly directory not found: ${assemblyDir}. Synthesize your app first (cdk synth writes cdk.out; npx projen example writes examples/cdk.out).`);
  }
  if (!fs.existsSync(path.join(assemblyDir, 'manifest.json'))) {
    const hint = fs.existsSync(path.join(assemblyDir, 'cdk.out', 'manifest.json')) ? ` Did you mean ${path.join(assemblyDir, 'cdk.out')}?` : ' Synthesize your app first (cdk synth).';
    throw new UsageError(`${assemblyDir} is not a cloud assembly: it has no manifest.json.${hint}`);
  }
  let templates: AssemblyTemplate[];
  try {
    templates = readTemplates(assemblyDir);
  } catch (e) {
    throw new UsageError(`Cannot read the cloud assembly ${assemblyDir}: ${(e as Error).message}`);
  }
  if (templates.length === 0) {
    throw new UsageError(`The cloud assembly ${assemblyDir} holds no stack templates: nothing to check. Does the app define a Stack?`);
  }
  return templates.flatMap(withNestedStacks);
}

export interface Report {
  readonly assembly: string;
  readonly stacks: { name: string; templateFile: string; region?: string; resources: number }[];
  readonly checkers: Partial<Record<CheckerName, { tool: string; findings: CheckerFinding[]; notes: string[] }>>;
  readonly unusedAllowlistEntries: AllowlistEntry[];
  readonly unusedAcknowledgements: { stack: string; path: string; id: string }[];
  readonly open: number;
}

interface Io { log(line: string): void; error(line: string): void }

const CONSOLE: Io = { log: l => console.log(l), error: l => console.error(l) };

/** Runs the command; returns the exit code. */
export async function main(argv: readonly string[], io: Io = CONSOLE, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return await check(parseArgs(argv), io, env);
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.log(e.message);
      return 0;
    }
    if (e instanceof UsageError) {
      io.error(`check-assembly: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

async function check(options: Options, io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const stacks = loadAssembly(options.assemblyDir);
  const allowlist = options.allowlist ? loadAllowlist(options.allowlist) : [];
  assertNotStackWide(allowlist, stacks);

  // Every checker must be there before any runs.
  const modules = [
    'aws-cdk-lib',
    ...(options.checkers.includes('cdk-nag') ? ['cdk-nag'] : []),
    ...(options.checkers.includes('control-tower') ? ['@cdklabs/cdk-validator-cfnguard'] : []),
  ];
  for (const mod of modules) {
    try {
      require.resolve(mod, { paths: [REPO_ROOT] });
    } catch {
      throw new UsageError(`${mod} is not installed: run \`npm ci\` in ${REPO_ROOT}.`);
    }
  }
  const search: ToolSearch = { env, roots: [...new Set([process.cwd(), REPO_ROOT])] };
  const tools: Partial<Record<Tool['name'], Tool>> = {};
  for (const name of ['checkov', 'cfn-lint'] as const) {
    if (!options.checkers.includes(name)) continue;
    const tool = findTool(name, search);
    if (!tool) throw new UsageError(missingToolMessage(name, search));
    tools[name] = tool;
  }
  const toolNotes = Object.values(tools).map(t => `${t!.name} ${t!.version} (${displayPath(t!.command)})${t!.version === PINNED[t!.name] ? '' : `, not the tested ${PINNED[t!.name]}`}`);

  io.log(`Cloud assembly: ${options.assemblyDir}`);
  if (toolNotes.length > 0) io.log(`Using ${toolNotes.join(', ')}`);
  io.log(`Stacks (${stacks.length}): ${stacks.map(s => `${s.stack} (${s.nestedIn ? 'nested, ' : ''}${Object.keys(s.template.Resources ?? {}).length} resources)`).join(', ')}`);

  // The Python checkers run in the background while cdk-nag and cfn-guard run here.
  const checkov = tools.checkov ? runCheckov(tools.checkov, stacks) : undefined;
  const cfnLint = tools['cfn-lint'] ? runCfnLint(tools['cfn-lint'], stacks) : undefined;
  // Avoid unhandled rejections while the synchronous checkers run; errors surface at the await below.
  checkov?.catch(() => undefined);
  cfnLint?.catch(() => undefined);

  const results: Report['checkers'] = {};
  const timings: string[] = [];
  const timed = async <T>(label: string, f: () => T | Promise<T>): Promise<T> => {
    const started = Date.now();
    const r = await f();
    timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return r;
  };
  if (options.checkers.includes('cdk-nag')) {
    const findings = await timed('cdk-nag', () => runCdkNag(stacks));
    results['cdk-nag'] = { tool: `cdk-nag ${moduleVersion('cdk-nag')}: AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1`, findings, notes: [] };
  }
  if (options.checkers.includes('control-tower')) {
    const findings = await timed('Control Tower', () => runControlTower(stacks));
    results['control-tower'] = { tool: `AWS Control Tower proactive controls (@cdklabs/cdk-validator-cfnguard ${moduleVersion('@cdklabs/cdk-validator-cfnguard')})`, findings, notes: [] };
  }
  if (checkov) {
    const r = await timed('checkov (waited)', () => checkov);
    const notes = [`${r.passed} checks passed`];
    if (r.otherFailures.length > 0) {
      notes.push(`not gated (not S3 or KMS): ${r.otherFailures.map(f => `${f.rule} on ${f.stack}/${f.logicalId}`).join(', ')}`);
    }
    results.checkov = { tool: `checkov ${tools.checkov!.version}: failed checks on AWS::S3::* and AWS::KMS::* resources`, findings: r.findings, notes };
  }
  if (cfnLint) {
    const findings = await timed('cfn-lint (waited)', () => cfnLint);
    results['cfn-lint'] = { tool: `cfn-lint ${tools['cfn-lint']!.version}: errors and warnings`, findings, notes: [] };
  }

  // Acknowledgements made in the app first, then the allow-list for what the app could not acknowledge.
  applyAcknowledgements(Object.values(results).flatMap(r => r!.findings), stacks);
  const usedEntries = new Set<AllowlistEntry>();
  for (const r of Object.values(results)) {
    for (const f of r!.findings) {
      if (f.status !== 'open' || !ALLOWLISTABLE.includes(f.checker)) continue;
      const entry = allowlistEntryFor(allowlist, f);
      if (entry) {
        usedEntries.add(entry);
        f.status = 'allow-listed';
        f.reason = entry.reason;
        f.exceptedBy = `allow-list ${entry.resource}`;
      }
    }
  }

  const report: Report = {
    assembly: path.resolve(options.assemblyDir),
    stacks: stacks.map(s => ({
      name: s.stack, templateFile: s.templateFile, region: s.region, resources: Object.keys(s.template.Resources ?? {}).length,
    })),
    checkers: results,
    unusedAllowlistEntries: allowlist.filter(e => options.checkers.includes(e.checker) && !usedEntries.has(e)),
    // A stack and its nested stacks share their acknowledgements: listed once, with the top-level stack.
    unusedAcknowledgements: stacks.filter(s => !s.nestedIn)
      .flatMap(s => s.meta.unusedAcknowledgements(options.checkers).map(a => ({ stack: s.stack, path: `/${a.path}`, id: a.id }))),
    open: Object.values(results).reduce((n, r) => n + r!.findings.filter(f => f.status === 'open').length, 0),
  };

  printSummary(report, io);
  io.log(`Timings: ${timings.join(', ')}`);
  fs.mkdirSync(path.dirname(path.resolve(options.report)), { recursive: true });
  fs.writeFileSync(options.report, `${JSON.stringify(report, undefined, 2)}\n`);
  io.log(`Report: ${options.report}`);
  return report.open === 0 ? 0 : 1;
}

function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}

function moduleVersion(mod: string): string {
  try {
    const dir = path.dirname(require.resolve(mod, { paths: [REPO_ROOT] }));
    for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
      const pkg = path.join(d, 'package.json');
      if (fs.existsSync(pkg)) {
        const json = JSON.parse(fs.readFileSync(pkg, 'utf8'));
        if (json.name === mod) return json.version;
      }
    }
  } catch { /* fall through */ }
  return '?';
}

function resourceLabel(f: CheckerFinding): string {
  if (!f.logicalId) return f.stack;
  const where = f.constructPaths[0] ? `${f.constructPaths[0]} (${f.logicalId})` : `${f.stack}/${f.logicalId}`;
  // Say where the exception was made when it is not the resource itself (an ancestor, or a pattern).
  const by = f.exceptedBy && f.exceptedBy !== `/${f.constructPaths[0]}` && f.exceptedBy !== `allow-list ${f.constructPaths[0]}` ? `  [${f.exceptedBy}]` : '';
  return `${where}${by}`;
}

/**
 * Groups findings that share a reason (or, when open, a message) and a set of resources, so that
 * one exception made for several packs' rules on several resources reads as one entry.
 */
function printGroup(io: Io, title: string, findings: CheckerFinding[]): void {
  if (findings.length === 0) return;
  io.log(`  ${title}:`);
  const byText = new Map<string, Map<string, Set<string>>>();
  for (const f of findings) {
    const text = f.reason ?? f.message;
    const rules = byText.get(text) ?? new Map<string, Set<string>>();
    byText.set(text, rules);
    const resources = rules.get(f.rule) ?? new Set<string>();
    rules.set(f.rule, resources);
    resources.add(resourceLabel(f));
  }
  for (const [text, rules] of byText) {
    const byResources = new Map<string, string[]>();
    for (const [rule, resources] of rules) {
      const key = [...resources].join('\n');
      byResources.set(key, [...(byResources.get(key) ?? []), rule]);
    }
    for (const [resources, ruleList] of byResources) {
      io.log(`    ${ruleList.join(', ')}`);
      io.log(`      ${title === 'OPEN' ? 'what' : 'why'}: ${text}`);
      for (const r of resources.split('\n')) io.log(`      - ${r}`);
    }
  }
}

function printSummary(report: Report, io: Io): void {
  for (const name of CHECKERS) {
    const r = report.checkers[name];
    if (!r) continue;
    const count = (s: FindingStatus) => r.findings.filter(f => f.status === s).length;
    io.log('');
    io.log(`${r.tool}`);
    io.log(`  ${count('open')} open, ${count('acknowledged')} acknowledged, ${count('allow-listed')} allow-listed${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`);
    printGroup(io, 'OPEN', r.findings.filter(f => f.status === 'open'));
    printGroup(io, 'acknowledged in the app', r.findings.filter(f => f.status === 'acknowledged'));
    printGroup(io, 'allow-listed', r.findings.filter(f => f.status === 'allow-listed'));
  }
  io.log('');
  if (report.unusedAllowlistEntries.length > 0) {
    io.log(`Allow-list entries that matched nothing (${report.unusedAllowlistEntries.length}): ${report.unusedAllowlistEntries.map(describeEntry).join(', ')}`);
  }
  if (report.unusedAcknowledgements.length > 0) {
    const ids = [...new Set(report.unusedAcknowledgements.map(a => a.id))].sort();
    io.log(`Acknowledgements that no finding needed (${report.unusedAcknowledgements.length}, listed in the report): ${ids.join(', ')}`);
  }
  io.log(report.open === 0
    ? 'PASSED: every finding is acknowledged in the app or allow-listed, with its reason.'
    : `FAILED: ${report.open} finding(s) neither acknowledged nor allow-listed (marked OPEN above).`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 2;
  });
}
