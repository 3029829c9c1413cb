import * as fs from 'fs';
import * as path from 'path';
import { Annotations, App, AspectPriority, Aspects, IAspect, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgementOf, evaluateResource, EvaluationOptions, IndexCache, isJudged, Outcome } from './evaluation';
import { renderReport, ReportBucket, ReportFinding, ReportModel } from './report';
import { ruleById } from './rules';
import { invalidProp } from '../private/errors';

/**
 * What a finding of the `SecureBucketAspect` does to synthesis.
 */
export enum FindingLevel {
  /** Report: findings are warnings (acknowledgeable with their rule id); synth goes on. */
  WARNING = 'WARNING',
  /** Enforce: findings are errors and synth fails, unless acknowledged with a reason. */
  ERROR = 'ERROR',
}

/**
 * Properties of the `SecureBucketAspect`.
 */
export interface SecureBucketAspectProps {
  /**
   * Whether findings fail synth (`ERROR`) or are reported as warnings (`WARNING`).
   *
   * @default FindingLevel.ERROR
   */
  readonly level?: FindingLevel;

  /**
   * Principals allowed to hold bucket-administration permissions (rule SB-IAM-1): full IAM ARNs
   * with wildcards (`arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*`)
   * or role names.
   *
   * @default - none: every identity policy granting bucket administration is a finding
   */
  readonly administratorArns?: string[];

  /**
   * Accounts, besides each bucket's own, whose principals may appear in bucket policies (rule SB-S3-14).
   *
   * @default - none
   */
  readonly trustedAccounts?: string[];

  /**
   * Rules not evaluated at all, each with the reason (shown in the report). Prefer acknowledging a
   * finding on the one resource it concerns with `Validations.of(resource).acknowledge(...)`.
   *
   * @default - every rule is evaluated
   */
  readonly excludedRules?: { [ruleId: string]: string };

  /**
   * Write `secure-bucket-report.json` and `secure-bucket-report.md` into the cloud assembly.
   *
   * @default true
   */
  readonly report?: boolean;
}

/**
 * App-wide enforcement of the secure-bucket rules on every bucket, the KMS keys that encrypt them,
 * and every IAM identity policy, whichever construct created them.
 *
 * Read-only: it never changes a resource. Add it with `SecureBucketAspect.applyTo(app)`, which
 * uses `AspectPriority.READONLY` and also reaches the `Stage`s inside the app.
 */
export class SecureBucketAspect implements IAspect {
  /**
   * Adds a `SecureBucketAspect` (read-only priority) to `scope` and to every `Stage` inside it.
   * Aspects added to an App do not reach Stages, so call this after the Stages are created.
   */
  public static applyTo(scope: IConstruct, props: SecureBucketAspectProps = {}): SecureBucketAspect {
    const aspect = new SecureBucketAspect(props);
    const scopes = [scope, ...scope.node.findAll().filter(c => c !== scope && Stage.isStage(c))];
    for (const s of scopes) {
      Aspects.of(s).add(aspect, { priority: AspectPriority.READONLY });
    }
    return aspect;
  }

  private readonly level: FindingLevel;
  private readonly options: EvaluationOptions;
  private readonly excluded: { [ruleId: string]: string };
  private readonly writeReport: boolean;
  private readonly visited = new WeakSet<IConstruct>();

  constructor(props: SecureBucketAspectProps = {}) {
    this.level = props.level ?? FindingLevel.ERROR;
    this.excluded = { ...(props.excludedRules ?? {}) };
    for (const [id, reason] of Object.entries(this.excluded)) {
      if (!ruleById(id)) {
        invalidProp('SecureBucketAspect', 'excludedRules', id, 'names no rule', 'Use a rule id from RULES.md, such as SB-S3-11.');
      }
      if (typeof reason !== 'string' || reason.trim() === '') {
        invalidProp('SecureBucketAspect', `excludedRules[${id}]`, reason, 'needs a reason', 'Say why the rule does not apply to this app.');
      }
    }
    for (const [prop, list] of Object.entries({ administratorArns: props.administratorArns, trustedAccounts: props.trustedAccounts })) {
      (list ?? []).forEach((v, i) => {
        if (!Token.isUnresolved(v) && (typeof v !== 'string' || v.trim() === '')) {
          invalidProp('SecureBucketAspect', `${prop}[${i}]`, v, 'is empty', 'Remove it or give a value.');
        }
      });
    }
    (props.trustedAccounts ?? []).forEach((a, i) => {
      if (!Token.isUnresolved(a) && !/^\d{12}$/.test(a)) {
        invalidProp('SecureBucketAspect', `trustedAccounts[${i}]`, a, 'is not a 12-digit AWS account id', 'Use an account id such as 111111111111.');
      }
    });
    this.options = {
      administratorArns: [...(props.administratorArns ?? [])],
      trustedAccounts: [...(props.trustedAccounts ?? [])],
      excludedRules: new Set(Object.keys(this.excluded)),
    };
    this.writeReport = props.report ?? true;
  }

  public visit(node: IConstruct): void {
    if (!isJudged(node) || this.visited.has(node)) { return; }
    this.visited.add(node);
    const run = AppRun.of(node, this.writeReport);
    run.excluded = { ...run.excluded, ...this.excluded };
    const outcomes = evaluateResource(node, run.indexes.of(node), this.options);
    run.record(node, outcomes, this.level);
  }
}

interface Recorded {
  readonly outcome: Outcome;
  readonly level: FindingLevel;
}

const RUNS = new WeakMap<IConstruct, AppRun>();

/**
 * The results of every SecureBucketAspect in one app: checks acknowledgements and raises the
 * findings at validation time (after every construct and acknowledgement exists), and writes the report.
 */
class AppRun {
  public static of(node: IConstruct, writeReport: boolean): AppRun {
    const root = node.node.root;
    let run = RUNS.get(root);
    if (!run) {
      run = new AppRun(root);
      RUNS.set(root, run);
    }
    run.writeReport ||= writeReport;
    return run;
  }

  public readonly indexes = new IndexCache();
  public excluded: { [ruleId: string]: string } = {};
  private writeReport = false;
  private readonly judged: { resource: IConstruct; outcomes: Recorded[] }[] = [];
  private readonly raised = new Set<string>();

  private constructor(private readonly root: IConstruct) {
    root.node.addValidation({ validate: () => { this.report(); return []; } });
  }

  public record(resource: IConstruct, outcomes: Outcome[], level: FindingLevel): void {
    this.judged.push({ resource, outcomes: outcomes.map(outcome => ({ outcome, level })) });
    const findings = outcomes.filter(o => o.verdict.status === 'fail' || o.verdict.status === 'cannot-verify');
    if (findings.length === 0) { return; }
    resource.node.addValidation({
      validate: () => findings.flatMap(outcome => this.raise(outcome, level)),
    });
  }

  /** Raises one finding (once per rule and resource): an error, a warning, or nothing when acknowledged. */
  private raise(outcome: Outcome, level: FindingLevel): string[] {
    const key = `${outcome.rule.id} ${outcome.subjectConstruct.node.path}`;
    if (this.raised.has(key)) { return []; }
    this.raised.add(key);
    const ack = acknowledgementOf(outcome.subjectConstruct, outcome.rule.id);
    const message = findingMessage(outcome);
    if (ack && ack.reason.trim() !== '') { return []; }
    if (ack) {
      return [`[${outcome.rule.id}] the acknowledgement on ${ack.on} has no reason: give one, e.g. Validations.of(x).acknowledge({ id: '${outcome.rule.id}', reason: '...' }). ${message}`];
    }
    if (level === FindingLevel.ERROR) {
      return [message];
    }
    Annotations.of(outcome.subjectConstruct).addWarningV2(outcome.rule.id, message);
    return [];
  }

  private report(): void {
    if (!this.writeReport) { return; }
    const outdir = App.isApp(this.root) ? this.root.outdir : Stage.isStage(this.root) ? this.root.outdir : undefined;
    if (!outdir) { return; }
    const model = this.model();
    fs.mkdirSync(outdir, { recursive: true });
    const { json, markdown } = renderReport(model);
    fs.writeFileSync(path.join(outdir, 'secure-bucket-report.json'), json);
    fs.writeFileSync(path.join(outdir, 'secure-bucket-report.md'), markdown);
  }

  private model(): ReportModel {
    const buckets: ReportBucket[] = [];
    const identityFindings: ReportFinding[] = [];
    const seen = new Set<string>();
    for (const { resource, outcomes } of this.judged) {
      if (seen.has(resource.node.path)) { continue; }
      seen.add(resource.node.path);
      const findings: ReportFinding[] = [];
      for (const { outcome } of outcomes) {
        if (outcome.verdict.status !== 'fail' && outcome.verdict.status !== 'cannot-verify') { continue; }
        const ack = acknowledgementOf(outcome.subjectConstruct, outcome.rule.id);
        findings.push({
          ruleId: outcome.rule.id,
          status: outcome.verdict.status,
          resource: outcome.subjectConstruct.node.path,
          logicalId: outcome.subject.logicalId,
          detail: outcome.verdict.detail,
          acknowledged: ack && ack.reason.trim() !== '' ? { reason: ack.reason, on: ack.on } : undefined,
        });
      }
      const index = this.indexes.of(resource);
      const view = index.viewOf(resource as any)!;
      if (view.type === 'AWS::S3::Bucket') {
        buckets.push({
          stack: index.stack.node.path,
          path: resource.node.path,
          logicalId: view.logicalId,
          context: index.bucketContext(view, []),
          findings,
        });
      } else {
        identityFindings.push(...findings);
      }
    }
    return { buckets, identityFindings, excludedRules: this.excluded };
  }
}

/** `[SB-S3-3] Stack/Bucket/Resource: Versioning is not enabled (versioning is Suspended). Fix ...` */
export function findingMessage(outcome: Outcome): string {
  const verdict = outcome.verdict as { status: string; detail: string };
  const prefix = verdict.status === 'cannot-verify' ? 'cannot verify: ' : '';
  return `[${outcome.rule.id}] ${outcome.subjectConstruct.node.path}: ${prefix}${outcome.rule.cause.replace(/\.$/, '')} (${verdict.detail}). ${outcome.rule.explanation} `
    + `Acknowledge with Validations.of(construct).acknowledge({ id: '${outcome.rule.id}', reason }) if it is intended.`;
}
