import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { IDENTITY_POLICY_TYPES, StackIndex } from './context';
import { BucketContext, ResourceView, Rule, Verdict } from './model';
import { BUCKET_SCOPED_RULES, IDENTITY_RULES } from './rules';

/** Options shared by every evaluation. */
export interface EvaluationOptions {
  readonly administratorArns: string[];
  readonly trustedAccounts: string[];
  readonly excludedRules: ReadonlySet<string>;
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
    && (resource.cfnResourceType === 'AWS::S3::Bucket' || IDENTITY_POLICY_TYPES.includes(resource.cfnResourceType));
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
    for (const entry of scope.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) { continue; }
      for (const [id, reason] of Object.entries<any>(entry.data ?? {})) {
        if (id === ruleId || id.endsWith(`::${ruleId}`)) {
          return { reason: typeof reason === 'string' ? reason : '', on: scope.node.path };
        }
      }
    }
  }
  return undefined;
}

/** One StackIndex per stack for one evaluation pass. */
export class IndexCache {
  private readonly indexes = new Map<Stack, StackIndex>();

  public of(resource: IConstruct): StackIndex {
    const stack = Stack.of(resource);
    let index = this.indexes.get(stack);
    if (!index) {
      index = new StackIndex(stack);
      this.indexes.set(stack, index);
    }
    return index;
  }
}
