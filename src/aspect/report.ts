import { accessSummary, AWS_DEFAULT, bucketPosture, BucketPosture, Names } from './posture';
import { BucketContext } from '../rules/engine/model';
import { ALL_RULES } from '../rules/registry';

export interface ReportFinding {
  readonly ruleId: string;
  readonly status: 'fail' | 'cannot-verify';
  /** Construct path of the resource the finding is on (the bucket, its key, or the identity policy). */
  readonly resource: string;
  readonly logicalId: string;
  readonly detail: string;
  /** A failure that AWS's creation default covers for now (the setting is not declared): always a warning. */
  readonly advisory?: boolean;
  readonly acknowledged?: { readonly reason: string; readonly on: string };
}

export interface ReportBucket {
  readonly stack: string;
  readonly path: string;
  readonly logicalId: string;
  readonly context: BucketContext;
  readonly findings: ReportFinding[];
  /** Construct paths of the logical ids the bucket refers to (its key, its log target, roles), for readers. */
  readonly names?: Names;
}

export interface ReportModel {
  readonly buckets: ReportBucket[];
  readonly identityFindings: ReportFinding[];
  /** Findings on bucket policies of the app attached to buckets the app does not define. */
  readonly outsideBucketPolicyFindings?: ReportFinding[];
  readonly excludedRules: { [ruleId: string]: string };
}

const byString = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
const RULE_ORDER = new Map(ALL_RULES.map((r, i) => [r.id, String(i).padStart(4, '0')]));

/** Findings in a stable order: by resource, then in the order of the rule registry. */
function sortFindings(findings: ReportFinding[]): ReportFinding[] {
  return [...findings].sort(byString(f => `${f.resource}\u0000${RULE_ORDER.get(f.ruleId) ?? f.ruleId}`));
}

/**
 * The report as JSON and Markdown: deterministic (sorted, no timestamps, no absolute paths), so it
 * diffs cleanly in review.
 */
export function renderReport(model: ReportModel): { json: string; markdown: string } {
  const buckets = [...model.buckets].sort(byString(b => `${b.stack}\u0000${b.path}`)).map(b => {
    const posture = bucketPosture(b.context, b.names);
    return {
      stack: b.stack,
      path: b.path,
      logicalId: b.logicalId,
      kind: b.context.isLogTarget ? 'log' : 'data',
      posture: { ...posture, access: { summary: accessSummary(posture.access), ...posture.access } },
      findings: sortFindings(b.findings),
    };
  });
  const identityFindings = sortFindings(model.identityFindings);
  const outsideBucketPolicyFindings = sortFindings(model.outsideBucketPolicyFindings ?? []);
  const all = [...buckets.flatMap(b => b.findings), ...identityFindings, ...outsideBucketPolicyFindings];
  const open = all.filter(f => !f.acknowledged);
  const summary = {
    stacks: new Set(buckets.map(b => b.stack)).size,
    buckets: buckets.length,
    openFindings: open.length,
    failing: open.filter(f => f.status === 'fail' && !f.advisory).length,
    advisory: open.filter(f => f.advisory).length,
    cannotVerify: open.filter(f => f.status === 'cannot-verify').length,
    acknowledged: all.length - open.length,
  };
  const excludedRules = Object.fromEntries(Object.entries(model.excludedRules).sort(byString(([id]) => RULE_ORDER.get(id) ?? id)));
  const json = JSON.stringify({ summary, buckets, identityFindings, outsideBucketPolicyFindings, excludedRules }, undefined, 2) + '\n';

  const lines: string[] = ['# Secure bucket report', ''];
  lines.push(`${summary.buckets} bucket(s) in ${summary.stacks} stack(s): ${summary.openFindings} open finding(s) `
    + `(${summary.failing} failing, ${summary.advisory} advisory, ${summary.cannotVerify} cannot be verified), ${summary.acknowledged} acknowledged.`, '');
  for (const stack of [...new Set(buckets.map(b => b.stack))]) {
    const inStack = buckets.filter(x => x.stack === stack);
    lines.push(`## Stack ${stack}`, '');
    lines.push('| bucket | kind | encryption | versioning | logs to | public access | TLS | lifecycle | on delete | recovery | access | findings |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const b of inStack) {
      const p = b.posture;
      const name = b.path.startsWith(`${stack}/`) ? b.path.slice(stack.length + 1) : b.path;
      const key = p.key === '-' ? '' : ` ${shorten(p.key, stack)}`;
      const findings = b.findings.filter(f => !f.acknowledged).map(f => f.ruleId);
      const acknowledged = b.findings.length - findings.length;
      lines.push(`| ${[
        `\`${name.replace(/\/Resource$/, '')}\``,
        b.kind,
        `${p.encryption}${key}${p.bucketKey ? ', bucket key' : ''}`,
        p.versioning,
        shorten(p.logTarget, stack),
        publicAccessCell(p),
        p.tls,
        p.lifecycle,
        p.deletionPolicy,
        recovery(p, stack),
        shorten(p.access.summary, stack),
        [findings.length ? [...new Set(findings)].join(', ') : 'none', ...(acknowledged ? [`${acknowledged} acknowledged`] : [])].join('; '),
      ].map(cell).join(' | ')} |`);
    }
    lines.push('');
    const findings = inStack.flatMap(b => b.findings);
    if (findings.length > 0) { lines.push(...findingLines(findings), ''); }
  }
  lines.push('## IAM identity policies', '', ...(identityFindings.length ? findingLines(identityFindings) : ['No findings.']), '');
  if (outsideBucketPolicyFindings.length > 0) {
    lines.push('## Bucket policies on buckets outside the app', '', ...findingLines(outsideBucketPolicyFindings), '');
  }
  if (Object.keys(excludedRules).length > 0) {
    lines.push('## Rules not evaluated', '', ...Object.entries(excludedRules).map(([id, reason]) => `- ${id}: ${reason}`), '');
  }
  return { json, markdown: lines.join('\n') };
}

/** Replication and Object Lock in one cell: `replicates to Replica (SSE-KMS, RTC); Object Lock GOVERNANCE 30 days`. */
function recovery(p: BucketPosture, stack: string): string {
  const parts = [
    ...(p.replication.length ? [`replicates to ${p.replication.map(r => shorten(r, stack)).join(', ')}`] : []),
    ...(p.objectLock !== 'off' ? [`Object Lock ${p.objectLock}`] : []),
  ];
  return parts.length ? parts.join('; ') : '-';
}

/** Construct paths of the same stack without the stack's prefix, and without the `/Resource` suffix. */
function shorten(text: string, stack: string): string {
  const prefix = new RegExp(`(^|[\\s,(:])${stack.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`, 'g');
  return text.replace(prefix, '$1').replace(/\/Resource\b/g, '');
}

/** The public-access cell: `blocked, ACLs off`, or what differs; `(AWS default, not declared)` where S3's creation default applies. */
function publicAccessCell(p: BucketPosture): string {
  const undeclared = (value: string) => value.endsWith(AWS_DEFAULT);
  const block = p.publicAccessBlock.replace(AWS_DEFAULT, '');
  const ownership = p.ownership.replace(AWS_DEFAULT, '');
  const text = `${block === 'all four' ? 'blocked' : `block: ${block}`}, ${ownership === 'BucketOwnerEnforced' ? 'ACLs off' : `ownership: ${ownership}`}`;
  return undeclared(p.publicAccessBlock) || undeclared(p.ownership) ? `${text} (${[
    ...(undeclared(p.publicAccessBlock) ? ['block'] : []), ...(undeclared(p.ownership) ? ['ownership'] : []),
  ].join(' and ')}: AWS default, not declared)` : text;
}

function findingLines(findings: ReportFinding[]): string[] {
  return findings.map(f => {
    const verb = f.status === 'cannot-verify' ? 'cannot verify' : f.advisory ? 'advises' : 'fails';
    const what = `**${f.ruleId}** ${verb} on \`${f.resource}\`: ${f.detail}`;
    return f.acknowledged ? `- ${what}. Acknowledged on \`${f.acknowledged.on}\`: ${f.acknowledged.reason}` : `- ${what}`;
  });
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
