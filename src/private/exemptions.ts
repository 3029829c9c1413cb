import type { Exemptions } from './restrictions';
import { checkStringList } from './validate';
import type { AccessRestrictionOptions } from '../access/access-restriction';

/** Resolves the exemption switches of one restriction. */
export function exemptionsOf(options: AccessRestrictionOptions, kind: string): Exemptions {
  checkStringList(kind, 'exemptPrincipalArns', options.exemptPrincipalArns, { allowEmpty: false, pattern: PRINCIPAL_ARN_OR_ROLE_NAME, patternHelp: PRINCIPAL_HELP });
  return {
    principalArns: [...(options.exemptPrincipalArns ?? [])],
    awsServices: options.exemptAwsServices ?? true,
    servicesActingForCaller: options.exemptServicesActingForCaller ?? true,
    accountRoot: options.exemptAccountRoot ?? true,
    deploymentRole: options.exemptDeploymentRole ?? true,
    bucketServiceRoles: options.exemptBucketServiceRoles ?? true,
  };
}

export const PRINCIPAL_ARN_OR_ROLE_NAME = /^(arn:aws[a-zA-Z-]*:(iam|sts)::(\d{12}|\*)?:[\w+=,.@\-/*:]+|[\w+=,.@\-*]{1,64})$/;
export const PRINCIPAL_HELP = 'Use a full IAM ARN such as arn:aws:iam::111111111111:role/BreakGlass (wildcards allowed), or a role name of the bucket\'s account.';

