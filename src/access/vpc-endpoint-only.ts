import { AccessRestriction, AccessRestrictionOptions } from './access-restriction';
import { invalidProp } from '../private/errors';
import { RestrictionClause, RestrictionSpec, s3AccessSpec } from './engine/bucket-restrictions';
import { exemptionsOf } from './engine/exemptions';
import { checkStringList } from '../private/validate';

/**
 * Properties of `VpcEndpointOnly`. Give endpoint ids, VPC ids, or both (a request then passes
 * when it matches either).
 */
export interface VpcEndpointOnlyProps extends AccessRestrictionOptions {
  /**
   * The gateway or interface VPC endpoints requests must come through (`aws:SourceVpce`).
   * For an `ec2.IVpcEndpoint`, pass `endpoint.vpcEndpointId`.
   *
   * @default - no endpoint condition (then `vpcIds` is required)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html
   */
  readonly vpcEndpointIds?: string[];

  /**
   * The VPCs requests must come from (`aws:SourceVpc`), through any endpoint in them.
   *
   * @default - no VPC condition (then `vpcEndpointIds` is required)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html
   */
  readonly vpcIds?: string[];
}

/**
 * Only requests through the given VPC endpoints, or from the given VPCs, may use the bucket.
 *
 * `aws:SourceVpce` and `aws:SourceVpc` are present only on requests through a VPC endpoint;
 * everything else (the internet, the console, other VPCs) is denied, except the exemptions of
 * `AccessRestrictionOptions`.
 *
 * @example
 * declare const vpcEndpoint: ec2.IVpcEndpoint;
 * new SecureBucket(this, 'Data', {
 *   accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: [vpcEndpoint.vpcEndpointId] })],
 * });
 */
export class VpcEndpointOnly extends AccessRestriction {
  private readonly spec: RestrictionSpec;

  constructor(props: VpcEndpointOnlyProps) {
    super();
    const owner = 'VpcEndpointOnly';
    const check = { allowEmpty: false };
    checkStringList({
      empty: 'VpcEndpointOnly.EndpointIdsEmpty', duplicate: 'VpcEndpointOnly.EndpointIdDuplicate', malformed: 'VpcEndpointOnly.EndpointIdMalformed',
    }, owner, 'vpcEndpointIds', props.vpcEndpointIds, {
      ...check, pattern: /^vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, patternHelp: 'A VPC endpoint id is vpce- followed by 8 or 17 hexadecimal digits, e.g. vpce-1a2b3c4d; pass endpoint.vpcEndpointId.',
    });
    checkStringList({
      empty: 'VpcEndpointOnly.VpcIdsEmpty', duplicate: 'VpcEndpointOnly.VpcIdDuplicate', malformed: 'VpcEndpointOnly.VpcIdMalformed',
    }, owner, 'vpcIds', props.vpcIds, {
      ...check, pattern: /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, patternHelp: 'A VPC id is vpc- followed by 8 or 17 hexadecimal digits, e.g. vpc-0a1b2c3d4e5f60718; pass vpc.vpcId.',
    });
    if (props.vpcEndpointIds === undefined && props.vpcIds === undefined) {
      invalidProp('VpcEndpointOnly.EndpointAndVpcIdsMissing', owner, 'vpcEndpointIds', undefined, 'and vpcIds cannot both be missing', 'Give the VPC endpoint ids, the VPC ids, or both.');
    }
    const clauses: RestrictionClause[] = [];
    if (props.vpcEndpointIds) { clauses.push({ operator: 'StringNotEquals', key: 'aws:SourceVpce', values: props.vpcEndpointIds }); }
    if (props.vpcIds) { clauses.push({ operator: 'StringNotEquals', key: 'aws:SourceVpc', values: props.vpcIds }); }
    this.spec = s3AccessSpec(owner, true, clauses, exemptionsOf(props, owner));
  }

  /** @internal */
  public _spec(): RestrictionSpec {
    return this.spec;
  }
}
