/**
 * The rule model: what a rule is, what it judges and what it returns. Rules judge L1
 * resources only (their rendered CloudFormation), so a SecureBucket and a bucket from any
 * other construct are judged by the same code.
 */

import { isIntrinsic } from '../../private/template-values';

export { globMatch, isIntrinsic } from '../../private/template-values';

/** One CloudFormation resource, as it will be deployed (intrinsics kept as objects). */
export interface ResourceView {
  readonly logicalId: string;
  /** Construct path of the L1. */
  readonly path: string;
  readonly type: string;
  readonly properties: any;
  /** `DeletionPolicy`: a string, or an intrinsic (an object) when it is set from a parameter. */
  readonly deletionPolicy?: string | { readonly [key: string]: unknown };
  /** `UpdateReplacePolicy`, as `deletionPolicy`. */
  readonly updateReplacePolicy?: string | { readonly [key: string]: unknown };
  /** The CloudFormation `Condition` the resource is created under, if any: it may not exist when deployed. */
  readonly condition?: string;
}

/** What a rule says about one resource. */
export type Verdict =
  | { readonly status: 'pass' }
  | { readonly status: 'not-applicable' }
  | { readonly status: 'fail'; readonly detail: string; readonly advisory?: boolean }
  | { readonly status: 'cannot-verify'; readonly detail: string };

export const PASS: Verdict = { status: 'pass' };
export const NOT_APPLICABLE: Verdict = { status: 'not-applicable' };
export function fail(detail: string): Verdict { return { status: 'fail', detail }; }
/**
 * A failure that AWS's creation default covers for now: the setting is not declared, S3 applies it to
 * a new bucket, and nothing keeps it after (anyone allowed to change it can). Always a warning, never
 * an error, whatever the finding level: the fix (declaring the setting) changes nothing deployed today.
 */
export function advisory(detail: string): Verdict { return { status: 'fail', detail, advisory: true }; }
/** Whether a verdict is an advisory failure (`advisory`). */
export function isAdvisory(verdict: Verdict): boolean { return verdict.status === 'fail' && verdict.advisory === true; }
export function cannotVerify(detail: string): Verdict { return { status: 'cannot-verify', detail }; }

/** Everything a bucket rule may look at: the bucket and the L1s of its stack that concern it. */
export interface BucketContext {
  readonly bucket: ResourceView;
  /** The bucket policies whose `Bucket` refers to this bucket. */
  readonly policies: ResourceView[];
  /** True when another bucket of the stack sends its server access logs here, or a CloudFront distribution its standard logs. */
  readonly isLogTarget: boolean;
  /**
   * True when a CloudFront distribution of the stack writes its standard (legacy) logs here: CloudFront
   * writes them with ACLs, so the bucket needs ACLs enabled (ObjectWriter or BucketOwnerPreferred).
   */
  readonly isCloudFrontLogTarget?: boolean;
  /** The KMS key of the stack that encrypts the bucket, when it is one. */
  readonly key?: ResourceView;
  /** The bucket's account when known at synth. */
  readonly account?: string;
  /** The bucket's region when known at synth. */
  readonly region?: string;
  /** The name of the bucket's stack: other stacks import its values through exports named after it. */
  readonly stackName?: string;
  /**
   * The bucket name as its stack's policies may write it: the literal `BucketName`, or the name an
   * expression of literals and pseudo parameters denotes (`data-${AWS::AccountId}`, with the account put
   * in where known); undefined for a generated or unknown name.
   */
  readonly denotedName?: string;
  /** Accounts, besides the bucket's, whose principals may appear in its policy. */
  readonly trustedAccounts: string[];
  /**
   * Bucket policies of the stack whose `Bucket` is not known at synth (a parameter, an import):
   * any of them may be attached to this bucket.
   */
  readonly unattributedPolicies?: ResourceView[];
  /**
   * Bucket policies of other stacks of the app attached to this bucket (through a cross-stack export of its
   * name, or its literal name); also in `policies`.
   */
  readonly policiesInOtherStacks?: ResourceView[];
  /** Looks up a resource of the bucket's stack by logical id (to tell a reference to a role from one to a parameter). */
  readonly lookup?: (logicalId: string) => ResourceView | undefined;
}

/** Everything an IAM rule may look at. */
export interface IdentityPolicyContext {
  readonly resource: ResourceView;
  /** The policy documents the resource grants (inline documents of a role, user or group, or the policy's own). */
  readonly documents: any[];
  /** Who holds the permissions, as ARN-like strings (`arn:aws:iam::111111111111:role/name`) or `<...>` when the name is not known. */
  readonly principals: string[];
  /** Who holds the permissions, with what is known about each. Same order as `principals`. */
  readonly holders?: PolicyHolder[];
  /**
   * Policies the holder has whose statements are not known at synth (a customer-managed policy
   * outside the stack, an unresolved ARN), described for a message.
   */
  readonly unknownDocuments?: string[];
  /** Principal ARN patterns allowed to administer buckets. */
  readonly administratorArns: string[];
}

/** A role, user or group that holds an identity policy. */
export interface PolicyHolder {
  readonly kind: 'role' | 'user' | 'group' | 'unknown';
  /** `arn:aws:iam::ACCOUNT:KIND/PATH/NAME`; ACCOUNT is `*` when the stack's account is not known. Absent for `unknown`. */
  readonly arn?: string;
  /** True when the name is generated by CloudFormation (then `arn` ends in `*`). */
  readonly generatedName?: boolean;
  /** Construct path of the role, user or group when it is in the stack. */
  readonly path?: string;
  /** How it is shown in messages. */
  readonly display: string;
}

/** Where a finding is reported. */
export type RuleTarget = 'bucket' | 'key' | 'identity-policy';

/** Which buckets a bucket rule judges. */
export type BucketKind = 'data' | 'log' | 'any';

interface RuleInfo {
  /** Stable id: `SB-S3-n`, `SB-KMS-n`, `SB-IAM-n`. Never reused. */
  readonly id: string;
  /** One line: what is wrong when the rule fails. */
  readonly cause: string;
  /** Why it matters and how to fix it. */
  readonly explanation: string;
  /** One sentence: the CloudFormation properties and resources the rule reads (RULES.md shows it). */
  readonly reads: string;
  /**
   * Corresponding controls: AWS Security Hub, CIS AWS Foundations, cdk-nag, Control Tower. A control that
   * matches only in part says how, in a few words, in parentheses.
   */
  readonly controls: string[];
}

/** A rule over a bucket and what concerns it in its stack. */
export interface BucketRule extends RuleInfo {
  readonly target: 'bucket' | 'key';
  /** Data buckets, log buckets (the target of another bucket's server access logs) or both. */
  readonly appliesTo: BucketKind;
  /**
   * The rule reads the bucket policy alone: it also judges a bucket policy of the app on a bucket
   * outside the app (deploying the policy replaces that bucket's own).
   */
  readonly readsPolicyOnly?: boolean;
  check(context: BucketContext): Verdict;
}

/** A rule over an identity policy (AWS::IAM::Policy, ManagedPolicy, or the inline policies of a role, user or group). */
export interface IdentityPolicyRule extends RuleInfo {
  readonly target: 'identity-policy';
  check(context: IdentityPolicyContext): Verdict;
}

export type Rule = BucketRule | IdentityPolicyRule;

/** A rule's verdict on one resource that is not a pass. */
export interface Finding {
  readonly ruleId: string;
  readonly status: 'fail' | 'cannot-verify';
  readonly logicalId: string;
  readonly path: string;
  readonly message: string;
}

/** True when a value holds an intrinsic anywhere. */
export function containsIntrinsic(value: unknown): boolean {
  if (isIntrinsic(value)) { return true; }
  if (Array.isArray(value)) { return value.some(containsIntrinsic); }
  if (value && typeof value === 'object') { return Object.values(value).some(containsIntrinsic); }
  return false;
}

/** The logical id an intrinsic refers to (`Ref`, `Fn::GetAtt`), or undefined. */
export function referencedLogicalId(value: unknown): string | undefined {
  const v = value as any;
  if (v && typeof v === 'object') {
    if (typeof v.Ref === 'string') { return v.Ref; }
    if (Array.isArray(v['Fn::GetAtt'])) { return v['Fn::GetAtt'][0]; }
    if (typeof v['Fn::GetAtt'] === 'string') { return v['Fn::GetAtt'].split('.')[0]; }
  }
  return undefined;
}

/** Values of a policy element that may be a string or a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) { return []; }
  return Array.isArray(value) ? value : [value];
}

/**
 * A container value that is an intrinsic (so its content is not known at synth) when `dig` walks
 * through it.
 */
export const UNKNOWN: unique symbol = Symbol('unknown at synth');

/**
 * The value at `path` inside `value`: `UNKNOWN` when a container on the way is a CloudFormation
 * intrinsic (its content is not known at synth), undefined when absent. The leaf is returned as
 * it is, intrinsic or not.
 */
export function dig(value: unknown, ...path: (string | number)[]): unknown {
  let v: any = value;
  for (const key of path) {
    if (v === UNKNOWN || isIntrinsic(v)) { return UNKNOWN; }
    if (v === undefined || v === null || typeof v !== 'object') { return undefined; }
    v = v[key];
  }
  return v;
}

/** True for `UNKNOWN` or an intrinsic: a value not known at synth. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN || isIntrinsic(value);
}
