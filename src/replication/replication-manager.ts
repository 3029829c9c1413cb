import * as crypto from 'crypto';
import { Annotations, Arn, ArnFormat, Aws, Lazy, Stack, Stage, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import type { ReplicationDestinationOptions } from './replication-destination';
import { replicationWiring } from './replication-sources';
import { DESTINATION_KEY_ACTIONS, destinationBucketStatements, destinationKeyStatement, destinationObjectActions, kmsConditions, SOURCE_BUCKET_ACTIONS, SOURCE_OBJECT_ACTIONS, SOURCE_OBJECT_LOCK_ACTIONS } from './replication-statements';
import { addBucketServiceRole } from '../access/internal';
import { acknowledgeRules } from '../private/acknowledge';
import { existingStateOf, stateOf } from '../private/construct-state';
import { invalidProp } from '../private/errors';
import { literalBucketName } from '../private/validate';

/** The source bucket, as the replication manager sees it. */
export type ReplicationSource = s3.IBucket & Construct & { readonly key: kms.IKey };

interface ResolvedDestination {
  readonly options: ReplicationDestinationOptions;
  readonly key: kms.IKey;
  readonly account: string | undefined;
  readonly crossAccount: boolean;
  /** The destination's region: S3 there calls KMS for the replicas (`kms:ViaService`). */
  readonly region: string;
  readonly priority: number;
  readonly ruleId: string;
}


/** The destinations each source replicates to (to refuse two buckets replicating to each other: a dependency cycle). */
const REPLICATES_TO = 'replication.replicatesTo';

/** The replication role as a destination sees it: its ARN and the account to delegate to. */
interface RoleReference {
  readonly arn: string;
  readonly account: string;
}

/**
 * The physical name given to a replication role whose ARN a destination in another stack names:
 * `<source stack name>-<bucket id>` (only IAM name characters, at most 42 of them), then
 * `-Replication-` and 8 hex characters of a hash of the stack name, the source's region and the
 * bucket's construct path. At most 63 characters; the same on every synthesis.
 */
export function deterministicRoleName(source: IConstruct): string {
  const stack = Stack.of(source);
  const stackName = Token.isUnresolved(stack.stackName) ? stack.node.id : stack.stackName;
  const region = Token.isUnresolved(stack.region) ? '' : stack.region;
  const readable = `${stackName}-${source.node.id}`.replace(/[^\w+=,.@-]/g, '').slice(0, 42);
  const hash = crypto.createHash('sha256').update(`${stackName}|${region}|${source.node.path}`).digest('hex').slice(0, 8);
  return `${readable}-Replication-${hash}`;
}

const KEY_ARN = /^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const ACCOUNT = /^\d{12}$/;

/**
 * Builds the replication configuration and the least-privilege replication role of one source bucket.
 *
 * | destination                          | destination policies                          |
 * |--------------------------------------|-----------------------------------------------|
 * | SecureBucket, same stack and account | bucket policy, key policy and restrictions updated here, for the role's GetAtt ARN |
 * | SecureBucket, another stack of the same stage, same account | the same, for the role's literal ARN (the role gets a physical name); the source stack depends on the destination's |
 * | anything else                        | the owner adds `replicationDestinationStatements` and `replicationDestinationKeyStatement` |
 */
export class ReplicationManager {
  public readonly role: iam.Role;
  private readonly document = new iam.PolicyDocument({ minimize: false });
  private readonly destinations: ResolvedDestination[] = [];
  private readonly policy: iam.ManagedPolicy;

  constructor(private readonly source: ReplicationSource, private readonly objectLock: boolean, private roleName?: string) {
    this.role = new iam.Role(source, 'ReplicationRole', {
      roleName,
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: `Replicates ${source.node.path} (least privilege, created by SecureBucket)`,
    });
    this.policy = new iam.ManagedPolicy(this.role, 'Policy', { document: this.document, roles: [this.role] });
    addBucketServiceRole(source, this.role.roleArn);

    const sourceArn = source.bucketArn;
    this.acknowledgeObjectWildcard(`${sourceArn}/*`);
    this.document.addStatements(
      new iam.PolicyStatement({ sid: 'SourceBucket', actions: SOURCE_BUCKET_ACTIONS, resources: [sourceArn] }),
      new iam.PolicyStatement({
        sid: 'SourceObjects',
        actions: [...SOURCE_OBJECT_ACTIONS, ...(objectLock ? SOURCE_OBJECT_LOCK_ACTIONS : [])],
        resources: [`${sourceArn}/*`],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptSource',
        actions: ['kms:Decrypt'],
        resources: [source.key.keyArn],
        conditions: kmsConditions(source.env.region, sourceArn),
      }),
    );

    const cfn = source.node.defaultChild as s3.CfnBucket;
    cfn.replicationConfiguration = {
      role: this.role.roleArn,
      rules: Lazy.any({ produce: () => this.destinations.map(d => this.renderRule(d)) }) as any,
    };
  }

  public add(options: ReplicationDestinationOptions): void {
    const resolved = this.resolve(options);
    this.destinations.push(resolved);
    stateOf(this.source, REPLICATES_TO, () => new Set<IConstruct>()).add(options.destination);
    const n = this.destinations.length;
    const dest = options.destination;
    const crossAccount = resolved.crossAccount;
    const region = resolved.region;
    const destArn = this.arnOf(dest);
    this.acknowledgeObjectWildcard(`${destArn}/*`);

    this.document.addStatements(
      new iam.PolicyStatement({
        sid: `ReplicateTo${n}`,
        actions: destinationObjectActions(options.deleteMarkerReplication ?? false, crossAccount),
        resources: [`${destArn}/*`],
      }),
      new iam.PolicyStatement({
        sid: `EncryptReplicas${n}`,
        actions: DESTINATION_KEY_ACTIONS,
        resources: [resolved.key.keyArn],
        conditions: kmsConditions(region, destArn),
      }),
    );

    const sourceStack = Stack.of(this.source);
    const destStack = Stack.of(dest);
    if (isSecureBucket(dest) && !crossAccount && destStack === sourceStack) {
      this.wireDestination(dest, resolved, { arn: this.role.roleArn, account: sourceStack.account });
    } else if (isSecureBucket(dest) && !crossAccount && Stage.of(destStack) === Stage.of(sourceStack)) {
      // Only the source stack refers to the destination's: the destination names the role by a literal ARN.
      if (!isAncestor(destStack, sourceStack)) { // a nested stack is deployed within its parent
        sourceStack.addStackDependency(destStack, `the replication of ${this.source.node.path} writes into ${dest.node.path}`);
      }
      this.wireDestination(dest, resolved, this.literalRoleReference(destStack));
    } else {
      const where = !isSecureBucket(dest) ? 'not a SecureBucket of this app'
        : crossAccount ? 'a SecureBucket in another account' : 'a SecureBucket in another stage';
      Annotations.of(this.source).addWarningV2('cdk-secure-bucket:SecureBucket.replicationDestinationNotWired',
        `The replication destination ${dest.node.path} is ${where}: its bucket policy, `
        + 'key policy and access restrictions are not changed from here. Add SecureBucket.replicationDestinationStatements(...) and '
        + 'SecureBucket.replicationDestinationKeyStatement(...) to it, and the replication role to the exemptPrincipalArns of its restrictions.');
    }
  }

  /**
   * The role's ARN, written in the destination's stack without a reference to the source's stack:
   * the role gets a physical name (`replicationRoleName`, or a deterministic one), in the source's
   * account (the destination's when the accounts are not known: same-account replication).
   */
  private literalRoleReference(destStack: Stack): RoleReference {
    if (this.roleName === undefined) {
      this.roleName = deterministicRoleName(this.source);
      (this.role.node.defaultChild as iam.CfnRole).roleName = this.roleName;
    }
    const sourceAccount = Stack.of(this.source).account;
    const account = Token.isUnresolved(sourceAccount) ? destStack.account : sourceAccount;
    return {
      arn: destStack.formatArn({ service: 'iam', region: '', account, resource: 'role', resourceName: this.roleName }),
      account,
    };
  }

  /**
   * cdk-nag's AwsSolutions-IAM5 flags `bucket/*` resources one by one (`AwsSolutions-IAM5[Resource::<Id.Arn>/*]`):
   * acknowledge exactly the object wildcard of each bucket replication needs, on the role's policy only.
   */
  private acknowledgeObjectWildcard(objectsArn: string): void {
    const rendered = nagResourceString(Stack.of(this.source).resolve(objectsArn));
    if (rendered === undefined) { return; }
    acknowledgeRules(this.policy.node.defaultChild!, [{
      id: `AwsSolutions-IAM5[Resource::${rendered}]`,
      reason: 'Replication reads (source) or writes (destination) every object version of this bucket, so S3 needs its object-level '
        + 'replication actions on bucket/*; no other action is granted on it.',
    }]);
  }

  /**
   * The ARN of a bucket as the role's policy names it: a bucket of another stack with a literal name
   * is named literally (no cross-stack export for the policy, and cdk-nag's findings can be matched).
   */
  private arnOf(bucket: s3.IBucket): string {
    const name = literalBucketName(bucket);
    if (Stack.of(bucket) !== Stack.of(this.source) && name !== undefined) {
      return `arn:${Aws.PARTITION}:s3:::${name}`;
    }
    return bucket.bucketArn;
  }

  /** The same-app destination grants the role, exempts it from restrictions, and denies other replicators. */
  private wireDestination(dest: s3.IBucket & IConstruct, resolved: ResolvedDestination, role: RoleReference): void {
    const wiring = replicationWiring(dest);
    wiring.roleArns.push(role.arn);
    const index = ++wiring.statements;
    for (const statement of destinationBucketStatements({
      destinationBucketArn: dest.bucketArn,
      sourceAccount: role.account,
      replicationRoleArn: role.arn,
      deleteMarkerReplication: resolved.options.deleteMarkerReplication,
    }, `AllowReplicationFromSource${index}`, false)) {
      dest.addToResourcePolicy(statement);
    }
    const name = literalBucketName(dest);
    resolved.key.addToResourcePolicy(destinationKeyStatement({
      destinationBucketArn: name !== undefined ? `arn:${Aws.PARTITION}:s3:::${name}` : undefined,
      destinationRegion: dest.env.region,
      sourceAccount: role.account,
      replicationRoleArn: role.arn,
    }, `AllowReplicaEncryption${index}`));
    addBucketServiceRole(dest, role.arn);
  }

  private resolve(options: ReplicationDestinationOptions): ResolvedDestination {
    const source = this.source;
    const fail = (code: string, prop: string, value: unknown, reason: string, fix: string): never =>
      invalidProp(code, source, `replication.${prop}`, value, reason, fix);
    const dest = options.destination;

    const sourceName = literalBucketName(source);
    if ((dest as IConstruct) === source || (sourceName !== undefined && literalBucketName(dest) === sourceName)) {
      fail('Replication.DestinationIsSelf', 'destination', dest.node.path, 'is the bucket itself: a bucket cannot replicate to itself', 'Replicate to a second bucket, ideally in another region or account.');
    }
    if (existingStateOf<Set<IConstruct>>(dest, REPLICATES_TO)?.has(source)) {
      const sameStack = Stack.of(dest) === Stack.of(source);
      fail('Replication.DestinationReplicatesBack', 'destination', dest.node.path, `already replicates to this bucket (${source.node.path}): `
        + (sameStack
          ? 'each bucket\'s replication configuration would refer to the other bucket, a circular dependency that CloudFormation cannot deploy'
          : 'each stack would depend on the other (S3 needs the destination to exist when the replication is created), a cycle that CDK cannot deploy'),
      `Replicate from ${source.node.path} to an imported reference of ${dest.node.path} instead (s3.Bucket.fromBucketName with its literal `
        + 'bucketName, and destinationKey), and add SecureBucket.replicationDestinationStatements(...) and replicationDestinationKeyStatement(...) to it.');
    }
    if (this.destinations.some(d => d.options.destination === dest)) {
      fail('Replication.DestinationDuplicate', 'destination', dest.node.path, 'is already a replication destination of this bucket', 'Add each destination once.');
    }

    const cfn = dest.node.defaultChild;
    if (cfn instanceof s3.CfnBucket) {
      const stack = Stack.of(cfn);
      const versioning = stack.resolve(cfn.versioningConfiguration);
      if (versioning?.status !== 'Enabled') {
        fail('Replication.DestinationNotVersioned', 'destination', dest.node.path, 'is not versioned: S3 replicates only into a bucket with versioning Enabled',
          'Use a SecureBucket (always versioned) or set versioned: true on the destination.');
      }
      if (this.objectLock && stack.resolve(cfn.objectLockEnabled) !== true) {
        fail('Replication.DestinationWithoutObjectLock', 'destination', dest.node.path, 'has no Object Lock, but the source has: S3 replicates Object Lock buckets only into Object Lock buckets',
          'Give the destination Object Lock as well (SecureBucket objectLock).');
      }
    }

    const key = options.destinationKey ?? dest.encryptionKey;
    if (key === undefined) {
      fail('Replication.DestinationKeyMissing', 'destinationKey', undefined, `is required: the destination ${dest.node.path} has no known KMS key to encrypt the replicas with`,
        'Pass the customer-managed KMS key of the destination (a key ARN in the destination\'s region), e.g. kms.Key.fromKeyArn(...).');
    }
    const aliasName = (key as any).aliasName;
    if (typeof aliasName === 'string' && !Token.isUnresolved(aliasName)) {
      const fix = 'Pass the customer-managed key itself (kms.Key.fromKeyArn with a key/... ARN).';
      if (aliasName.startsWith('alias/aws/')) {
        fail('Replication.DestinationKeyAwsManaged', 'destinationKey', aliasName,
          'is an AWS managed key: replicas must be encrypted with a customer-managed key whose policy you control', fix);
      }
      fail('Replication.DestinationKeyIsAlias', 'destinationKey', aliasName,
        'is an alias: S3 resolves an alias in the requester\'s account, so replicas could be encrypted with the wrong key', fix);
    }
    const keyArn = key!.keyArn;
    if (!Token.isUnresolved(keyArn) && !KEY_ARN.test(keyArn)) {
      const fix = 'Pass the customer-managed key of the destination with its key ARN.';
      if (keyArn.includes(':alias/aws/')) {
        fail('Replication.DestinationKeyAwsManaged', 'destinationKey', keyArn,
          'is an AWS managed key: replicas must be encrypted with a customer-managed key whose policy you control', fix);
      }
      fail('Replication.DestinationKeyArnMalformed', 'destinationKey', keyArn,
        'is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); aliases are resolved in the requester\'s account', fix);
    }

    const sourceAccount = Stack.of(source).account;
    const known = (v: string | undefined): v is string => v !== undefined && !Token.isUnresolved(v);
    if (options.destinationAccount !== undefined && known(options.destinationAccount) && !ACCOUNT.test(options.destinationAccount)) {
      fail('Replication.DestinationAccountMalformed', 'destinationAccount', options.destinationAccount, 'is not a 12-digit AWS account id', 'Pass the account id of the destination bucket.');
    }
    const account = options.destinationAccount ?? (known(dest.env.account) ? dest.env.account : undefined);
    const keyAccount = !Token.isUnresolved(keyArn) ? Arn.split(keyArn, ArnFormat.SLASH_RESOURCE_NAME).account : undefined;
    if (options.destinationAccount === undefined && known(keyAccount) && known(sourceAccount) && keyAccount !== sourceAccount
      && (account === undefined || account === sourceAccount)) {
      fail('Replication.DestinationAccountMissing', 'destinationAccount', undefined, `is required: the destination key is in account ${keyAccount}, not the source's account ${sourceAccount}`,
        'Pass destinationAccount for cross-account replication, so replicas are owned by the destination account.');
    }
    // An explicit destinationAccount means cross-account unless it is known to be the source's account.
    const crossAccount = options.destinationAccount !== undefined
      ? !(known(options.destinationAccount) && known(sourceAccount) && options.destinationAccount === sourceAccount)
      : known(account) && known(sourceAccount) && account !== sourceAccount;

    // S3 encrypts the replicas in the destination's region, with a key of that region
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html). An imported
    // bucket (fromBucketName, fromBucketArn) carries the importing stack's region unless given another one, so
    // the key's region is the one to trust; a bucket of this app, or an import given its region, must agree with it.
    const keyRegion = !Token.isUnresolved(keyArn) ? Arn.split(keyArn, ArnFormat.SLASH_RESOURCE_NAME).region : undefined;
    const bucketRegion = dest.env.region;
    const regionKnown = known(bucketRegion) && (cfn instanceof s3.CfnBucket || bucketRegion !== Stack.of(source).region);
    if (known(keyRegion) && regionKnown && keyRegion !== bucketRegion) {
      fail('Replication.DestinationKeyRegionMismatch', 'destinationKey', keyArn, `is in region ${keyRegion}, but the destination ${dest.node.path} is in ${bucketRegion}: S3 encrypts replicas `
        + 'with a KMS key of the destination bucket\'s region', `Pass the destination's key in ${bucketRegion}.`);
    }
    const region = known(keyRegion) ? keyRegion : bucketRegion;

    const priority = options.priority ?? this.destinations.length + 1;
    if (!Token.isUnresolved(priority) && (!Number.isInteger(priority) || priority < 0)) {
      fail('Replication.PriorityInvalid', 'priority', priority, 'must be a whole number, 0 or more', 'Use 1, 2, ...');
    }
    if (this.destinations.some(d => d.priority === priority)) {
      fail('Replication.PriorityDuplicate', 'priority', priority, 'is already the priority of another replication rule of this bucket', 'Give each destination its own priority.');
    }
    const ruleId = options.ruleId ?? `ReplicateTo${this.destinations.length + 1}`;
    if (this.destinations.some(d => d.ruleId === ruleId)) {
      fail('Replication.RuleIdDuplicate', 'ruleId', ruleId, 'is already the id of another replication rule of this bucket', 'Give each destination its own ruleId.');
    }
    return { options, key: key!, account, crossAccount, region, priority, ruleId };
  }

  private renderRule(d: ResolvedDestination): s3.CfnBucket.ReplicationRuleProperty {
    const o = d.options;
    const rtc = o.replicationTime === true;
    return {
      id: d.ruleId,
      priority: d.priority,
      status: 'Enabled',
      filter: { prefix: o.prefix ?? '' },
      deleteMarkerReplication: { status: o.deleteMarkerReplication ? 'Enabled' : 'Disabled' },
      sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
      destination: {
        bucket: o.destination.bucketArn,
        account: d.crossAccount ? d.account : undefined,
        accessControlTranslation: d.crossAccount ? { owner: 'Destination' } : undefined,
        encryptionConfiguration: { replicaKmsKeyId: d.key.keyArn },
        storageClass: o.storageClass?.toString(),
        replicationTime: rtc ? { status: 'Enabled', time: { minutes: 15 } } : undefined,
        metrics: rtc ? { status: 'Enabled', eventThreshold: { minutes: 15 } } : undefined,
      },
    };
  }
}

/** A resolved resource as cdk-nag renders it in finding ids: `<LogicalId.Arn>/*`, or the literal ARN. */
function nagResourceString(value: unknown): string | undefined {
  if (typeof value === 'string') { return value; }
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (Array.isArray(v['Fn::GetAtt'])) { return `<${v['Fn::GetAtt'].join('.')}>`; }
    if (typeof v.Ref === 'string') { return `<${v.Ref}>`; }
    if (Array.isArray(v['Fn::Join'])) {
      const parts = (v['Fn::Join'][1] as unknown[]).map(nagResourceString);
      return parts.every(p => p !== undefined) ? parts.join(v['Fn::Join'][0]) : undefined;
    }
  }
  return undefined;
}

/** Whether `stack` is a parent (or grandparent...) of the nested stack `nested`. */
function isAncestor(stack: Stack, nested: Stack): boolean {
  for (let parent = nested.nestedStackParent; parent !== undefined; parent = parent.nestedStackParent) {
    if (parent === stack) { return true; }
  }
  return false;
}

function isSecureBucket(x: unknown): x is s3.IBucket & IConstruct {
  return typeof x === 'object' && x !== null && Symbol.for('cdk-secure-bucket.SecureBucket') in x;
}
