import { Token } from 'aws-cdk-lib';
import { AccessRestriction, AccessRestrictionOptions } from './access-restriction';
import { cidrProblem, isPrivateCidr } from '../private/cidr';
import { RestrictionSpec, s3AccessSpec } from './engine/bucket-restrictions';
import { exemptionsOf } from './engine/exemptions';
import { checkStringList } from '../private/validate';

/**
 * Properties of `SourceIpOnly`.
 */
export interface SourceIpOnlyProps extends AccessRestrictionOptions {
  /**
   * The public IPv4 and IPv6 CIDR blocks requests must come from (`aws:SourceIp`).
   * IPv6 blocks matter for dual-stack S3 endpoints.
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip
   */
  readonly cidrs: string[];
}

/**
 * Only requests from the given public IP ranges may use the bucket.
 *
 * `aws:SourceIp` is absent on requests through a VPC endpoint and never holds a private
 * address, so this also denies all VPC-endpoint traffic. To allow "from these addresses OR
 * through my endpoint", use `AccessRestriction.anyOf(new SourceIpOnly(...), new VpcEndpointOnly(...))`.
 *
 * @example
 * new SecureBucket(this, 'Data', {
 *   accessRestrictions: [new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8::/32'] })],
 * });
 */
export class SourceIpOnly extends AccessRestriction {
  private readonly spec: RestrictionSpec;

  constructor(props: SourceIpOnlyProps) {
    super();
    const owner = 'SourceIpOnly';
    checkStringList({
      empty: 'SourceIpOnly.CidrsEmpty', duplicate: 'SourceIpOnly.CidrDuplicate', malformed: 'SourceIpOnly.CidrMalformed',
    }, owner, 'cidrs', props.cidrs, {
      allowEmpty: false,
      check: cidrProblem,
      patternHelp: 'Use CIDR blocks such as 203.0.113.0/24 (IPv4 /0-/32) or 2001:db8::/32 (IPv6 /0-/128).',
    });
    const literal = Token.isUnresolved(props.cidrs) ? [] : props.cidrs.filter(c => !Token.isUnresolved(c));
    const privateCidrs = literal.filter(isPrivateCidr);
    const clauses = [{ operator: 'NotIpAddress', key: 'aws:SourceIp', values: props.cidrs }];
    this.spec = s3AccessSpec(owner, true, clauses, exemptionsOf(props, owner), privateCidrs.length === 0 ? [] : [{
      id: 'cdk-secure-bucket:SourceIpOnly.privateCidr',
      message: `SourceIpOnly lists private ranges (${privateCidrs.join(', ')}): aws:SourceIp never carries a private address, so no request matches them. `
          + 'For traffic from a VPC, use VpcEndpointOnly (aws:SourceVpce / aws:SourceVpc), or a condition on aws:VpcSourceIp.',
    }]);
  }

  /** @internal */
  public _spec(): RestrictionSpec {
    return this.spec;
  }
}
