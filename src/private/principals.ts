const PRINCIPAL_ARN_OR_ROLE_NAME = /^(arn:aws[a-zA-Z-]*:(iam|sts)::(\d{12}|\*):[\w+=,.@\-/*:]+|[\w+=,.@\-*]{1,64})$/;
export const PRINCIPAL_HELP = 'Use the full IAM ARN of a role, a user or the account root, such as arn:aws:iam::111111111111:role/BreakGlass '
  + '(wildcards allowed; for a role session, the ARN of its role), or a role name of the bucket\'s account.';

/**
 * Why a value can never equal `aws:PrincipalArn` (which holds a role's ARN for its sessions, a user's
 * ARN, the account root's, or a federated user's:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
 * or would match every role; undefined when it can match a principal. For the Aspect's administrators
 * (`forAspect`), groups and `*` are accepted: they name holders of identity policies.
 */
export function principalProblem(value: string, forAspect: boolean = false): string | undefined {
  if (/^arn:[^:]*:sts::[^:]*:assumed-role\//.test(value)) {
    return 'it is a role session (assumed-role) ARN: aws:PrincipalArn holds the role\'s ARN (arn:aws:iam::ACCOUNT:role/NAME) for its sessions';
  }
  // The Aspect's administrators name the holders of identity policies, groups included, and '*' (everyone).
  if (forAspect) { return PRINCIPAL_ARN_OR_ROLE_NAME.test(value) ? undefined : 'it is neither an IAM principal ARN with its 12-digit account (or *) nor a role name'; }
  if (/^arn:[^:]*:iam::[^:]*:group\//.test(value)) { return 'it is an IAM group: a group is never the principal of a request'; }
  if (/^\*+$/.test(value)) { return 'a bare wildcard would exempt every role of the account'; }
  if (!PRINCIPAL_ARN_OR_ROLE_NAME.test(value)) {
    return 'it is neither an IAM principal ARN with its 12-digit account (or *) nor a role name';
  }
  return undefined;
}
