import { AccessRestriction, AccessRestrictionOptions } from './access-restriction';
import { RestrictionSpec } from './engine/bucket-restrictions';
import { exemptionsOf, refuseListToken } from './engine/exemptions';
import { PRINCIPAL_HELP, principalProblem } from '../private/principals';
import { BUCKET_ADMINISTRATION_ACTIONS, OBJECT_ACL_WRITES_ACTIONS } from '../private/s3-actions';
import { checkStringList } from '../private/validate';

/*
 * The actions `AdminOnlyChanges` reserves for administrators (BUCKET_ADMINISTRATION_ACTIONS): every S3
 * action that changes who may access the bucket, changes or deletes its configuration, or bypasses an
 * object's Object Lock protection (the classes `changes-access`, `changes-configuration` and
 * `bypasses-protection` of src/private/s3-actions.ts, generated from AWS's Service Authorization Reference),
 * but object ACL writes (OBJECT_ACL_WRITES_ACTIONS), which a statement of their own denies to everyone.
 * Deleting a configuration is authorised by the same action as putting it
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
 */

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
 * services) may change who may access the bucket (its policy, ACL, public access block, ownership
 * controls), change or delete its configuration (encryption, versioning, lifecycle, logging,
 * replication, Object Lock, notifications, CORS, website, inventory, analytics, metrics, tagging and
 * every other bucket-level setting), delete it, or bypass or change an object's Object Lock
 * protection. Which actions that is comes from AWS's Service Authorization Reference, class by class
 * (docs/access-restrictions.md). Object ACLs are denied to everyone, except one that only gives the
 * bucket owner full control (`bucket-owner-full-control`, which services such as CloudTrail and AWS
 * Config send with their uploads).
 *
 * It restricts other actions than the rest, so it cannot be a member of `anyOf`.
 *
 * @example
 * new SecureBucket(this, 'Data', {
 *   accessRestrictions: [new AdminOnlyChanges({ administratorArns: ['arn:aws:iam::111111111111:role/PlatformAdmin'] })],
 * });
 */
export class AdminOnlyChanges extends AccessRestriction {
  /** The actions reserved for administrators (patterns such as `s3:PutBucket*`). */
  public static readonly ADMINISTRATION_ACTIONS: string[] = [...BUCKET_ADMINISTRATION_ACTIONS];

  /** The object actions denied to everyone, unless the ACL only gives the bucket owner full control. */
  public static readonly OBJECT_ACL_ACTIONS: string[] = [...OBJECT_ACL_WRITES_ACTIONS];

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
      actions: [...BUCKET_ADMINISTRATION_ACTIONS],
      // Object Lock bypass, retention and legal hold act on objects.
      onObjects: true,
      orable: false,
      network: false,
      clauses: [{ operator: 'ArnNotLike', key: 'aws:PrincipalArn', values: props.administratorArns }],
      exemptions: exemptionsOf(props, owner),
      warnings: [],
      objectActionsDeniedToAll: [...OBJECT_ACL_WRITES_ACTIONS],
      // S3 authorizes an upload that sets an ACL as s3:PutObjectAcl too; bucket-owner-full-control grants nothing beyond the owner.
      objectActionsDeniedToAllUnless: { StringNotEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
    };
  }

  /** @internal */
  public _spec(): RestrictionSpec {
    return this.spec;
  }
}
