import { BucketContext } from './model';
import { bucketPosture, BucketPosture } from './posture';

export interface ReportFinding {
  readonly ruleId: string;
  readonly status: 'fail' | 'cannot-verify';
  readonly resource: string;
  readonly logicalId: string;
  readonly detail: string;
  readonly acknowledged?: { readonly reason: string; readonly on: string };
}

export interface ReportBucket {
  readonly stack: string;
  readonly path: string;
  readonly logicalId: string;
  readonly context: BucketContext;
  readonly findings: ReportFinding[];
}

export interface ReportModel {
  readonly buckets: ReportBucket[];
  readonly identityFindings: ReportFinding[];
  readonly excludedRules: { [ruleId: string]: string };
}

const byString = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The report as JSON and Markdown: deterministic (sorted, no timestamps), so it diffs cleanly in review.
 */
export function renderReport(model: ReportModel): { json: string; markdown: string } {
  const sortFindings = (f: ReportFinding[]) => [...f].sort(byString(x => `${x.resource} ${x.ruleId.padStart(12)}`));
  const buckets = [...model.buckets].sort(byString(b => b.path)).map(b => ({
    stack: b.stack,
    path: b.path,
    logicalId: b.logicalId,
    kind: b.context.isLogTarget ? 'log bucket' : 'data bucket',
    posture: bucketPosture(b.context),
    findings: sortFindings(b.findings),
  }));
  const identityFindings = sortFindings(model.identityFindings);
  const all = [...buckets.flatMap(b => b.findings), ...identityFindings];
  const summary = {
    buckets: buckets.length,
    findings: all.filter(f => !f.acknowledged).length,
    acknowledged: all.filter(f => f.acknowledged).length,
  };
  const excludedRules = Object.fromEntries(Object.entries(model.excludedRules).sort());
  const json = JSON.stringify({ summary, buckets, identityFindings, excludedRules }, undefined, 2) + '\n';

  const lines: string[] = ['# Secure bucket report', ''];
  lines.push(`${summary.buckets} bucket(s), ${summary.findings} open finding(s), ${summary.acknowledged} acknowledged.`, '');
  for (const stack of [...new Set(buckets.map(b => b.stack))]) {
    lines.push(`## Stack ${stack}`, '');
    lines.push('| bucket | kind | encryption | key | bucket key | versioning | logs to | public access block | ownership | TLS | lifecycle | on delete | access |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const b of buckets.filter(x => x.stack === stack)) {
      lines.push(`| ${[b.path, b.kind, ...postureCells(b.posture)].map(cell).join(' | ')} |`);
    }
    lines.push('');
    const findings = buckets.filter(x => x.stack === stack).flatMap(b => b.findings);
    lines.push(...findingLines(findings), '');
  }
  lines.push('## IAM identity policies', '', ...findingLines(identityFindings), '');
  if (Object.keys(excludedRules).length > 0) {
    lines.push('## Rules not evaluated', '', ...Object.entries(excludedRules).map(([id, reason]) => `- ${id}: ${reason}`), '');
  }
  return { json, markdown: lines.join('\n') };
}

function postureCells(p: BucketPosture): string[] {
  const a = p.access;
  const access = a.statements.length === 0 ? 'IAM only' : [
    a.statements.join(' and '),
    ...(a.vpcEndpoints.length ? [`endpoints ${a.vpcEndpoints.join(', ')}`] : []),
    ...(a.vpcs.length ? [`VPCs ${a.vpcs.join(', ')}`] : []),
    ...(a.sourceIps.length ? [`IPs ${a.sourceIps.join(', ')}`] : []),
    ...(a.principals.length ? [`principals ${a.principals.join(', ')}`] : []),
    ...(a.exemptions.length ? [`exempt ${a.exemptions.join(', ')}`] : []),
  ].join('; ');
  return [p.encryption, p.key, p.bucketKey ? 'yes' : 'no', p.versioning, p.logTarget, p.publicAccessBlock, p.ownership, p.tls, p.lifecycle, p.deletionPolicy, access];
}

function findingLines(findings: ReportFinding[]): string[] {
  if (findings.length === 0) { return ['No findings.']; }
  return findings.map(f => {
    const what = `**${f.ruleId}** ${f.status === 'cannot-verify' ? 'cannot verify' : 'fails'} on \`${f.resource}\`: ${f.detail}`;
    return f.acknowledged ? `- ${what}; acknowledged on \`${f.acknowledged.on}\`: ${f.acknowledged.reason}` : `- ${what}`;
  });
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
