import { Arn, ArnFormat, CfnResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { IBucketMonitor } from './bucket-monitor';
import { guaranteesBroken } from './guarantees';
import { checkLogTarget } from './log-target';
import { parseProps } from './parse-props';
import { SecureBucketProps } from './secure-bucket-props';
import { checkPolicySize } from '../access/internal';
import { acknowledgeRules } from '../private/acknowledge';
import { futurePath, validationMessage } from '../private/errors';
import { denyGrantsExceptForAwsServices, logDeliveryStatement, logSourceArn, wrongEncryptionDenies } from '../private/statements';
import { ReplicationDestinationKeyPolicyOptions, ReplicationDestinationOptions, ReplicationDestinationPolicyOptions } from '../replication/replication-destination';
import { ReplicationManager } from '../replication/replication-manager';
import { allowReplicationFrom } from '../replication/replication-sources';
import { destinationBucketStatements, destinationKeyStatement, denyOtherReplicators } from '../replication/replication-statements';

/**
 * An S3 bucket that is secure by default and cannot be made insecure by accident.
 *
 * - SSE-KMS with a customer-managed key (rotation on) and an S3 Bucket Key; SSE-C uploads blocked;
 *   uploads with another algorithm or key denied by the bucket policy.
 * - Versioned; all public access blocked; ACLs disabled (`BucketOwnerEnforced`).
 * - TLS only (1.2 minimum, 1.3 optional), on the bucket and its objects.
 * - Server access logs, date-partitioned, to a hardened `AccessLogsBucket` shared per stack.
 * - Lifecycle: abort incomplete multipart uploads, expire noncurrent versions, remove expired delete markers.
 * - EventBridge notifications on, without a custom resource. RETAIN by default.
 * - Options for disaster recovery: KMS-aware replication with a least-privilege role
 *   (`replication`, `addReplicationDestination`) and Object Lock (`objectLock`).
 *
 * Child construct ids (part of the contract): `Resource` (`AWS::S3::Bucket`), `Key` (the KMS key
 * created when `encryptionKey` is not given), `Policy` (`AWS::S3::BucketPolicy`),
 * `ReplicationRole` and `ReplicationRole/Policy` (once a replication destination is added).
 *
 * @example
 * // Secure as it is: SSE-KMS with its own key, versioned, private, TLS only, logged, retained.
 * const data = new SecureBucket(this, 'Data');
 *
 * // Options that keep the guarantees: a lifecycle, a 1.3 TLS floor, access only through one role.
 * declare const analyst: iam.IRole;
 * new SecureBucket(this, 'Reports', {
 *   minimumTLSVersion: 1.3,
 *   lifecycleRules: [{ expiration: Duration.days(365) }],
 *   accessRestrictions: [new RoleOnly({ roles: [analyst] })],
 * });
 * data.grantRead(analyst);
 */
export class SecureBucket extends s3.Bucket {
  /** Whether a construct is a `SecureBucket` (works across copies of this library). */
  public static isSecureBucket(x: unknown): x is SecureBucket {
    return typeof x === 'object' && x !== null && SECURE_BUCKET_SYMBOL in x;
  }

  /**
   * The bucket-policy statements that the owner of a replication destination (in another account,
   * or defined outside this app) adds so that the replication role of a SecureBucket may write
   * replicas, and only that role: an Allow for the role (through its account, so the policy can be
   * deployed before the role exists) and a Deny of every replication action to any other principal.
   * Add `replicationDestinationKeyStatement` to the key policy too.
   */
  public static replicationDestinationStatements(options: ReplicationDestinationPolicyOptions): iam.PolicyStatement[] {
    return [
      ...destinationBucketStatements(options, 'AllowReplicationFromSource'),
      denyOtherReplicators(`${options.destinationBucketArn}/*`, () => [options.replicationRoleArn]),
    ];
  }

  /**
   * The key-policy statement that the owner of the key that encrypts replicas adds so that the
   * replication role may encrypt with it, only through S3 in the destination's region and only for
   * the destination bucket.
   */
  public static replicationDestinationKeyStatement(options: ReplicationDestinationKeyPolicyOptions): iam.PolicyStatement {
    return destinationKeyStatement(options, 'AllowReplicaEncryption');
  }

  /** The customer-managed KMS key that encrypts the bucket's objects. */
  public readonly key: kms.IKey;

  /** The bucket that receives this bucket's server access logs. */
  public readonly serverAccessLogsBucket: s3.IBucket;

  /** The minimum TLS version enforced by the bucket policy. */
  public readonly minimumTlsVersion: number;

  /** Whether the bucket has S3 Object Lock. */
  public readonly objectLockEnabled: boolean;

  private replicationManager?: ReplicationManager;
  private readonly replicationRoleName?: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    const settings = parseProps(futurePath(scope, id), props);

    super(scope, id, {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      publicReadAccess: false,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: settings.minimumTlsVersion,
      lifecycleRules: [settings.defaultLifecycleRule, ...(props.lifecycleRules ?? [])],
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects,
      cors: props.cors,
      metrics: props.metrics,
      inventories: props.inventories,
      intelligentTieringConfigurations: props.intelligentTieringConfigurations,
      transferAcceleration: props.transferAcceleration,
      notificationsHandlerRole: props.notificationsHandlerRole,
      objectLockEnabled: settings.objectLock !== undefined ? true : undefined,
    });
    Object.defineProperty(this, SECURE_BUCKET_SYMBOL, { value: true });
    this.objectLockEnabled = settings.objectLock !== undefined;
    this.replicationRoleName = props.replicationRoleName;

    this.key = this.encryptionKey!;
    this.minimumTlsVersion = settings.minimumTlsVersion;
    const cfn = this.node.defaultChild as s3.CfnBucket;

    this.configureKey(props, settings.removalPolicy);

    // SSE-C uploads are refused by S3 itself (BlockedEncryptionTypes), on every aws-cdk-lib version.
    cfn.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BlockedEncryptionTypes', { EncryptionType: ['SSE-C'] });
    for (const statement of wrongEncryptionDenies(this.arnForObjects('*'), this.key.keyArn)) {
      this.addToResourcePolicy(statement);
    }
    // Only the replication roles of the bucket's own sources may write replicas into it.
    this.allowSourcesOutsideTheApp(props.replicationSourceRoleArns ?? []);

    // EventBridge through the bucket's own property: no custom resource, no Lambda function.
    cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };

    if (settings.objectLock) {
      cfn.objectLockConfiguration = { objectLockEnabled: 'Enabled', rule: { defaultRetention: settings.objectLock } };
    } else {
      // AWS Control Tower's CT.S3.PR.9 asks for Object Lock. Acknowledged in the cloud assembly only (read by
      // scripts/check-assembly.ts), never in template Metadata, which Control Tower's CloudFormation hook would obey.
      acknowledgeRules(cfn, [{
        id: 'CT.S3.PR.9',
        reason: 'Object Lock cannot be turned off once enabled, and forbids deleting object versions before their retention ends: '
          + 'an explicit option of SecureBucket (objectLock), not a default.',
      }]);
    }

    this.serverAccessLogsBucket = this.configureServerAccessLogs(props);

    if (props.replication) {
      this.addReplicationDestination(props.replication);
    } else {
      this.acknowledgeOptionalControls();
    }
    // The statements written so far (TLS, wrong-encryption denies, auto-delete) are bounded, about 2 KB:
    // the policy is resolved and measured at synth only once something adds a statement.
    checkPolicySize(this, { fixedStatements: this.policy?.document.statementCount });
    // Mixins and escape hatches act after construction: check the guarantees again at synth.
    this.node.addValidation({ validate: () => guaranteesBroken(this) });

    if (props.accessRestrictions && props.accessRestrictions.length > 0) {
      this.with(...props.accessRestrictions);
    }
  }

  /**
   * Adds a bucket notification. The notifications custom resource of aws-cdk-lib then owns the
   * whole notification configuration, so EventBridge delivery is kept on through it too.
   */
  public addEventNotification(event: s3.EventType, dest: s3.IBucketNotificationDestination, ...filters: s3.NotificationKeyFilter[]): void {
    this.handOverNotificationsToCustomResource();
    super.addEventNotification(event, dest, ...filters);
  }

  /**
   * EventBridge notifications are always on for a SecureBucket; this only matters once a
   * notification has been added with `addEventNotification`.
   */
  public enableEventBridgeNotification(): void {
    const cfn = this.node.defaultChild as s3.CfnBucket;
    if (cfn.notificationConfiguration === undefined) {
      super.enableEventBridgeNotification();
    }
  }

  /** The role S3 assumes to replicate this bucket's objects, once a destination is added. */
  public get replicationRole(): iam.IRole | undefined {
    return this.replicationManager?.role;
  }

  /**
   * Replicates objects to one more destination bucket, with a rule of its own (priority, prefix,
   * storage class). The replication role is created with the first destination.
   */
  public addReplicationDestination(options: ReplicationDestinationOptions): void {
    if (!this.replicationManager) {
      this.replicationManager = new ReplicationManager(this, this.objectLockEnabled, this.replicationRoleName);
      this.dropReplicationAcknowledgements();
    }
    this.replicationManager.add(options);
  }

  /**
   * Lets the replication roles of sources outside the app replicate into this bucket: the Allow a
   * cross-account role needs (through its account), the exception in the Deny of other replicators, an
   * exemption from the access restrictions, and, on a key this bucket created, the grant to encrypt
   * replicas through S3 in this region.
   */
  private allowSourcesOutsideTheApp(roleArns: string[]): void {
    allowReplicationFrom(this, roleArns);
    const region = Stack.of(this).region;
    roleArns.forEach((roleArn, i) => {
      const sourceAccount = Arn.split(roleArn, ArnFormat.SLASH_RESOURCE_NAME).account!;
      const options = { destinationBucketArn: this.bucketArn, sourceAccount, replicationRoleArn: roleArn, deleteMarkerReplication: false };
      for (const statement of destinationBucketStatements(options, `AllowReplicationFromSourceRole${i + 1}`)) {
        this.addToResourcePolicy(statement);
      }
      this.key.addToResourcePolicy(destinationKeyStatement({ destinationRegion: region, sourceAccount, replicationRoleArn: roleArn },
        `AllowReplicaEncryptionForSourceRole${i + 1}`));
    });
  }

  private handOverNotificationsToCustomResource(): void {
    const cfn = this.node.defaultChild as s3.CfnBucket;
    if (cfn.notificationConfiguration !== undefined) {
      // Two owners of one configuration would overwrite each other on every deployment.
      cfn.notificationConfiguration = undefined;
      super.enableEventBridgeNotification();
    }
  }

  private configureKey(props: SecureBucketProps, removalPolicy: RemovalPolicy): void {
    const destroyable = removalPolicy === RemovalPolicy.DESTROY && props.autoDeleteObjects === true;
    if (props.encryptionKey === undefined) {
      // The key created by s3.Bucket (child id `Key`, rotation on) follows the bucket only when
      // the bucket is emptied on delete; a retained or non-empty bucket keeps a readable key.
      const key = this.key as kms.Key;
      key.applyRemovalPolicy(destroyable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
      key.addToResourcePolicy(denyGrantsExceptForAwsServices());
    }
    this.node.addValidation({
      validate: () => {
        const keyResource = this.key.node.defaultChild;
        if (!(keyResource instanceof CfnResource)) {
          return [];
        }
        const keyPolicy = keyResource.cfnOptions.deletionPolicy;
        if (keyPolicy === 'Delete' && !destroyable) {
          return [validationMessage('SecureBucket.KeyRemovalPolicyUnsafe', `'encryptionKey' ${this.key.node.path} has removal policy DESTROY but the bucket's removal policy is ${removalPolicy.toUpperCase()}${removalPolicy === RemovalPolicy.DESTROY ? ' without autoDeleteObjects' : ''}: objects left in the bucket would become unreadable when the key is deleted. Give the key RemovalPolicy.RETAIN, or destroy the bucket with autoDeleteObjects: true.`)];
        }
        return [];
      },
    });
  }

  private configureServerAccessLogs(props: SecureBucketProps): s3.IBucket {
    const target = props.serverAccessLogsBucket ?? AccessLogsBucket.ofStack(this);
    checkLogTarget(this, target);
    const prefix = props.serverAccessLogsPrefix;

    const cfn = this.node.defaultChild as s3.CfnBucket;
    cfn.loggingConfiguration = {
      destinationBucketName: target.bucketName,
      logFilePrefix: prefix,
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: 'EventTime' } },
    };

    if (AccessLogsBucket.isAccessLogsBucket(target)) {
      target.addLogSource(this);
    } else {
      // A bucket of another construct: one statement per source (imported buckets ignore it).
      const sourceArn = logSourceArn(target, this);
      target.addToResourcePolicy(logDeliveryStatement({
        objectArns: [target.arnForObjects(`${prefix ?? ''}*`)],
        sourceAccount: Stack.of(this).account,
        sourceArns: () => [sourceArn],
      }));
    }
    return target;
  }

  /** With replication configured, the acknowledgements of the replication rules do not apply: drops them. */
  private dropReplicationAcknowledgements(): void {
    const node = this.node.defaultChild!.node as any;
    if (!Array.isArray(node._metadata)) { return; }
    node._metadata = node._metadata.filter((m: any) => !(m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY
      && Object.keys(m.data ?? {}).every(id => REPLICATION_RULES.includes(id.replace(/^annotation::/i, '')))));
  }

  /**
   * Adds this bucket to a `BucketSecurityMonitor`: alerts on changes to its exposure and
   * protection, its S3 data events, and the Config rules scoped to it.
   */
  public monitorWith(monitor: IBucketMonitor): SecureBucket {
    monitor.addBucket(this);
    return this;
  }

  /**
   * Controls that some compliance packs require but that are options, not defaults:
   * acknowledged here with how to turn them on.
   */
  private acknowledgeOptionalControls(): void {
    const replication = 'Replication to a second bucket is an explicit disaster-recovery option, not a default: it needs a destination bucket and a second key. Add one with a replication rule.';
    acknowledgeRules(this.node.defaultChild!, REPLICATION_RULES.map(id => ({ id, reason: replication })));
  }
}

const SECURE_BUCKET_SYMBOL = Symbol.for('cdk-secure-bucket.SecureBucket');

const REPLICATION_RULES = [
  'NIST.800.53.R5-S3BucketReplicationEnabled',
  'HIPAA.Security-S3BucketReplicationEnabled',
  'PCI.DSS.321-S3BucketReplicationEnabled',
];
