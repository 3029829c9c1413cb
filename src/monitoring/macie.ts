import { createHash } from 'crypto';
import { Annotations, CfnResource, Lazy, Names, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as macie from 'aws-cdk-lib/aws-macie';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { MacieJobFrequency, MacieOptions } from './macie-options';
import { iam5ResourceFindingId } from './nag-ids';
import { addBucketServiceRole, arnPatternMatches, restrictionsDenyingServiceRole } from '../access/internal';
import { SecureBucket } from '../bucket/secure-bucket';
import { acknowledgeRules } from '../private/acknowledge';
import { invalidProp, validationMessage } from '../private/errors';
import { isRestrictableBucket } from '../private/restrictable-bucket';

/**
 * The service-linked role Macie uses to read buckets and objects, created when Macie is enabled
 * ("Using service-linked roles for Macie": https://docs.aws.amazon.com/macie/latest/user/service-linked-roles.html;
 * the path is `aws-service-role/macie.amazonaws.com/`, as in the AWS managed policy AmazonMacieFullAccess:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonMacieFullAccess.html).
 */
export const MACIE_SERVICE_LINKED_ROLE = 'aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie';

/** The ARN of Macie's service-linked role in the account of `scope`'s stack. */
export function macieServiceLinkedRoleArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'iam', region: '', resource: 'role', resourceName: MACIE_SERVICE_LINKED_ROLE });
}

/**
 * The key-policy statement that lets Macie decrypt objects encrypted with a customer-managed key,
 * as "Analyzing encrypted S3 objects" documents it (section "Allowing Macie to use a customer
 * managed AWS KMS key": https://docs.aws.amazon.com/macie/latest/user/discovery-supported-encryption-types.html):
 * Allow, principal the Macie service-linked role, action `kms:Decrypt`, resource `*`. AWS names
 * the statement "Allow the Macie service-linked role to use the key"; the Sid here has no spaces.
 *
 * KMS refuses a key policy whose principal does not exist, so the role must exist (Macie enabled)
 * before the key policy gets this statement.
 */
export function macieKeyStatement(scope: IConstruct): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowTheMacieServiceLinkedRoleToUseTheKey',
    principals: [new iam.ArnPrincipal(macieServiceLinkedRoleArn(scope))],
    actions: ['kms:Decrypt'],
    resources: ['*'],
  });
}

/** Keys that already carry the Macie statement (a bucket classified by two monitors gets it once). */
const KEYS_OPENED_TO_MACIE = new WeakSet<kms.IKey>();

const SCHEDULES: Record<string, Record<string, unknown> | undefined> = {
  [MacieJobFrequency.ONE_TIME]: undefined,
  [MacieJobFrequency.DAILY]: { dailySchedule: {} },
  [MacieJobFrequency.WEEKLY]: { weeklySchedule: { dayOfWeek: 'MONDAY' } },
  [MacieJobFrequency.MONTHLY]: { monthlySchedule: { dayOfMonth: 1 } },
};

/** Options of `MacieClassification`, resolved. */
export interface MacieClassificationOptions extends MacieOptions {
  /** The monitored buckets, read at synth (used when `buckets` is not given). */
  readonly monitored: () => s3.IBucket[];
}

/**
 * Macie for the monitor: the session, one classification job over the chosen buckets, the key
 * policy statement on the keys this library created for them, and the exemption of Macie's
 * service-linked role from their access restrictions.
 *
 * CloudFormation has no classification-job resource: the Macie resource types are
 * `AWS::Macie::AllowList`, `CustomDataIdentifier`, `FindingsFilter` and `Session` only
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_Macie.html). The job
 * is created with an `AwsCustomResource` calling Macie2 `CreateClassificationJob`
 * (https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html).
 */
export class MacieClassification extends Construct {
  /** The Macie session, when this construct enables Macie. */
  public readonly session?: macie.CfnSession;
  /** The custom resource that creates the job; its physical id is the job id. */
  public readonly job: cr.AwsCustomResource;

  private readonly explicit?: s3.IBucket[];
  private readonly prepared = new Set<s3.IBucket>();

  constructor(scope: Construct, id: string, private readonly options: MacieClassificationOptions) {
    super(scope, id);
    const owner = scope.node.path;
    const frequency = options.frequency ?? MacieJobFrequency.ONE_TIME;
    if (!Object.values(MacieJobFrequency).includes(frequency)) {
      invalidProp('BucketSecurityMonitor.MacieFrequencyInvalid', owner, 'macie.frequency', frequency, 'is not a MacieJobFrequency', 'Use MacieJobFrequency.ONE_TIME (the default), DAILY, WEEKLY or MONTHLY.');
    }
    const sampling = options.samplingPercentage ?? 100;
    if (!Token.isUnresolved(sampling) && !(Number.isInteger(sampling) && sampling >= 1 && sampling <= 100)) {
      invalidProp('BucketSecurityMonitor.MacieSamplingOutOfRange', owner, 'macie.samplingPercentage', sampling, 'must be a whole number from 1 to 100',
        'Give the percentage of eligible objects to analyse, e.g. 10, or omit it to analyse them all.');
    }
    if (options.buckets !== undefined && options.buckets.length === 0) {
      invalidProp('BucketSecurityMonitor.MacieBucketsEmpty', owner, 'macie.buckets', options.buckets, 'cannot be an empty list',
        'Give the buckets Macie should classify, or omit macie.buckets to classify the monitored buckets.');
    }
    this.explicit = options.buckets ? [...options.buckets] : undefined;

    if (options.enableMacie ?? true) {
      // FIFTEEN_MINUTES: findings reach EventBridge and Security Hub within minutes (the default is SIX_HOURS).
      this.session = new macie.CfnSession(this, 'Session', { status: 'ENABLED', findingPublishingFrequency: 'FIFTEEN_MINUTES' });
      // An account and Region has one Macie session: a second one fails to deploy.
      this.node.addValidation({
        validate: () => {
          const env = Stack.of(this).environment;
          const others = this.node.root.node.findAll()
            .filter(c => c instanceof macie.CfnSession && c !== this.session && Stack.of(c).environment === env);
          return others.length > 0
            ? [validationMessage('BucketSecurityMonitor.MacieEnabledTwice', `[${owner}] 'macie' enables Macie, but ${others[0].node.path} enables it in the same account and Region too (got enableMacie: true twice). Set macie.enableMacie: false on all monitors but one.`)]
            : [];
        },
      });
    }
    this.job = this.createJob(frequency, sampling);

    for (const bucket of this.explicit ?? []) { this.prepare(bucket); }
    this.node.addValidation({
      validate: () => this.buckets().length === 0
        ? [validationMessage('BucketSecurityMonitor.MacieNothingToClassify', `[${owner}] 'macie' has no bucket to classify (got no buckets): allBuckets only scopes the alerts, and a Macie job needs bucket names. Give macie.buckets, or monitor buckets with 'buckets' or addBucket.`)]
        : [],
    });
  }

  /** The buckets the job classifies. */
  public buckets(): s3.IBucket[] {
    return this.explicit ?? this.options.monitored();
  }

  /** A monitored bucket was added: classify it too, unless the job has its own bucket list. */
  public addMonitoredBucket(bucket: s3.IBucket): void {
    if (this.explicit) { return; }
    this.prepare(bucket);
  }

  /**
   * The job. Macie jobs are immutable ("You can't change any settings for a classification job
   * after you create it", CreateClassificationJobRequest in
   * https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html), so a change of the bucket list creates a new job (update = create, with
   * a new physical id), and CloudFormation then deletes the old one.
   *
   * Macie has no API to delete a job (the Classification Job resource offers GET and PATCH only:
   * https://docs.aws.amazon.com/macie/latest/APIReference/jobs-jobid.html). On delete the job is
   * cancelled with `UpdateClassificationJob` `jobStatus: CANCELLED`, which AWS allows only while the
   * job is IDLE, PAUSED, RUNNING or USER_PAUSED: a one-time job that already finished (COMPLETE) or
   * was cancelled cannot be cancelled again, so those errors are ignored on delete. A cancelled job
   * stays listed in Macie with its findings; it never runs again.
   */
  private createJob(frequency: MacieJobFrequency, sampling: number): cr.AwsCustomResource {
    const stack = Stack.of(this);
    const schedule = SCHEDULES[frequency];
    const definition = () => ({
      bucketDefinitions: [{ accountId: stack.account, buckets: this.buckets().map(b => b.bucketName) }],
    });
    // Everything that defines the job, resolved: a change gives a new job name (and, being a change
    // of the resource's properties, a new job).
    const fingerprint = Lazy.string({
      produce: () => createHash('sha256')
        .update(JSON.stringify(stack.resolve({ definition: definition(), frequency, sampling })))
        .digest('hex').slice(0, 32),
    });
    const name = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    const create: cr.AwsSdkCall = {
      service: 'Macie2',
      action: 'createClassificationJob',
      // Request shape: https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html#CreateClassificationJob
      parameters: {
        // No clientToken: a token fixed in the template would be the same in every account, after the
        // stack is deleted and created again, after the bucket list is changed back, and when a bucket
        // is replaced (same references, new name), and Macie would answer each of those calls with the
        // old job. The SDK fills the token with a new UUID on each call (@aws-sdk/client-macie2 marks
        // CreateClassificationJobRequest.clientToken as an idempotency token), so each create or update
        // that CloudFormation sends creates one job.
        name: `${name}-${fingerprint}`,
        // At most 200 characters (CreateClassificationJob, description).
        description: truncate(`Sensitive data discovery for the buckets of ${this.node.scope!.node.path}`, 200),
        jobType: schedule ? 'SCHEDULED' : 'ONE_TIME',
        ...(schedule ? { scheduleFrequency: schedule, initialRun: true } : {}),
        samplingPercentage: sampling,
        s3JobDefinition: Lazy.any({ produce: definition }),
      },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('jobId'),
    };
    const jobs = stack.formatArn({ service: 'macie2', resource: 'classification-job', resourceName: '*' });
    const job = new cr.AwsCustomResource(this, 'Job', {
      resourceType: 'Custom::MacieClassificationJob',
      onCreate: create,
      onUpdate: create,
      onDelete: {
        service: 'Macie2',
        action: 'updateClassificationJob',
        parameters: { jobId: new cr.PhysicalResourceIdReference(), jobStatus: 'CANCELLED' },
        ignoreErrorCodesMatching: 'ValidationException|ConflictException|ResourceNotFoundException',
      },
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmacie.html:
      // both actions act on the classification-job resource type.
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['macie2:CreateClassificationJob', 'macie2:UpdateClassificationJob'],
        resources: [jobs],
      })]),
      // Lambda's Node.js runtime ships the Macie2 client; no download at deploy time.
      installLatestAwsSdk: false,
    });
    if (this.session) { job.node.addDependency(this.session); }
    this.acknowledgeProvider(job, jobs);
    return job;
  }

  /**
   * cdk-nag findings on the custom resource, each acknowledged on the one resource it concerns.
   * The provider function and its role are aws-cdk-lib's, shared by every AwsCustomResource of the stack.
   */
  private acknowledgeProvider(job: cr.AwsCustomResource, jobs: string): void {
    const policy = job.node.tryFindChild('CustomResourcePolicy')?.node.defaultChild;
    if (policy) {
      const inline = 'AwsCustomResource attaches its permissions as an inline policy of the provider role; it only allows creating and cancelling Macie classification jobs of this account and Region.';
      acknowledgeRules(policy, [
        { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inline },
        { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inline },
        { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: inline },
        { id: iam5ResourceFindingId(this, jobs), reason: 'Macie assigns the job id when the job is created, so the job ARN is not known in advance; the resource is pinned to classification jobs of this account and Region.' },
      ]);
    }
    const stack = Stack.of(this);
    const provider = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (!provider) { return; }
    const fn = provider.node.tryFindChild('Resource');
    const role = provider.node.tryFindChild('ServiceRole')?.node.defaultChild;
    const why = 'aws-cdk-lib\'s AwsCustomResource provider, invoked only by CloudFormation during deployments';
    if (fn && CfnResource.isCfnResource(fn) && !acknowledged(fn)) {
      acknowledgeRules(fn, [
        { id: 'NIST.800.53.R5-LambdaConcurrency', reason: `${why}: it runs once per resource change, not under load.` },
        { id: 'NIST.800.53.R5-LambdaDLQ', reason: `${why}: CloudFormation invokes it synchronously and receives its errors.` },
        { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: `${why}: it only calls AWS APIs.` },
        { id: 'HIPAA.Security-LambdaConcurrency', reason: `${why}: it runs once per resource change, not under load.` },
        { id: 'HIPAA.Security-LambdaDLQ', reason: `${why}: CloudFormation invokes it synchronously and receives its errors.` },
        { id: 'HIPAA.Security-LambdaInsideVPC', reason: `${why}: it only calls AWS APIs.` },
        { id: 'PCI.DSS.321-LambdaInsideVPC', reason: `${why}: it only calls AWS APIs.` },
        // The same concerns as reported by AWS Control Tower and cfn-lint (scripts/check-assembly.ts).
        { id: 'CT.LAMBDA.PR.3', reason: `${why}: it only calls AWS APIs.` },
        { id: 'W3005', reason: `${why}: aws-cdk-lib writes the DependsOn on its role besides the GetAtt.` },
      ]);
    }
    if (role && CfnResource.isCfnResource(role) && !acknowledged(role)) {
      acknowledgeRules(role, [{
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${why}: the AWS managed policy only lets it write its own CloudWatch Logs.`,
      }]);
    }
  }

  /**
   * Lets Macie read one bucket: the key policy statement on a key this library created, and the
   * exemption of Macie's service-linked role from the bucket's access restrictions.
   */
  private prepare(bucket: s3.IBucket): void {
    if (this.prepared.has(bucket)) { return; }
    this.prepared.add(bucket);
    const owner = this.node.scope!.node.path;
    const stack = Stack.of(this);
    const account = bucket.env.account;
    if (!Token.isUnresolved(account) && !Token.isUnresolved(stack.account) && account !== stack.account) {
      invalidProp('BucketSecurityMonitor.MacieBucketInOtherAccount', owner, 'macie.buckets', bucket.node.path, `holds a bucket of account ${account}, not ${stack.account}`,
        'Classify the buckets of this account only: run the job from a Macie administrator account for the buckets of member accounts.');
    }
    const region = bucket.env.region;
    if (!Token.isUnresolved(region) && !Token.isUnresolved(stack.region) && region !== stack.region) {
      // Macie keeps an inventory of the buckets of the current Region and classifies those
      // (https://docs.aws.amazon.com/macie/latest/user/monitoring-s3.html).
      invalidProp('BucketSecurityMonitor.MacieBucketInOtherRegion', owner, 'macie.buckets', bucket.node.path, `holds a bucket of region ${region}, not ${stack.region}: a Macie job classifies the buckets of its own region`,
        `Classify it from a monitor in ${region}.`);
    }
    this.allowKey(bucket);
    // A one-time job runs once, right after it is created: it must wait for the key policy and the
    // bucket policy that let Macie in. (Not on the bucket itself: the job already refers to it.)
    for (const policyHolder of [bucket.encryptionKey, bucket.policy]) {
      if (policyHolder && Stack.of(policyHolder) === stack) { this.job.node.addDependency(policyHolder); }
    }

    if (isRestrictableBucket(bucket)) {
      const roleArn = macieServiceLinkedRoleArn(bucket);
      // Access restrictions exempt bucket service roles (exemptBucketServiceRoles, on by default).
      addBucketServiceRole(bucket, roleArn);
      this.node.addValidation({
        validate: () => restrictionsDenyingServiceRole(bucket, pattern => exemptsMacie(pattern, Stack.of(bucket).account)).map(spec =>
          validationMessage('BucketSecurityMonitor.MacieRoleDenied', `[${owner}] 'macie' classifies ${bucket.node.path}, but its ${spec.kind} restriction has exemptBucketServiceRoles: false, so it denies Macie's service-linked role (got ${MACIE_SERVICE_LINKED_ROLE}). `
          + `Add 'arn:aws:iam::<account>:role/${MACIE_SERVICE_LINKED_ROLE}' to that restriction's exemptPrincipalArns, or leave the bucket out of macie.buckets.`)),
      });
    }
  }

  /**
   * The key of a SecureBucket that the library created (child `Key`) gets the Macie statement. It
   * must not be added before Macie's role exists: in this stack the key waits for the session; a
   * key in another stack cannot wait for this one (the monitor already depends on that stack), so
   * it is left to the user with a warning. Other keys are the user's: a warning says what to add.
   */
  private allowKey(bucket: s3.IBucket): void {
    const key = bucket.encryptionKey;
    if (!key) { return; }
    const ownKey = SecureBucket.isSecureBucket(bucket) && bucket.node.tryFindChild('Key') === key && key instanceof kms.Key;
    const sameStack = Stack.of(key) === Stack.of(this);
    if (ownKey && (sameStack || !this.session)) {
      if (!KEYS_OPENED_TO_MACIE.has(key)) {
        KEYS_OPENED_TO_MACIE.add(key);
        key.addToResourcePolicy(macieKeyStatement(key));
      }
      if (this.session && key.node.defaultChild) { key.node.defaultChild.node.addDependency(this.session); }
      return;
    }
    Annotations.of(bucket).addWarningV2('cdk-secure-bucket:BucketSecurityMonitor.macieKeyPolicy',
      `Macie classifies this bucket, but its KMS key ${key.node.path} is not one this monitor can change`
      + `${ownKey ? ' (it is in another stack than the monitor that enables Macie)' : ''}: Macie cannot read objects encrypted with it until the key policy allows `
      + `Macie's service-linked role (${MACIE_SERVICE_LINKED_ROLE}) kms:Decrypt. Once Macie is enabled, add BucketSecurityMonitor.macieKeyPolicyStatement(scope) to the key policy.`);
  }
}

/** Whether an exempted principal ARN pattern covers Macie's service-linked role of `account` (any account when unresolved). */
function exemptsMacie(pattern: string, account: string): boolean {
  const accountOf = Token.isUnresolved(account) ? (pattern.split(':')[4] ?? '') : account;
  return ['aws', 'aws-cn', 'aws-us-gov'].some(partition =>
    arnPatternMatches(pattern, `arn:${partition}:iam::${accountOf}:role/${MACIE_SERVICE_LINKED_ROLE}`));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function acknowledged(resource: IConstruct): boolean {
  return resource.node.metadata.some(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data && 'Annotation::NIST.800.53.R5-LambdaDLQ' in m.data);
}
