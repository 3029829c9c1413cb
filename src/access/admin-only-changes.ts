import { AccessRestriction, AccessRestrictionOptions } from './access-restriction';
import { RestrictionSpec } from './engine/bucket-restrictions';
import { exemptionsOf, refuseListToken } from './engine/exemptions';
import { PRINCIPAL_HELP, principalProblem } from '../private/principals';
import { checkStringList } from '../private/validate';

/**
 * The bucket-configuration actions that `AdminOnlyChanges` reserves for administrators.
 * Deleting a configuration is authorised by the same action as putting it
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
 */
const BUCKET_ADMINISTRATION_ACTIONS = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutBucketPublicAccessBlock',
  's3:PutEncryptionConfiguration',
  's3:PutBucketVersioning',
  's3:PutLifecycleConfiguration',
  's3:PutBucketLogging',
  's3:PutBucketOwnershipControls',
  's3:PutReplicationConfiguration',
  's3:PutBucketObjectLockConfiguration',
  's3:DeleteBucket',
];

/**
 * Properties of `AdminOnlyChanges`.
 */
export interface AdminOnlyChangesProps extends AccessRestrictionOptions {
  /**
   * The principals that may change the bucket's configuration: full IAM ARNs, wildcards allowed
   * (e.g. the roles of an IAM Identity Center permission set:
   * `arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*`), or
   * role names of the bucket's account (a name is pinned as `role/NAME`, without a path: give a role
   * with a path by its ARN). A role is named by its role ARN, never by a session (`sts`
   * `assumed-role`) ARN; a value that is a token must be a full ARN (`role.roleArn`).
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
   */
  readonly administratorArns: string[];
}

/**
 * Only administrators (plus the exemptions: the deployment role, the account root user, AWS
 * services) may change the bucket's configuration: its policy, ACLs, public access block,
 * encryption, versioning, lifecycle, logging, ownership controls, replication and Object Lock
 * configuration, or delete it. Object ACLs are denied to everyone.
 *
 * It restricts other actions than the rest, so it cannot be a member of `anyOf`.
 *
 * @example
 * new SecureBucket(this, 'Data', {
 *   accessRestrictions: [new AdminOnlyChanges({ administratorArns: ['arn:aws:iam::111111111111:role/PlatformAdmin'] })],
 * });
 */
export class AdminOnlyChanges extends AccessRestriction {
  /** The bucket-configuration actions reserved for administrators. */
  public static readonly ADMINISTRATION_ACTIONS: string[] = [...BUCKET_ADMINISTRATION_ACTIONS];

  /** The object actions denied to everyone. */
  public static readonly OBJECT_ACL_ACTIONS: string[] = ['s3:PutObjectAcl', 's3:PutObjectVersionAcl'];

  private readonly spec: RestrictionSpec;

  constructor(props: AdminOnlyChangesProps) {
    super();
    const owner = 'AdminOnlyChanges';
    refuseListToken('AdminOnlyChanges.AdministratorArnsListToken', owner, 'administratorArns', props.administratorArns);
    checkStringList({
      empty: 'AdminOnlyChanges.AdministratorArnsEmpty', duplicate: 'AdminOnlyChanges.AdministratorArnDuplicate', malformed: 'AdminOnlyChanges.AdministratorArnMalformed',
    }, owner, 'administratorArns', props.administratorArns, {
      allowEmpty: false, check: principalProblem, patternHelp: PRINCIPAL_HELP,
    });
    this.spec = {
      kind: owner,
      memberKinds: [owner],
      actions: BUCKET_ADMINISTRATION_ACTIONS,
      onObjects: false,
      orable: false,
      network: false,
      clauses: [{ operator: 'ArnNotLike', key: 'aws:PrincipalArn', values: props.administratorArns }],
      exemptions: exemptionsOf(props, owner),
      warnings: [],
      objectActionsDeniedToAll: AdminOnlyChanges.OBJECT_ACL_ACTIONS,
    };
  }

  /** @internal */
  public _spec(): RestrictionSpec {
    return this.spec;
  }
}
