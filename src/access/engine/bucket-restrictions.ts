import { Annotations, ArnFormat, CfnResource, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { checkPolicySize } from './policy-size';
import { METADATA_READING_SERVICES } from '../../private/aws-services';
import { existingStateOf, stateOf } from '../../private/construct-state';
import { invalidProp } from '../../private/errors';
import { RestrictableBucket } from '../../private/restrictable-bucket';

/**
 * One negated condition of a restriction: a request fails the restriction when every clause
 * of the restriction matches.
 */
export interface RestrictionClause {
  readonly operator: string;
  readonly key: string;
  readonly values: string[];
}

/** The resolved exemption switches of a restriction. */
export interface Exemptions {
  readonly principalArns: string[];
  readonly awsServices: boolean;
  readonly servicesActingForCaller: boolean;
  readonly accountRoot: boolean;
  readonly deploymentRole: boolean;
  readonly bucketServiceRoles: boolean;
}

/** A warning a restriction raises on the bucket it is applied to. */
export interface RestrictionWarning {
  readonly id: string;
  readonly message: string;
}

/** What a restriction renders into: one Deny statement (plus optional unconditional ones). */
export interface RestrictionSpec {
  /** `VpcEndpointOnly`, `SourceIpOnly`, `RoleOnly`, `AdminOnlyChanges` or `AnyOf`. */
  readonly kind: string;
  /** The kinds of the restrictions inside (itself for a single restriction). */
  readonly memberKinds: string[];
  /** Actions denied when the clauses match. */
  readonly actions: string[];
  /** Whether the statement covers `bucket/*` besides the bucket ARN. */
  readonly onObjects: boolean;
  /** Whether the restriction may be a member of `anyOf`. */
  readonly orable: boolean;
  /** Whether it restricts where requests come from (so `aws:ViaAWSService` can exempt). */
  readonly network: boolean;
  readonly clauses: RestrictionClause[];
  readonly exemptions: Exemptions;
  readonly warnings: RestrictionWarning[];
  /** Object actions denied to everyone, without exemptions (e.g. object ACLs). */
  readonly objectActionsDeniedToAll?: string[];
  /** The condition of the Deny of `objectActionsDeniedToAll` (e.g. unless the ACL is `bucket-owner-full-control`). */
  readonly objectActionsDeniedToAllUnless?: Record<string, Record<string, string>>;
}

/** The spec of a restriction on every S3 action on the bucket and its objects (all but AdminOnlyChanges). */
export function s3AccessSpec(kind: string, network: boolean, clauses: RestrictionClause[], exemptions: Exemptions,
  warnings: RestrictionWarning[] = []): RestrictionSpec {
  return { kind, memberKinds: [kind], actions: ['s3:*'], onObjects: true, orable: true, network, clauses, exemptions, warnings };
}

/** The state key of the roles recorded as acting on a bucket for AWS (e.g. the replication role of a source writing into it). */
const SERVICE_ROLES = 'access.serviceRoles';
/** The state key of a bucket's restrictions. */
const RESTRICTIONS = 'access.restrictions';

/**
 * Records a role that an AWS service assumes to act on `bucket` (such as the replication role of
 * this bucket, or of a source bucket that replicates into it), so that access restrictions with
 * `exemptBucketServiceRoles` (the default) exempt it. Read when the policy is rendered.
 */
export function addBucketServiceRole(bucket: IConstruct, roleArn: string): void {
  const roles = stateOf<string[]>(bucket, SERVICE_ROLES, () => []);
  if (!roles.includes(roleArn)) { roles.push(roleArn); }
}

const SOURCE_IP_KEY = 'aws:SourceIp';

/** The restriction prop a condition key's values come from, for messages. */
const PROP_OF_KEY: Record<string, string> = { 'aws:SourceVpce': 'vpcEndpointIds', 'aws:SourceVpc': 'vpcIds', 'aws:SourceIp': 'cidrs' };
const ENDPOINT_KEYS = ['aws:SourceVpce', 'aws:SourceVpc'];

/**
 * The access restrictions of one bucket: renders each as a Deny statement, keeps them
 * idempotent, and computes the lock-out exemptions when the policy is rendered (so roles that
 * CDK adds later, such as the notifications handler, are still exempted).
 */
export class BucketRestrictions {
  public static of(bucket: RestrictableBucket): BucketRestrictions {
    return stateOf(bucket, RESTRICTIONS, () => new BucketRestrictions(bucket));
  }

  /** Whether any restriction was applied to the bucket. */
  public static has(bucket: IConstruct): boolean {
    return existingStateOf(bucket, RESTRICTIONS) !== undefined;
  }

  private readonly fingerprints = new Set<string>();
  private readonly specs: RestrictionSpec[] = [];
  private readonly deniedToAll = new Set<string>();
  private deniedToAllStatements = 0;
  private warnedAndedNetworks = false;
  private warnedNoDeploymentRole = false;

  private constructor(private readonly bucket: RestrictableBucket) {
    checkPolicySize(bucket);
  }

  /** The restrictions applied so far, in order. */
  public get applied(): readonly RestrictionSpec[] {
    return this.specs;
  }

  public add(spec: RestrictionSpec): void {
    const fingerprint = JSON.stringify(spec);
    if (this.fingerprints.has(fingerprint)) {
      return; // idempotent: the same restriction applied twice changes nothing
    }
    this.fingerprints.add(fingerprint);
    this.specs.push(spec);

    this.bucket.addToResourcePolicy(this.render(spec));
    const deniedToAll = (spec.objectActionsDeniedToAll ?? []).filter(a => !this.deniedToAll.has(a));
    if (deniedToAll.length > 0) {
      deniedToAll.forEach(a => this.deniedToAll.add(a));
      this.bucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: `DenyToEveryone${++this.deniedToAllStatements}`,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: deniedToAll,
        resources: [this.bucket.arnForObjects('*')],
        conditions: spec.objectActionsDeniedToAllUnless,
      }));
    }
    for (const warning of spec.warnings) {
      Annotations.of(this.bucket).addWarningV2(warning.id, warning.message);
    }
    this.warnIfNetworksAnded();
    this.warnIfDeployerUnknown(spec);
  }

  private render(spec: RestrictionSpec): iam.PolicyStatement {
    const conditions: Record<string, Record<string, string[] | string>> = {};
    const principalArns: string[] = [];
    const stack = Stack.of(this.bucket);
    for (const clause of spec.clauses) {
      if (clause.operator === 'ArnNotLike' && clause.key === 'aws:PrincipalArn') {
        principalArns.push(...clause.values.map(arn => pinToAccount(stack, arn)));
        continue;
      }
      const operator = (conditions[clause.operator] ??= {});
      const existing = operator[clause.key];
      if (existing !== undefined && (Token.isUnresolved(existing) || Token.isUnresolved(clause.values))) {
        invalidProp('AccessRestriction.AnyOfListTokenMerged', spec.kind === 'AnyOf' ? 'AccessRestriction.anyOf' : spec.kind, PROP_OF_KEY[clause.key] ?? clause.key, Token.isUnresolved(clause.values) ? clause.values : existing,
          `is a list token (such as a CommaDelimitedList parameter) that anyOf would merge with the ${clause.key} values of another member, `
          + 'and CloudFormation cannot add elements to a list known only at deploy time',
          'Give the values in one member, or pass a list of strings whose elements may be tokens (Fn.select(i, param.valueAsList)).');
      }
      operator[clause.key] = existing === undefined ? [...clause.values] : [...new Set([...existing, ...clause.values])];
    }
    const bools: Record<string, string> = {};
    if (spec.exemptions.awsServices) { bools['aws:PrincipalIsAWSService'] = 'false'; }
    if (spec.network && spec.exemptions.servicesActingForCaller) { bools['aws:ViaAWSService'] = 'false'; }
    if (Object.keys(bools).length > 0) {
      conditions.BoolIfExists = bools;
    }

    const exempt = Lazy.any({
      produce: () => {
        const arns = [...new Set([...principalArns, ...this.exemptPrincipalArns(spec)])];
        return arns.length > 0 ? { 'aws:PrincipalArn': arns } : undefined;
      },
    });

    const resources = spec.onObjects ? [this.bucket.bucketArn, this.bucket.arnForObjects('*')] : [this.bucket.bucketArn];
    return new iam.PolicyStatement({
      sid: sidFor(spec, this.specs.length),
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: spec.actions,
      resources,
      conditions: { ...conditions, ArnNotLike: exempt },
    });
  }

  /** Principal ARNs exempted by the switches, computed when the policy is rendered. */
  private exemptPrincipalArns(spec: RestrictionSpec): string[] {
    const exemptions = spec.exemptions;
    const stack = Stack.of(this.bucket);
    const arns: string[] = exemptions.principalArns.map(arn => pinToAccount(stack, arn));
    if (exemptions.accountRoot) {
      arns.push(stack.formatArn({ service: 'iam', region: '', resource: 'root', arnFormat: ArnFormat.NO_RESOURCE_NAME }));
    }
    if (exemptions.awsServices && spec.actions.some(deniesReading)) {
      arns.push(...metadataReadingServiceRoleArns(stack));
    }
    if (exemptions.deploymentRole) {
      const deployer = deploymentRoleArn(stack);
      if (deployer) { arns.push(deployer); }
    }
    if (exemptions.bucketServiceRoles) {
      arns.push(...bucketServiceRoleArns(this.bucket));
    }
    return arns;
  }

  private warnIfNetworksAnded(): void {
    if (this.warnedAndedNetworks) { return; }
    // A statement every request must pass by its source IP (all its alternatives are aws:SourceIp), and another
    // one that lets requests in through an endpoint: endpoint requests carry no aws:SourceIp, so they fail the first.
    const ipOnly = this.specs.filter(s => s.clauses.length > 0 && s.clauses.every(c => c.key === SOURCE_IP_KEY));
    const hasIp = ipOnly.length > 0;
    const hasEndpoint = this.specs.some(s => !ipOnly.includes(s) && s.clauses.some(c => ENDPOINT_KEYS.includes(c.key)));
    if (hasIp && hasEndpoint) {
      this.warnedAndedNetworks = true;
      Annotations.of(this.bucket).addWarningV2('cdk-secure-bucket:AccessRestriction.endpointAndSourceIpAnded',
        'A VPC-endpoint restriction and a source-IP restriction are applied separately, so both must hold. '
        + 'aws:SourceIp is absent on requests that arrive through a VPC endpoint, so this denies all traffic through the endpoint. '
        + 'To allow "through the endpoint OR from these addresses", apply AccessRestriction.anyOf(vpcEndpointOnly, sourceIpOnly) instead.');
    }
  }

  private warnIfDeployerUnknown(spec: RestrictionSpec): void {
    if (this.warnedNoDeploymentRole || !spec.exemptions.deploymentRole) { return; }
    if (deploymentRoleArn(Stack.of(this.bucket)) === undefined) {
      this.warnedNoDeploymentRole = true;
      Annotations.of(this.bucket).addWarningV2('cdk-secure-bucket:AccessRestriction.deploymentRoleUnknown',
        'The stack does not use the default synthesizer, so the role that deploys it is not known and cannot be exempted. '
        + 'If that role is not otherwise allowed, the next deployment cannot update this bucket: add it to exemptPrincipalArns.');
    }
  }
}

function sidFor(spec: RestrictionSpec, index: number): string {
  const name = spec.kind === 'AnyOf' ? `AnyOf${spec.memberKinds.join('Or')}` : spec.kind;
  return `Restrict${name}${index}`.replace(/[^A-Za-z0-9]/g, '');
}


/** Whether a denied action covers reading a bucket's configuration (`s3:Get*`, `s3:List*`). */
function deniesReading(action: string): boolean {
  return action === '*' || action === 's3:*' || action.startsWith('s3:Get') || action.startsWith('s3:List');
}

/** The service-linked roles of the stack's account that the AWS-service exemption covers (`METADATA_READING_SERVICES`). */
export function metadataReadingServiceRoleArns(stack: Stack): string[] {
  return METADATA_READING_SERVICES.map(service =>
    stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `aws-service-role/${service}/*` }));
}

/** A role name becomes a role ARN of the bucket's account; a full ARN is kept as given. */
export function pinToAccount(stack: Stack, arnOrName: string): string {
  if (Token.isUnresolved(arnOrName) || arnOrName.startsWith('arn:')) {
    return arnOrName;
  }
  return stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: arnOrName });
}

/**
 * The CloudFormation execution role of a stack, when its synthesizer says what it is. A nested
 * stack is deployed by the role of its top-level stack.
 */
export function deploymentRoleArn(stack: Stack): string | undefined {
  let root = stack;
  while (root.nestedStackParent) { root = root.nestedStackParent; }
  const synthesizer = root.synthesizer as any;
  try {
    const arn = synthesizer.cloudFormationExecutionRoleArn;
    if (typeof arn !== 'string') { return undefined; }
    // The synthesizer keeps placeholders such as ${AWS::Partition} for the CLI; a policy needs them resolved.
    return arn.includes('${') ? Fn.sub(arn) : arn;
  } catch {
    return undefined;
  }
}

/**
 * Roles that CDK creates to act on this bucket: the auto-delete-objects provider, the bucket
 * notifications handler, the replication role, and roles recorded with `addBucketServiceRole`
 * (a SecureBucket's replication role, on its source and on its destination).
 */
function bucketServiceRoleArns(bucket: RestrictableBucket): string[] {
  const stack = Stack.of(bucket);
  const arns: string[] = [];
  const hasChild = (id: string) => bucket.node.tryFindChild(id) !== undefined;

  if (hasChild('AutoDeleteObjectsCustomResource')) {
    const role = stack.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider')?.node.tryFindChild('Role');
    if (CfnResource.isCfnResource(role)) {
      arns.push(Token.asString(role.getAtt('Arn')));
    }
  }
  if (hasChild('Notifications')) {
    const handlerRole = (bucket as any).notificationsHandlerRole as iam.IRole | undefined
      ?? stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834')?.node.tryFindChild('Role') as iam.IRole | undefined;
    if (handlerRole?.roleArn) {
      arns.push(handlerRole.roleArn);
    }
  }
  const replicationRoleArn = (bucket as any).replicationRoleArn;
  if (typeof replicationRoleArn === 'string') {
    arns.push(replicationRoleArn);
  }
  arns.push(...(existingStateOf<string[]>(bucket, SERVICE_ROLES) ?? []).filter(arn => !arns.includes(arn)));
  return arns;
}
