import { CfnResource, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { FindingLevel } from '../aspect/finding-level';
import { isAdvisory } from '../rules/engine/model';
import { acknowledgementOf, evaluateResource, EvaluationOptions, evaluationOptions, IndexCache, isJudged, Outcome } from '../rules/evaluation';

/**
 * Properties of the `SecureBucketChecks` pack.
 */
export interface SecureBucketChecksProps extends NagPackProps {
  /**
   * Whether findings are errors (synth fails) or warnings (reported, synth goes on).
   *
   * @default FindingLevel.ERROR
   */
  readonly level?: FindingLevel;

  /**
   * Principals allowed to hold bucket-administration permissions (rule SB-IAM-1): full IAM ARNs
   * with wildcards or role names, as for `SecureBucketAspect`.
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
   * Rules not evaluated at all, each with the reason. Prefer acknowledging a finding on the one
   * resource it concerns with `Validations.of(resource).acknowledge(...)`.
   *
   * @default - every rule is evaluated
   */
  readonly excludedRules?: { [ruleId: string]: string };
}

/** The `packName` cdk-nag puts before every rule suffix: the rule ids become exactly the `SB-*` ids. */
const PACK_PREFIX = 'SB';

/** The finding raised instead of a rule's own when it is acknowledged without a reason. */
const NO_REASON = 'AcknowledgementWithoutReason';

/**
 * The secure-bucket rules as a cdk-nag 3 pack, for teams already on cdk-nag.
 *
 * It runs the same rule functions as `SecureBucketAspect`, over every bucket, the KMS keys that
 * encrypt them and every IAM identity policy of the scope, stacks in `Stage`s included. A value the
 * rules cannot verify at synth is a finding, never a pass.
 *
 * Rule ids are the rules' own (`SB-S3-3`, `SB-KMS-1`, `SB-IAM-1`; cdk-nag forms them as
 * `<packName>-<suffix>` with pack name `SB`), so one acknowledgement,
 * `Validations.of(resource).acknowledge({ id: 'SB-S3-3', reason })`, silences a finding in this
 * pack and in the Aspect. An acknowledgement needs a reason: one without is reported as
 * `<rule id>[AcknowledgementWithoutReason]`, e.g. `SB-S3-4[AcknowledgementWithoutReason]`.
 *
 * Register it with `Validations.of(app).addPlugins(new nag.SecureBucketChecks(app))` (needs an
 * aws-cdk-lib that passes the construct tree to validation plugins), or call
 * `validateScope(scope)` directly.
 *
 * @example
 * const app = new App();
 * Validations.of(app).addPlugins(new nag.SecureBucketChecks(app));
 */
export class SecureBucketChecks extends NagPack {
  /** The plugin name shown in CDK's validation report. */
  public readonly name = 'SecureBucketChecks';

  private readonly options: EvaluationOptions;
  private readonly level: NagMessageLevel;
  private indexes = new IndexCache();
  private readonly reported = new Set<string>();
  /** What was found, by rule id and construct path, for `splitByFinding`. */
  private readonly findings = new Map<string, string>();

  constructor(scope?: IConstruct, props: SecureBucketChecksProps = {}) {
    super(scope, props);
    this.packName = PACK_PREFIX;
    this.options = evaluationOptions({
      listUnresolved: 'SecureBucketChecks.OptionListUnresolved',
      valueUnresolved: 'SecureBucketChecks.OptionValueUnresolved',
      valueEmpty: 'SecureBucketChecks.OptionValueEmpty',
      administratorArnMalformed: 'SecureBucketChecks.AdministratorArnMalformed',
      trustedAccountMalformed: 'SecureBucketChecks.TrustedAccountMalformed',
      excludedRuleUnknown: 'SecureBucketChecks.ExcludedRuleUnknown',
      excludedRuleReasonMissing: 'SecureBucketChecks.ExcludedRuleReasonMissing',
    }, 'SecureBucketChecks', props);
    this.level = (props.level ?? FindingLevel.ERROR) === FindingLevel.ERROR ? NagMessageLevel.ERROR : NagMessageLevel.WARN;
  }

  /**
   * Evaluates every rule over `scope` and returns the findings that are not acknowledged.
   * The report succeeds unless a finding is an error (so `FindingLevel.WARNING` does not fail synth).
   */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    // Each validation judges the tree as it is now.
    this.indexes = new IndexCache();
    this.reported.clear();
    this.findings.clear();
    const report = super.validateScope(scope);
    return { ...report, violations: report.violations.flatMap(v => this.splitByFinding(v)), success: report.violations.every(v => v.severity !== 'error') };
  }

  /**
   * cdk-nag reports a rule's violating resources under one description, the first one's: one
   * violation per distinct finding instead, so each resource is reported with what was found on it.
   */
  private splitByFinding(violation: PolicyViolation): PolicyViolation[] {
    const byFinding = new Map<string, PolicyViolation['violatingResources']>();
    for (const resource of violation.violatingResources) {
      const finding = this.findings.get(`${violation.ruleName} ${resource.constructPath}`) ?? violation.description;
      byFinding.set(finding, [...byFinding.get(finding) ?? [], resource]);
    }
    return [...byFinding].map(([description, violatingResources]) => ({ ...violation, description, violatingResources }));
  }

  protected checkResource(node: CfnResource): void {
    if (!isJudged(node)) { return; }
    for (const outcome of evaluateResource(node, this.indexes.of(node), this.options)) {
      this.report(outcome);
    }
  }

  /** Reports one verdict that is not a pass, once per rule and resource, unless it is acknowledged with a reason. */
  private report(outcome: Outcome): void {
    const verdict = outcome.verdict;
    if (verdict.status !== 'fail' && verdict.status !== 'cannot-verify') { return; }
    const subject = outcome.subjectConstruct;
    const key = `${outcome.rule.id} ${subject.node.path}`;
    if (this.reported.has(key)) { return; }
    this.reported.add(key);

    const ack = acknowledgementOf(subject, outcome.rule.id);
    if (ack && ack.reason.trim() !== '') { return; }
    // The value found, and whether it is a failure or a value not known at synth, as in SecureBucketAspect's findings.
    const finding = `${verdict.status === 'cannot-verify' ? 'Cannot verify: ' : ''}${outcome.rule.cause.replace(/\.$/, '')} (${verdict.detail}).`;
    const info = ack
      ? `${finding} The acknowledgement of ${outcome.rule.id} has no reason: give one with Validations.of(x).acknowledge({ id, reason }).`
      : finding;
    this.findings.set(`${ack ? `${outcome.rule.id}[${NO_REASON}]` : outcome.rule.id} ${subject.node.path}`, info);
    this.applyRule({
      ruleSuffixOverride: outcome.rule.id.slice(PACK_PREFIX.length + 1),
      info,
      explanation: outcome.rule.explanation,
      // An advisory finding (a setting S3 applies by default, not declared) is a warning at every level.
      level: isAdvisory(verdict) ? NagMessageLevel.WARN : this.level,
      node: subject,
      rule: () => (ack ? [NO_REASON] : NagRuleCompliance.NON_COMPLIANT),
    });
  }
}
