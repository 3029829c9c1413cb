import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessRestriction, AccessRestrictionOptions } from './access-restriction';
import { invalidProp } from '../private/errors';
import { RestrictionClause, RestrictionSpec, s3AccessSpec } from './engine/bucket-restrictions';
import { exemptionsOf } from './engine/exemptions';

/**
 * Options of `RoleMatch.userId`.
 */
export interface UserIdMatchOptions {
  /**
   * Unique ids (`AROA...`, from `aws iam get-role`) of imported roles, keyed by role ARN.
   * Roles created in this app need none: their `RoleId` attribute is used.
   *
   * @default - no imported roles
   */
  readonly importedRoleIds?: { [roleArn: string]: string };
}

/**
 * How `RoleOnly` recognises the allowed roles.
 *
 * @example
 * declare const role: iam.IRole;
 * // Match the role's unique id: a role re-created with the same name no longer matches.
 * new RoleOnly({ roles: [role], matchBy: RoleMatch.userId() });
 */
export class RoleMatch {
  /**
   * Match the role ARN (`aws:PrincipalArn`): AWS's current recommendation. Survives re-creating
   * the role, but also matches a new role created later with the same name in the same account.
   */
  public static readonly PRINCIPAL_ARN = new RoleMatch('PrincipalArn', {});

  /**
   * Match the role's unique id (`aws:userId` = `ROLEID:*`): strict. A role deleted and re-created
   * with the same name gets a new id and is denied until the bucket policy is deployed again.
   */
  public static userId(options: UserIdMatchOptions = {}): RoleMatch {
    const ids = options.importedRoleIds ?? {};
    for (const [arn, id] of Object.entries(ids)) {
      if (!Token.isUnresolved(id) && !/^AROA[A-Z0-9]{12,128}$/.test(id)) {
        invalidProp('RoleOnly.ImportedRoleIdMalformed', 'RoleMatch.userId', `importedRoleIds[${arn}]`, id, 'is not a role unique id',
          'Use the RoleId from `aws iam get-role --role-name NAME`, which starts with AROA.');
      }
    }
    return new RoleMatch('UserId', ids);
  }

  private constructor(
    /** `PrincipalArn` or `UserId`. */
    public readonly kind: string,
    /** Unique ids of imported roles, by role ARN. */
    public readonly importedRoleIds: { [roleArn: string]: string },
  ) {}
}

/**
 * Properties of `RoleOnly`.
 */
export interface RoleOnlyProps extends AccessRestrictionOptions {
  /**
   * The IAM roles that may use the bucket.
   *
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
   */
  readonly roles: iam.IRole[];

  /**
   * How the roles are recognised.
   *
   * @default RoleMatch.PRINCIPAL_ARN
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-userid
   */
  readonly matchBy?: RoleMatch;
}

/**
 * Only the given IAM roles (plus the exemptions) may use the bucket.
 *
 * Same-named roles in other accounts never match: role ARNs carry the account.
 *
 * @example
 * declare const pipelineRole: iam.IRole;
 * const bucket = new SecureBucket(this, 'Artifacts');
 * bucket.with(new RoleOnly({ roles: [pipelineRole] }));
 * bucket.grantReadWrite(pipelineRole);
 */
export class RoleOnly extends AccessRestriction {
  private readonly spec: RestrictionSpec;

  constructor(props: RoleOnlyProps) {
    super();
    const owner = 'RoleOnly';
    if (props.roles.length === 0) {
      invalidProp('RoleOnly.RolesEmpty', owner, 'roles', [], 'cannot be an empty list', 'Give at least one role.');
    }
    props.roles.forEach((role, i) => {
      if (props.roles.indexOf(role) !== i
        || (!Token.isUnresolved(role.roleArn) && props.roles.findIndex(r => r.roleArn === role.roleArn) !== i)) {
        invalidProp('RoleOnly.RoleDuplicate', owner, `roles[${i}]`, role.node.path, 'is a duplicate', 'List each role once.');
      }
    });
    const matchBy = props.matchBy ?? RoleMatch.PRINCIPAL_ARN;
    let clause: RestrictionClause;
    if (matchBy.kind === 'UserId') {
      const ids = props.roles.map((role, i) => {
        const id = (role as iam.Role).roleId ?? matchBy.importedRoleIds[role.roleArn];
        if (id === undefined) {
          invalidProp('RoleOnly.ImportedRoleIdUnknown', owner, `roles[${i}]`, role.roleArn,
            'is an imported role, whose unique id (RoleId) this app cannot know, so matchBy RoleMatch.userId() cannot match it',
            'Pass its id with RoleMatch.userId({ importedRoleIds: { [roleArn]: \'AROA...\' } }), or use RoleMatch.PRINCIPAL_ARN.');
        }
        return `${id}:*`;
      });
      clause = { operator: 'StringNotLike', key: 'aws:userId', values: ids };
    } else {
      clause = { operator: 'ArnNotLike', key: 'aws:PrincipalArn', values: props.roles.map(r => r.roleArn) };
    }
    this.spec = s3AccessSpec(owner, false, [clause], exemptionsOf(props, owner));
  }

  /** @internal */
  public _spec(): RestrictionSpec {
    return this.spec;
  }
}
