/**
 * cfn-lint: every error and warning, each template judged against its own region's resource specification.
 */
import * as path from 'path';
import { LoadedStack, resourceTypeOf } from './assembly';
import { CheckerFinding, FindingStatus, UsageError } from './findings';
import { runTool, Tool } from './tools';

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
      resourceType: s && logicalId ? resourceTypeOf(s, logicalId) : undefined,
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
    const r = await runTool(tool.command, args, process.env);
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
