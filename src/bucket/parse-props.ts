import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ObjectLockOptions } from './object-lock';
import { SecureBucketProps } from './secure-bucket-props';
import { invalidProp } from '../private/errors';
import { checkStringList, validateBucketName } from '../private/validate';

/** The settings of a SecureBucket that its props resolve to. */
export interface Settings {
  readonly minimumTlsVersion: number;
  readonly removalPolicy: RemovalPolicy;
  readonly defaultLifecycleRule: s3.LifecycleRule;
  readonly objectLock?: s3.CfnBucket.DefaultRetentionProperty;
}

/**
 * Validates the props and resolves the defaults.
 *
 * | prop                       | accepted                          | default        |
 * |----------------------------|-----------------------------------|----------------|
 * | encryption                 | KMS                               | KMS            |
 * | bucketKeyEnabled           | true                              | true           |
 * | versioned                  | true                              | true           |
 * | blockPublicAccess          | all four settings true            | BLOCK_ALL      |
 * | publicReadAccess           | false                             | false          |
 * | objectOwnership            | BUCKET_OWNER_ENFORCED             | same           |
 * | accessControl              | (none)                            | no ACL         |
 * | enforceSSL                 | true                              | true           |
 * | eventBridgeEnabled         | true                              | true           |
 * | minimumTLSVersion          | 1.2, 1.3                          | 1.2            |
 * | autoDeleteObjects          | only with removalPolicy DESTROY   | false          |
 * | objectLock                 | not with DESTROY/autoDeleteObjects | none          |
 */
export function parseProps(path: string, props: SecureBucketProps): Settings {
  const fail = (code: string, prop: string, value: unknown, reason: string, fix: string): never =>
    invalidProp(code, path, prop, value, reason, fix);

  if (props.encryption !== undefined && props.encryption !== s3.BucketEncryption.KMS) {
    fail('SecureBucket.EncryptionNotKms', 'encryption', props.encryption, 'must be BucketEncryption.KMS: a SecureBucket encrypts with a customer-managed KMS key',
      'Remove the prop, or pass encryptionKey to use your own key.');
  }
  if (props.bucketKeyEnabled === false) {
    fail('SecureBucket.BucketKeyRequired', 'bucketKeyEnabled', false, 'cannot be false: the S3 Bucket Key cuts KMS requests and their cost by up to 99%', 'Remove the prop.');
  }
  if (props.versioned === false) {
    fail('SecureBucket.VersioningRequired', 'versioned', false, 'cannot be false: SecureBucket always versions objects', 'Remove the prop.');
  }
  const bpa = props.blockPublicAccess;
  if (bpa !== undefined) {
    const weak = (['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'] as const)
      .filter(setting => bpa[setting] !== true);
    if (weak.length > 0) {
      fail('SecureBucket.BlockPublicAccessIncomplete', 'blockPublicAccess', bpa, `must block all public access, but ${weak.join(', ')} ${weak.length === 1 ? 'is' : 'are'} not true`,
        'Remove the prop (BlockPublicAccess.BLOCK_ALL is the default).');
    }
  }
  if (props.publicReadAccess === true) {
    fail('SecureBucket.PublicReadAccessNotAllowed', 'publicReadAccess', true, 'cannot be true: a SecureBucket is never public',
      'Serve public content through CloudFront with origin access control, and grant it with bucket.grantRead(...).');
  }
  if (props.objectOwnership !== undefined && props.objectOwnership !== s3.ObjectOwnership.BUCKET_OWNER_ENFORCED) {
    fail('SecureBucket.ObjectOwnershipNotEnforced', 'objectOwnership', props.objectOwnership, 'must be ObjectOwnership.BUCKET_OWNER_ENFORCED: ACLs stay disabled', 'Remove the prop.');
  }
  if (props.accessControl !== undefined) {
    fail('SecureBucket.AccessControlNotAllowed', 'accessControl', props.accessControl, 'is not accepted: ACLs are disabled on a SecureBucket (BucketOwnerEnforced)',
      'Remove the prop and grant access with IAM policies or bucket.grant*() methods.');
  }
  if (props.enforceSSL === false) {
    fail('SecureBucket.EnforceSslRequired', 'enforceSSL', false, 'cannot be false: a SecureBucket denies every request that does not use TLS', 'Remove the prop.');
  }
  if (props.eventBridgeEnabled === false) {
    fail('SecureBucket.EventBridgeRequired', 'eventBridgeEnabled', false, 'cannot be false: EventBridge notifications feed the security monitoring (Security Hub S3.11)', 'Remove the prop.');
  }

  const minimumTlsVersion = props.minimumTLSVersion ?? 1.2;
  if (!Token.isUnresolved(minimumTlsVersion) && minimumTlsVersion !== 1.2 && minimumTlsVersion !== 1.3) {
    fail('SecureBucket.MinimumTlsVersionInvalid', 'minimumTLSVersion', minimumTlsVersion, 'must be 1.2 or 1.3: AWS endpoints require TLS 1.2 or later', 'Use 1.2 (the default) or 1.3.');
  }

  if (props.bucketName !== undefined) {
    const problem = validateBucketName(props.bucketName);
    if (problem) {
      fail('SecureBucket.BucketNameInvalid', 'bucketName', props.bucketName, `is not a valid S3 bucket name: ${problem}`,
        'Use 3 to 63 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit, or omit it.');
    }
  }

  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  if (props.autoDeleteObjects === true && removalPolicy !== RemovalPolicy.DESTROY) {
    fail('SecureBucket.AutoDeleteWithoutDestroy', 'autoDeleteObjects', true, `needs removalPolicy: RemovalPolicy.DESTROY (removalPolicy is ${removalPolicy})`,
      'Set removalPolicy: RemovalPolicy.DESTROY as well, or remove autoDeleteObjects.');
  }

  const noncurrentVersionExpiration = props.noncurrentVersionExpiration ?? Duration.days(90);
  checkWholePositiveDays(fail, 'noncurrentVersionExpiration', noncurrentVersionExpiration);
  const abortAfter = props.abortIncompleteMultipartUploadAfter ?? Duration.days(7);
  checkWholePositiveDays(fail, 'abortIncompleteMultipartUploadAfter', abortAfter);
  const retain = props.noncurrentVersionsToRetain;
  if (retain !== undefined && !Token.isUnresolved(retain) && (!Number.isInteger(retain) || retain < 1 || retain > 100)) {
    fail('SecureBucket.NoncurrentVersionsToRetainOutOfRange', 'noncurrentVersionsToRetain', retain, 'must be a whole number from 1 to 100 (the S3 limit)', 'Use a number such as 3, or omit it.');
  }

  (props.lifecycleRules ?? []).forEach((rule, i) => checkLifecycleRule(fail, `lifecycleRules[${i}]`, rule, noncurrentVersionExpiration));

  const roleName = props.replicationRoleName;
  if (roleName !== undefined && !Token.isUnresolved(roleName) && !/^[\w+=,.@-]{1,64}$/.test(roleName)) {
    fail('SecureBucket.ReplicationRoleNameInvalid', 'replicationRoleName', roleName, 'is not a valid IAM role name', 'Use 1 to 64 letters, digits and +=,.@_- characters.');
  }

  checkStringList({
    empty: 'SecureBucket.ReplicationSourceRoleArnsEmpty',
    duplicate: 'SecureBucket.ReplicationSourceRoleArnDuplicate',
    malformed: 'SecureBucket.ReplicationSourceRoleArnMalformed',
  }, path, 'replicationSourceRoleArns', props.replicationSourceRoleArns, {
    allowEmpty: false,
    pattern: /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@\-/]+$/,
    patternHelp: 'Give the ARN of the source\'s replication role, such as arn:aws:iam::111111111111:role/ReplicationRole (no wildcard: '
      + 'only the roles named may replicate into the bucket).',
  });

  const objectLock = props.objectLock ? parseObjectLock(fail, props.objectLock, removalPolicy, props.autoDeleteObjects === true) : undefined;

  return {
    minimumTlsVersion,
    removalPolicy,
    objectLock,
    defaultLifecycleRule: {
      id: 'SecureBucketDefaults',
      abortIncompleteMultipartUploadAfter: abortAfter,
      noncurrentVersionExpiration,
      noncurrentVersionsToRetain: retain,
      expiredObjectDeleteMarker: true,
    },
  };
}

type Fail = (code: string, prop: string, value: unknown, reason: string, fix: string) => never;

/**
 * Validates Object Lock and renders its default retention.
 *
 * | input                                   | result                               |
 * |-----------------------------------------|--------------------------------------|
 * | exactly one of days (1-36500), years (1-100) | the default retention           |
 * | both, neither, zero, fractional, too long | error                              |
 * | COMPLIANCE without confirmComplianceMode | error: it cannot be undone          |
 * | removalPolicy DESTROY or autoDeleteObjects | error: locked versions cannot be deleted |
 */
function parseObjectLock(fail: Fail, lock: ObjectLockOptions, removalPolicy: RemovalPolicy,
  autoDelete: boolean): s3.CfnBucket.DefaultRetentionProperty {
  if (lock.mode !== s3.ObjectLockMode.GOVERNANCE && lock.mode !== s3.ObjectLockMode.COMPLIANCE) {
    fail('SecureBucket.ObjectLockModeInvalid', 'objectLock.mode', lock.mode, 'must be ObjectLockMode.GOVERNANCE or ObjectLockMode.COMPLIANCE', 'Choose one of the two modes.');
  }
  const { defaultRetentionDays: d, defaultRetentionYears: y } = lock;
  if ((d === undefined) === (y === undefined)) {
    fail('SecureBucket.ObjectLockRetentionNotExactlyOne', 'objectLock', lock, 'needs exactly one of defaultRetentionDays and defaultRetentionYears', 'Give the default retention in days or in years.');
  }
  const check = (prop: string, value: number | undefined, max: number) => {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1 || value > max)) {
      fail('SecureBucket.ObjectLockRetentionOutOfRange', `objectLock.${prop}`, value, `must be a whole number from 1 to ${max}`, `Use a retention of 1 to ${max}.`);
    }
  };
  check('defaultRetentionDays', d, 36500);
  check('defaultRetentionYears', y, 100);
  if (lock.mode === s3.ObjectLockMode.COMPLIANCE && lock.confirmComplianceMode !== true) {
    fail('SecureBucket.ObjectLockComplianceNotConfirmed', 'objectLock.confirmComplianceMode', lock.confirmComplianceMode,
      'must be true with COMPLIANCE mode: no one, not even the root user, can delete a locked version or shorten its retention, and it cannot be undone',
      'Set confirmComplianceMode: true if that is what you want, or use ObjectLockMode.GOVERNANCE.');
  }
  if (removalPolicy === RemovalPolicy.DESTROY || autoDelete) {
    fail('SecureBucket.ObjectLockWithDestroy', 'objectLock', lock.mode, `cannot be combined with ${autoDelete ? 'autoDeleteObjects' : 'removalPolicy DESTROY'}: locked object versions cannot be deleted, so the bucket cannot be emptied or deleted`,
      'Keep removalPolicy RETAIN (the default) with Object Lock.');
  }
  return { mode: lock.mode, days: d, years: y };
}

function days(duration: Duration): number | undefined {
  const value = duration.toDays({ integral: false });
  return Token.isUnresolved(value) ? undefined : value;
}

function checkWholePositiveDays(fail: Fail, prop: string, duration: Duration | undefined): void {
  if (duration === undefined) { return; }
  const d = days(duration);
  if (d !== undefined && (d < 1 || !Number.isInteger(d))) {
    fail('SecureBucket.DurationNotWholeDays', prop, duration.toHumanString(), 'must be a whole number of days, at least 1', 'Use Duration.days(n) with n >= 1.');
  }
}

function checkLifecycleRule(fail: Fail, prop: string, rule: s3.LifecycleRule, defaultNoncurrentExpiration: Duration): void {
  checkWholePositiveDays(fail, `${prop}.expiration`, rule.expiration);
  checkWholePositiveDays(fail, `${prop}.noncurrentVersionExpiration`, rule.noncurrentVersionExpiration);
  checkWholePositiveDays(fail, `${prop}.abortIncompleteMultipartUploadAfter`, rule.abortIncompleteMultipartUploadAfter);

  // Noncurrent versions go at the first expiration that applies: the rule's own or the default rule's.
  const candidates = [
    { prop: 'noncurrentVersionExpiration', duration: defaultNoncurrentExpiration },
    ...(rule.noncurrentVersionExpiration ? [{ prop: `${prop}.noncurrentVersionExpiration`, duration: rule.noncurrentVersionExpiration }] : []),
  ].filter(c => days(c.duration) !== undefined);
  const first = candidates.sort((a, b) => days(a.duration)! - days(b.duration)!)[0];
  (rule.noncurrentVersionTransitions ?? []).forEach((t, i) => {
    const transitionDays = days(t.transitionAfter);
    if (first !== undefined && transitionDays !== undefined && days(first.duration)! <= transitionDays) {
      fail('SecureBucket.NoncurrentTransitionNotBeforeExpiration', `${prop}.noncurrentVersionTransitions[${i}].transitionAfter`, t.transitionAfter.toHumanString(),
        `is not shorter than ${first.prop} (${first.duration.toHumanString()}): noncurrent versions would expire before they move to ${t.storageClass}`,
        `Lower the transition, or raise ${first.prop} above ${transitionDays} days.`);
    }
  });
  const currentExpirationDays = rule.expiration ? days(rule.expiration) : undefined;
  (rule.transitions ?? []).forEach((t, i) => {
    const transitionDays = t.transitionAfter ? days(t.transitionAfter) : undefined;
    if (currentExpirationDays !== undefined && transitionDays !== undefined && currentExpirationDays <= transitionDays) {
      fail('SecureBucket.TransitionNotBeforeExpiration', `${prop}.transitions[${i}].transitionAfter`, t.transitionAfter!.toHumanString(),
        `is not shorter than ${prop}.expiration (${rule.expiration!.toHumanString()}): objects would expire before they move to ${t.storageClass}`,
        `Lower the transition, or raise ${prop}.expiration above ${transitionDays} days.`);
    }
  });
}

