import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { asList, BucketContext, IdentityPolicyContext, referencedLogicalId, ResourceView } from './model';

export const IDENTITY_POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];

/**
 * The rendered L1 resources of one stack (not of its nested stacks), resolved as they will be
 * deployed, and the relations between them that the rules need.
 */
export class StackIndex {
  public readonly resources = new Map<string, ResourceView>();
  private readonly byConstruct = new Map<IConstruct, ResourceView>();
  private readonly constructs = new Map<string, CfnResource>();
  private readonly logTargets = new Set<string>();
  private readonly logTargetNames = new Set<string>();

  constructor(public readonly stack: Stack) {
    for (const c of stack.node.findAll()) {
      if (!CfnResource.isCfnResource(c) || Stack.of(c) !== stack) { continue; }
      const view = renderResource(c);
      this.resources.set(view.logicalId, view);
      this.byConstruct.set(c, view);
      this.constructs.set(view.logicalId, c);
    }
    for (const r of this.resources.values()) {
      if (r.type !== 'AWS::S3::Bucket') { continue; }
      const target = r.properties?.LoggingConfiguration?.DestinationBucketName;
      const id = referencedLogicalId(target);
      if (id) { this.logTargets.add(id); }
      if (typeof target === 'string') { this.logTargetNames.add(target); }
    }
  }

  public viewOf(resource: CfnResource): ResourceView | undefined {
    return this.byConstruct.get(resource);
  }

  public constructOf(logicalId: string): CfnResource | undefined {
    return this.constructs.get(logicalId);
  }

  public bucketContext(bucket: ResourceView, trustedAccounts: string[]): BucketContext {
    const name = bucket.properties?.BucketName;
    const refersToBucket = (value: unknown) => referencedLogicalId(value) === bucket.logicalId
      || (typeof name === 'string' && value === name);
    const policies = [...this.resources.values()]
      .filter(r => r.type === 'AWS::S3::BucketPolicy' && refersToBucket(r.properties?.Bucket));
    const keyId = referencedLogicalId(bucket.properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]
      ?.ServerSideEncryptionByDefault?.KMSMasterKeyID);
    const key = keyId ? this.resources.get(keyId) : undefined;
    return {
      bucket,
      policies,
      isLogTarget: this.logTargets.has(bucket.logicalId)
        || (typeof name === 'string' && this.logTargetNames.has(name))
        || policies.some(allowsLogDelivery),
      key: key?.type === 'AWS::KMS::Key' ? key : undefined,
      account: Token.isUnresolved(this.stack.account) ? undefined : this.stack.account,
      trustedAccounts,
    };
  }

  public identityPolicyContext(resource: ResourceView, administratorArns: string[]): IdentityPolicyContext {
    const p = resource.properties ?? {};
    let documents: any[];
    let holders: unknown[];
    if (resource.type === 'AWS::IAM::Policy' || resource.type === 'AWS::IAM::ManagedPolicy') {
      documents = [p.PolicyDocument];
      holders = [...asList(p.Roles), ...asList(p.Users), ...asList(p.Groups)];
    } else {
      documents = asList<any>(p.Policies).map(policy => policy?.PolicyDocument);
      holders = [{ Ref: resource.logicalId }];
    }
    return {
      resource,
      documents: documents.filter(d => d !== undefined),
      principals: holders.map(h => this.principalArn(h)),
      administratorArns,
    };
  }

  /** The ARN of a role, user or group referenced by an identity policy, as far as it is known. */
  private principalArn(holder: unknown): string {
    const account = Token.isUnresolved(this.stack.account) ? '*' : this.stack.account;
    const id = referencedLogicalId(holder);
    const target = id ? this.resources.get(id) : undefined;
    const kinds: Record<string, [string, string]> = {
      'AWS::IAM::Role': ['role', 'RoleName'],
      'AWS::IAM::User': ['user', 'UserName'],
      'AWS::IAM::Group': ['group', 'GroupName'],
    };
    if (target && kinds[target.type]) {
      const [kind, nameProp] = kinds[target.type];
      const name = target.properties?.[nameProp];
      const path = typeof target.properties?.Path === 'string' ? target.properties.Path : '/';
      return `arn:aws:iam::${account}:${kind}${path}${typeof name === 'string' ? name : `<${target.path}>`}`;
    }
    if (typeof holder === 'string') {
      // A role name given literally (imported role).
      return `arn:aws:iam::${account}:role/${holder}`;
    }
    return `<unknown principal ${JSON.stringify(holder)}>`;
  }
}

function allowsLogDelivery(policy: ResourceView): boolean {
  return asList<any>(policy.properties?.PolicyDocument?.Statement).some(s => s?.Effect === 'Allow'
    && asList(s?.Principal?.Service).includes('logging.s3.amazonaws.com'));
}

/**
 * The resource as CloudFormation will receive it, including property overrides.
 * `_toCloudFormation` is how CDK itself renders a resource into the template.
 */
export function renderResource(resource: CfnResource): ResourceView {
  const stack = Stack.of(resource);
  const logicalId = stack.resolve(resource.logicalId) as string;
  const rendered = stack.resolve((resource as any)._toCloudFormation()) as { Resources: Record<string, any> };
  const body = rendered.Resources[logicalId] ?? Object.values(rendered.Resources)[0] ?? {};
  return {
    logicalId,
    path: resource.node.path,
    type: body.Type ?? resource.cfnResourceType,
    properties: body.Properties ?? {},
    deletionPolicy: body.DeletionPolicy,
  };
}
