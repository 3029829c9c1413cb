import { asList, cannotVerify, containsIntrinsic, fail, globMatch, IdentityPolicyRule, PASS } from '../model';

/** Actions that administer a bucket's exposure: whoever holds them can make the bucket public or lock others out. */
export const BUCKET_ADMIN_ACTIONS = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutObjectAcl',
  's3:PutBucketPublicAccessBlock',
];

/** The administration actions an Allow statement grants (through wildcards and NotAction too). */
export function grantedAdminActions(statement: any): string[] {
  if (statement?.Effect !== 'Allow') { return []; }
  if (statement.NotAction !== undefined) {
    const excluded = asList<string>(statement.NotAction);
    return BUCKET_ADMIN_ACTIONS.filter(a => !excluded.some(p => typeof p === 'string' && globMatch(p, a)));
  }
  const actions = asList<string>(statement.Action);
  return BUCKET_ADMIN_ACTIONS.filter(a => actions.some(p => typeof p === 'string' && globMatch(p, a)));
}

/** Whether a principal ARN (whose account may be `*` when not known) matches an allow-list entry. */
export function principalAllowed(principal: string, allowList: string[]): boolean {
  return allowList.some(entry => {
    const pattern = entry.startsWith('arn:') ? entry : `arn:aws:iam::*:role/${entry}`;
    const [pPrefix, pAccount, ...pRest] = splitArn(pattern);
    const [aPrefix, aAccount, ...aRest] = splitArn(principal);
    const accountOk = aAccount === '*' || globMatch(pAccount, aAccount, false);
    const pathPattern = pRest.join(':');
    const path = aRest.join(':');
    // A role name pattern matches the role with any path.
    const nameOnly = !entry.startsWith('arn:') && globMatch(entry, path.split('/').pop() ?? '', false);
    return globMatch(pPrefix, aPrefix, false) && accountOk && (globMatch(pathPattern, path, false) || nameOnly);
  });
}

function splitArn(arn: string): string[] {
  // arn:partition:iam::account:resource -> ['arn:partition:iam:', account, resource...]
  const parts = arn.split(':');
  return [parts.slice(0, 4).join(':').replace(/^arn:aws[^:]*/, 'arn:aws'), parts[4] ?? '', ...parts.slice(5)];
}

export const IAM_RULES: IdentityPolicyRule[] = [
  {
    id: 'SB-IAM-1',
    target: 'identity-policy',
    cause: 'An identity policy grants bucket-administration permissions (policy, ACLs, public access block) to a principal that is not an administrator.',
    explanation: 'Whoever may put a bucket policy, an ACL or the public access block can make any bucket public or lock everyone out. '
      + 'Grant s3:PutBucketPolicy, s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutObjectAcl and s3:PutBucketPublicAccessBlock '
      + '(also through s3:*, s3:Put* and the like) only to the principals listed in the Aspect\'s administratorArns.',
    controls: ['Security Hub IAM.1', 'CIS 1.16', 'cdk-nag AwsSolutions-IAM5 (related)'],
    check: ctx => {
      const granted = new Set<string>();
      let unknownActions = false;
      for (const document of ctx.documents) {
        if (containsIntrinsic(document?.Statement) && !Array.isArray(document?.Statement)) { unknownActions = true; continue; }
        for (const statement of asList<any>(document?.Statement)) {
          if (containsIntrinsic(statement?.Action) || containsIntrinsic(statement?.NotAction)) { unknownActions = true; }
          grantedAdminActions(statement).forEach(a => granted.add(a));
        }
      }
      if (granted.size === 0) {
        return unknownActions ? cannotVerify('some actions are not known at synth') : PASS;
      }
      const outsiders = ctx.principals.filter(p => !principalAllowed(p, ctx.administratorArns));
      if (outsiders.length === 0) { return PASS; }
      return fail(`grants ${[...granted].join(', ')} to ${outsiders.join(', ')}, not on the administrators allow-list`);
    },
  },
];
