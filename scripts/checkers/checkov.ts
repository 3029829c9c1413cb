/**
 * checkov (CloudFormation framework): its JSON report mapped to findings; failed checks on
 * `AWS::S3::*` and `AWS::KMS::*` resources count, failed checks on other resources are reported only.
 */
import * as path from 'path';
import { LoadedStack } from './assembly';
import { CheckerFinding, UsageError } from './findings';
import { runTool, Tool } from './tools';

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
  const r = await runTool(tool.command, args, process.env);
  if (r.code !== 0 && r.code !== 1) {
    throw new UsageError(`checkov failed (exit ${r.code}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  }
  const result = parseCheckov(r.stdout, stacks);
  if (result.reports === 0 && stacks.some(st => Object.keys(st.template.Resources ?? {}).length > 0)) {
    throw new UsageError(`checkov scanned no resources of the templates (exit ${r.code}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  }
  return result;
}

