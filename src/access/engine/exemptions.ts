import { Token } from 'aws-cdk-lib';
import type { Exemptions } from './bucket-restrictions';
import { invalidProp } from '../../private/errors';
import { PRINCIPAL_HELP, principalProblem } from '../../private/principals';
import { checkStringList } from '../../private/validate';
import type { AccessRestrictionOptions } from '../access-restriction';

/**
 * Refuses a list token (a `CommaDelimitedList` parameter, `Fn.split`) for a list of principals: they
 * are pinned and combined with other ARNs, and CloudFormation cannot add elements to a list known only
 * at deploy time. Tokens as elements are accepted.
 */
export function refuseListToken(code: string, owner: string, prop: string, values: string[] | undefined): void {
  if (values !== undefined && Token.isUnresolved(values)) {
    invalidProp(code, owner, prop, values, 'is a list token (such as a CommaDelimitedList parameter): the principals are combined with the '
      + 'exemptions, and CloudFormation cannot add elements to a list known only at deploy time',
    'Pass a list of strings; each may be a token, e.g. [Fn.select(0, param.valueAsList), Fn.select(1, param.valueAsList)], or role.roleArn.');
  }
}

/** Resolves the exemption switches of one restriction. */
export function exemptionsOf(options: AccessRestrictionOptions, kind: string): Exemptions {
  refuseListToken('AccessRestriction.ExemptPrincipalArnsListToken', kind, 'exemptPrincipalArns', options.exemptPrincipalArns);
  checkStringList({
    empty: 'AccessRestriction.ExemptPrincipalArnsEmpty',
    duplicate: 'AccessRestriction.ExemptPrincipalArnDuplicate',
    malformed: 'AccessRestriction.ExemptPrincipalArnMalformed',
  }, kind, 'exemptPrincipalArns', options.exemptPrincipalArns, { allowEmpty: false, check: principalProblem, patternHelp: PRINCIPAL_HELP });
  return {
    principalArns: [...(options.exemptPrincipalArns ?? [])],
    awsServices: options.exemptAwsServices ?? true,
    servicesActingForCaller: options.exemptServicesActingForCaller ?? true,
    accountRoot: options.exemptAccountRoot ?? true,
    deploymentRole: options.exemptDeploymentRole ?? true,
    bucketServiceRoles: options.exemptBucketServiceRoles ?? true,
  };
}
