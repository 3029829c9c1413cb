import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PolicyGranteeCheckOptions } from './detective-controls-options';
import { appliedRestrictions, pinToAccount, restrictionValues } from '../access/internal';

/** The grantee lists of the rule, `federatedUsers` included (derived only). */
export type Grantees = Required<PolicyGranteeCheckOptions> & { readonly federatedUsers: string[] };

/**
 * The parameters of AWS Config's `S3_BUCKET_POLICY_GRANTEE_CHECK` for one bucket, derived from
 * what the app itself lets into the bucket.
 *
 * What the rule checks (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html):
 * that the access granted by the bucket policy is restricted to the AWS principals (IAM ARNs or
 * account ids, exact or partial match), service principals, federated users, IP addresses (CIDR)
 * or VPC ids given as parameters; each statement of the policy is evaluated, and a bucket without a
 * policy is COMPLIANT. The parameters apply to the whole rule, so a rule scoped to one bucket
 * (`ComplianceResourceId`) can carry that bucket's own grantees: one rule per monitored bucket.
 *
 * Derivation, each list deduplicated:
 * - `awsPrincipals`: the bucket's account; the AWS principals of the Allow statements of its policy
 *   (replication roles of source buckets, cross-account grants...); the principals its access
 *   restrictions let in (RoleOnly roles, AdminOnlyChanges administrators, `exemptPrincipalArns`).
 * - `servicePrincipals`: the service principals of the Allow statements (`logging.s3.amazonaws.com`
 *   on a log bucket, `cloudtrail.amazonaws.com` on a trail bucket, `config.amazonaws.com`...).
 * - `federatedUsers`: the federated principals of the Allow statements.
 * - `ipAddresses`: the CIDRs of SourceIpOnly restrictions (`aws:SourceIp`).
 * - `vpcIds`: the VPC ids of VpcEndpointOnly restrictions (`aws:SourceVpc`). The rule takes VPC ids
 *   only: restrictions by VPC endpoint id (`aws:SourceVpce`) cannot be expressed, and give no value.
 *
 * A list given in `overrides` replaces the derived one.
 */
export function bucketGrantees(bucket: s3.IBucket, overrides: PolicyGranteeCheckOptions): Grantees {
  const stack = Stack.of(bucket);
  const aws: string[] = [stack.account];
  const services: string[] = [];
  const federated: string[] = [];
  const document = bucket.policy?.document.toJSON() as { Statement?: any[] } | undefined;
  for (const statement of document?.Statement ?? []) {
    if (statement.Effect !== 'Allow' || !statement.Principal || statement.Principal === '*') { continue; }
    aws.push(...principalValues(statement.Principal.AWS));
    services.push(...principalValues(statement.Principal.Service));
    federated.push(...principalValues(statement.Principal.Federated));
  }
  for (const spec of appliedRestrictions(bucket)) {
    for (const clause of spec.clauses) {
      if (clause.key === 'aws:PrincipalArn') { aws.push(...clause.values.map(v => pinToAccount(stack, v))); }
    }
    aws.push(...spec.exemptions.principalArns.map(v => pinToAccount(stack, v)));
  }
  return {
    awsPrincipals: overrides.awsPrincipals ?? unique(aws),
    servicePrincipals: overrides.servicePrincipals ?? unique(services),
    federatedUsers: unique(federated),
    ipAddresses: overrides.ipAddresses ?? restrictionValues(bucket, 'aws:SourceIp'),
    vpcIds: overrides.vpcIds ?? restrictionValues(bucket, 'aws:SourceVpc'),
  };
}

/** Renders grantee lists as the rule's CSV parameters, leaving out empty ones. */
export function granteeParameters(grantees: PolicyGranteeCheckOptions & { federatedUsers?: string[] }): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, values] of Object.entries(grantees)) {
    if (Array.isArray(values) && values.length > 0) { parameters[name] = values.join(','); }
  }
  return parameters;
}

function principalValues(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string' && v !== '*');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
