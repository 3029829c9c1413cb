import { render, statementsOf, UNRESOLVED } from './policy';
import { asList, cannotVerify, fail, globMatch, IdentityPolicyRule, isIntrinsic, PASS, PolicyHolder } from '../model';

/** Actions that administer a bucket's exposure: whoever holds them can make a bucket public or lock others out. */
export const BUCKET_ADMIN_ACTIONS = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutObjectAcl',
  's3:PutObjectVersionAcl',
  's3:PutBucketPublicAccessBlock',
  's3:PutAccountPublicAccessBlock',
];

/** The administration actions an Allow statement grants (through wildcards and NotAction too). */
export function grantedAdminActions(statement: any): string[] {
  if (statement?.Effect !== 'Allow') { return []; }
  if (statement.NotAction !== undefined) {
    if (isIntrinsic(statement.NotAction)) { return []; }
    const excluded = asList<unknown>(statement.NotAction).filter((p): p is string => typeof p === 'string');
    return BUCKET_ADMIN_ACTIONS.filter(a => !excluded.some(p => globMatch(p, a)));
  }
  if (isIntrinsic(statement.Action)) { return []; }
  const actions = asList<unknown>(statement.Action).filter((p): p is string => typeof p === 'string');
  return BUCKET_ADMIN_ACTIONS.filter(a => actions.some(p => globMatch(p, a)));
}

/**
 * Whether a statement's resources may include S3 buckets or objects: `*`, S3 ARNs, ARNs with a
 * wildcard service, `NotResource`, and anything not known at synth. Only a literal ARN of another
 * service (`arn:aws:sqs:...`) is known not to.
 */
function mayConcernS3(statement: any): boolean {
  if (statement.NotResource !== undefined || isIntrinsic(statement.Resource)) { return true; }
  return asList<unknown>(statement.Resource).some(r => {
    const text = render(r);
    const service = /^arn:[^:]*:([^:]*):/.exec(text)?.[1];
    return service === undefined || service === 's3' || /[*?$]/.test(service);
  });
}

/** A stand-in for a name CloudFormation generates: only a pattern that matches every name matches it. */
const ANY_NAME = '\u0001';

/** Whether a resource pattern (`role/path/Name*`) matches a holder's resource, whose name may be generated. */
function nameMatch(pattern: string, resource: string, generated: boolean): 'yes' | 'no' | 'unknown' {
  if (!generated) { return globMatch(pattern, resource, false) ? 'yes' : 'no'; }
  if (globMatch(pattern, resource.replace(/[^/]*$/, ANY_NAME), false)) { return 'yes'; }
  // A wildcard in the pattern's name may or may not match the name CloudFormation will generate.
  const last = pattern.split('/').pop() ?? '';
  return /[*?]/.test(last) && globMatch(pattern, resource.replace(/[^/]*$/, last.replace(/[*?]/g, 'x')), false) ? 'unknown' : 'no';
}

/**
 * Whether a holder matches an allow-list entry (a role name, or an IAM ARN with wildcards): `yes`, `no`,
 * or `unknown` when its name or account is not known at synth and the entry could match it.
 */
export function holderAllowed(holder: PolicyHolder, allowList: string[]): 'yes' | 'no' | 'unknown' {
  if (holder.kind === 'unknown' || holder.arn === undefined) { return 'unknown'; }
  const [, account, resource] = splitArn(holder.arn);
  const results = allowList.map(entry => {
    if (!entry.startsWith('arn:')) {
      // A role name: the role of that name, whatever its path, in the holder's own account.
      if (holder.kind !== 'role') { return 'no'; }
      return nameMatch(resource.replace(/[^/]*$/, entry), resource, holder.generatedName === true);
    }
    const [prefix, entryAccount, entryResource] = splitArn(entry);
    if (!globMatch(prefix, 'arn:aws:iam:', false)) { return 'no'; }
    const name = nameMatch(entryResource, resource, holder.generatedName === true);
    if (name === 'no') { return 'no'; }
    if (account === '*') { return /^\**$/.test(entryAccount) ? name : 'unknown'; }
    return globMatch(entryAccount, account, false) ? name : 'no';
  });
  return results.includes('yes') ? 'yes' : results.includes('unknown') ? 'unknown' : 'no';
}

/** Whether a statement denies `action` on every bucket without a condition (`Action` only; `NotAction` is not read). */
function deniesEverywhere(statement: any, action: string): boolean {
  if (statement?.Effect !== 'Deny' || statement.Condition !== undefined || statement.NotAction !== undefined || statement.NotResource !== undefined) {
    return false;
  }
  const actions = asList<unknown>(statement.Action);
  const resources = asList<unknown>(statement.Resource);
  return actions.some(a => typeof a === 'string' && globMatch(a, action))
    && resources.some(r => typeof r === 'string' && (r === '*' || /^arn:aws[a-z-]*:s3:::\*$/.test(r)));
}

function splitArn(arn: string): [string, string, string] {
  // arn:partition:iam::account:resource -> ['arn:aws:iam:', account, resource]
  const parts = arn.split(':');
  return [parts.slice(0, 4).join(':').replace(/^arn:aws[a-z-]*:/, 'arn:aws:'), parts[4] ?? '', parts.slice(5).join(':')];
}

function reasonUnknown(holder: PolicyHolder): string {
  if (holder.kind === 'unknown') { return `${holder.display} is not known at synth`; }
  if (holder.generatedName) { return `${holder.display} has a name CloudFormation generates at deployment; give it a roleName to match it`; }
  return `${holder.display} is in an account not known at synth`;
}

export const IAM_RULES: IdentityPolicyRule[] = [
  {
    id: 'SB-IAM-1',
    target: 'identity-policy',
    cause: 'An identity policy grants bucket-administration permissions (policy, ACLs, public access block) to a principal that is not an administrator.',
    explanation: 'Whoever may put a bucket policy, an ACL or the public access block can make any bucket public or lock everyone out. '
      + `Grant ${BUCKET_ADMIN_ACTIONS.join(', ')} `
      + '(also through s3:*, s3:Put*, * or NotAction, and through the AWS managed policies AdministratorAccess, PowerUserAccess, AmazonS3FullAccess '
      + 'and AWSCloudTrail_FullAccess; other AWS managed policies are taken not to grant it) '
      + 'only to the principals listed in the Aspect\'s administratorArns. Roles with generated names cannot be matched: give them a roleName. '
      + 'An action the same policy denies on every bucket without a condition is not granted.',
    controls: ['Security Hub IAM.1 and IAM.21 (related: full "*" and service-wide wildcards)', 'CIS AWS Foundations v1.4.0 1.16 (related)',
      'Control Tower CT.IAM.PR.3, CT.IAM.PR.5 (related: s3:* and Allow with NotAction)', 'cdk-nag AwsSolutions-IAM5 (related)',
      'cdk-nag NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess (related)'],
    check: ctx => {
      const { statements, unknown } = statementsOf(ctx.documents);
      const granted = new Set<string>();
      let unknownActions = unknown;
      for (const statement of statements) {
        if (statement.Effect !== 'Allow') { continue; }
        const actions = statement.NotAction ?? statement.Action;
        if (isIntrinsic(actions) || asList<unknown>(actions).some(a => typeof a !== 'string' || render(a).includes(UNRESOLVED))) {
          unknownActions = true;
        }
        if (mayConcernS3(statement)) { grantedAdminActions(statement).forEach(a => granted.add(a)); }
      }
      // An explicit Deny always wins: an action the same policy denies on every bucket, unconditionally, is not granted.
      for (const action of [...granted]) {
        if (statements.some(st => deniesEverywhere(st, action))) { granted.delete(action); }
      }
      const unknownDocuments = ctx.unknownDocuments ?? [];
      if (granted.size === 0) {
        if (unknownActions) { return cannotVerify('some actions are not known at synth'); }
        if (unknownDocuments.length > 0) { return cannotVerify(`the statements of ${unknownDocuments.join(', ')} are not known at synth`); }
        return PASS;
      }
      const what = [...granted].join(', ');
      const holders: PolicyHolder[] = ctx.holders
        ?? ctx.principals.map(p => ({ kind: p.startsWith('arn:') ? 'role' : 'unknown', arn: p.startsWith('arn:') ? p : undefined, display: p }));
      const results = holders.map(h => ({ h, allowed: holderAllowed(h, ctx.administratorArns) }));
      const outsiders = results.filter(r => r.allowed === 'no').map(r => r.h.display);
      if (outsiders.length > 0) { return fail(`grants ${what} to ${outsiders.join(', ')}, not on the administrators allow-list`); }
      const undetermined = results.filter(r => r.allowed === 'unknown').map(r => reasonUnknown(r.h));
      if (undetermined.length > 0) { return cannotVerify(`grants ${what}, and ${undetermined.join('; ')}`); }
      if (holders.length === 0) {
        return cannotVerify(`grants ${what} but is attached to no role, user or group of this stack, so who holds it cannot be verified`);
      }
      return PASS;
    },
  },
];
