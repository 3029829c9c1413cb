import { asList, BucketContext, dig, fail, globMatch, isIntrinsic, ResourceView, UNKNOWN, Verdict } from './model';
import { bucketStatements, isAnyPrincipal, knownValue, render } from './policy';

/** What the bucket rules read of a bucket and its policies, beyond the generic policy readers of ./policy. */

export const SSE_BY_DEFAULT = ['BucketEncryption', 'ServerSideEncryptionConfiguration', 0, 'ServerSideEncryptionByDefault'];

/** The bucket's default encryption (the first server-side encryption rule), UNKNOWN when it is an intrinsic. */
/**
 * Whether the bucket is configured as a website (`WebsiteConfiguration`): the S3 website endpoint serves
 * HTTP only, so TLS is up to what serves it (CloudFront); an intrinsic counts as a website.
 */
export function isWebsite(bucket: ResourceView): boolean {
  return bucket.properties?.WebsiteConfiguration !== undefined;
}

/**
 * A policy check judged on each bucket policy that can be in effect. Only one AWS::S3::BucketPolicy takes
 * effect per bucket (the last deployed replaces the others, SB-S3-15), so Denies a bucket must have count
 * only when every policy attached to it has them: combining the statements of all of them would credit
 * one policy with another's Deny. With one policy (or none) this is `check` itself.
 */
export function inEveryPolicy(ctx: BucketContext, check: (ctx: BucketContext) => Verdict): Verdict {
  if (ctx.policies.length <= 1) { return check(ctx); }
  const verdicts = ctx.policies.map(policy => ({ policy, verdict: check({ ...ctx, policies: [policy] }) }));
  const failed = verdicts.find(v => v.verdict.status === 'fail');
  if (failed) {
    return fail(`in the bucket policy ${failed.policy.path.replace(/\/Resource$/, '')} (one of ${ctx.policies.length} attached, of which only one takes effect): `
      + (failed.verdict as { detail: string }).detail);
  }
  const unknown = verdicts.find(v => v.verdict.status === 'cannot-verify');
  return unknown ? unknown.verdict : verdicts[0].verdict;
}

export function sseByDefault(ctx: BucketContext): any {
  return dig(ctx.bucket.properties, ...SSE_BY_DEFAULT);
}

/** Whether a policy action list covers every S3 action (`*`, `s3:*`). */
export function allS3Actions(actions: unknown): boolean {
  return asList<unknown>(actions as any).some(a => typeof a === 'string' && globMatch(a, 's3:*') && globMatch(a, 's3:anything'));
}

/** A deletion or update-replace policy that keeps the resource. */
export function retains(policy: unknown, deletion: boolean): boolean {
  return policy === 'Retain' || (deletion && policy === 'RetainExceptOnCreate');
}

/** The enabled lifecycle rules that apply to every object and match `has`; `unknown` when some rule is not known at synth. */
export function lifecycleRules(ctx: BucketContext, has: (rule: any) => boolean): { matching: any[]; unknown: boolean } {
  const rules = dig(ctx.bucket.properties, 'LifecycleConfiguration', 'Rules');
  if (rules === UNKNOWN || isIntrinsic(rules)) { return { matching: [], unknown: true }; }
  let unknown = false;
  const matching: any[] = [];
  for (const rule of asList<any>(rules)) {
    if (isIntrinsic(rule)) { unknown = true; continue; }
    if (!has(rule)) { continue; }
    const filter = [rule.Prefix, rule.TagFilters, rule.ObjectSizeGreaterThan, rule.ObjectSizeLessThan];
    if (isIntrinsic(rule.Status) || filter.some(isIntrinsic)) { unknown = true; continue; }
    const filtered = (rule.Prefix !== undefined && rule.Prefix !== '') || asList(rule.TagFilters).length > 0
      || rule.ObjectSizeGreaterThan !== undefined || rule.ObjectSizeLessThan !== undefined;
    if (rule.Status === 'Enabled' && !filtered) { matching.push(rule); }
  }
  return { matching, unknown };
}

/** The Deny statements of the bucket policy that apply to everyone and every S3 action. */
export function denyAllStatements(ctx: BucketContext): { statements: any[]; unknown: boolean; leftOut?: string } {
  // The Denies a bucket must have count only when their policy is deployed whenever the bucket is.
  const { statements, unknown, leftOut } = bucketStatements(ctx, true);
  return {
    statements: statements.filter(s => s.Effect === 'Deny' && allS3Actions(s.Action) && isAnyPrincipal(s.Principal)),
    unknown,
    leftOut,
  };
}

export const LOG_DELIVERY_SERVICE = 'logging.s3.amazonaws.com';

/** The condition keys that name the account an Allow grants to, directly or in an ARN. */
export const ACCOUNT_KEYS = ['aws:principalaccount', 'aws:sourceaccount', 'aws:sourceowner', 'aws:principalarn', 'aws:sourcearn'];

/**
 * The accounts an Allow's conditions name (`self` for the bucket's own): the values of
 * aws:PrincipalAccount, aws:SourceAccount and aws:SourceOwner, and the account of aws:PrincipalArn and
 * aws:SourceArn ARNs, under operators that grant to them (not negated, not Null); `unknown` when a value
 * is not known at synth (a parameter), so that the rule cannot pass.
 */
export function conditionAccounts(condition: unknown, ctx: BucketContext): { accounts: string[]; unknown: boolean } {
  if (condition === undefined) { return { accounts: [], unknown: false }; }
  if (isIntrinsic(condition)) { return { accounts: [], unknown: true }; }
  const accounts: string[] = [];
  let unknown = false;
  for (const [operator, block] of Object.entries<any>(condition as object)) {
    if (/Not|^Null$/.test(operator)) { continue; }
    if (isIntrinsic(block)) { unknown = true; continue; }
    for (const [key, value] of Object.entries<unknown>(block ?? {})) {
      if (!ACCOUNT_KEYS.includes(key.toLowerCase())) { continue; }
      for (const v of isIntrinsic(value) ? [value] : asList<unknown>(value)) {
        const text = render(v).split('${AWS::AccountId}').join(ctx.account ?? 'SELF').split('${AWS::Region}').join('region');
        const account = /^\d{12}$/.test(text) ? text : /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}|SELF):/.exec(text)?.[1];
        if (account !== undefined) {
          accounts.push(account === 'SELF' || account === ctx.account ? 'self' : account);
        } else if (knownValue(v, ctx.lookup) === undefined) {
          // A parameter may name any account; a resource of the stack (its ARN) is of the bucket's.
          unknown = true;
        }
      }
    }
  }
  return { accounts, unknown };
}

/** A statement with other conditions besides the one a rule looks for (`soleCondition`). */
export const NARROWED: unique symbol = Symbol('other conditions too');

/**
 * The value of the condition key `key` under one of `operators` when it is the statement's only
 * condition: `NARROWED` when the statement has other conditions as well (IAM ANDs them, so the
 * statement applies to fewer requests), `UNKNOWN` when a part of the condition is an intrinsic,
 * undefined when the key is not there. Keys are compared ignoring case, as IAM does.
 */
export function soleCondition(condition: unknown, operators: string[], key: string): unknown {
  if (condition === undefined) { return undefined; }
  if (isIntrinsic(condition)) { return UNKNOWN; }
  let found: unknown;
  let others = false;
  for (const [operator, block] of Object.entries(condition as object)) {
    if (isIntrinsic(block)) { return UNKNOWN; }
    for (const [k, v] of Object.entries(block ?? {})) {
      if (operators.includes(operator) && k.toLowerCase() === key.toLowerCase()) { found = v; } else { others = true; }
    }
  }
  return found === undefined ? undefined : others ? NARROWED : found;
}


export const RESTRICTING_KEYS = ['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceowner', 'aws:sourceorgid', 'aws:sourceorgpaths',
  'aws:principalorgid', 'aws:principalorgpaths', 'aws:principalaccount', 'aws:principalarn', 'aws:userid', 'aws:principalservicename',
  'aws:principalisawsservice', 'aws:sourcevpce', 'aws:sourcevpc', 'aws:sourceip', 's3:dataaccesspointaccount', 's3:dataaccesspointarn'];

/**
 * Whether a condition block restricts who may call or from where: a positive operator (not negated,
 * not `...IfExists`, not `Null`, not `ForAllValues`, which all match when the key is absent) on a
 * restricting key, with a value that is not a wildcard. `unknown` when only a value from a parameter
 * would restrict it.
 */
export function restrictsCaller(condition: unknown, lookup?: (logicalId: string) => ResourceView | undefined): boolean | 'unknown' {
  if (condition === undefined) { return false; }
  if (isIntrinsic(condition)) { return 'unknown'; }
  let unknown = false;
  for (const [operator, block] of Object.entries<any>(condition ?? {})) {
    if (operator.startsWith('ForAllValues:')) { continue; }
    const base = operator.replace(/^ForAnyValue:/, '');
    if (/Not|IfExists$|^Null$/.test(base)) { continue; }
    if (isIntrinsic(block)) { unknown = true; continue; }
    for (const [key, value] of Object.entries<unknown>(block ?? {})) {
      const k = key.toLowerCase();
      if (!RESTRICTING_KEYS.includes(k)) { continue; }
      const values = (isIntrinsic(value) ? [value] : asList<unknown>(value)).map(v => knownValue(v, lookup) ?? UNKNOWN);
      if (k === 'aws:principalisawsservice') {
        if (values.some(v => v === UNKNOWN)) { unknown = true; } else if (values.every(v => String(v).toLowerCase() === 'true')) { return true; }
        continue;
      }
      const wildcardOperator = /Like$/.test(base) || base === 'IpAddress';
      if (values.some(v => v === UNKNOWN)) {
        // An equality with a parameter still names one value; a pattern or a CIDR from a parameter may be "*" or 0.0.0.0/0.
        if (wildcardOperator) { unknown = true; continue; }
        return true;
      }
      // S3 calls a policy public unless it grants to fixed values: a pattern with a wildcard does not narrow it,
      // except aws:userid of one role (`AROLEID:*`) (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
      const pattern = (v: string) => /[*?]/.test(v) && !(k === 'aws:userid' && /^[A-Z0-9]+:\*$/.test(v));
      const wide = (v: unknown) => (/Like$/.test(base) && pattern(String(v))) || (base === 'IpAddress' && /^(0\.0\.0\.0|::)\/0$/.test(String(v)));
      if (values.length > 0 && !values.some(wide)) { return true; }
    }
  }
  return unknown ? 'unknown' : false;
}
