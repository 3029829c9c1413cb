import { Annotations, CfnResource, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as config from 'aws-cdk-lib/aws-config';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmOnUndeliveredAlerts, allowRulesToDeadLetter, createAlertDeadLetterQueue } from './alert-dlq';
import { accountChangePattern, allowRulesToPublish, bucketChangePattern, bucketChangePatternChars, createAlertRule, EVENT_PATTERN_LIMIT } from './alert-rules';
import { checkEmails, createAlertTopic } from './alert-topic';
import { BucketSecurityMonitorProps } from './bucket-security-monitor-props';
import { DetectiveControls } from './detective-controls';
import { RemediationMode } from './detective-controls-options';
import { MacieClassification, macieKeyStatement } from './macie';
import { createMonitorTrail } from './monitor-trail';
import { IBucketMonitor } from '../bucket/bucket-monitor';
import { invalidProp, validationMessage } from '../private/errors';


/**
 * Tells you within minutes when a bucket is created, deleted, made public or has its policy, ACL,
 * public access block, encryption, versioning, lifecycle, logging, ownership controls or
 * replication changed: CloudTrail (management events, plus data events of the monitored buckets)
 * feeds EventBridge rules on "AWS API Call via CloudTrail", which publish a readable message
 * (who, what call, which bucket, from which IP, when) to an encrypted, TLS-only SNS topic.
 *
 * Child construct ids (part of the contract): `Trail`, `TrailBucket`, `TrailKey`, `TrailLogs`,
 * `TrailLogsRole` (only when no `trail` is given), `Alerts` (the topic), `AlertKey`, `AlertsDeadLetterQueue`,
 * `AlertsNotDelivered` (its alarm), `BucketChanges` and `AccountPublicAccessBlockChanges` (the rules), `Config` (the Config rules, recorder
 * and remediation), `Macie` (the Macie session and classification job).
 *
 * @example
 * /// fixture=monitor
 * const monitor = new BucketSecurityMonitor(this, 'Monitor', { alertEmails: ['security@example.com'] });
 * new SecureBucket(this, 'Data').monitorWith(monitor);
 */
export class BucketSecurityMonitor extends Construct implements IBucketMonitor {
  /**
   * The key-policy statement that lets Amazon Macie decrypt objects encrypted with a customer-managed
   * KMS key: `kms:Decrypt` for Macie's service-linked role (`AWSServiceRoleForAmazonMacie`) of the
   * account of `scope`'s stack, as the Macie User Guide documents it. Add it to the policy of a key you
   * manage once Macie is enabled (KMS refuses a policy naming a role that does not exist yet).
   */
  public static macieKeyPolicyStatement(scope: Construct): iam.PolicyStatement {
    return macieKeyStatement(scope);
  }

  /** The alert topic. */
  public readonly topic: sns.ITopic;

  /** The KMS key that encrypts the alert topic. */
  public readonly topicKey: kms.IKey;

  /** The SQS queue that keeps the alerts EventBridge could not publish to the topic. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** The CloudWatch alarm, notifying the topic, raised as soon as an alert lands in the dead-letter queue. */
  public readonly undeliveredAlertsAlarm: cloudwatch.IAlarm;

  /**
   * The EventBridge rules that publish to the topic: the bucket rule (one more for every 20 or so
   * monitored buckets, so that each pattern stays within EventBridge's 2,048 characters) and the
   * account-level public access block rule.
   */
  public get rules(): events.IRule[] {
    return [...this.bucketRules, this.accountRule];
  }

  /** The ARN of the trail that feeds the rules. */
  public readonly trailArn: string;

  /** The bucket that receives the trail's log files (undefined when an existing trail is used). */
  public readonly trailBucket?: s3.IBucket;

  /** Whether alerts cover every bucket of the account. */
  public readonly allBuckets: boolean;

  /** Which S3 data events of the monitored buckets are logged. */
  public readonly dataEvents: cloudtrail.ReadWriteType;

  /** The AWS Config rules (empty unless `configRules`). */
  public readonly configRules: config.IRule[];

  /** The Macie session, when `macie` enables Macie. */
  public readonly macieSession?: CfnResource;

  private readonly monitored: s3.IBucket[] = [];
  /** The bucket rules, and the monitored buckets each one names (`allBuckets`: one rule naming none). */
  private readonly bucketRules: events.Rule[] = [];
  private readonly bucketsOfRule: s3.IBucket[][] = [];
  private readonly accountRule: events.Rule;
  private readonly detective?: DetectiveControls;
  private readonly macie?: MacieClassification;
  private readonly trailBucketName?: string;

  constructor(scope: Construct, id: string, props: BucketSecurityMonitorProps = {}) {
    super(scope, id);
    this.allBuckets = props.allBuckets ?? false;
    this.dataEvents = props.dataEvents ?? cloudtrail.ReadWriteType.WRITE_ONLY;
    if (!Object.values(cloudtrail.ReadWriteType).includes(this.dataEvents)) {
      invalidProp('BucketSecurityMonitor.DataEventsInvalid', this, 'dataEvents', this.dataEvents, 'is not a ReadWriteType', 'Use ReadWriteType.WRITE_ONLY (the default), READ_ONLY, ALL or NONE.');
    }
    if (this.dataEvents === cloudtrail.ReadWriteType.NONE || this.dataEvents === cloudtrail.ReadWriteType.READ_ONLY) {
      Annotations.of(this).addWarningV2('cdk-secure-bucket:BucketSecurityMonitor.noObjectAclAlerts',
        `dataEvents is ${this.dataEvents}: object ACL changes (PutObjectAcl, a write data event) are not logged by this monitor, so they raise no alert. Use ReadWriteType.WRITE_ONLY (the default) or ALL, or log them with another trail.`);
    }
    const emails = props.alertEmails ?? [];
    checkEmails(this.node.path, emails);

    if (props.trail) {
      this.trailArn = props.trail.trailArn;
      this.trailBucketName = this.useExistingTrail(props.trail);
    } else {
      const trail = createMonitorTrail(this, () => this.renderEventSelectors());
      this.trailArn = trail.trailArn;
      this.trailBucket = trail.bucket;
      this.trailBucketName = trail.bucket.bucketName;
    }

    const alerts = createAlertTopic(this, emails);
    this.topic = alerts.topic;
    this.topicKey = alerts.key;
    this.deadLetterQueue = createAlertDeadLetterQueue(this, alerts.key);
    this.addBucketRule();
    this.accountRule = createAlertRule(this, 'AccountPublicAccessBlockChanges',
      'S3 account-level public access block put or deleted', () => accountChangePattern(), this.topic, this.deadLetterQueue);
    allowRulesToPublish(this.topic, () => this.rules);
    allowRulesToDeadLetter(this.deadLetterQueue, () => this.rules);
    this.undeliveredAlertsAlarm = alarmOnUndeliveredAlerts(this, this.deadLetterQueue, alerts);

    const remediation = props.remediation ?? RemediationMode.NONE;
    if (!Object.values(RemediationMode).includes(remediation)) {
      invalidProp('BucketSecurityMonitor.RemediationInvalid', this, 'remediation', remediation, 'is not a RemediationMode', 'Use RemediationMode.NONE, MANUAL or AUTOMATIC.');
    }
    if (!props.configRules) {
      if (remediation !== RemediationMode.NONE) {
        invalidProp('BucketSecurityMonitor.RemediationWithoutConfigRules', this, 'remediation', remediation, 'needs configRules: true: remediation acts on what the AWS Config rules find',
          'Set configRules: true, or remove remediation.');
      }
      if (props.configRecorder) {
        invalidProp('BucketSecurityMonitor.ConfigRecorderWithoutConfigRules', this, 'configRecorder', true, 'needs configRules: true: the recorder only serves the Config rules', 'Set configRules: true, or remove configRecorder.');
      }
      if (props.policyGrantees) {
        invalidProp('BucketSecurityMonitor.PolicyGranteesWithoutConfigRules', this, 'policyGrantees', props.policyGrantees, 'needs configRules: true: it configures a Config rule', 'Set configRules: true, or remove policyGrantees.');
      }
    } else {
      this.detective = new DetectiveControls(this, 'Config', {
        allBuckets: this.allBuckets,
        remediation,
        grantees: props.policyGrantees ?? {},
        createRecorder: props.configRecorder ?? false,
      });
    }
    this.configRules = this.detective?.rules ?? [];

    if (props.macie) {
      this.macie = new MacieClassification(this, 'Macie', { ...props.macie, monitored: () => this.buckets });
      this.macieSession = this.macie.session;
    }

    for (const bucket of props.buckets ?? []) {
      this.addBucket(bucket);
    }
    this.node.addValidation({
      validate: () => (this.monitored.length === 0 && !this.allBuckets)
        ? [validationMessage('BucketSecurityMonitor.NothingMonitored', `[${this.node.path}] 'buckets' is empty and 'allBuckets' is not true: the monitor would watch nothing. Give buckets (props or addBucket), or set allBuckets: true.`)]
        : [],
    });
  }

  /** The monitored buckets. */
  public get buckets(): s3.IBucket[] {
    return [...this.monitored];
  }

  /**
   * Adds a bucket to the monitored ones: its changes raise alerts and, unless `dataEvents` is
   * `NONE`, its object-level calls are logged. Adding a bucket twice has no effect.
   */
  public addBucket(bucket: s3.IBucket): void {
    if (this.monitored.includes(bucket)) { return; }
    if (this.isTrailBucket(bucket)) {
      invalidProp('BucketSecurityMonitor.TrailBucketMonitored', this, 'buckets', bucket.node.path,
        'holds the trail\'s own bucket: logging its data events would log every log file delivery, which is logged again, without end',
        'Leave the trail bucket out, or set dataEvents: ReadWriteType.NONE.');
    }
    this.checkEnvironment(bucket);
    this.monitored.push(bucket);
    if (!this.allBuckets) {
      const names = (buckets: s3.IBucket[]) => buckets.map(b => b.bucketName);
      const last = this.bucketsOfRule[this.bucketsOfRule.length - 1];
      if (last.length > 0 && bucketChangePatternChars(names([...last, bucket])) > EVENT_PATTERN_LIMIT) {
        this.addBucketRule();
      }
      this.bucketsOfRule[this.bucketsOfRule.length - 1].push(bucket);
    }
    this.detective?.addBucket(bucket);
    this.macie?.addMonitoredBucket(bucket);
  }

  /**
   * A bucket rule: the first is `BucketChanges`, the next ones `BucketChanges2`, ... Each names the
   * buckets added while it had room, rendered at synth.
   */
  private addBucketRule(): void {
    const n = this.bucketRules.length + 1;
    const buckets: s3.IBucket[] = [];
    this.bucketsOfRule.push(buckets);
    this.bucketRules.push(createAlertRule(this, n === 1 ? 'BucketChanges' : `BucketChanges${n}`,
      'S3 bucket created, deleted, or its policy, ACL, public access block, encryption, versioning, lifecycle, logging, ownership or replication changed'
      + (n === 1 ? '' : ` (buckets, part ${n})`),
      () => bucketChangePattern(this.allBuckets ? undefined : buckets.map(b => b.bucketName)), this.topic, this.deadLetterQueue));
  }

  /**
   * An EventBridge rule sees the events of its own region and account only
   * (https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions): a bucket known to be
   * elsewhere raises no alert. A warning, not an error: the rest (data events, Config rules) still deploys.
   */
  private checkEnvironment(bucket: s3.IBucket): void {
    const here = Stack.of(this);
    const known = (v: string) => !Token.isUnresolved(v);
    const { account, region } = bucket.env;
    if (known(region) && known(here.region) && region !== here.region) {
      Annotations.of(this).addWarningV2('cdk-secure-bucket:BucketSecurityMonitor.bucketInAnotherRegion',
        `The monitored bucket ${bucket.node.path} is in region ${region}, but the monitor is in ${here.region}: EventBridge rules see only `
        + `the events of their own region, so its changes raise no alert. Create a BucketSecurityMonitor in ${region} for it.`);
    }
    if (known(account) && known(here.account) && account !== here.account) {
      Annotations.of(this).addWarningV2('cdk-secure-bucket:BucketSecurityMonitor.bucketInAnotherAccount',
        `The monitored bucket ${bucket.node.path} is in account ${account}, but the monitor is in account ${here.account}: the events of `
        + 'another account\'s buckets reach that account\'s event bus, not this one, so its changes raise no alert. '
        + 'Create a BucketSecurityMonitor in that account for it.');
    }
  }

  private isTrailBucket(bucket: s3.IBucket): boolean {
    if (this.dataEvents === cloudtrail.ReadWriteType.NONE || this.trailBucketName === undefined) { return false; }
    if (bucket === this.trailBucket) { return true; }
    const stack = Stack.of(this);
    return JSON.stringify(stack.resolve(bucket.bucketName)) === JSON.stringify(stack.resolve(this.trailBucketName));
  }

  /**
   * Advanced event selectors: all management events, and the chosen S3 data events of the
   * monitored buckets only (never of the trail's bucket).
   * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/filtering-data-events.html
   */
  private renderEventSelectors(includeManagement: boolean = true): cloudtrail.CfnTrail.AdvancedEventSelectorProperty[] {
    const selectors: cloudtrail.CfnTrail.AdvancedEventSelectorProperty[] = includeManagement
      ? [{ name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }] }]
      : [];
    if (this.dataEvents !== cloudtrail.ReadWriteType.NONE && this.monitored.length > 0) {
      const fieldSelectors: cloudtrail.CfnTrail.AdvancedFieldSelectorProperty[] = [
        { field: 'eventCategory', equalTo: ['Data'] },
        { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
        { field: 'resources.ARN', startsWith: this.monitored.map(b => `${b.bucketArn}/`) },
      ];
      if (this.dataEvents !== cloudtrail.ReadWriteType.ALL) {
        fieldSelectors.push({ field: 'readOnly', equalTo: [this.dataEvents === cloudtrail.ReadWriteType.READ_ONLY ? 'true' : 'false'] });
      }
      selectors.push({ name: 'S3 data events of the monitored buckets', fieldSelectors });
    }
    return selectors;
  }

  /** Gives an existing trail the data event selectors; returns the name of its bucket. */
  private useExistingTrail(trail: cloudtrail.Trail): string | undefined {
    const cfn = trail.node.defaultChild;
    const bucketName = cfn instanceof cloudtrail.CfnTrail ? cfn.s3BucketName : undefined;
    if (this.dataEvents === cloudtrail.ReadWriteType.NONE) { return bucketName; }
    const cannot = (code: string, why: string): never => invalidProp(code, this, 'trail', trail.node.path,
      `cannot be given data event selectors from this stack: ${why}`,
      'Pass a trail defined in this stack without basic event selectors, or set dataEvents: ReadWriteType.NONE and select the data events on that trail yourself.');
    if (!(cfn instanceof cloudtrail.CfnTrail)) {
      cannot('BucketSecurityMonitor.TrailNotInApp', 'it is not a trail defined in this app');
    }
    const trailCfn = cfn as cloudtrail.CfnTrail;
    if (Stack.of(trail) !== Stack.of(this)) {
      cannot('BucketSecurityMonitor.TrailInOtherStack', `it is in stack ${Stack.of(trail).node.path}, not in ${Stack.of(this).node.path}`);
    }
    const basic = () => {
      const resolved = Stack.of(trail).resolve(trailCfn.eventSelectors);
      return Array.isArray(resolved) && resolved.length > 0;
    };
    if (basic()) {
      cannot('BucketSecurityMonitor.TrailHasBasicSelectors', 'it uses basic event selectors, and CloudTrail does not combine them with advanced event selectors');
    }
    const existing = trailCfn.advancedEventSelectors;
    const hasOwn = existing !== undefined && !Token.isUnresolved(existing) && Array.isArray(existing) && existing.length > 0;
    trailCfn.addPropertyDeletionOverride('EventSelectors');
    const own = hasOwn ? existing as cloudtrail.CfnTrail.AdvancedEventSelectorProperty[] : [];
    // Rendered at synth: buckets may still be added.
    trailCfn.advancedEventSelectors = Lazy.any({ produce: () => [...own, ...this.renderEventSelectors(!hasOwn)] });
    this.node.addValidation({
      validate: () => basic() ? [validationMessage('BucketSecurityMonitor.TrailGainedBasicSelectors', `[${this.node.path}] 'trail' ${trail.node.path} gained basic event selectors after the monitor gave it advanced ones; CloudTrail does not combine them. Use advanced event selectors only.`)] : [],
    });
    return bucketName;
  }

}
