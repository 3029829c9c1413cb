import { asList, globMatch, isIntrinsic, PolicyHolder } from './model';
import { render } from './policy';

/** What the identity-policy rules read of IAM policies: the administration actions they grant, and to whom. */

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
export function mayConcernS3(statement: any): boolean {
  if (statement.NotResource !== undefined || isIntrinsic(statement.Resource)) { return true; }
  return asList<unknown>(statement.Resource).some(r => {
    const text = render(r);
    const service = /^arn:[^:]*:([^:]*):/.exec(text)?.[1];
    return service === undefined || service === 's3' || /[*?$]/.test(service);
  });
}

/** A stand-in for a name CloudFormation generates: only a pattern that matches every name matches it. */
export const ANY_NAME = '\u0001';

/** Whether a resource pattern (`role/path/Name*`) matches a holder's resource, whose name may be generated. */
export function nameMatch(pattern: string, resource: string, generated: boolean): 'yes' | 'no' | 'unknown' {
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
export function deniesEverywhere(statement: any, action: string): boolean {
  if (statement?.Effect !== 'Deny' || statement.Condition !== undefined || statement.NotAction !== undefined || statement.NotResource !== undefined) {
    return false;
  }
  const actions = asList<unknown>(statement.Action);
  const resources = asList<unknown>(statement.Resource);
  return actions.some(a => typeof a === 'string' && globMatch(a, action))
    && resources.some(r => typeof r === 'string' && (r === '*' || /^arn:aws[a-z-]*:s3:::\*$/.test(r)));
}

export function splitArn(arn: string): [string, string, string] {
  // arn:partition:iam::account:resource -> ['arn:aws:iam:', account, resource]
  const parts = arn.split(':');
  return [parts.slice(0, 4).join(':').replace(/^arn:aws[a-z-]*:/, 'arn:aws:'), parts[4] ?? '', parts.slice(5).join(':')];
}

export function reasonUnknown(holder: PolicyHolder): string {
  if (holder.kind === 'unknown') { return `${holder.display} is not known at synth`; }
  if (holder.generatedName) { return `${holder.display} has a name CloudFormation generates at deployment; give it a roleName to match it`; }
  return `${holder.display} is in an account not known at synth`;
}
