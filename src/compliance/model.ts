/**
 * The rule model: what a rule is, what it judges and what it returns. Rules judge L1
 * resources only (their rendered CloudFormation), so a SecureBucket and a bucket from any
 * other construct are judged by the same code.
 */

/** One CloudFormation resource, as it will be deployed (intrinsics kept as objects). */
export interface ResourceView {
  readonly logicalId: string;
  /** Construct path of the L1. */
  readonly path: string;
  readonly type: string;
  readonly properties: any;
  readonly deletionPolicy?: string;
}

/** What a rule says about one resource. */
export type Verdict =
  | { readonly status: 'pass' }
  | { readonly status: 'not-applicable' }
  | { readonly status: 'fail'; readonly detail: string }
  | { readonly status: 'cannot-verify'; readonly detail: string };

export const PASS: Verdict = { status: 'pass' };
export const NOT_APPLICABLE: Verdict = { status: 'not-applicable' };
export function fail(detail: string): Verdict { return { status: 'fail', detail }; }
export function cannotVerify(detail: string): Verdict { return { status: 'cannot-verify', detail }; }

/** Everything a bucket rule may look at: the bucket and the L1s of its stack that concern it. */
export interface BucketContext {
  readonly bucket: ResourceView;
  /** The bucket policies whose `Bucket` refers to this bucket. */
  readonly policies: ResourceView[];
  /** True when another bucket of the stack sends its server access logs here. */
  readonly isLogTarget: boolean;
  /** The KMS key of the stack that encrypts the bucket, when it is one. */
  readonly key?: ResourceView;
  /** The bucket's account when known at synth. */
  readonly account?: string;
  /** Accounts, besides the bucket's, whose principals may appear in its policy. */
  readonly trustedAccounts: string[];
}

/** Everything an IAM rule may look at. */
export interface IdentityPolicyContext {
  readonly resource: ResourceView;
  /** The policy documents the resource grants (inline documents of a role, user or group, or the policy's own). */
  readonly documents: any[];
  /** Who holds the permissions, as ARN-like strings (`arn:aws:iam::111111111111:role/name`) or `<construct path>` when the name is not known. */
  readonly principals: string[];
  /** Principal ARN patterns allowed to administer buckets. */
  readonly administratorArns: string[];
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
  /** Corresponding controls: AWS Security Hub, CIS AWS Foundations, cdk-nag, Control Tower. */
  readonly controls: string[];
}

/** A rule over a bucket and what concerns it in its stack. */
export interface BucketRule extends RuleInfo {
  readonly target: 'bucket' | 'key';
  /** Data buckets, log buckets (the target of another bucket's server access logs) or both. */
  readonly appliesTo: BucketKind;
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

/** True for a CloudFormation intrinsic (`Ref`, `Fn::...`): a value not known at synth. */
export function isIntrinsic(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) { return false; }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
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

/** IAM-style glob match (`*` and `?`), case-insensitive as IAM actions are. */
export function globMatch(pattern: string, value: string, caseInsensitive = true): boolean {
  const source = '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
  return new RegExp(source, caseInsensitive ? 'i' : '').test(value);
}
