import { CfnParameter, CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { asList, BucketContext, IdentityPolicyContext, isIntrinsic, PolicyHolder, referencedLogicalId, ResourceView } from './model';
import { denotedValue, PARAMETER_TYPE, referenceOf, render } from './policy';
import { constructsOfStack } from '../../private/tree';

export const IDENTITY_POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];

const HOLDER_TYPES: Record<string, { kind: PolicyHolder['kind']; nameProp: string; listProp: string }> = {
  'AWS::IAM::Role': { kind: 'role', nameProp: 'RoleName', listProp: 'Roles' },
  'AWS::IAM::User': { kind: 'user', nameProp: 'UserName', listProp: 'Users' },
  'AWS::IAM::Group': { kind: 'group', nameProp: 'GroupName', listProp: 'Groups' },
};

/**
 * The statements of the AWS managed policies known to grant bucket administration (their S3 parts,
 * from https://docs.aws.amazon.com/aws-managed-policy/latest/reference/). Other AWS managed policies
 * are taken not to (they are job-function and service policies): an assumption, not a reading.
 */
const AWS_MANAGED_POLICIES: Record<string, any> = {
  AdministratorAccess: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  PowerUserAccess: { Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }] },
  AmazonS3FullAccess: { Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }] },
  // Version 3: it lets the holder create the buckets of new trails and set their policy and public access block.
  AWSCloudTrail_FullAccess: {
    Statement: [{ Effect: 'Allow', Action: ['s3:CreateBucket', 's3:PutBucketPolicy', 's3:PutBucketPublicAccessBlock'], Resource: ['arn:aws:s3:::aws-cloudtrail-logs*'] }],
  },
};

/**
 * The resource types whose properties the rules read. Other resources of a stack are indexed by
 * logical id and type only (a policy may refer to them), without rendering their properties.
 */
const CLOUDFRONT_DISTRIBUTION = 'AWS::CloudFront::Distribution';
const RULE_INPUT_TYPES = new Set(['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'AWS::KMS::Key', 'AWS::KMS::Alias', CLOUDFRONT_DISTRIBUTION, ...IDENTITY_POLICY_TYPES]);

/** Receives each resource as rendered for the rules: its template fragment, already resolved. */
export type RenderedCallback = (resource: CfnResource, fragment: RenderedFragment) => void;

/** A resource's template fragment (`{ Resources: { [logicalId]: ... } }`), resolved. */
export interface RenderedFragment {
  readonly Resources: Record<string, any>;
}

/** The bucket policies of a stack, by the bucket they are attached to. */
interface PolicyAttribution {
  readonly byReference: Map<string, ResourceView[]>;
  readonly byName: Map<string, ResourceView[]>;
  readonly unattributed: ResourceView[];
  /** Policies on a bucket of another stack, by its stack's name: the rest of the export name (`<logical id><hash>`). */
  readonly byImport: Map<string, { readonly rest: string; readonly view: ResourceView }[]>;
  /** Each policy's position in the stack, to keep a bucket's policies in template order. */
  readonly order: Map<ResourceView, number>;
}

/**
 * The rendered L1 resources of one stack (not of its nested stacks), resolved as they will be
 * deployed, and the relations between them that the rules need.
 */
export class StackIndex {
  public readonly resources = new Map<string, ResourceView>();
  private readonly parameters = new Map<string, ResourceView>();
  private readonly byConstruct = new Map<IConstruct, ResourceView>();
  private readonly constructs = new Map<string, CfnResource>();
  private readonly logTargets = new Set<string>();
  private readonly logTargetNames = new Set<string>();
  /** The buckets a CloudFront distribution of the stack writes its standard logs to, by logical id or by name. */
  private readonly cloudFrontLogTargets = new Set<string>();
  private readonly contexts = new Map<ResourceView, BucketContext>();
  private attribution?: PolicyAttribution;

  /**
   * @param onRendered receives the template fragment of every resource rendered with its properties
   * @param policiesInOtherStacks the bucket policies of other stacks of the app attached to a bucket of this one
   * @param isAppBucketName whether a bucket of the app (its Stage) has this name (`denotedName`)
   */
  constructor(public readonly stack: Stack, onRendered?: RenderedCallback,
    private readonly policiesInOtherStacks: (bucket: ResourceView) => ResourceView[] = () => [],
    private readonly isAppBucketName: (name: string) => boolean = () => false) {
    for (const c of constructsOfStack(stack)) {
      if (c instanceof CfnParameter) {
        const logicalId = stack.resolve(c.logicalId) as string;
        this.parameters.set(logicalId, { logicalId, path: c.node.path, type: PARAMETER_TYPE, properties: {} });
      }
      if (!CfnResource.isCfnResource(c)) { continue; }
      let view: ResourceView;
      try {
        view = RULE_INPUT_TYPES.has(c.cfnResourceType)
          ? renderResource(c, onRendered)
          : { logicalId: stack.resolve(c.logicalId) as string, path: c.node.path, type: c.cfnResourceType, properties: {} };
      } catch {
        // An invalid resource (missing required properties...): CDK's own synthesis reports it.
        continue;
      }
      this.resources.set(view.logicalId, view);
      this.byConstruct.set(c, view);
      this.constructs.set(view.logicalId, c);
    }
    for (const r of this.resources.values()) {
      if (r.type !== 'AWS::S3::Bucket') { continue; }
      const target = r.properties?.LoggingConfiguration?.DestinationBucketName;
      const id = referencedLogicalId(target);
      // A bucket that logs to itself is not a log target: SB-S3-4 reports the loop.
      if (id && id !== r.logicalId) { this.logTargets.add(id); }
      const targetName = this.denotedName(target);
      if (targetName !== undefined && targetName !== this.denotedName(r.properties?.BucketName)) { this.logTargetNames.add(targetName); }
    }
    for (const r of this.resources.values()) {
      if (r.type !== CLOUDFRONT_DISTRIBUTION) { continue; }
      // Logging.Bucket is the bucket's domain name: GetAtt RegionalDomainName or DomainName, or `name.s3[.region].amazonaws.com`.
      const target = r.properties?.DistributionConfig?.Logging?.Bucket;
      const id = referencedLogicalId(target);
      if (id) { this.cloudFrontLogTargets.add(id); }
      const name = typeof target === 'string' ? /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(target)?.[1] : undefined;
      if (name) { this.cloudFrontLogTargets.add(`name:${name}`); }
    }
  }

  public viewOf(resource: CfnResource): ResourceView | undefined {
    return this.byConstruct.get(resource);
  }

  public constructOf(logicalId: string): CfnResource | undefined {
    return this.constructs.get(logicalId);
  }

  /** A resource or a parameter (type `Parameter`) of the stack. */
  public lookup(logicalId: string): ResourceView | undefined {
    return this.resources.get(logicalId) ?? this.parameters.get(logicalId);
  }

  /**
   * What a bucket rule may look at for `bucket`. Kept for the bucket and built again only when asked
   * with another list of trusted accounts (the evaluation and the report ask with the same list).
   */
  public bucketContext(bucket: ResourceView, trustedAccounts: string[]): BucketContext {
    const cached = this.contexts.get(bucket);
    if (cached && cached.trustedAccounts === trustedAccounts) { return cached; }
    const { byReference, byName, unattributed, order } = this.bucketPolicies();
    const name = this.denotedName(bucket.properties?.BucketName);
    const elsewhere = this.policiesInOtherStacks(bucket);
    const policies = [...[...byReference.get(bucket.logicalId) ?? [], ...(name !== undefined ? byName.get(name) ?? [] : [])]
      .sort((a, b) => order.get(a)! - order.get(b)!), ...elsewhere];
    const keyId = bucket.properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    const isCloudFrontLogTarget = this.cloudFrontLogTargets.has(bucket.logicalId)
      || (name !== undefined && this.cloudFrontLogTargets.has(`name:${name}`));
    const context: BucketContext = {
      bucket,
      policies,
      isLogTarget: isCloudFrontLogTarget
        || this.logTargets.has(bucket.logicalId)
        || (name !== undefined && this.logTargetNames.has(name))
        || policies.some(p => allowsLogDeliveryFromOthers(p, bucket)),
      isCloudFrontLogTarget,
      key: this.keyOf(keyId),
      account: Token.isUnresolved(this.stack.account) ? undefined : this.stack.account,
      region: Token.isUnresolved(this.stack.region) ? undefined : this.stack.region,
      stackName: this.stack.stackName,
      denotedName: name,
      trustedAccounts,
      // A parameter or another unknown value never names this bucket's logical id or literal name.
      unattributedPolicies: unattributed,
      policiesInOtherStacks: elsewhere,
      lookup: id => this.lookup(id),
    };
    this.contexts.set(bucket, context);
    return context;
  }

  /**
   * The bucket policies of the stack, by the bucket they name: a reference (`Ref`) by its logical id,
   * a literal by the name; `unattributed` holds those whose bucket is a parameter or another
   * intrinsic not known at synth (any of them may be attached to any bucket of the stack). Computed once
   * per stack.
   */
  private bucketPolicies(): PolicyAttribution {
    if (this.attribution) { return this.attribution; }
    const attribution: PolicyAttribution = { byReference: new Map(), byName: new Map(), unattributed: [], byImport: new Map(), order: new Map() };
    const add = <T>(map: Map<string, T[]>, key: string, value: T) => {
      const list = map.get(key);
      if (list) { list.push(value); } else { map.set(key, [value]); }
    };
    for (const r of this.resources.values()) {
      if (r.type !== 'AWS::S3::BucketPolicy') { continue; }
      attribution.order.set(r, attribution.order.size);
      const target = r.properties?.Bucket;
      const id = referencedLogicalId(target);
      if (id !== undefined) { add(attribution.byReference, id, r); }
      // A literal name, or an expression of literals and pseudo parameters (`data-${AWS::AccountId}`): the name it denotes.
      const name = this.denotedName(target);
      if (name !== undefined) { add(attribution.byName, name, r); }
      const ref = referenceOf(target, logicalId => this.lookup(logicalId));
      if (isIntrinsic(target) && name === undefined && (ref.kind === 'parameter' || ref.kind === 'unknown')) { attribution.unattributed.push(r); }
      const exportName = target?.['Fn::ImportValue'];
      const imported = typeof exportName === 'string' ? /^([^:]+):ExportsOutputRef(.+)$/.exec(exportName) : null;
      if (imported) { add(attribution.byImport, imported[1], { rest: imported[2], view: r }); }
    }
    this.attribution = attribution;
    return attribution;
  }

  /**
   * This stack's bucket policies attached to a bucket of another stack of the app: through an import of
   * that stack's export of the bucket's name (`Stack:ExportsOutputRef<logical id><hash>`), or by the
   * name the bucket's stack gives it (`name`, from `denotedName`). Only this stack's own policies by name are attributed here (`bucketContext`).
   */
  public policiesAttachedTo(stackName: string, bucket: ResourceView, name: string | undefined): ResourceView[] {
    const { byName, byImport } = this.bucketPolicies();
    // CDK names the export after the logical id and 8 hexadecimal digits of a hash.
    const imported = (byImport.get(stackName) ?? [])
      .filter(({ rest }) => rest.startsWith(bucket.logicalId) && rest.length === bucket.logicalId.length + 8).map(({ view }) => view);
    // A name known only with its stack's account or region (`${AWS::AccountId}` left in it) may be another bucket here.
    return [...imported, ...(name !== undefined && !name.includes('${') ? byName.get(name) ?? [] : [])];
  }

  /**
   * What the policy rules may look at for a bucket policy of this stack on a bucket outside the app
   * (its `Bucket` names a bucket no stack of the app defines): the named bucket, as far as it is known
   * (its name), and the policy, which replaces that bucket's own when deployed. Undefined for a policy
   * on a bucket of the app, or on a bucket whose name is not known at synth.
   */
  public outsideBucketContext(policy: ResourceView, trustedAccounts: string[]): BucketContext | undefined {
    if (policy.type !== 'AWS::S3::BucketPolicy') { return undefined; }
    const name = this.denotedName(policy.properties?.Bucket);
    if (name === undefined || this.isAppBucketName(name)) { return undefined; }
    return {
      bucket: { logicalId: `bucket ${name}`, path: `bucket ${name}`, type: 'AWS::S3::Bucket', properties: { BucketName: name } },
      policies: [policy],
      isLogTarget: false,
      account: Token.isUnresolved(this.stack.account) ? undefined : this.stack.account,
      region: Token.isUnresolved(this.stack.region) ? undefined : this.stack.region,
      trustedAccounts,
      denotedName: name,
      lookup: id => this.lookup(id),
    };
  }

  /**
   * The bucket name a value denotes, the same however it is written: a literal, or a `Fn::Join` / `Fn::Sub`
   * of literals and pseudo parameters, with the stack's account and region put in where they are known
   * (`data-${AWS::AccountId}` and `data-111111111111` name one bucket in account 111111111111).
   * Undefined for a reference (`Ref`, `Fn::GetAtt`, an import) or a value not known at synth.
   */
  public denotedName(value: unknown): string | undefined {
    const known = (v: string) => (Token.isUnresolved(v) ? undefined : v);
    return denotedValue(value, known(this.stack.account), known(this.stack.region));
  }

  /** The `AWS::KMS::Key` of the stack a key reference names, directly or through an `AWS::KMS::Alias`. */
  private keyOf(keyId: unknown): ResourceView | undefined {
    const target = this.resources.get(referencedLogicalId(keyId) ?? '');
    if (target?.type === 'AWS::KMS::Alias') { return this.keyOf(target.properties?.TargetKeyId); }
    return target?.type === 'AWS::KMS::Key' ? target : undefined;
  }

  public identityPolicyContext(resource: ResourceView, administratorArns: string[]): IdentityPolicyContext {
    const p = resource.properties ?? {};
    const documents: unknown[] = [];
    const unknownDocuments: string[] = [];
    const holders: PolicyHolder[] = [];
    if (resource.type === 'AWS::IAM::Policy' || resource.type === 'AWS::IAM::ManagedPolicy') {
      documents.push(p.PolicyDocument);
      for (const { kind, listProp } of Object.values(HOLDER_TYPES)) {
        const list = p[listProp];
        if (isIntrinsic(list)) { holders.push(unknownHolder(list)); continue; }
        asList<unknown>(list).forEach(h => holders.push(this.holder(h, kind)));
      }
      if (resource.type === 'AWS::IAM::ManagedPolicy') {
        // role.addManagedPolicy(policy) attaches it from the role's side (ManagedPolicyArns).
        for (const r of this.resources.values()) {
          const type = HOLDER_TYPES[r.type];
          if (type && asList<unknown>(r.properties?.ManagedPolicyArns).some(a => referencedLogicalId(a) === resource.logicalId)) {
            holders.push(this.holder({ Ref: r.logicalId }, type.kind));
          }
        }
      }
    } else {
      if (isIntrinsic(p.Policies)) { documents.push(p.Policies); }
      asList<any>(isIntrinsic(p.Policies) ? [] : p.Policies).forEach(policy => documents.push(isIntrinsic(policy) ? policy : policy?.PolicyDocument));
      const arns = p.ManagedPolicyArns;
      if (isIntrinsic(arns)) { unknownDocuments.push('the managed policies'); }
      for (const arn of isIntrinsic(arns) ? [] : asList<unknown>(arns)) {
        const known = this.managedPolicy(arn);
        if (known === 'judged-separately') { continue; }
        if (known) { documents.push(known); } else if (known === undefined) { unknownDocuments.push(`managed policy ${render(arn)}`); }
      }
      holders.push(this.holder({ Ref: resource.logicalId }, HOLDER_TYPES[resource.type]?.kind ?? 'unknown'));
    }
    return {
      resource,
      documents: documents.filter(d => d !== undefined),
      principals: holders.map(h => h.display),
      holders,
      unknownDocuments,
      administratorArns,
    };
  }

  /**
   * What a managed policy ARN grants: the statements of a known AWS managed policy, `null` for
   * another AWS managed policy (taken not to grant bucket administration), `judged-separately` for a
   * managed policy of this stack, undefined when its statements are not known at synth.
   */
  private managedPolicy(arn: unknown): any | null | undefined | 'judged-separately' {
    const ref = referenceOf(arn, id => this.lookup(id));
    if (ref.kind === 'resource' && ref.view.type === 'AWS::IAM::ManagedPolicy') { return 'judged-separately'; }
    const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(render(arn));
    if (m) { return AWS_MANAGED_POLICIES[m[1]] ?? null; }
    return undefined;
  }

  /** A role, user or group referenced by an identity policy, as far as it is known. */
  private holder(value: unknown, kind: PolicyHolder['kind']): PolicyHolder {
    const account = Token.isUnresolved(this.stack.account) ? '*' : this.stack.account;
    const ref = referenceOf(value, id => this.lookup(id));
    if (ref.kind === 'resource' && HOLDER_TYPES[ref.view.type]) {
      const type = HOLDER_TYPES[ref.view.type];
      const target = ref.view;
      const name = target.properties?.[type.nameProp];
      const path = typeof target.properties?.Path === 'string' ? target.properties.Path : '/';
      const constructPath = target.path.replace(/\/Resource$/, '');
      if (typeof name === 'string') {
        const arn = `arn:aws:iam::${account}:${type.kind}${path}${name}`;
        return { kind: type.kind, arn, path: target.path, display: account === '*' ? `${type.kind}${path}${name}` : arn };
      }
      if (name === undefined) {
        return { kind: type.kind, arn: `arn:aws:iam::${account}:${type.kind}${path}*`, generatedName: true, path: target.path, display: `${type.kind} ${constructPath}` };
      }
      return { kind: 'unknown', path: target.path, display: `${type.kind} ${constructPath} (name not known at synth)` };
    }
    if (typeof value === 'string' && kind !== 'unknown') {
      // A name given literally (an imported role, user or group).
      const arn = `arn:aws:iam::${account}:${kind}/${value}`;
      return { kind, arn, display: account === '*' ? `${kind}/${value}` : arn };
    }
    return unknownHolder(value);
  }
}

function unknownHolder(value: unknown): PolicyHolder {
  return { kind: 'unknown', display: `principal ${render(value)}` };
}

/**
 * Whether a policy lets S3 deliver server access logs of other buckets into `bucket`: an Allow for
 * `logging.s3.amazonaws.com` whose `aws:SourceArn` is absent or names a bucket other than `bucket`. A
 * bucket that logs to itself has a grant for its own logs (aws-cdk-lib writes one under the flag
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`): that grant does not make it a log bucket.
 */
function allowsLogDeliveryFromOthers(policy: ResourceView, bucket: ResourceView): boolean {
  const statements = policy.properties?.PolicyDocument?.Statement;
  if (isIntrinsic(statements)) { return false; }
  return asList<any>(statements).some(s => {
    if (s?.Effect !== 'Allow' || !asList(s?.Principal?.Service).includes('logging.s3.amazonaws.com')) { return false; }
    const sources = Object.entries<any>(s.Condition ?? {})
      .flatMap(([, block]) => Object.entries<unknown>(block ?? {}).filter(([key]) => key.toLowerCase() === 'aws:sourcearn').map(([, v]) => v));
    if (sources.length === 0) { return true; }
    return sources.flatMap(v => (isIntrinsic(v) ? [v] : asList<unknown>(v))).some(v => referencedLogicalId(v) !== bucket.logicalId);
  });
}

/**
 * The resource as CloudFormation will receive it, including property overrides.
 * `_toCloudFormation` is how CDK itself renders a resource into the template; it is not public API,
 * but no public API renders the overrides (raw overrides are how many constructs weaken a bucket).
 */
export function renderResource(resource: CfnResource, onRendered?: RenderedCallback): ResourceView {
  const stack = Stack.of(resource);
  const rendered = stack.resolve((resource as any)._toCloudFormation()) as RenderedFragment;
  onRendered?.(resource, rendered);
  // The fragment is keyed by the resource's logical id (resolving `resource.logicalId` again would
  // compute it a second time).
  const ids = Object.keys(rendered?.Resources ?? {});
  const logicalId = ids.length === 1 ? ids[0] : stack.resolve(resource.logicalId) as string;
  const body = rendered.Resources[logicalId] ?? {};
  return {
    logicalId,
    path: resource.node.path,
    type: body.Type ?? resource.cfnResourceType,
    properties: body.Properties ?? {},
    deletionPolicy: body.DeletionPolicy,
    updateReplacePolicy: body.UpdateReplacePolicy,
    ...(body.Condition !== undefined ? { condition: body.Condition } : {}),
  };
}
