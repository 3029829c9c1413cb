import { bucketStatements, covers, isAnyPrincipal, knownValue, principalAccount, principalUnknown, referenceOf, render, sidOf } from './policy';
import {
  asList, BucketContext, BucketRule, cannotVerify, dig, fail, globMatch, isIntrinsic, isUnknown, NOT_APPLICABLE, PASS, ResourceView, UNKNOWN,
} from '../model';

/**
 * The bucket rules. Each is a pure function of the bucket's rendered CloudFormation and the
 * resources of its stack that concern it. A value not known at synth gives "cannot verify",
 * never a pass; a definite failure is reported as a failure even when something else is unknown.
 */

const SSE_BY_DEFAULT = ['BucketEncryption', 'ServerSideEncryptionConfiguration', 0, 'ServerSideEncryptionByDefault'];

/** The bucket's default encryption (the first server-side encryption rule), UNKNOWN when it is an intrinsic. */
function sseByDefault(ctx: BucketContext): any {
  return dig(ctx.bucket.properties, ...SSE_BY_DEFAULT);
}

/** Whether a policy action list covers every S3 action (`*`, `s3:*`). */
function allS3Actions(actions: unknown): boolean {
  return asList<unknown>(actions as any).some(a => typeof a === 'string' && globMatch(a, 's3:*') && globMatch(a, 's3:anything'));
}

/** A deletion or update-replace policy that keeps the resource. */
function retains(policy: unknown, deletion: boolean): boolean {
  return policy === 'Retain' || (deletion && policy === 'RetainExceptOnCreate');
}

/** The enabled lifecycle rules that apply to every object and match `has`; `unknown` when some rule is not known at synth. */
function lifecycleRules(ctx: BucketContext, has: (rule: any) => boolean): { matching: any[]; unknown: boolean } {
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
function denyAllStatements(ctx: BucketContext): { statements: any[]; unknown: boolean; leftOut?: string } {
  // The Denies a bucket must have count only when their policy is deployed whenever the bucket is.
  const { statements, unknown, leftOut } = bucketStatements(ctx, true);
  return {
    statements: statements.filter(s => s.Effect === 'Deny' && allS3Actions(s.Action) && isAnyPrincipal(s.Principal)),
    unknown,
    leftOut,
  };
}

const LOG_DELIVERY_SERVICE = 'logging.s3.amazonaws.com';

/** The condition keys that name the account an Allow grants to, directly or in an ARN. */
const ACCOUNT_KEYS = ['aws:principalaccount', 'aws:sourceaccount', 'aws:sourceowner', 'aws:principalarn', 'aws:sourcearn'];

/**
 * The accounts an Allow's conditions name (`self` for the bucket's own): the values of
 * aws:PrincipalAccount, aws:SourceAccount and aws:SourceOwner, and the account of aws:PrincipalArn and
 * aws:SourceArn ARNs, under operators that grant to them (not negated, not Null); `unknown` when a value
 * is not known at synth (a parameter), so that the rule cannot pass.
 */
function conditionAccounts(condition: unknown, ctx: BucketContext): { accounts: string[]; unknown: boolean } {
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
const NARROWED: unique symbol = Symbol('other conditions too');

/**
 * The value of the condition key `key` under one of `operators` when it is the statement's only
 * condition: `NARROWED` when the statement has other conditions as well (IAM ANDs them, so the
 * statement applies to fewer requests), `UNKNOWN` when a part of the condition is an intrinsic,
 * undefined when the key is not there. Keys are compared ignoring case, as IAM does.
 */
function soleCondition(condition: unknown, operators: string[], key: string): unknown {
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

export const BUCKET_RULES: BucketRule[] = [
  {
    id: 'SB-S3-1',
    target: 'bucket',
    appliesTo: 'data',
    cause: 'The bucket is not encrypted by default with a customer-managed KMS key (SSE-KMS).',
    explanation: 'SSE-KMS with your own key lets you control, audit and revoke access to the data independently of S3 permissions. '
      + 'Set BucketEncryption to aws:kms with KMSMasterKeyID pointing at a customer-managed key (SecureBucket does this by default).',
    controls: ['Security Hub S3.17', 'Control Tower CT.S3.PR.10', 'cdk-nag NIST.800.53.R5-S3DefaultEncryptionKMS'],
    check: ctx => {
      const sse = sseByDefault(ctx);
      if (sse === UNKNOWN) { return cannotVerify('the default encryption configuration is not known at synth'); }
      if (!sse) { return fail('no default encryption configuration: S3 applies SSE-S3 (AES256)'); }
      const algorithm = sse.SSEAlgorithm;
      if (isIntrinsic(algorithm)) { return cannotVerify('the encryption algorithm is not known at synth'); }
      if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') {
        return fail(`default encryption is ${algorithm === 'AES256' ? 'SSE-S3 (AES256)' : algorithm}`);
      }
      const key = sse.KMSMasterKeyID;
      if (key === undefined) { return fail(`${algorithm} without KMSMasterKeyID uses the AWS-managed key aws/s3`); }
      if (render(key).includes('alias/aws/')) { return fail(`the key ${render(key)} is AWS-managed`); }
      // A literal key ARN or id names a customer-managed key; SB-KMS-1 reports that its rotation cannot be verified.
      if (typeof key === 'string' || ctx.key) { return PASS; }
      const ref = referenceOf(key, ctx.lookup);
      return cannotVerify(ref.kind === 'parameter' ? `the key is the parameter ${ref.id}`
        : 'the key is defined outside this stack, so whether it is customer-managed cannot be verified');
    },
  },
  {
    id: 'SB-S3-2',
    target: 'bucket',
    appliesTo: 'data',
    cause: 'The bucket uses SSE-KMS without an S3 Bucket Key.',
    explanation: 'Without a Bucket Key every object operation calls KMS: up to 99% more KMS requests, cost and throttling. Set BucketKeyEnabled: true. '
      + '(DSSE-KMS does not support Bucket Keys and is not judged.)',
    controls: ['AWS Well-Architected Cost Optimization (no Security Hub control)'],
    check: ctx => {
      const rule = dig(ctx.bucket.properties, 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0);
      if (rule === UNKNOWN || isIntrinsic(rule)) { return cannotVerify('the default encryption configuration is not known at synth'); }
      const bucketKey = (rule as any)?.BucketKeyEnabled;
      const algorithm = dig(rule, 'ServerSideEncryptionByDefault', 'SSEAlgorithm');
      if (isUnknown(algorithm)) {
        return bucketKey === true ? PASS : cannotVerify('the encryption algorithm is not known at synth');
      }
      if (algorithm !== 'aws:kms') { return NOT_APPLICABLE; }
      if (isIntrinsic(bucketKey)) { return cannotVerify('BucketKeyEnabled is not known at synth'); }
      return bucketKey === true ? PASS : fail(`BucketKeyEnabled is ${bucketKey ?? 'not set (false)'}`);
    },
  },
  {
    id: 'SB-S3-3',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'Versioning is not enabled.',
    explanation: 'Versioning keeps overwritten and deleted objects recoverable, and is required for replication and Object Lock. '
      + 'Set VersioningConfiguration.Status to Enabled.',
    controls: ['Security Hub S3.14', 'Control Tower CT.S3.PR.11', 'cdk-nag NIST.800.53.R5-S3BucketVersioningEnabled'],
    check: ctx => {
      const status = dig(ctx.bucket.properties, 'VersioningConfiguration', 'Status');
      if (isUnknown(status)) { return cannotVerify('the versioning status is not known at synth'); }
      return status === 'Enabled' ? PASS : fail(`versioning is ${status ?? 'not configured'}`);
    },
  },
  {
    id: 'SB-S3-4',
    target: 'bucket',
    appliesTo: 'data',
    cause: 'Server access logging is not enabled (or the bucket logs to itself).',
    explanation: 'Server access logs record every request to the bucket for audits and incident response. '
      + 'Set LoggingConfiguration.DestinationBucketName to another bucket, an SSE-S3 log bucket (SecureBucket uses an AccessLogsBucket). '
      + 'A bucket that logs to itself logs its own log deliveries, without end.',
    controls: ['Security Hub S3.9', 'Control Tower CT.S3.PR.2', 'cdk-nag AwsSolutions-S1', 'cdk-nag NIST.800.53.R5-S3BucketLoggingEnabled'],
    check: ctx => {
      const logging = ctx.bucket.properties?.LoggingConfiguration;
      if (isIntrinsic(logging)) { return cannotVerify('the logging configuration is not known at synth'); }
      if (logging === undefined) { return fail('no LoggingConfiguration'); }
      const target = logging.DestinationBucketName;
      if (target === undefined) { return fail('LoggingConfiguration has no DestinationBucketName, so the bucket logs to itself'); }
      const name = ctx.bucket.properties?.BucketName;
      if ((typeof target === 'string' && target === name) || render(target) === `\${${ctx.bucket.logicalId}}`) {
        return fail('the bucket logs to itself');
      }
      if (typeof target === 'string') { return PASS; }
      const ref = referenceOf(target, ctx.lookup);
      // A bucket of this stack or of another stack of the app (judged there): logging is on.
      if (ref.kind === 'resource' || ref.kind === 'external') { return PASS; }
      return cannotVerify(ref.kind === 'parameter' ? `the log target is the parameter ${ref.id}` : 'the log target is not known at synth');
    },
  },
  {
    id: 'SB-S3-5',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'Not all four public access block settings are on.',
    explanation: 'BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets together stop the bucket from being made public '
      + 'by an ACL or a policy. Set all four to true.',
    controls: ['Security Hub S3.8', 'CIS AWS Foundations v3.0.0 2.1.4, v1.4.0 2.1.5', 'Control Tower CT.S3.PR.1', 'cdk-nag AwsSolutions-S2',
      'cdk-nag NIST.800.53.R5-S3BucketLevelPublicAccessProhibited'],
    check: ctx => {
      const pab = ctx.bucket.properties?.PublicAccessBlockConfiguration;
      if (isIntrinsic(pab)) { return cannotVerify('the public access block configuration is not known at synth'); }
      if (pab === undefined) { return fail('no PublicAccessBlockConfiguration'); }
      const settings = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];
      const off = settings.filter(s => pab[s] !== true && !isIntrinsic(pab[s]));
      if (off.length > 0) { return fail(`${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} not true`); }
      const unknown = settings.filter(s => isIntrinsic(pab[s]));
      return unknown.length > 0 ? cannotVerify(`${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not known at synth`) : PASS;
    },
  },
  {
    id: 'SB-S3-6',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'ACLs are not disabled: object ownership is not BucketOwnerEnforced, or an ACL is set.',
    explanation: 'With BucketOwnerEnforced, ACLs are ignored and cannot grant access; IAM and bucket policies alone decide. '
      + 'Set OwnershipControls to BucketOwnerEnforced and remove AccessControl.',
    controls: ['Security Hub S3.12', 'Control Tower CT.S3.PR.5'],
    check: ctx => {
      const p = ctx.bucket.properties ?? {};
      if (p.AccessControl !== undefined && !isIntrinsic(p.AccessControl)) { return fail(`AccessControl is ${p.AccessControl}`); }
      const rules = dig(p, 'OwnershipControls', 'Rules');
      if (rules === UNKNOWN || isIntrinsic(rules)) { return cannotVerify('object ownership is not known at synth'); }
      const owners = asList<any>(rules).map(r => (isIntrinsic(r) ? UNKNOWN : r?.ObjectOwnership));
      const wrong = owners.filter(o => !isUnknown(o) && o !== 'BucketOwnerEnforced');
      if (owners.length === 0) { return fail('object ownership is not set in the template'); }
      if (wrong.length > 0) { return fail(`object ownership is ${wrong.join(', ')}`); }
      if (isIntrinsic(p.AccessControl)) { return cannotVerify('AccessControl is not known at synth'); }
      return owners.some(isUnknown) ? cannotVerify('object ownership is not known at synth') : PASS;
    },
  },
  {
    id: 'SB-S3-7',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy does not deny requests without TLS on both the bucket and its objects.',
    explanation: 'A Deny of s3:* to everyone on the bucket ARN and bucket/* when aws:SecureTransport is false keeps data and credentials off plain HTTP. '
      + 'That must be the Deny\'s only condition: IAM ANDs conditions, so another one would leave some requests without TLS allowed. '
      + 'A policy created under a CloudFormation Condition may not be deployed: its Deny cannot be verified.',
    controls: ['Security Hub S3.5', 'CIS AWS Foundations v3.0.0 2.1.1, v1.4.0 2.1.2', 'Control Tower CT.S3.PR.8', 'cdk-nag AwsSolutions-S10',
      'cdk-nag NIST.800.53.R5-S3BucketSSLRequestsOnly'],
    check: ctx => {
      const all = denyAllStatements(ctx);
      let unknown = all.unknown;
      let narrowed = false;
      const denies = all.statements.filter(s => {
        const value = soleCondition(s.Condition, ['Bool', 'BoolIfExists'], 'aws:SecureTransport');
        if (value === NARROWED) { narrowed = true; return false; }
        if (isUnknown(value)) { unknown = true; return false; }
        return value !== undefined && String(asList(value)[0]).toLowerCase() === 'false';
      });
      const bucket = denies.map(s => covers(s.Resource, ctx, 'bucket'));
      const objects = denies.map(s => covers(s.Resource, ctx, 'objects'));
      if (bucket.includes(true) && objects.includes(true)) { return PASS; }
      if (unknown || bucket.includes('unknown') || objects.includes('unknown')) {
        return cannotVerify(all.leftOut ?? 'part of the bucket policy (a statement, condition or resource) is not known at synth');
      }
      if (denies.length === 0 && narrowed) {
        return fail('the Deny when aws:SecureTransport is false has other conditions as well, so it does not refuse every request without TLS');
      }
      if (denies.length === 0) { return fail('no Deny of s3:* to everyone when aws:SecureTransport is false'); }
      return fail(`the TLS Deny does not cover ${bucket.includes(true) ? 'the objects (bucket/*)' : objects.includes(true) ? 'the bucket ARN' : 'the bucket or its objects'}`);
    },
  },
  {
    id: 'SB-S3-8',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy does not deny TLS versions below 1.2.',
    explanation: 'A Deny of s3:* to everyone when NumericLessThan s3:TlsVersion 1.2 (or 1.3), on the bucket and its objects, refuses outdated TLS. '
      + 'AWS endpoints require TLS 1.2 since 2024; the Deny keeps that guarantee in the bucket itself. The TLS version must be the Deny\'s only condition.',
    controls: ['Amazon S3 condition key s3:TlsVersion (no Security Hub control)'],
    check: ctx => {
      const all = denyAllStatements(ctx);
      let unknown = all.unknown;
      let bucketBest: number | undefined;
      let objectsBest: number | undefined;
      let narrowed = false;
      for (const s of all.statements) {
        const value = soleCondition(s.Condition, ['NumericLessThan'], 's3:TlsVersion');
        if (value === NARROWED) { narrowed = true; continue; }
        if (value === undefined) { continue; }
        const versions = isUnknown(value) ? [NaN] : asList<unknown>(value).map(v => (isIntrinsic(v) ? NaN : Number(v)));
        if (versions.some(Number.isNaN)) { unknown = true; continue; }
        const version = Math.max(...versions);
        const [b, o] = [covers(s.Resource, ctx, 'bucket'), covers(s.Resource, ctx, 'objects')];
        if (b === 'unknown' || o === 'unknown') { unknown = true; }
        if (b === true) { bucketBest = Math.max(bucketBest ?? 0, version); }
        if (o === true) { objectsBest = Math.max(objectsBest ?? 0, version); }
      }
      const floor = bucketBest !== undefined && objectsBest !== undefined ? Math.min(bucketBest, objectsBest) : undefined;
      if (floor !== undefined && floor >= 1.2) { return PASS; }
      if (unknown) { return cannotVerify(all.leftOut ?? 'the minimum TLS version or the statements that set it are not known at synth'); }
      if (floor !== undefined) { return fail(`the minimum TLS version is ${floor}`); }
      if (bucketBest === undefined && objectsBest === undefined && narrowed) {
        return fail('the Deny with NumericLessThan s3:TlsVersion has other conditions as well, so it does not refuse every request with an older TLS version');
      }
      if (bucketBest === undefined && objectsBest === undefined) { return fail('no Deny of s3:* to everyone with NumericLessThan s3:TlsVersion'); }
      return fail(`the TLS version Deny does not cover ${bucketBest === undefined ? 'the bucket ARN' : 'the objects (bucket/*)'}`);
    },
  },
  {
    id: 'SB-S3-9',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'No lifecycle rule aborts incomplete multipart uploads.',
    explanation: 'Parts of abandoned multipart uploads are stored and billed forever, invisible in listings. Add an enabled rule without a filter '
      + 'with AbortIncompleteMultipartUpload (SecureBucket uses 7 days).',
    controls: ['Security Hub S3.13', 'Control Tower CT.S3.PR.6'],
    check: ctx => {
      const { matching, unknown } = lifecycleRules(ctx, r => r.AbortIncompleteMultipartUpload !== undefined);
      if (matching.length > 0) { return PASS; }
      return unknown ? cannotVerify('a lifecycle rule is not known at synth') : fail('no enabled, unfiltered rule with AbortIncompleteMultipartUpload');
    },
  },
  {
    id: 'SB-S3-10',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'Noncurrent object versions never expire.',
    explanation: 'With versioning, every overwrite and delete keeps a noncurrent version; without NoncurrentVersionExpiration they '
      + 'accumulate and are billed forever. Add an enabled rule without a filter with NoncurrentVersionExpiration (SecureBucket uses 90 days).',
    controls: ['Security Hub S3.10', 'Control Tower CT.S3.PR.3'],
    check: ctx => {
      const status = dig(ctx.bucket.properties, 'VersioningConfiguration', 'Status');
      if (!isUnknown(status) && status !== 'Enabled') { return NOT_APPLICABLE; }
      const { matching, unknown } = lifecycleRules(ctx,
        r => r.NoncurrentVersionExpiration !== undefined || r.NoncurrentVersionExpirationInDays !== undefined);
      if (matching.length > 0) { return PASS; }
      if (unknown || isUnknown(status)) { return cannotVerify('the versioning status or a lifecycle rule is not known at synth'); }
      return fail('no enabled, unfiltered rule with NoncurrentVersionExpiration');
    },
  },
  {
    id: 'SB-S3-11',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket is deleted with its stack or when it is replaced (DeletionPolicy or UpdateReplacePolicy is not Retain).',
    explanation: 'A bucket deleted by a stack deletion, or by an update that replaces it (a new BucketName), takes its data with it. '
      + 'Keep DeletionPolicy and UpdateReplacePolicy Retain (RemovalPolicy.RETAIN), and acknowledge this rule on buckets meant to be disposable.',
    controls: ['AWS Well-Architected REL09 (back up data)'],
    check: ctx => {
      const { deletionPolicy, updateReplacePolicy } = ctx.bucket;
      const problems: string[] = [];
      if (typeof deletionPolicy !== 'object' && !retains(deletionPolicy, true)) {
        problems.push(`DeletionPolicy is ${deletionPolicy ?? 'Delete (the default)'}`);
      }
      if (typeof updateReplacePolicy !== 'object' && !retains(updateReplacePolicy, false)) {
        problems.push(`UpdateReplacePolicy is ${updateReplacePolicy ?? 'Delete (the default)'}`);
      }
      if (problems.length > 0) { return fail(problems.join('; ')); }
      return typeof deletionPolicy === 'object' || typeof updateReplacePolicy === 'object'
        ? cannotVerify('the deletion or update-replace policy is not known at synth') : PASS;
    },
  },
  {
    id: 'SB-S3-12',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy allows anyone ("*", or everyone but a NotPrincipal) without a condition that restricts who or from where.',
    explanation: 'An Allow to Principal "*" makes the bucket public unless a condition such as aws:SourceArn, aws:SourceAccount, '
      + 'aws:PrincipalOrgID, aws:SourceVpce or aws:SourceIp narrows it to fixed values. Negated, ...IfExists, Null and ForAllValues conditions, and '
      + 'patterns with a wildcard (but aws:userid AROLEID:*), do not narrow it (they match when the key is absent, or match more than '
      + 'fixed values, as S3 judges a policy public). Grant named principals instead.',
    controls: ['Security Hub S3.2', 'Security Hub S3.3', 'cdk-nag NIST.800.53.R5-S3BucketPublicReadProhibited',
      'cdk-nag NIST.800.53.R5-S3BucketPublicWriteProhibited'],
    check: ctx => {
      const { statements, unknown } = bucketStatements(ctx);
      const allows = statements.filter(s => s.Effect === 'Allow');
      const open: any[] = [];
      let unknownPrincipal = false;
      let unknownCondition = false;
      for (const s of allows) {
        const everyone = isAnyPrincipal(s.Principal) || s.NotPrincipal !== undefined;
        if (!everyone) {
          unknownPrincipal ||= principalUnknown(s.Principal, ctx);
          continue;
        }
        const restricted = restrictsCaller(s.Condition, ctx.lookup);
        if (restricted === 'unknown') { unknownCondition = true; } else if (!restricted) { open.push(s); }
      }
      if (open.length > 0) {
        return fail(`${open.length} statement(s) allow everyone without a restricting condition (${open.map(sidOf).join(', ')})`);
      }
      if (unknown || unknownPrincipal || unknownCondition) {
        return cannotVerify(`${unknownPrincipal ? 'a principal' : unknownCondition ? 'a condition' : 'a statement'} of the bucket policy is not known at synth`);
      }
      return PASS;
    },
  },
  {
    id: 'SB-S3-13',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy uses NotPrincipal.',
    explanation: 'NotPrincipal with Deny also denies the roles it seems to exempt once they are assumed (session ARNs differ), and with '
      + 'Allow grants everyone else. Use a Deny with an aws:PrincipalArn condition instead.',
    controls: ['AWS IAM User Guide: NotPrincipal (use aws:PrincipalArn instead)'],
    check: ctx => {
      const { statements, unknown } = bucketStatements(ctx);
      const bad = statements.filter(s => s.NotPrincipal !== undefined);
      if (bad.length > 0) { return fail(`${bad.length} statement(s) use NotPrincipal (${bad.map(sidOf).join(', ')})`); }
      return unknown ? cannotVerify('a statement of the bucket policy is not known at synth') : PASS;
    },
  },
  {
    id: 'SB-S3-14',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy allows a principal of another AWS account that is not on the trusted-accounts list.',
    explanation: 'Cross-account access should be deliberate: list the account in the Aspect\'s trustedAccounts, or remove the grant. '
      + 'The account is read from the principal, and from the conditions of the Allow (aws:PrincipalAccount, aws:SourceAccount, '
      + 'aws:SourceOwner, and the ARNs of aws:PrincipalArn and aws:SourceArn). '
      + 'When the stack\'s account is not known at synth (an environment-agnostic stack), a literal account id cannot be told apart from the bucket\'s own.',
    controls: ['Security Hub S3.6'],
    check: ctx => {
      const { statements, unknown } = bucketStatements(ctx);
      const foreign = new Set<string>();
      const unresolved = new Set<string>();
      let unknownPrincipal = false;
      for (const s of statements.filter(x => x.Effect === 'Allow')) {
        // An account the Allow's conditions grant to (Principal "*" with aws:PrincipalAccount, a service for aws:SourceAccount).
        const granted = conditionAccounts(s.Condition, ctx);
        unknownPrincipal ||= granted.unknown;
        for (const account of granted.accounts) {
          if (account === 'self' || ctx.trustedAccounts.includes(account)) { continue; }
          (ctx.account === undefined ? unresolved : foreign).add(account);
        }
        const principal = s.Principal;
        if (isIntrinsic(principal)) { unknownPrincipal = true; continue; }
        // One intrinsic is one principal (a role's ARN); one that stands for a list is not known at synth.
        for (const p of isIntrinsic(principal?.AWS) ? [principal.AWS] : asList<unknown>(principal?.AWS)) {
          const account = principalAccount(p, ctx);
          if (account === undefined) { unknownPrincipal = true; continue; }
          if (['self', '*', 'aws'].includes(account) || ctx.trustedAccounts.includes(account)) { continue; }
          (ctx.account === undefined ? unresolved : foreign).add(account);
        }
      }
      if (foreign.size > 0) { return fail(`principals of account(s) ${[...foreign].sort().join(', ')} are allowed`); }
      if (unresolved.size > 0) {
        return cannotVerify(`the bucket's account is not known at synth, and its policy allows account(s) ${[...unresolved].sort().join(', ')}`);
      }
      return unknown || unknownPrincipal ? cannotVerify('a principal of the bucket policy is not known at synth') : PASS;
    },
  },
  {
    id: 'SB-S3-15',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'More than one AWS::S3::BucketPolicy is attached to the bucket.',
    explanation: 'Only one bucket policy takes effect per bucket: the last one deployed replaces the others, silently dropping their statements. '
      + 'Add statements to the bucket\'s own policy (bucket.addToResourcePolicy). Policies of other stacks of the app count too (attached '
      + 'through a cross-stack reference to the bucket\'s name, or by its literal name).',
    controls: ['AWS CloudFormation AWS::S3::BucketPolicy (one policy per bucket)'],
    check: ctx => {
      const elsewhere = ctx.policiesInOtherStacks ?? [];
      if (ctx.policies.length > 1) {
        const own = ctx.policies.filter(p => !elsewhere.includes(p)).map(p => p.logicalId);
        return fail(`${ctx.policies.length} bucket policies: ${[...own, ...elsewhere.map(p => `${p.path.replace(/\/Resource$/, '')} (another stack)`)].join(', ')}`);
      }
      const others = ctx.unattributedPolicies ?? [];
      return ctx.policies.length + others.length > 1
        ? cannotVerify(`the bucket of policy ${others.map(p => p.logicalId).join(', ')} is not known at synth and may be this one`)
        : PASS;
    },
  },
  {
    id: 'SB-S3-16',
    target: 'bucket',
    appliesTo: 'log',
    cause: 'A server access log target does not meet AWS\'s requirements: SSE-S3 default encryption, no Object Lock default retention, '
      + 'and a grant to the log delivery service.',
    explanation: 'AWS does not deliver server access logs to a bucket with SSE-KMS default encryption or an Object Lock default retention period, '
      + 'and delivers them only when the bucket policy allows logging.s3.amazonaws.com to put objects (or, with ACLs, the LogDeliveryWrite ACL). '
      + 'Use SSE-S3 (AES256), no default retention and a log-delivery statement on log targets (AccessLogsBucket does all three).',
    controls: ['Amazon S3 User Guide: enabling server access logging (target bucket requirements)'],
    check: ctx => {
      const sse = sseByDefault(ctx);
      const algorithm = sse === UNKNOWN ? UNKNOWN : sse?.SSEAlgorithm;
      const retention = dig(ctx.bucket.properties, 'ObjectLockConfiguration', 'Rule', 'DefaultRetention');
      const problems: string[] = [];
      if (typeof algorithm === 'string' && algorithm.startsWith('aws:kms')) { problems.push(`default encryption is ${algorithm}`); }
      if (retention !== undefined && retention !== UNKNOWN) { problems.push('Object Lock has a default retention'); }
      const { statements, unknown } = bucketStatements(ctx);
      const delivery = statements.some(s => s.Effect === 'Allow' && asList(s.Principal?.Service).includes(LOG_DELIVERY_SERVICE))
        || ctx.bucket.properties?.AccessControl === 'LogDeliveryWrite';
      const maybeDelivery = unknown || isIntrinsic(ctx.bucket.properties?.AccessControl);
      if (!delivery && !maybeDelivery) { problems.push(`nothing allows ${LOG_DELIVERY_SERVICE} to deliver logs`); }
      if (problems.length > 0) { return fail(problems.join('; ')); }
      if (isUnknown(algorithm) || retention === UNKNOWN || !delivery) {
        return cannotVerify('the encryption, Object Lock retention or bucket policy of the log target is not known at synth');
      }
      return PASS;
    },
  },
];

const RESTRICTING_KEYS = ['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceowner', 'aws:sourceorgid', 'aws:sourceorgpaths',
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
