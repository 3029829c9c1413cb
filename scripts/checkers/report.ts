/**
 * The JSON report check-assembly writes, and the summary it prints: each checker's findings grouped
 * by status, reason and resources.
 */
import { AllowlistEntry, describeEntry } from './allowlist';
import { CheckerFinding, CheckerName, CHECKERS, FindingStatus } from './findings';

export interface Report {
  readonly assembly: string;
  readonly stacks: { name: string; templateFile: string; region?: string; resources: number }[];
  readonly checkers: Partial<Record<CheckerName, { tool: string; findings: CheckerFinding[]; notes: string[] }>>;
  readonly unusedAllowlistEntries: AllowlistEntry[];
  readonly unusedAcknowledgements: { stack: string; path: string; id: string }[];
  readonly open: number;
}

/** Where the command prints. */
export interface Io { log(line: string): void; error(line: string): void }

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

/** The readable summary of a report: each checker's findings, what went unused, PASSED or FAILED. */
export function printSummary(report: Report, io: Io): void {
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
