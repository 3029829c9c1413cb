import * as fs from 'fs';
import * as path from 'path';
import { Annotations, App, CfnResource, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { FindingLevel } from './finding-level';
import { RenderingHandOff } from './rendering-hand-off';
import { renderReport, ReportBucket, ReportFinding, ReportModel } from './report';
import { stateOf } from '../private/construct-state';
import { validationMessage } from '../private/errors';
import { stackOf } from '../private/tree';
import { RenderedFragment, StackIndex } from '../rules/engine/context';
import { isAdvisory } from '../rules/engine/model';
import { acknowledgementOf, evaluateResource, EvaluationOptions, IndexCache, isJudged, Outcome } from '../rules/evaluation';

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
export class AppRun {
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
  /** The Stages an Aspect visited (the app included). */
  private readonly visitedStages = new Set<IConstruct>();
  /** The options and level of the first Aspect that judged a resource of the app itself (not of a Stage in it). */
  private appAspect?: { readonly options: EvaluationOptions; readonly level: FindingLevel };
  private releaseScheduled = false;

  private constructor(private readonly root: IConstruct) {
    root.node.addValidation({
      validate: () => {
        this.validating = root;
        this.validatedStages.add(root);
        const messages = this.adoptUnvisitedStages();
        this.report();
        return messages;
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
    this.visitedStages.add(stage);
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
    if (this.appAspect === undefined && stageOf(resource) === this.root) { this.appAspect = { options, level }; }
    const entry: Entry = { resource, options, level };
    this.entries.push(entry);
    resource.node.addValidation({
      validate: () => {
        this.validating = stageOf(resource);
        return this.outcomesOf(entry).filter(isFinding).flatMap(outcome => this.raise(outcome, level));
      },
    });
  }

  /**
   * Judges, with the options of the app's Aspect, the resources of the Stages no Aspect visited: an
   * Aspect added to an App does not reach the Stages inside it, and CDK Pipelines synthesizes a Stage
   * in `pipeline.addStage`, before any Aspect of the app runs. The Stages are synthesized already, so
   * their findings are returned as the app's errors (level ERROR) and written to the report, and the
   * Stack that holds such a Stage gets a warning saying how to judge the Stage as it is synthesized.
   */
  private adoptUnvisitedStages(): string[] {
    const aspect = this.appAspect;
    if (aspect === undefined) { return []; }
    const recorded = new Set(this.entries.map(entry => entry.resource));
    const messages: string[] = [];
    for (const stage of this.root.node.findAll().filter(c => c !== this.root && Stage.isStage(c))) {
      if (this.visitedStages.has(stage)) { continue; }
      const resources = stage.node.findAll().filter((c): c is CfnResource => isJudged(c) && stageOf(c) === stage && !recorded.has(c));
      if (resources.length === 0) { continue; }
      this.visitedStages.add(stage);
      let findings = 0;
      for (const resource of resources) {
        const entry: Entry = { resource, options: aspect.options, level: aspect.level };
        this.entries.push(entry);
        const found = this.outcomesOf(entry).filter(isFinding);
        findings += found.length;
        messages.push(...found.flatMap(outcome => this.raise(outcome, aspect.level)));
      }
      const holder = stage.node.scope ? stackOf(stage.node.scope) : undefined;
      if (holder) {
        Annotations.of(holder).addWarningV2('cdk-secure-bucket:SecureBucketAspect.stageNotVisited',
          `Stage ${stage.node.path} was synthesized without SecureBucketAspect (an Aspect added to an App does not reach its Stages, and CDK `
          + `Pipelines synthesizes a Stage in pipeline.addStage): its ${resources.length} resources were judged from the app `
          + `(${findings} findings, in secure-bucket-report.json${aspect.level === FindingLevel.ERROR ? ' and as errors' : ''}), but its stacks carry no `
          + 'finding. Call SecureBucketAspect.applyTo(this) in the Stage\'s constructor to judge it as it is synthesized.');
      }
    }
    return messages;
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
      return [validationMessage('SecureBucketAspect.AcknowledgementReasonMissing',
        `[${outcome.rule.id}] the acknowledgement on ${ack.on} has no reason: give one, e.g. Validations.of(x).acknowledge({ id: '${outcome.rule.id}', reason: '...' }). ${message}`)];
    }
    // An advisory finding (a setting S3 applies by default, not declared) is a warning at every level.
    if (level === FindingLevel.ERROR && !isAdvisory(outcome.verdict)) {
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
    const outsideBucketPolicyFindings: ReportFinding[] = [];
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
          advisory: isAdvisory(outcome.verdict) || undefined,
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
      } else if (view.type === 'AWS::S3::BucketPolicy') {
        outsideBucketPolicyFindings.push(...findings);
      } else {
        identityFindings.push(...findings);
      }
    }
    return { buckets, identityFindings, outsideBucketPolicyFindings, excludedRules: this.excluded };
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
