import * as fs from 'fs';
import * as path from 'path';
import { Annotations, App, AspectPriority, Aspects, CfnResource, IAspect, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { renderReport, ReportBucket, ReportFinding, ReportModel } from './report';
import { stateOf } from '../private/construct-state';
import { invalidProp } from '../private/errors';
import { RenderedFragment, StackIndex } from '../rules/engine/context';
import { acknowledgementOf, evaluateResource, EvaluationOptions, evaluationOptions, IndexCache, isJudged, Outcome } from '../rules/evaluation';

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
   * with wildcards (`arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*`,
   * `arn:aws:iam::*:user/alice`, `arn:aws:iam::111111111111:group/ops`), or role names (`Admin`, `Admin*`),
   * which match a role of that name, whatever its path, in its own account. A role session
   * (`sts` `assumed-role`) ARN or an ARN without its account is refused: it never names a holder.
   *
   * A role whose name CloudFormation generates cannot be matched by name: give it a `roleName`.
   * An ARN pinned to an account cannot be matched in an environment-agnostic stack: such findings
   * are "cannot verify".
   *
   * @default - none: every identity policy granting bucket administration is a finding
   */
  readonly administratorArns?: string[];

  /**
   * Accounts (12-digit ids), besides each bucket's own, whose principals may be allowed by bucket
   * policies (rule SB-S3-14). In an environment-agnostic stack a literal account id cannot be told
   * apart from the bucket's own, so an account not listed here is "cannot verify".
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
 *
 * @example
 * const app = new App();
 * // Every bucket of the app, from any construct, judged at synth; findings fail the synth.
 * SecureBucketAspect.applyTo(app, {
 *   level: FindingLevel.ERROR,
 *   administratorArns: ['arn:aws:iam::*:role/PlatformAdmin'],
 * });
 */
export class SecureBucketAspect implements IAspect {
  /**
   * Adds a `SecureBucketAspect` (read-only priority) to `scope` and to every `Stage` inside it.
   *
   * Aspects added to an App do not reach the Stages inside it (each Stage is synthesized on its
   * own), so `Aspects.of(app).add(aspect)` alone leaves every stack in a Stage unchecked. Call this
   * after the Stages are created; a Stage created later needs its own call.
   */
  public static applyTo(scope: IConstruct, props: SecureBucketAspectProps = {}): SecureBucketAspect {
    const aspect = new SecureBucketAspect(props);
    const scopes = [scope, ...scope.node.findAll().filter(c => c !== scope && Stage.isStage(c))];
    for (const s of scopes) {
      Aspects.of(s).add(aspect, { priority: AspectPriority.READONLY });
    }
    // The report is written even when the app holds no bucket.
    AppRun.of(scope, aspect.writeReport);
    return aspect;
  }

  private readonly level: FindingLevel;
  private readonly options: EvaluationOptions;
  private readonly excluded: { [ruleId: string]: string };
  private readonly writeReport: boolean;
  private readonly visited = new WeakSet<IConstruct>();

  constructor(props: SecureBucketAspectProps = {}) {
    const level = props.level ?? FindingLevel.ERROR;
    if (!Object.values(FindingLevel).includes(level)) {
      invalidProp('SecureBucketAspect', 'level', level, 'is not a FindingLevel', 'Use FindingLevel.WARNING or FindingLevel.ERROR.');
    }
    this.level = level;
    this.options = evaluationOptions('SecureBucketAspect', props);
    this.excluded = { ...(props.excludedRules ?? {}) };
    this.writeReport = props.report ?? true;
  }

  public visit(node: IConstruct): void {
    if (!isJudged(node)) { return; }
    const run = AppRun.of(node, this.writeReport);
    run.visiting(node);
    if (this.visited.has(node)) { return; }
    this.visited.add(node);
    run.excluded = { ...run.excluded, ...this.excluded };
    run.record(node, this.options, this.level);
  }
}

/** A resource an Aspect judges, with that Aspect's options; its outcomes once evaluated. */
interface Entry {
  readonly resource: CfnResource;
  readonly options: EvaluationOptions;
  readonly level: FindingLevel;
  outcomes?: Outcome[];
}

/**
 * The results of every SecureBucketAspect in one app.
 *
 * The Aspect only records what it visits. The rules run at validation, when every Aspect (including
 * mutating ones visited later in the tree) has run and the app is prepared, so they judge the
 * resources as they are synthesized, as the cdk-nag pack does; findings are raised there, with the
 * acknowledgements as they finally are, and the report is written.
 */
class AppRun {
  public static of(node: IConstruct, writeReport: boolean): AppRun {
    const root = node.node.root;
    const run = stateOf(root, 'aspect.run', () => new AppRun(root));
    run.writeReport ||= writeReport;
    return run;
  }

  public excluded: { [ruleId: string]: string } = {};
  private readonly handOff = new RenderingHandOff();
  private readonly indexes = new IndexCache((resource, fragment) => this.offer(resource, fragment));
  private writeReport = false;
  /** The Stage whose validation is running: only its resources are synthesized next, so only they are handed off. */
  private validating?: IConstruct;
  private readonly entries: Entry[] = [];
  /** Findings raised in this synthesis (once per rule and resource), with the Stage of the resource. */
  private readonly raised = new Map<string, IConstruct>();
  /**
   * The Stages (the app included) validated since the Aspect last visited them. A Stage is
   * synthesized on its own, before the app: a visit of a Stage already validated means a new
   * synthesis of it (after a failed one, or a forced one).
   */
  private readonly validatedStages = new Set<IConstruct>();
  private releaseScheduled = false;

  private constructor(private readonly root: IConstruct) {
    root.node.addValidation({
      validate: () => {
        this.validating = root;
        this.validatedStages.add(root);
        this.report();
        return [];
      },
    });
  }

  /**
   * Called on every visit of the Aspect. Aspects run at the start of each synthesis, before
   * validation, so a visit of a Stage validated since means the Stage is synthesized again: the tree
   * may have changed, so its resources are judged again.
   */
  public visiting(node: IConstruct): void {
    const stage = stageOf(node);
    if (!this.validatedStages.delete(stage)) { return; }
    const inStage = (c: IConstruct) => stageOf(c) === stage;
    // A new synthesis has begun: no earlier rendering may be used by it, whatever its Stage.
    this.handOff.withdrawAll();
    this.indexes.drop(inStage);
    this.entries.filter(entry => inStage(entry.resource)).forEach(entry => entry.outcomes = undefined);
    for (const [key, where] of this.raised) {
      if (where === stage) { this.raised.delete(key); }
    }
  }

  /**
   * Hands a rendering to template synthesis only for the Stage being validated: the resources of
   * another Stage (rendered again for the app's report) were synthesized already, and a hand-off
   * nobody uses could be picked up by a later rendering.
   */
  private offer(resource: CfnResource, fragment: RenderedFragment): void {
    if (this.validating !== undefined && stageOf(resource) === this.validating) {
      this.releaseAtJobEnd();
      this.handOff.offer(resource, fragment);
    }
  }

  public record(resource: CfnResource, options: EvaluationOptions, level: FindingLevel): void {
    const entry: Entry = { resource, options, level };
    this.entries.push(entry);
    resource.node.addValidation({
      validate: () => {
        this.validating = stageOf(resource);
        return this.outcomesOf(entry).filter(isFinding).flatMap(outcome => this.raise(outcome, level));
      },
    });
  }

  /** The outcomes of an entry, evaluated once, when first needed at validation. */
  private outcomesOf(entry: Entry): Outcome[] {
    this.validatedStages.add(stageOf(entry.resource));
    if (!entry.outcomes) {
      this.releaseAtJobEnd();
      entry.outcomes = evaluateResource(entry.resource, this.indexes.of(entry.resource), entry.options);
    }
    return entry.outcomes;
  }

  /**
   * When the current JavaScript job ends, withdraws the hand-offs synthesis did not use and forgets the
   * rendered resources and the outcomes: synthesis is synchronous, so none of them is needed after it
   * (a later synthesis judges again). aws-cdk-lib's global token map keeps every app reachable, and with
   * it whatever the app holds: without this, a process that synthesizes many apps (a test suite) kept
   * each app's rendered resources too.
   */
  private releaseAtJobEnd(): void {
    if (this.releaseScheduled) { return; }
    this.releaseScheduled = true;
    queueMicrotask(() => {
      this.releaseScheduled = false;
      this.handOff.withdrawAll();
      this.indexes.drop(() => true);
      this.entries.forEach(entry => entry.outcomes = undefined);
    });
  }

  /** Raises one finding (once per rule and resource): an error, a warning, or nothing when acknowledged. */
  private raise(outcome: Outcome, level: FindingLevel): string[] {
    // Per level: a WARNING Aspect that ran first must not swallow the error of an ERROR Aspect.
    const key = `${level} ${outcome.rule.id} ${outcome.subjectConstruct.node.path}`;
    if (this.raised.has(key)) { return []; }
    this.raised.set(key, stageOf(outcome.subjectConstruct));
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

  /**
   * The construct path (without `/Resource`) of a logical id as seen from `index`'s stack: a resource
   * of that stack, or of exactly one other stack of the app (a cross-stack reference). `import:NAME`
   * names the resource a CDK cross-stack export (`Stack:ExportsOutputRefLogicalId...`) refers to.
   */
  private nameOf(index: StackIndex, id: string): string | undefined {
    const strip = (p: string) => p.replace(/\/Resource$/, '');
    const imported = /^import:([^:]+):ExportsOutput(?:Ref|FnGetAtt)(.+)$/.exec(id);
    if (imported) {
      const other = this.indexes.all().find(i => i.stack.stackName === imported[1]);
      const match = [...other?.resources.values() ?? []].filter(r => imported[2].startsWith(r.logicalId))
        .sort((a, b) => b.logicalId.length - a.logicalId.length)[0];
      return match ? strip(match.path) : undefined;
    }
    const own = index.lookup(id);
    const matches = own ? [own] : this.indexes.all().map(i => i.lookup(id)).filter(v => v !== undefined);
    return matches.length === 1 ? strip(matches[0]!.path) : undefined;
  }

  private model(): ReportModel {
    const buckets: ReportBucket[] = [];
    const identityFindings: ReportFinding[] = [];
    const seen = new Set<string>();
    for (const entry of this.entries) {
      const resource = entry.resource;
      if (seen.has(resource.node.path)) { continue; }
      seen.add(resource.node.path);
      const findings: ReportFinding[] = [];
      for (const outcome of this.outcomesOf(entry).filter(isFinding)) {
        const ack = acknowledgementOf(outcome.subjectConstruct, outcome.rule.id);
        findings.push({
          ruleId: outcome.rule.id,
          status: outcome.verdict.status as ReportFinding['status'],
          resource: outcome.subjectConstruct.node.path,
          logicalId: outcome.subject.logicalId,
          detail: (outcome.verdict as { detail: string }).detail,
          acknowledged: ack && ack.reason.trim() !== '' ? { reason: ack.reason, on: ack.on } : undefined,
        });
      }
      const index = this.indexes.of(resource);
      const view = index.viewOf(resource);
      if (!view) { continue; }
      if (view.type === 'AWS::S3::Bucket') {
        buckets.push({
          stack: index.stack.node.path,
          path: resource.node.path,
          logicalId: view.logicalId,
          // The context the rules judged (the posture does not read the trusted accounts).
          context: index.bucketContext(view, entry.options.trustedAccounts),
          findings,
          names: id => this.nameOf(index, id),
        });
      } else {
        identityFindings.push(...findings);
      }
    }
    return { buckets, identityFindings, excludedRules: this.excluded };
  }
}

/**
 * Hands the resources rendered for the rules over to CDK's template synthesis, which runs right after
 * validation and would otherwise render and resolve each of them a second time: that second rendering
 * would be most of the Aspect's cost (docs/BENCHMARKS.md).
 *
 * The stack renders a resource into its template through the resource's `_toCloudFormation` (the
 * internal method `renderResource` already relies on) and resolves the result. The hand-off shadows
 * that method on the resource, once, with a function that returns the fragment rendered for the rules,
 * already resolved (resolving it again is the identity). Rules run at validation, after Aspects and
 * `prepare`, when the tree is final, so the fragment is what the stack would render.
 *
 * A hand-off is withdrawn (the method restored) when synthesis uses it, when the Aspect is invoked
 * again (the next synthesis of the app: the tree may have changed), and at the latest when the current
 * JavaScript job ends (`AppRun.releaseAtJobEnd`), so a stale rendering is never written. A resource that
 * already has its own `_toCloudFormation` on the instance is left alone.
 */
class RenderingHandOff {
  private readonly pending = new Set<CfnResource>();

  public readonly offer = (resource: CfnResource, fragment: RenderedFragment): void => {
    const target = resource as unknown as { _toCloudFormation: () => object };
    if (Object.prototype.hasOwnProperty.call(target, '_toCloudFormation')) { return; }
    target._toCloudFormation = () => {
      this.withdraw(resource);
      return fragment;
    };
    this.pending.add(resource);
  };

  public withdrawAll(): void {
    for (const resource of [...this.pending]) { this.withdraw(resource); }
  }

  private withdraw(resource: CfnResource): void {
    if (!this.pending.delete(resource)) { return; }
    delete (resource as unknown as { _toCloudFormation?: unknown })._toCloudFormation;
  }
}

/** The Stage a construct is synthesized with: its closest Stage, or the root (an App is a Stage). */
function stageOf(construct: IConstruct): IConstruct {
  return Stage.isStage(construct) ? construct : Stage.of(construct) ?? construct.node.root;
}

function isFinding(outcome: Outcome): boolean {
  return outcome.verdict.status === 'fail' || outcome.verdict.status === 'cannot-verify';
}

/** `[SB-S3-3] Stack/Bucket/Resource: Versioning is not enabled (versioning is Suspended). Fix ...` */
export function findingMessage(outcome: Outcome): string {
  const verdict = outcome.verdict as { status: string; detail: string };
  const prefix = verdict.status === 'cannot-verify' ? 'cannot verify: ' : '';
  return `[${outcome.rule.id}] ${outcome.subjectConstruct.node.path}: ${prefix}${outcome.rule.cause.replace(/\.$/, '')} (${verdict.detail}). ${outcome.rule.explanation} `
    + `Acknowledge with Validations.of(construct).acknowledge({ id: '${outcome.rule.id}', reason }) if it is intended.`;
}
