import { Mixin } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalidProp } from '../private/errors';
import { BucketRestrictions, RestrictionSpec } from './engine/bucket-restrictions';
import { isRestrictableBucket } from '../private/restrictable-bucket';

/**
 * Exemptions shared by every access restriction.
 *
 * Every default exemption is on, so that a restriction never locks out AWS services, the account
 * root user, the deployment, or the bucket's own custom resources. Switch one off only when you
 * know nothing relies on it.
 */
export interface AccessRestrictionOptions {
  /**
   * Break-glass principals that the restriction never applies to: full IAM ARNs (wildcards
   * allowed, e.g. `arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AdministratorAccess*`),
   * or role names, which are pinned to the bucket's account as `role/NAME`, without a path (give a
   * role with a path by its ARN). A role is named by its role ARN, never by a session (`sts`
   * `assumed-role`) ARN; a value that is a token must be a full ARN (`role.roleArn`).
   *
   * @default - none
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
   */
  readonly exemptPrincipalArns?: string[];

  /**
   * Exempt AWS service principals (`aws:PrincipalIsAWSService`), such as the S3 log delivery
   * service, CloudFront with origin access control, or CloudTrail, and the service-linked roles
   * through which AWS Config's recorder and IAM Access Analyzer read the bucket's configuration and
   * policy (`role/aws-service-role/config.amazonaws.com/*` and
   * `role/aws-service-role/access-analyzer.amazonaws.com/*` of the bucket's account). Only an AWS
   * service can create or assume a service-linked role; these two never read objects. (The roles
   * are exempted by the restrictions that deny reads: not by `AdminOnlyChanges`, which denies
   * changes only.)
   *
   * @default true
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
   */
  readonly exemptAwsServices?: boolean;

  /**
   * For network restrictions (VPC endpoint, source IP): exempt requests that an AWS service
   * makes on behalf of a caller (`aws:ViaAWSService`), such as Athena or AWS Glue reading the
   * bucket with the caller's credentials from outside the caller's network.
   *
   * @default true
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-viaawsservice
   */
  readonly exemptServicesActingForCaller?: boolean;

  /**
   * Exempt the root user of the bucket's account.
   *
   * @default true
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
   */
  readonly exemptAccountRoot?: boolean;

  /**
   * Exempt the CloudFormation execution role of the stack, when the stack uses the default
   * synthesizer (derived from the synthesizer, so custom qualifiers are followed).
   *
   * @default true
   * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
   */
  readonly exemptDeploymentRole?: boolean;

  /**
   * Exempt the roles CDK creates for this bucket: the auto-delete-objects and the bucket
   * notifications custom resources, and the replication role.
   *
   * @default true
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
   */
  readonly exemptBucketServiceRoles?: boolean;
}

/**
 * A bucket-policy restriction on who may use a bucket, or from where.
 *
 * Restrictions are core CDK Mixins: apply them with `bucket.with(restriction)`,
 * `Mixins.of(scope).apply(restriction)`, or the `accessRestrictions` prop of `SecureBucket`.
 * Each applied restriction is one Deny statement; restrictions applied separately all hold
 * (AND). `AccessRestriction.anyOf(...)` combines restrictions into one statement where any one
 * of them suffices (OR). Applying the same restriction twice changes nothing.
 *
 * @example
 * declare const vpcEndpoint: ec2.IVpcEndpoint;
 * const bucket = new SecureBucket(this, 'Data');
 * // Through the VPC endpoint OR from the office: one Deny statement.
 * bucket.with(AccessRestriction.anyOf(
 *   new VpcEndpointOnly({ vpcEndpointIds: [vpcEndpoint.vpcEndpointId] }),
 *   new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }),
 * ));
 */
export abstract class AccessRestriction extends Mixin {
  /**
   * A restriction that a request passes when it passes any one of `restrictions`.
   *
   * It is rendered as one Deny statement that holds the negated conditions of every member,
   * so it fires only when all of them fail. This is the only correct way to say "through my
   * VPC endpoint OR from my office": `aws:SourceIp` is absent on requests through a VPC
   * endpoint, so two separate restrictions would deny all endpoint traffic.
   *
   * Exemptions: the break-glass principals of every member apply; a default exemption applies
   * unless a member switches it off.
   */
  public static anyOf(...restrictions: AccessRestriction[]): AccessRestriction {
    return new AnyOfRestriction(restrictions);
  }

  /** Whether `x` is an `AccessRestriction` (works across copies of this library). */
  public static isAccessRestriction(x: unknown): x is AccessRestriction {
    return typeof x === 'object' && x !== null && ACCESS_RESTRICTION_SYMBOL in x;
  }

  protected constructor() {
    super();
    Object.defineProperty(this, ACCESS_RESTRICTION_SYMBOL, { value: true });
  }

  /**
   * True for buckets defined in this app (`s3.Bucket`, `SecureBucket`, any L2 whose default child
   * is an `AWS::S3::Bucket`). False for anything else, including imported buckets, whose policy
   * this app does not own.
   */
  public supports(construct: IConstruct): boolean {
    return isRestrictableBucket(construct);
  }

  /** Adds the restriction's statements to the bucket's policy. */
  public applyTo(construct: IConstruct): void {
    if (!isRestrictableBucket(construct)) {
      invalidProp('AccessRestriction.TargetNotABucket', construct, 'construct', construct.node.path, 'is not a bucket defined in this app',
        'Apply access restrictions to an s3.Bucket or a SecureBucket (imported buckets cannot take policy statements).');
    }
    BucketRestrictions.of(construct).add(this._spec());
  }

  /**
   * The restriction as clauses and exemptions.
   *
   * @internal
   */
  public abstract _spec(): RestrictionSpec;
}

const ACCESS_RESTRICTION_SYMBOL = Symbol.for('cdk-secure-bucket.AccessRestriction');

class AnyOfRestriction extends AccessRestriction {
  private readonly members: AccessRestriction[];

  constructor(restrictions: AccessRestriction[]) {
    super();
    if (restrictions.length < 2) {
      invalidProp('AccessRestriction.AnyOfTooFew', 'AccessRestriction.anyOf', 'restrictions', restrictions.length,
        'needs at least two restrictions to choose between',
        'Apply a single restriction directly with bucket.with(restriction).');
    }
    restrictions.forEach((r, i) => {
      if (!r._spec().orable) {
        invalidProp('AccessRestriction.AnyOfMemberNotCombinable', 'AccessRestriction.anyOf', `restrictions[${i}]`, r._spec().kind,
          'cannot be combined with OR: it restricts different actions than the other restrictions',
          'Apply it separately with bucket.with(...) so that it always holds.');
      }
    });
    this.members = restrictions;
  }

  /** @internal */
  public _spec(): RestrictionSpec {
    const specs = this.members.map(m => m._spec());
    const every = (f: (e: RestrictionSpec['exemptions']) => boolean) => specs.every(s => f(s.exemptions));
    return {
      kind: 'AnyOf',
      memberKinds: specs.flatMap(s => s.memberKinds),
      actions: specs[0].actions,
      onObjects: specs.some(s => s.onObjects),
      orable: true,
      // Deny only when every member fails: the union of every member's failing clauses.
      clauses: specs.flatMap(s => s.clauses),
      network: specs.some(s => s.network),
      exemptions: {
        principalArns: specs.flatMap(s => s.exemptions.principalArns),
        awsServices: every(e => e.awsServices),
        // Only network members can exempt a service acting for a caller; like every other default
        // exemption, it applies unless a (network) member switches it off.
        servicesActingForCaller: specs.some(s => s.network) && specs.every(s => !s.network || s.exemptions.servicesActingForCaller),
        accountRoot: every(e => e.accountRoot),
        deploymentRole: every(e => e.deploymentRole),
        bucketServiceRoles: every(e => e.bucketServiceRoles),
      },
      warnings: specs.flatMap(s => s.warnings),
    };
  }
}
