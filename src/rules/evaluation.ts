import { CfnResource, Stack, Stage, Token, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { IDENTITY_POLICY_TYPES, RenderedCallback, StackIndex } from './engine/context';
import { BucketContext, ResourceView, Rule, Verdict } from './engine/model';
import { BUCKET_SCOPED_RULES, IDENTITY_RULES, ruleById } from './registry';
import { invalidProp } from '../private/errors';
import { PRINCIPAL_HELP, principalProblem } from '../private/principals';

/** Options shared by every evaluation. */
export interface EvaluationOptions {
  readonly administratorArns: string[];
  readonly trustedAccounts: string[];
  readonly excludedRules: ReadonlySet<string>;
}

/** The options of the Aspect and of the cdk-nag pack, as given by the user. */
export interface EvaluationOptionsInput {
  readonly administratorArns?: string[];
  readonly trustedAccounts?: string[];
  readonly excludedRules?: { [ruleId: string]: string };
}

/** The error codes of `evaluationOptions`, one per condition, given by the front door (Aspect or cdk-nag pack) that validates them. */
export interface EvaluationOptionCodes {
  /** `administratorArns` or `trustedAccounts` is a token or not a list. */
  readonly listUnresolved: string;
  /** An element of such a list is a token. */
  readonly valueUnresolved: string;
  /** An element of such a list is empty. */
  readonly valueEmpty: string;
  /** An element of `administratorArns` is not a principal ARN or pattern. */
  readonly administratorArnMalformed: string;
  /** An element of `trustedAccounts` is not a 12-digit account id. */
  readonly trustedAccountMalformed: string;
  /** A key of `excludedRules` names no rule. */
  readonly excludedRuleUnknown: string;
  /** A value of `excludedRules` is empty. */
  readonly excludedRuleReasonMissing: string;
}

/**
 * Validates user options (throws a clear error naming `owner` and the prop) and returns them as
 * `EvaluationOptions`.
 */
export function evaluationOptions(codes: EvaluationOptionCodes, owner: string, props: EvaluationOptionsInput): EvaluationOptions {
  const lists = { administratorArns: props.administratorArns, trustedAccounts: props.trustedAccounts };
  for (const [prop, list] of Object.entries(lists)) {
    if (list !== undefined && (Token.isUnresolved(list) || !Array.isArray(list))) {
      invalidProp(codes.listUnresolved, owner, prop, list, 'must be a list known at synth', 'Give a list of literal strings.');
    }
    (list ?? []).forEach((v, i) => {
      if (Token.isUnresolved(v)) {
        invalidProp(codes.valueUnresolved, owner, `${prop}[${i}]`, v, 'is not known at synth, so no principal can be checked against it', 'Give a literal value.');
      }
      if (typeof v !== 'string' || v.trim() === '') {
        invalidProp(codes.valueEmpty, owner, `${prop}[${i}]`, v, 'is empty', 'Remove it or give a value.');
      }
    });
  }
  (props.administratorArns ?? []).forEach((a, i) => {
    // A group holds identity policies too; '*': every principal administers (the allow-list judges nothing).
    const problem = principalProblem(a, true);
    if (problem) {
      invalidProp(codes.administratorArnMalformed, owner, `administratorArns[${i}]`, a, `is malformed: ${problem}`, PRINCIPAL_HELP);
    }
  });
  (props.trustedAccounts ?? []).forEach((a, i) => {
    if (!/^\d{12}$/.test(a)) {
      invalidProp(codes.trustedAccountMalformed, owner, `trustedAccounts[${i}]`, a, 'is not a 12-digit AWS account id', 'Use an account id such as 111111111111.');
    }
  });
  for (const [id, reason] of Object.entries(props.excludedRules ?? {})) {
    if (!ruleById(id)) {
      invalidProp(codes.excludedRuleUnknown, owner, 'excludedRules', id, 'names no rule', 'Use a rule id from RULES.md, such as SB-S3-11.');
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      invalidProp(codes.excludedRuleReasonMissing, owner, `excludedRules[${id}]`, reason, 'needs a reason', 'Say why the rule does not apply to this app.');
    }
  }
  return {
    administratorArns: [...(props.administratorArns ?? [])],
    trustedAccounts: [...(props.trustedAccounts ?? [])],
    excludedRules: new Set(Object.keys(props.excludedRules ?? {})),
  };
}

/** A rule's verdict on one resource, and where it is reported. */
export interface Outcome {
  readonly rule: Rule;
  readonly verdict: Verdict;
  /** The resource the finding is reported on (the bucket, its key, or the identity policy). */
  readonly subject: ResourceView;
  readonly subjectConstruct: CfnResource;
}

/** Whether a resource is judged by the rules. */
export function isJudged(resource: IConstruct): resource is CfnResource {
  return CfnResource.isCfnResource(resource)
    && (resource.cfnResourceType === 'AWS::S3::Bucket' || resource.cfnResourceType === 'AWS::S3::BucketPolicy'
      || IDENTITY_POLICY_TYPES.includes(resource.cfnResourceType));
}

/** Every rule's verdict on one resource. */
export function evaluateResource(resource: CfnResource, index: StackIndex, options: EvaluationOptions): Outcome[] {
  const view = index.viewOf(resource);
  if (!view) { return []; }
  if (view.type === 'AWS::S3::Bucket') {
    const context = index.bucketContext(view, options.trustedAccounts);
    return BUCKET_SCOPED_RULES
      .filter(rule => !options.excludedRules.has(rule.id) && appliesTo(rule.appliesTo, context))
      .map(rule => {
        const onKey = rule.target === 'key' && context.key !== undefined;
        const subject = onKey ? context.key! : view;
        return { rule, verdict: rule.check(context), subject, subjectConstruct: onKey ? index.constructOf(subject.logicalId)! : resource };
      });
  }
  if (view.type === 'AWS::S3::BucketPolicy') {
    // A policy on a bucket outside the app: the rules that read the policy alone judge it, naming the bucket.
    const context = index.outsideBucketContext(view, options.trustedAccounts);
    if (!context) { return []; }
    const outside = `on ${context.bucket.path}, which this app does not define (deploying the policy replaces that bucket's own)`;
    return BUCKET_SCOPED_RULES
      .filter(rule => rule.readsPolicyOnly && !options.excludedRules.has(rule.id))
      .map(rule => {
        const verdict = rule.check(context);
        const named: Verdict = verdict.status === 'fail' || verdict.status === 'cannot-verify' ? { ...verdict, detail: `${verdict.detail}; ${outside}` } : verdict;
        return { rule, verdict: named, subject: view, subjectConstruct: resource };
      });
  }
  if (IDENTITY_POLICY_TYPES.includes(view.type)) {
    const context = index.identityPolicyContext(view, options.administratorArns);
    return IDENTITY_RULES
      .filter(rule => !options.excludedRules.has(rule.id))
      .map(rule => ({ rule, verdict: rule.check(context), subject: view, subjectConstruct: resource }));
  }
  return [];
}

function appliesTo(kind: 'data' | 'log' | 'any', context: BucketContext): boolean {
  return kind === 'any' || (kind === 'log') === context.isLogTarget;
}

/** An acknowledgement found on a construct or one of its ancestors. */
export interface Acknowledgement {
  readonly reason: string;
  /** Path of the construct the acknowledgement was made on. */
  readonly on: string;
}

/**
 * The acknowledgement of `ruleId` on `construct` or an ancestor, made with
 * `Validations.of(scope).acknowledge({ id, reason })` (which may qualify the id as `Annotation::ID`).
 */
export function acknowledgementOf(construct: IConstruct, ruleId: string): Acknowledgement | undefined {
  for (const scope of [...construct.node.scopes].reverse()) {
    let found: Acknowledgement | undefined;
    for (const entry of scope.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) { continue; }
      for (const [id, reason] of Object.entries<any>(entry.data ?? {})) {
        if (id === ruleId || id.endsWith(`::${ruleId}`)) {
          // The last acknowledgement with a reason wins over one without.
          const ack = { reason: typeof reason === 'string' ? reason : '', on: scope.node.path || '(app)' };
          if (!found || ack.reason.trim() !== '' || found.reason.trim() === '') { found = ack; }
        }
      }
    }
    if (found) { return found; }
  }
  return undefined;
}

/** One StackIndex per stack for one evaluation pass. */
export class IndexCache {
  private readonly indexes = new Map<Stack, StackIndex>();
  /** The stacks of each Stage (the app is one) that hold a bucket policy, found once (`policiesInOtherStacks`). */
  private readonly policyStacks = new Map<IConstruct, Stack[]>();
  /** The names of the buckets of each Stage (the app is one), found once (`isAppBucketName`). */
  private readonly bucketNames = new Map<IConstruct, Set<string>>();

  /** @param onRendered receives the template fragment of every resource rendered for the rules */
  constructor(private readonly onRendered?: RenderedCallback) {}

  /** Forgets the indexes of the stacks `predicate` selects: they are built again when next needed. */
  public drop(predicate: (stack: Stack) => boolean): void {
    for (const stack of [...this.indexes.keys()]) {
      if (predicate(stack)) { this.indexes.delete(stack); }
    }
    this.policyStacks.clear();
    this.bucketNames.clear();
  }

  /** The indexes built so far. */
  public all(): StackIndex[] {
    return [...this.indexes.values()];
  }

  public of(resource: IConstruct): StackIndex {
    const stack = Stack.of(resource);
    let index = this.indexes.get(stack);
    if (!index) {
      index = new StackIndex(stack, this.onRendered, bucket => this.policiesInOtherStacks(stack, bucket), name => this.isAppBucketName(stack, name));
      this.indexes.set(stack, index);
    }
    return index;
  }

  /** Whether a bucket of `stack`'s Stage (the app, or the Stage it is in) has the name `name` (as `StackIndex.denotedName` gives it). */
  private isAppBucketName(stack: Stack, name: string): boolean {
    const stage = Stage.of(stack) ?? stack.node.root;
    let names = this.bucketNames.get(stage);
    if (!names) {
      names = new Set<string>();
      for (const c of stage.node.findAll()) {
        if (!CfnResource.isCfnResource(c) || c.cfnResourceType !== 'AWS::S3::Bucket' || (Stage.of(c) ?? c.node.root) !== stage) { continue; }
        const index = this.of(c);
        const denoted = index.denotedName(index.viewOf(c)?.properties?.BucketName);
        if (denoted !== undefined) { names.add(denoted); }
      }
      this.bucketNames.set(stage, names);
    }
    return names.has(name);
  }

  /**
   * The bucket policies of the app's other stacks attached to `bucket` of `stack`: only one policy per
   * bucket takes effect, so a second one in another stack silently replaces the bucket's own.
   */
  private policiesInOtherStacks(stack: Stack, bucket: ResourceView): ResourceView[] {
    // A cross-stack reference stays within one Stage (an assembly); the stacks of other Stages are synthesized apart.
    const stage = Stage.of(stack) ?? stack.node.root;
    let stacks = this.policyStacks.get(stage);
    if (!stacks) {
      const found = new Set<Stack>();
      for (const c of stage.node.findAll()) {
        if (CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::S3::BucketPolicy' && (Stage.of(c) ?? c.node.root) === stage) {
          found.add(Stack.of(c));
        }
      }
      stacks = [...found];
      this.policyStacks.set(stage, stacks);
    }
    const name = this.of(stack).denotedName(bucket.properties?.BucketName);
    return stacks.filter(s => s !== stack).flatMap(s => this.of(s).policiesAttachedTo(stack.stackName, bucket, name));
  }
}
