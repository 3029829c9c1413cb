import { CfnResource, Duration, IResolveContext, Lazy, Mixin, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { stateOf } from '../private/construct-state';
import { invalidProp } from '../private/errors';
import { isRestrictableBucket, RestrictableBucket } from '../private/restrictable-bucket';
import { isWebsite } from '../rules/engine/bucket-reading';
import { renderResource } from '../rules/engine/context';
import { asList, BucketContext, BucketRule, isIntrinsic, referencedLogicalId, ResourceView } from '../rules/engine/model';
import { ruleById } from '../rules/registry';
// Canned ACLs that grant nothing beyond the bucket owner: SB-S3-6 accepts them, and removing them changes no access.
// Public canned ACLs: the public access block would revoke what they grant.
import { OWNER_ONLY_ACLS, PUBLIC_ACLS } from '../rules/s3/sb-s3-6';

const ENFORCED = 'BucketOwnerEnforced';
const ABORT_RULE_ID = 'AbortIncompleteMultipartUploads';
const ABORT_AFTER_DAYS = 7;

/**
 * Brings any bucket defined in the app (`s3.CfnBucket`, `s3.Bucket`, or another construct's
 * bucket) up to the secure-bucket rules that can be fixed without a decision.
 *
 * | rule                   | filled in when                        | left alone (the Aspect keeps reporting it)          |
 * |------------------------|---------------------------------------|-----------------------------------------------------|
 * | SB-S3-5 public access  | no configuration: all four on         | a configuration set (even partly); a public bucket  |
 * | SB-S3-6 ACLs disabled  | no ownership: BucketOwnerEnforced;    | ObjectWriter / BucketOwnerPreferred; an ACL that    |
 * |                        | an owner-only ACL is removed          | grants access (public, log delivery, ...)           |
 * | SB-S3-3 versioning     | not configured: Enabled               | Suspended                                           |
 * | SB-S3-7 TLS only       | no TLS Deny on bucket and bucket/*    | a policy document that is a token                   |
 * | SB-S3-2 bucket key     | SSE-KMS without BucketKeyEnabled      | BucketKeyEnabled: false; the key itself             |
 * | SB-S3-9 multipart      | no abort rule: abort after 7 days     | a lifecycle token with no L2 to add a rule through  |
 *
 * It fills in what is missing and never overrides a value someone set: it deletes no resource,
 * statement or rule (the one property it removes is an owner-only ACL, which grants nothing the
 * bucket owner does not already have), never changes an encryption algorithm or key, and never creates a
 * second bucket policy (it extends the bucket's policy, through the L2's `addToResourcePolicy` when
 * there is one, and creates one only when the bucket has none). Decisions (KMS key, access logs,
 * retention, removal policy, who may use the bucket) stay with the bucket's owner.
 *
 * Apply it with `Mixins.of(scope).apply(new SecureBucketDefaults())` or `bucket.with(...)`. Each
 * bucket is changed once per instance, whichever of its constructs are visited (the L2 and its
 * `CfnBucket`), and applying it again, or another instance, changes nothing. Ownership and ACL are
 * decided when the template is rendered, so an ACL that aws-cdk-lib sets later (a log target in ACL
 * mode) is still respected. Property overrides win over what it sets.
 *
 * @example
 * // Bring every bucket of this stack up to the rules that need no decision.
 * new s3.Bucket(this, 'ThirdPartyBucket');
 * Mixins.of(this).apply(new SecureBucketDefaults());
 */
export class SecureBucketDefaults extends Mixin {
  /** The buckets this instance changed: `.with()` and `Mixins.of()` visit an L2 and its CfnBucket, one bucket. */
  private readonly done = new WeakSet<s3.CfnBucket>();

  /** True for a `CfnBucket` and for a bucket construct defined in the app (an L2 whose default child is a `CfnBucket`). */
  public supports(construct: IConstruct): boolean {
    return bucketOf(construct) !== undefined;
  }

  /** Fills in the missing secure settings of the bucket. */
  public applyTo(construct: IConstruct): void {
    const bucket = bucketOf(construct);
    if (!bucket) {
      return invalidProp('SecureBucketDefaults.TargetNotABucket', construct, 'construct', construct.node.path, 'is not a bucket defined in this app',
        'Apply SecureBucketDefaults to an s3.CfnBucket, an s3.Bucket, or a scope that holds them (Mixins.of(scope)).');
    }
    if (this.done.has(bucket.cfn)) { return; }
    this.done.add(bucket.cfn);
    const view = renderResource(bucket.cfn);
    const policies = policiesOf(bucket.cfn);
    const context: BucketContext = {
      bucket: view,
      policies: policies.map(p => renderResource(p)),
      isLogTarget: false,
      trustedAccounts: [],
    };
    fillPublicAccessBlock(bucket.cfn, view, context);
    fillOwnership(bucket.cfn, view);
    fillVersioning(bucket.cfn, view);
    fillBucketKey(bucket.cfn, view);
    fillAbortMultipartUploads(bucket, view);
    fillTlsOnly(bucket, context, policies);
  }
}

/** A bucket: its L1, and the L2 that owns it when there is one. */
interface BucketUnit {
  readonly cfn: s3.CfnBucket;
  readonly l2?: RestrictableBucket;
}

/**
 * The bucket a construct stands for. A `CfnBucket` that is the default child of an L2 stands for
 * that L2, so the L2 and its L1 (both visited by `.with()`) are one bucket, changed through the L2.
 */
function bucketOf(construct: IConstruct): BucketUnit | undefined {
  if (construct instanceof s3.CfnBucket) {
    const parent = construct.node.scope;
    if (parent && parent.node.defaultChild === construct && isRestrictableBucket(parent)) {
      return { cfn: construct, l2: parent };
    }
    return { cfn: construct };
  }
  if (isRestrictableBucket(construct) && construct.node.defaultChild instanceof s3.CfnBucket) {
    return { cfn: construct.node.defaultChild, l2: construct };
  }
  return undefined;
}

/** The bucket policies of the bucket's stack whose `Bucket` is this bucket (by reference or by literal name). */
function policiesOf(cfn: s3.CfnBucket): s3.CfnBucketPolicy[] {
  const stack = Stack.of(cfn);
  const logicalId = stack.resolve(cfn.logicalId);
  const name = stack.resolve(cfn.bucketName);
  return stack.node.findAll()
    .filter((c): c is s3.CfnBucketPolicy => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::S3::BucketPolicy' && Stack.of(c) === stack)
    .filter(p => {
      const target = policyBucket(p);
      return referencedLogicalId(target) === logicalId || (typeof name === 'string' && target === name);
    });
}

/** The resolved `Bucket` of a bucket policy, remembered per policy: applying to N buckets would otherwise resolve N x N values. */
function policyBucket(policy: s3.CfnBucketPolicy): unknown {
  const known = stateOf(policy, 'mixins.policyBucket', () => ({ raw: undefined as unknown, resolved: undefined as unknown, done: false }));
  if (known.done && known.raw === policy.bucket) { return known.resolved; }
  known.raw = policy.bucket;
  known.resolved = Stack.of(policy).resolve(policy.bucket);
  known.done = true;
  return known.resolved;
}

function passes(ruleId: string, context: BucketContext): boolean {
  return (ruleById(ruleId) as BucketRule).check(context).status !== 'fail';
}

/**
 * SB-S3-5: all four settings when the bucket has no public access block configuration. A
 * configuration that is set is a decision (CloudFormation reads a missing field as false), and a
 * bucket whose ACL or policy grants public access keeps it: the block would revoke that access.
 */
function fillPublicAccessBlock(cfn: s3.CfnBucket, view: ResourceView, context: BucketContext): void {
  const p = view.properties;
  if (p.PublicAccessBlockConfiguration !== undefined) { return; }
  if (PUBLIC_ACLS.includes(p.AccessControl) || isIntrinsic(p.AccessControl) || !passes('SB-S3-12', context)) { return; }
  const all = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
  if (cfn.publicAccessBlockConfiguration === undefined) {
    cfn.publicAccessBlockConfiguration = all;
  } else {
    // A token that renders nothing: set the rendered property instead.
    cfn.addPropertyOverride('PublicAccessBlockConfiguration',
      { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  }
}

/**
 * SB-S3-6: `BucketOwnerEnforced` when no object ownership is set, and no owner-only ACL.
 *
 * | ownership (rendered)      | ACL (rendered)                       | result                              |
 * |---------------------------|--------------------------------------|-------------------------------------|
 * | none                      | none, Private, BucketOwnerFullControl | BucketOwnerEnforced, no ACL         |
 * | BucketOwnerEnforced       | Private, BucketOwnerFullControl       | ACL removed                         |
 * | ObjectWriter, Preferred   | any                                  | unchanged (ACLs are in use)         |
 * | any                       | any other ACL (public, log delivery) | unchanged (the ACL grants access)   |
 *
 * Both are decided again when the template is rendered, from the L1's own values: aws-cdk-lib sets
 * an ACL and `ObjectWriter` on a bucket that becomes a server access log target in ACL mode, possibly
 * after this mixin ran, and BucketOwnerEnforced with such an ACL would fail to deploy.
 */
function fillOwnership(cfn: s3.CfnBucket, view: ResourceView): void {
  const p = view.properties;
  if (isIntrinsic(p.AccessControl) || isIntrinsic(p.OwnershipControls)) { return; }
  const rules = asList<any>(p.OwnershipControls?.Rules);
  const enforced = p.OwnershipControls !== undefined && rules.length > 0 && rules.every(r => r?.ObjectOwnership === ENFORCED);
  const ownershipFixable = p.OwnershipControls === undefined || enforced;
  const aclFixable = p.AccessControl === undefined || OWNER_ONLY_ACLS.includes(p.AccessControl);
  if (!ownershipFixable || !aclFixable || (enforced && p.AccessControl === undefined)) { return; }

  const ownership = cfn.ownershipControls;
  const acl = cfn.accessControl;
  const finalOwnership = (ctx: IResolveContext): any => {
    const own = ctx.resolve(ownership);
    if (own !== undefined) { return own; }
    const a = ctx.resolve(acl);
    return a === undefined || OWNER_ONLY_ACLS.includes(a) ? { rules: [{ objectOwnership: ENFORCED }] } : undefined;
  };
  cfn.ownershipControls = Lazy.uncachedAny({ produce: finalOwnership });
  cfn.accessControl = Lazy.uncachedString({
    produce: ctx => {
      const a = ctx.resolve(acl);
      const own = asList<any>(finalOwnership(ctx)?.rules);
      const ownerEnforced = own.length > 0 && own.every(r => r?.objectOwnership === ENFORCED);
      return ownerEnforced && OWNER_ONLY_ACLS.includes(a) ? undefined : a;
    },
  });
}

/** SB-S3-3: versioning `Enabled` when it is not configured (`Suspended` is a decision). */
function fillVersioning(cfn: s3.CfnBucket, view: ResourceView): void {
  const versioning = view.properties.VersioningConfiguration;
  if (versioning !== undefined && versioning.Status !== undefined) { return; }
  if (versioning !== undefined && isIntrinsic(versioning)) { return; }
  const current = cfn.versioningConfiguration;
  if (current === undefined || (!Token.isUnresolved(current) && (current as any).status === undefined)) {
    cfn.versioningConfiguration = { ...((current as object | undefined) ?? {}), status: 'Enabled' };
  } else {
    cfn.addPropertyOverride('VersioningConfiguration.Status', 'Enabled');
  }
}

/** SB-S3-2: the S3 Bucket Key on an SSE-KMS bucket that does not set it (`false` is a decision). The key is never touched. */
function fillBucketKey(cfn: s3.CfnBucket, view: ResourceView): void {
  const rules = view.properties.BucketEncryption?.ServerSideEncryptionConfiguration;
  if (!Array.isArray(rules) || rules.length === 0) { return; }
  const algorithm = rules[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm;
  if (typeof algorithm !== 'string' || !algorithm.startsWith('aws:kms') || rules[0].BucketKeyEnabled !== undefined) { return; }
  cfn.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BucketKeyEnabled', true);
}

/** SB-S3-9: an enabled, unfiltered rule aborting incomplete multipart uploads after 7 days, when none exists. */
function fillAbortMultipartUploads(bucket: BucketUnit, view: ResourceView): void {
  const rendered = view.properties.LifecycleConfiguration;
  if (isIntrinsic(rendered) || isIntrinsic(rendered?.Rules)) { return; }
  if (passes('SB-S3-9', { bucket: view, policies: [], isLogTarget: false, trustedAccounts: [] })) { return; }
  // A rule with our id that does not abort (any more) was changed on purpose.
  if (asList<any>(rendered?.Rules).some(r => r?.Id === ABORT_RULE_ID)) { return; }

  const rule = { id: ABORT_RULE_ID, status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_AFTER_DAYS } };
  const current: any = bucket.cfn.lifecycleConfiguration;
  if (current === undefined) {
    bucket.cfn.lifecycleConfiguration = { rules: [rule] };
  } else if (!Token.isUnresolved(current) && Array.isArray(current.rules)) {
    bucket.cfn.lifecycleConfiguration = { ...current, rules: [...current.rules, rule] };
  } else if (typeof (bucket.l2 as any)?.addLifecycleRule === 'function') {
    // s3.Bucket renders its lifecycle rules lazily: add the rule through it.
    (bucket.l2 as s3.Bucket).addLifecycleRule({ id: ABORT_RULE_ID, abortIncompleteMultipartUploadAfter: Duration.days(ABORT_AFTER_DAYS) });
  }
}

/**
 * SB-S3-7: a Deny of every request without TLS, on the bucket and its objects. Added to every
 * policy of the bucket (only one takes effect, so each must hold it), through the L2 when it has
 * no policy yet, or in a new `CfnBucketPolicy` next to a bare `CfnBucket` that has none.
 */
function fillTlsOnly(bucket: BucketUnit, context: BucketContext, policies: s3.CfnBucketPolicy[]): void {
  if (passes('SB-S3-7', context)) { return; }
  // The S3 website endpoint serves HTTP only: a TLS-only Deny would refuse every website request. TLS is
  // CloudFront's in front of a website bucket (the report's TLS column says so).
  if (isWebsite(context.bucket)) { return; }
  const arn = bucket.l2?.bucketArn ?? bucket.cfn.attrArn;
  const statement = new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:*'],
    resources: [arn, `${arn}/*`],
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  });
  if (policies.length === 0) {
    if (bucket.l2) {
      bucket.l2.addToResourcePolicy(statement);
    } else {
      const scope = bucket.cfn.node.scope!;
      let id = `${bucket.cfn.node.id}Policy`;
      for (let i = 2; scope.node.tryFindChild(id); i++) { id = `${bucket.cfn.node.id}Policy${i}`; }
      new s3.CfnBucketPolicy(scope, id, { bucket: bucket.cfn.ref, policyDocument: new iam.PolicyDocument({ statements: [statement] }) });
    }
    return;
  }
  for (const policy of policies) {
    const document = policy.policyDocument;
    if (typeof document?.addStatements === 'function') {
      (document as iam.PolicyDocument).addStatements(statement);
    } else if (document && typeof document === 'object' && !Token.isUnresolved(document) && !Token.isUnresolved(document.Statement)) {
      policy.policyDocument = { ...document, Statement: [...asList(document.Statement), statement.toStatementJson()] };
    }
    // A policy document that is a token cannot be extended: SB-S3-7 keeps reporting it.
  }
}
