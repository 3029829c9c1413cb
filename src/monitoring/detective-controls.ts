import { Annotations, Aws, IResolvable, Lazy, Names, Stack, Validations } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PolicyGranteeCheckOptions, RemediationMode } from './detective-controls-options';
import { iam5ResourceFindingId } from './nag-ids';
import { bucketGrantees, granteeParameters } from './policy-grantees';
import { addBucketServiceRole, appliedRestrictions, estimatePolicyBytes } from '../access/internal';
import { SecureBucket } from '../bucket/secure-bucket';
import { validationMessage } from '../private/errors';
import { isRestrictableBucket } from '../private/restrictable-bucket';


/** One AWS Config managed rule applied to the monitored buckets. */
interface ManagedCheck {
  readonly id: string;
  /** The identifier, from the AWS Config managed rules list; the page is cited per rule. */
  readonly identifier: string;
  readonly parameters?: (bucket: s3.IBucket | undefined) => Record<string, string> | IResolvable | undefined;
  /** Whether a public bucket found by this rule is remediated by re-applying the public access block. */
  readonly remediates: boolean;
}

/**
 * The managed rules. Identifiers checked against the AWS Config Developer Guide, one page each:
 * https://docs.aws.amazon.com/config/latest/developerguide/<rule-name>.html
 */
function managedChecks(grantees: PolicyGranteeCheckOptions, account: string): ManagedCheck[] {
  return [
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-public-read-prohibited.html
    { id: 'PublicReadProhibited', identifier: 'S3_BUCKET_PUBLIC_READ_PROHIBITED', remediates: true },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-public-write-prohibited.html
    { id: 'PublicWriteProhibited', identifier: 'S3_BUCKET_PUBLIC_WRITE_PROHIBITED', remediates: true },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-ssl-requests-only.html
    { id: 'SslRequestsOnly', identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', remediates: false },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-default-encryption-kms.html (kmsKeyArns: the allowed keys)
    {
      id: 'DefaultEncryptionKms',
      identifier: 'S3_DEFAULT_ENCRYPTION_KMS',
      remediates: false,
      parameters: bucket => bucket?.encryptionKey ? { kmsKeyArns: bucket.encryptionKey.keyArn } : undefined,
    },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html
    { id: 'VersioningEnabled', identifier: 'S3_BUCKET_VERSIONING_ENABLED', remediates: false },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-logging-enabled.html
    { id: 'LoggingEnabled', identifier: 'S3_BUCKET_LOGGING_ENABLED', remediates: false },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-level-public-access-prohibited.html
    { id: 'BucketLevelPublicAccessProhibited', identifier: 'S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED', remediates: true },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-acl-prohibited.html
    { id: 'AclProhibited', identifier: 'S3_BUCKET_ACL_PROHIBITED', remediates: false },
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html
    // One rule per bucket carries that bucket's own grantees, derived at synth (see bucketGrantees);
    // the account-wide rule of allBuckets takes the account and the log services.
    {
      id: 'PolicyGranteeCheck',
      identifier: 'S3_BUCKET_POLICY_GRANTEE_CHECK',
      remediates: false,
      parameters: bucket => bucket
        ? Lazy.any({ produce: () => granteeParameters(bucketGrantees(bucket, grantees)) })
        : granteeParameters({
          awsPrincipals: grantees.awsPrincipals ?? [account],
          servicePrincipals: grantees.servicePrincipals ?? ['cloudtrail.amazonaws.com', 'logging.s3.amazonaws.com', 'config.amazonaws.com'],
          ipAddresses: grantees.ipAddresses,
          vpcIds: grantees.vpcIds,
        }),
    },
  ];
}

/**
 * The AWS-owned SSM Automation runbook that re-applies S3 Block Public Access to one bucket
 * (parameters `S3BucketName` and `AutomationAssumeRole`):
 * https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-disables3bucketpublicreadwrite.html
 */
export const REMEDIATION_DOCUMENT = 'AWS-DisableS3BucketPublicReadWrite';

/** The longest `InputParameters` AWS Config accepts, in characters. */
const CONFIG_INPUT_PARAMETERS_LIMIT = 1024;

/** Options of `DetectiveControls`. */
export interface DetectiveControlsOptions {
  readonly allBuckets: boolean;
  readonly remediation: RemediationMode;
  readonly grantees: PolicyGranteeCheckOptions;
  readonly createRecorder: boolean;
}

/**
 * AWS Config managed rules scoped to the monitored buckets (one rule per check and bucket, as a
 * Config rule scope names at most one resource), or to every bucket with `allBuckets`; optional
 * remediation and an optional recorder.
 */
export class DetectiveControls extends Construct {
  public readonly rules: config.IRule[] = [];
  private readonly checks: ManagedCheck[];
  private readonly remediationRole?: iam.Role;
  private readonly remediatedBucketArns: string[] = [];
  private readonly recorder?: config.CfnConfigurationRecorder;
  private readonly deliveryChannel?: config.CfnDeliveryChannel;

  constructor(scope: Construct, id: string, private readonly options: DetectiveControlsOptions) {
    super(scope, id);
    this.checks = managedChecks(options.grantees, Stack.of(this).account);
    if (options.createRecorder) {
      ({ recorder: this.recorder, channel: this.deliveryChannel } = this.createRecorder());
    }
    if (options.remediation !== RemediationMode.NONE) {
      this.remediationRole = this.createRemediationRole();
    }
    if (options.allBuckets) {
      this.addRules(this, undefined);
    }
  }

  /** Adds the rules of one monitored bucket (only when the rules are not account-wide). */
  public addBucket(bucket: s3.IBucket): void {
    if (this.remediationRole) { this.exemptRemediationRole(bucket, this.remediationRole); }
    if (this.options.allBuckets) { return; }
    const scope = new Construct(this, Names.nodeUniqueId(bucket.node));
    this.remediatedBucketArns.push(bucket.bucketArn);
    this.addRules(scope, bucket);
  }

  /**
   * The runbook calls S3 with the remediation role itself, so a bucket's access restrictions (a
   * network restriction, `AdminOnlyChanges`) would deny it: the role is recorded as one of the
   * bucket's service roles, which restrictions exempt (`exemptBucketServiceRoles`, on by default). A
   * bucket of another stack cannot name the role (its stack would depend on the monitor's, which
   * depends on it): a warning says so, once the bucket has a restriction.
   */
  private exemptRemediationRole(bucket: s3.IBucket, role: iam.IRole): void {
    if (!isRestrictableBucket(bucket)) { return; }
    if (Stack.of(bucket) === Stack.of(this)) {
      addBucketServiceRole(bucket, role.roleArn);
      return;
    }
    this.node.addValidation({
      validate: () => {
        if (appliedRestrictions(bucket).length > 0) {
          Annotations.of(bucket).addWarningV2('cdk-secure-bucket:BucketSecurityMonitor.remediationRoleNotExempt',
            `The monitor ${this.node.path} remediates this bucket with the role ${role.node.path}, but the bucket is in another stack, so its access `
            + 'restrictions cannot exempt that role and may deny the remediation. Create the monitor in the bucket\'s stack, or add an ARN pattern '
            + `of the role to each restriction's exemptPrincipalArns (CloudFormation names it after the stack ${Stack.of(this).stackName}).`);
        }
        return [];
      },
    });
  }

  /**
   * A bucket's derived grantee lists grow with its restrictions; AWS Config takes at most 1,024
   * characters of `InputParameters` (ConfigRule, InputParameters, "Maximum length of 1024":
   * https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html). Checked at synth,
   * references counted at their longest value, so that the rule does not fail to deploy.
   */
  private checkGranteeParameters(rule: config.ManagedRule, bucket: s3.IBucket): void {
    rule.node.addValidation({
      validate: () => {
        const grantees = bucketGrantees(bucket, this.options.grantees);
        const bytes = estimatePolicyBytes(Stack.of(rule).resolve(granteeParameters(grantees)));
        if (bytes <= CONFIG_INPUT_PARAMETERS_LIMIT) { return []; }
        return [validationMessage('BucketSecurityMonitor.PolicyGranteesTooLong', `[${this.node.scope!.node.path}] the policy grantee check of ${bucket.node.path} would pass AWS Config about ${bytes} characters of `
          + `parameters (${grantees.awsPrincipals.length} awsPrincipals, ${grantees.ipAddresses.length} ipAddresses, ${grantees.vpcIds.length} vpcIds), `
          + `over its limit of ${CONFIG_INPUT_PARAMETERS_LIMIT} (got ${bytes}). Give 'policyGrantees' with shorter lists: awsPrincipals takes partial ARNs `
          + 'such as arn:aws:iam::111111111111:role/team-*.')];
      },
    });
  }

  private addRules(scope: Construct, bucket: s3.IBucket | undefined): void {
    for (const check of this.checks) {
      const rule = new config.ManagedRule(scope, check.id, {
        identifier: check.identifier,
        inputParameters: check.parameters?.(bucket),
        ruleScope: bucket
          ? config.RuleScope.fromResource(config.ResourceType.S3_BUCKET, bucket.bucketName)
          : config.RuleScope.fromResources([config.ResourceType.S3_BUCKET]),
      });
      if (this.recorder) { rule.node.addDependency(this.recorder, this.deliveryChannel!); }
      this.rules.push(rule);
      if (check.id === 'PolicyGranteeCheck' && bucket) { this.checkGranteeParameters(rule, bucket); }
      if (check.remediates && this.remediationRole) {
        const automatic = this.options.remediation === RemediationMode.AUTOMATIC;
        // https://docs.aws.amazon.com/config/latest/developerguide/remediation.html
        new config.CfnRemediationConfiguration(scope, `${check.id}Remediation`, {
          configRuleName: rule.configRuleName,
          targetType: 'SSM_DOCUMENT',
          targetId: REMEDIATION_DOCUMENT,
          parameters: {
            AutomationAssumeRole: { StaticValue: { Values: [this.remediationRole.roleArn] } },
            S3BucketName: { ResourceValue: { Value: 'RESOURCE_ID' } },
          },
          resourceType: 'AWS::S3::Bucket',
          automatic,
          ...(automatic ? { maximumAutomaticAttempts: 5, retryAttemptSeconds: 60 } : {}),
        });
      }
    }
  }

  /**
   * The role the runbook runs as: it may only put (and read) the public access block of the
   * monitored buckets. Trusted by Systems Manager for this account only.
   */
  private createRemediationRole(): iam.Role {
    const role = new iam.Role(this, 'RemediationRole', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': Stack.of(this).account } }),
      description: `Runs ${REMEDIATION_DOCUMENT} for the monitored buckets`,
    });
    const everyBucket = `arn:${Aws.PARTITION}:s3:::*`;
    const policy = new iam.ManagedPolicy(this, 'RemediationPolicy', {
      description: 'Re-applies S3 Block Public Access to a bucket found public',
      roles: [role],
      statements: [new iam.PolicyStatement({
        actions: ['s3:PutBucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock'],
        resources: this.options.allBuckets ? [everyBucket] : Lazy.list({ produce: () => this.remediatedBucketArns }),
      })],
    });
    const cfn = policy.node.defaultChild!;
    Validations.of(cfn).acknowledge({
      id: 'SB-IAM-1',
      reason: `The remediation role exists to re-apply S3 Block Public Access (${REMEDIATION_DOCUMENT}); it can only make a bucket less public, and only Systems Manager in this account can assume it.`,
    });
    if (this.options.allBuckets) {
      Validations.of(cfn).acknowledge({
        id: iam5ResourceFindingId(this, everyBucket),
        reason: 'allBuckets remediates any bucket of the account that becomes public, including buckets created later, whose names are not known; the only actions are putting and reading the public access block.',
      });
    }
    return role;
  }

  /**
   * A recorder for S3 buckets and KMS keys (what the rules evaluate), using AWS Config's
   * service-linked role, delivering to a SecureBucket.
   * https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html
   */
  private createRecorder(): { recorder: config.CfnConfigurationRecorder; channel: config.CfnDeliveryChannel } {
    const bucket = new SecureBucket(this, 'Bucket');
    const config_ = new iam.ServicePrincipal('config.amazonaws.com');
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } };
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AWSConfigBucketPermissionsCheck',
      principals: [config_],
      actions: ['s3:GetBucketAcl', 's3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: fromThisAccount,
    }));
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AWSConfigBucketDelivery',
      principals: [config_],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`AWSLogs/${Stack.of(this).account}/Config/*`)],
      conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': Stack.of(this).account } },
    }));
    // https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html
    bucket.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AWSConfigKMSPolicy',
      principals: [config_],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: fromThisAccount,
    }));
    // https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles.html
    const recorder = new config.CfnConfigurationRecorder(this, 'Recorder', {
      roleArn: `arn:${Aws.PARTITION}:iam::${Stack.of(this).account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
      recordingGroup: { allSupported: false, includeGlobalResourceTypes: false, resourceTypes: ['AWS::S3::Bucket', 'AWS::KMS::Key'] },
    });
    const channel = new config.CfnDeliveryChannel(this, 'DeliveryChannel', {
      s3BucketName: bucket.bucketName,
      s3KmsKeyArn: bucket.key.keyArn,
    });
    channel.node.addDependency(bucket.policy!);
    return { recorder, channel };
  }
}

