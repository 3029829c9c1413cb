/**
 * The check-assembly command: its arguments, and the run of the checkers over a cloud assembly (see
 * scripts/check-assembly.ts). cdk-nag and the Control Tower rules (npm packages) are loaded only
 * once they are known to be installed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { applyAcknowledgements } from './acknowledgements';
import { allowlistEntryFor, AllowlistEntry, assertNotStackWide, loadAllowlist } from './allowlist';
import { loadAssembly } from './assembly';
import { runCfnLint } from './cfn-lint';
import { runCheckov } from './checkov';
import { ALLOWLISTABLE, CheckerName, CHECKERS, UsageError } from './findings';
import { Io, printSummary, Report } from './report';
import { findTool, missingToolMessage, PINNED, Tool, ToolSearch } from './tools';

/** The repository these scripts live in. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

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

/*
 * The checkers of npm packages are loaded when they run (their loading is part of their time), after
 * `check` has made sure the packages are installed: a checkout without node_modules gets the message
 * to run `npm ci`, not a stack trace.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const loadCdkNag = () => require('./cdk-nag') as typeof import('./cdk-nag');
const loadControlTower = () => require('./control-tower') as typeof import('./control-tower');
/* eslint-enable @typescript-eslint/no-require-imports */

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
    const findings = await timed('cdk-nag', () => loadCdkNag().runCdkNag(stacks));
    results['cdk-nag'] = { tool: `cdk-nag ${moduleVersion('cdk-nag')}: AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1`, findings, notes: [] };
  }
  if (options.checkers.includes('control-tower')) {
    const findings = await timed('Control Tower', () => loadControlTower().runControlTower(stacks));
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
