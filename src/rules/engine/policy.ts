import { asList, BucketContext, globMatch, isIntrinsic, referencedLogicalId, ResourceView } from './model';

/**
 * Reading policy documents as CloudFormation will receive them: statements, ARNs and principals
 * whose values may be intrinsics.
 */

/** What `render` puts where a value is not known at synth. */
export const UNRESOLVED = '${?}';

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::AccountId': '${AWS::AccountId}',
  'AWS::Region': '${AWS::Region}',
  'AWS::StackName': '${AWS::StackName}',
  'AWS::StackId': '${AWS::StackId}',
  'AWS::NoValue': '',
};

/**
 * A value as one string, the way CloudFormation will join it: literals as they are, `AWS::Partition`
 * as `aws`, other pseudo parameters as `${AWS::AccountId}`, a reference to a resource or parameter
 * as `${LogicalId}` or `${LogicalId.Attribute}`, and anything else (`Fn::ImportValue`, `Fn::If`,
 * `Fn::Select`...) as `${?}`.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') { return value; }
  if (typeof value === 'number' || typeof value === 'boolean') { return String(value); }
  const v = value as any;
  if (v && typeof v === 'object' && !Array.isArray(v) && isIntrinsic(v)) {
    if (typeof v.Ref === 'string') { return PSEUDO[v.Ref] ?? `\${${v.Ref}}`; }
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.every((x: unknown) => typeof x === 'string')) { return `\${${getAtt.join('.')}}`; }
    if (typeof getAtt === 'string') { return `\${${getAtt}}`; }
    const join = v['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(render).join(join[0]);
    }
    const sub = v['Fn::Sub'];
    if (typeof sub === 'string' || (Array.isArray(sub) && typeof sub[0] === 'string')) {
      const [template, vars] = typeof sub === 'string' ? [sub, {}] : [sub[0], sub[1] ?? {}];
      return template.replace(/\$\{([^}!]+)\}/g, (whole: string, name: string) => {
        if (vars && typeof vars === 'object' && name in vars) { return render(vars[name]); }
        return PSEUDO[name] ?? whole;
      });
    }
  }
  return UNRESOLVED;
}

/** The statements of one policy document, and whether some of them are not known at synth. */
export interface Statements {
  readonly statements: any[];
  /** True when the document, its statement list or a statement is an intrinsic (`Fn::If` on a parameter...). */
  readonly unknown: boolean;
  /** Why a policy was left out (`bucketStatements` with `deployedOnly`): it may not be deployed. */
  readonly leftOut?: string;
}

/** The statements of policy documents. */
export function statementsOf(documents: unknown[]): Statements {
  const statements: any[] = [];
  let unknown = false;
  for (const document of documents) {
    if (document === undefined) { continue; }
    if (isIntrinsic(document)) { unknown = true; continue; }
    const list = (document as any)?.Statement;
    if (isIntrinsic(list)) { unknown = true; continue; }
    for (const s of asList<any>(list)) {
      if (isIntrinsic(s) || isIntrinsic(s?.Effect)) { unknown = true; continue; }
      statements.push(s);
    }
  }
  return { statements, unknown };
}

/**
 * Every statement of every bucket policy of the bucket. With `deployedOnly` (for a statement the bucket
 * must have), the statements of a policy created under a CloudFormation condition are left out, as they
 * may not be deployed, and make the result unknown.
 */
export function bucketStatements(ctx: BucketContext, deployedOnly: boolean = false): Statements {
  // A policy under the bucket's own Condition exists whenever the bucket does.
  const conditional = deployedOnly ? ctx.policies.filter(p => p.condition !== undefined && p.condition !== ctx.bucket.condition) : [];
  const found = statementsOf(ctx.policies.filter(p => !conditional.includes(p)).map(p => p.properties?.PolicyDocument));
  if (conditional.length === 0) { return found; }
  return {
    ...found,
    unknown: true,
    leftOut: conditional.map(p => `the bucket policy ${p.logicalId} is created under the CloudFormation Condition ${p.condition}`
      + `${ctx.bucket.condition === undefined ? '' : `, not the bucket's (${ctx.bucket.condition})`}, so it may not be deployed`).join('; '),
  };
}

/** `arn:aws-cn:...` and `arn:aws-us-gov:...` as `arn:aws:...`, so one pattern covers every partition. */
function normalizePartition(arn: string): string {
  return arn.replace(/^arn:aws[a-z-]*:/, 'arn:aws:');
}

/**
 * Whether a policy `Resource` value covers the bucket ARN (`bucket`) or every object (`objects`):
 * `*`, `arn:aws:s3:::*`, the bucket's ARN as a literal or as a reference to the bucket (`Fn::GetAtt`,
 * `Fn::Join`, `Fn::Sub`), with `/*` for the objects. A prefix such as `bucket/logs/*` does not cover
 * every object. Returns `unknown` when a value that does not match holds an unresolved part.
 */
export function covers(resources: unknown, ctx: BucketContext, what: 'bucket' | 'objects'): boolean | 'unknown' {
  const id = ctx.bucket.logicalId;
  // The bucket's name however the policy writes it: its literal or denoted name (`data-${AWS::AccountId}`), or a reference to it.
  const name = ctx.denotedName ?? `\${${id}}`;
  const target = what === 'bucket' ? `arn:aws:s3:::${name}` : `arn:aws:s3:::${name}/*`;
  const known = (text: string) => text
    .split('${AWS::AccountId}').join(ctx.account ?? '${AWS::AccountId}')
    .split('${AWS::Region}').join(ctx.region ?? '${AWS::Region}');
  let unknown = false;
  // One intrinsic is one ARN (`Fn::GetAtt`, `Fn::Join`); one that stands for a list renders as `${?}`.
  for (const r of isIntrinsic(resources) ? [resources] : asList<unknown>(resources)) {
    const rendered = render(importsAsReferences(r, ctx));
    const text = known(normalizePartition(rendered)
      .split(`\${${id}.Arn}`).join(`arn:aws:s3:::${name}`)
      .split(`\${${id}}`).join(name));
    if (globMatch(text, target, false)) { return true; }
    if (rendered.includes(UNRESOLVED)) { unknown = true; }
  }
  return unknown ? 'unknown' : false;
}

/**
 * A policy value of another stack of the app with its imports of the bucket's stack's exports written as
 * the references they stand for: CDK exports a cross-stack reference as
 * `<stack>:ExportsOutputRef<logical id><hash>` or `<stack>:ExportsOutputFnGetAtt<logical id><attribute><hash>`
 * (8 hexadecimal digits of hash), so `{ "Fn::ImportValue": "Data:ExportsOutputFnGetAttBucket83908E77Arn063C8555" }`
 * is the bucket's `Fn::GetAtt [Bucket83908E77, Arn]`.
 */
function importsAsReferences(value: unknown, ctx: BucketContext): unknown {
  if (ctx.stackName === undefined || value === null || typeof value !== 'object') { return value; }
  if (Array.isArray(value)) { return value.map(v => importsAsReferences(v, ctx)); }
  const exportName = (value as any)['Fn::ImportValue'];
  if (typeof exportName === 'string' && exportName.startsWith(`${ctx.stackName}:ExportsOutput`)) {
    const id = ctx.bucket.logicalId;
    const rest = exportName.slice(`${ctx.stackName}:ExportsOutput`.length);
    if (new RegExp(`^Ref${id}[0-9A-F]{8}$`).test(rest)) { return { Ref: id }; }
    const attribute = new RegExp(`^FnGetAtt${id}([A-Za-z]+)[0-9A-F]{8}$`).exec(rest)?.[1];
    if (attribute) { return { 'Fn::GetAtt': [id, attribute] }; }
    return value;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, importsAsReferences(v, ctx)]));
}

/**
 * The bucket name (or other string) a value denotes, the same however it is written: a literal, or a
 * `Fn::Join` / `Fn::Sub` of literals and pseudo parameters, with the account and region put in where
 * they are known (`data-${AWS::AccountId}` and `data-111111111111` are one name in account 111111111111).
 * Undefined for a reference (`Ref`, `Fn::GetAtt`, an import) or a value not known at synth.
 */
export function denotedValue(value: unknown, account?: string, region?: string): string | undefined {
  if (typeof value === 'string') { return value; }
  if (!isIntrinsic(value) || referencedLogicalId(value) !== undefined) { return undefined; }
  const rendered = render(value);
  if (rendered.includes(UNRESOLVED) || /\$\{(?!AWS::)/.test(rendered)) { return undefined; }
  return rendered.split('${AWS::AccountId}').join(account ?? '${AWS::AccountId}').split('${AWS::Region}').join(region ?? '${AWS::Region}');
}

/** Whether a statement's `Principal` is everyone (`"*"` or `{ "AWS": "*" }`). */
export function isAnyPrincipal(principal: unknown): boolean {
  const p = principal as any;
  return p === '*' || asList<unknown>(p?.AWS).includes('*');
}

/** Whether a statement's `Principal` is not known at synth (e.g. `{ "AWS": { "Ref": "Param" } }`). */
export function principalUnknown(principal: unknown, ctx: BucketContext): boolean {
  if (isIntrinsic(principal)) { return true; }
  const aws = (principal as any)?.AWS;
  if (aws === undefined) { return false; }
  if (isIntrinsic(aws) && !Array.isArray(aws)) { return principalAccount(aws, ctx) === undefined; }
  return asList<unknown>(aws).some(p => principalAccount(p, ctx) === undefined);
}

/**
 * The account of an `AWS` principal: a 12-digit id, `self` for the bucket's own account (`Ref
 * AWS::AccountId`, or a role or user of the bucket's stack), `*` for everyone, `aws` for a
 * principal owned by AWS (a CloudFront origin access identity), undefined when not known at synth.
 */
export function principalAccount(principal: unknown, ctx: BucketContext): string | undefined {
  const text = render(principal).split('${AWS::AccountId}').join('SELF');
  if (text === '*') { return '*'; }
  if (/^\d{12}$/.test(text)) { return text === ctx.account ? 'self' : text; }
  const arn = /^arn:aws[a-z-]*:(?:iam|sts)::([^:]*):/.exec(text);
  if (arn) {
    const account = arn[1];
    if (account === 'SELF') { return 'self'; }
    if (/^\d{12}$/.test(account)) { return account === ctx.account ? 'self' : account; }
    if (account === 'cloudfront' || account === 'aws') { return 'aws'; }
    return undefined;
  }
  const ref = /^\$\{([A-Za-z0-9]+)(?:\.(Arn))?\}$/.exec(text);
  if (ref) {
    const target = ctx.lookup?.(ref[1]);
    if (target && ['AWS::IAM::Role', 'AWS::IAM::User'].includes(target.type)) { return 'self'; }
  }
  return undefined;
}

/** The `Sid` of a statement, for messages. */
export function sidOf(statement: any): string {
  return typeof statement?.Sid === 'string' ? statement.Sid : 'statement without Sid';
}

/** The type `StackIndex` gives the views of the stack's CloudFormation parameters (not a resource type). */
export const PARAMETER_TYPE = 'Parameter';

/** What an intrinsic value refers to. */
export type Reference =
  | { readonly kind: 'resource'; readonly id: string; readonly view: ResourceView }
  | { readonly kind: 'parameter'; readonly id: string }
  /** A resource of another stack of the app: a cross-stack reference (before synthesis) or an `Fn::ImportValue`. */
  | { readonly kind: 'external' }
  | { readonly kind: 'pseudo'; readonly id: string }
  | { readonly kind: 'unknown' };

/**
 * What a `Ref` / `Fn::GetAtt` / `Fn::ImportValue` refers to, using `lookup` (the resources and
 * parameters of the stack). A logical id that is neither is a resource of another stack: CDK
 * renders a cross-stack reference as a plain `Ref` / `Fn::GetAtt` until it turns it into an export
 * at synthesis, and CloudFormation exports are only importable in the same account and region.
 */
export function referenceOf(value: unknown, lookup?: (logicalId: string) => ResourceView | undefined): Reference {
  if (!isIntrinsic(value)) { return { kind: 'unknown' }; }
  if ((value as any)['Fn::ImportValue'] !== undefined) { return { kind: 'external' }; }
  const id = referencedLogicalId(value);
  if (!id) { return { kind: 'unknown' }; }
  if (id.startsWith('AWS::')) { return { kind: 'pseudo', id }; }
  const view = lookup?.(id);
  if (!view) { return lookup ? { kind: 'external' } : { kind: 'unknown' }; }
  return view.type === PARAMETER_TYPE ? { kind: 'parameter', id } : { kind: 'resource', id, view };
}

/**
 * A condition value as a string, or undefined when it is not known at synth: a parameter, an
 * import, or anything that renders with `${?}`. A reference to a resource of the stack is known
 * (an ARN or an id, never a wildcard).
 */
export function knownValue(value: unknown, lookup?: (logicalId: string) => ResourceView | undefined): string | undefined {
  const text = render(value);
  if (text.includes(UNRESOLVED)) { return undefined; }
  const refs = [...text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)].map(m => m[1]);
  return refs.some(id => { const v = lookup?.(id); return v === undefined || v.type === PARAMETER_TYPE; }) ? undefined : text;
}
