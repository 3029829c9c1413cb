import { Token } from 'aws-cdk-lib';
import { invalidProp } from './errors';
import type { Exemptions } from './restrictions';
import { checkStringList } from './validate';
import type { AccessRestrictionOptions } from '../access/access-restriction';

/**
 * Refuses a list token (a `CommaDelimitedList` parameter, `Fn.split`) for a list of principals: they
 * are pinned and combined with other ARNs, and CloudFormation cannot add elements to a list known only
 * at deploy time. Tokens as elements are accepted.
 */
export function refuseListToken(owner: string, prop: string, values: string[] | undefined): void {
  if (values !== undefined && Token.isUnresolved(values)) {
    invalidProp(owner, prop, values, 'is a list token (such as a CommaDelimitedList parameter): the principals are combined with the '
      + 'exemptions, and CloudFormation cannot add elements to a list known only at deploy time',
    'Pass a list of strings; each may be a token, e.g. [Fn.select(0, param.valueAsList), Fn.select(1, param.valueAsList)], or role.roleArn.');
  }
}

/** Resolves the exemption switches of one restriction. */
export function exemptionsOf(options: AccessRestrictionOptions, kind: string): Exemptions {
  refuseListToken(kind, 'exemptPrincipalArns', options.exemptPrincipalArns);
  checkStringList(kind, 'exemptPrincipalArns', options.exemptPrincipalArns, { allowEmpty: false, check: principalProblem, patternHelp: PRINCIPAL_HELP });
  return {
    principalArns: [...(options.exemptPrincipalArns ?? [])],
    awsServices: options.exemptAwsServices ?? true,
    servicesActingForCaller: options.exemptServicesActingForCaller ?? true,
    accountRoot: options.exemptAccountRoot ?? true,
    deploymentRole: options.exemptDeploymentRole ?? true,
    bucketServiceRoles: options.exemptBucketServiceRoles ?? true,
  };
}

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

