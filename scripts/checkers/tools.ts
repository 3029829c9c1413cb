/**
 * Finding the Python checkers (checkov, cfn-lint) and running them.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CHECKERS } from './findings';

/** The versions CI installs and the README names. */
export const PINNED = { 'checkov': '3.3.30', 'cfn-lint': '1.58.0' } as const;

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

export interface ProcessResult { readonly code: number | null; readonly stdout: string; readonly stderr: string }

/** Runs a tool to its end, collecting what it prints. */
export function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
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

