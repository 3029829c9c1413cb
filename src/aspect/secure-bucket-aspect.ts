import { AspectPriority, Aspects, IAspect, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AppRun } from './app-run';
import { FindingLevel } from './finding-level';
import { invalidProp } from '../private/errors';
import { EvaluationOptions, evaluationOptions, isJudged } from '../rules/evaluation';

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
      invalidProp('SecureBucketAspect.LevelInvalid', 'SecureBucketAspect', 'level', level, 'is not a FindingLevel', 'Use FindingLevel.WARNING or FindingLevel.ERROR.');
    }
    this.level = level;
    this.options = evaluationOptions({
      listUnresolved: 'SecureBucketAspect.OptionListUnresolved',
      valueUnresolved: 'SecureBucketAspect.OptionValueUnresolved',
      valueEmpty: 'SecureBucketAspect.OptionValueEmpty',
      administratorArnMalformed: 'SecureBucketAspect.AdministratorArnMalformed',
      trustedAccountMalformed: 'SecureBucketAspect.TrustedAccountMalformed',
      excludedRuleUnknown: 'SecureBucketAspect.ExcludedRuleUnknown',
      excludedRuleReasonMissing: 'SecureBucketAspect.ExcludedRuleReasonMissing',
    }, 'SecureBucketAspect', props);
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
