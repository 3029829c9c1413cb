import { METADATA_READING_SERVICES } from '../private/aws-services';
import { isWebsite } from '../rules/engine/bucket-reading';
import { asList, BucketContext, dig, globMatch, isIntrinsic, UNKNOWN } from '../rules/engine/model';
import { render } from '../rules/engine/policy';
import { BUCKET_RULES } from '../rules/s3';
import { PUBLIC_ACLS } from '../rules/s3/sb-s3-6';

/** What a posture value that S3 applies to a new bucket, but the template does not declare, ends with. */
export const AWS_DEFAULT = ' (AWS default, not declared)';

/** A bucket's security posture, read from its CloudFormation (the same input the rules judge). */
export interface BucketPosture {
  readonly encryption: string;
  /** The key: the construct path of a key of the app, an ARN, or `-`. */
  readonly key: string;
  readonly bucketKey: boolean;
  readonly versioning: string;
  readonly logTarget: string;
  readonly publicAccessBlock: string;
  readonly ownership: string;
  readonly tls: string;
  readonly lifecycle: string;
  readonly deletionPolicy: string;
  /** Where the bucket replicates to: one entry per enabled rule, e.g. `Stack/Replica (SSE-KMS, RTC)`; empty when it does not. */
  readonly replication: string[];
  /** Object Lock: `off`, `on, no default retention`, or the default retention such as `GOVERNANCE 30 days`. */
  readonly objectLock: string;
  /** Access restrictions from the bucket policy's Deny statements: networks, principals, administrators, exemptions. */
  readonly access: AccessPosture;
}

export interface AccessPosture {
  /**
   * What makes the bucket public, when something does: a policy Allow to everyone without a restricting
   * condition (SB-S3-12's finding), or a public canned ACL.
   */
  readonly public?: string;
  /** One line per restricting Deny statement, e.g. `VPC endpoint or source IP`, `principal`, `admin-only changes`. */
  readonly statements: string[];
  readonly vpcEndpoints: string[];
  readonly vpcs: string[];
  readonly sourceIps: string[];
  /** Principals a principal restriction lets through (the allowed roles and the break-glass principals given with them). */
  readonly principals: string[];
  /** Principals allowed to change the bucket's configuration (`AdminOnlyChanges`). */
  readonly administrators: string[];
  /** Who every restriction lets through besides: AWS services, the account root user, the deployment role, CDK's roles, break-glass principals. */
  readonly exemptions: string[];
  /**
   * The networks of each restricting statement: `VPC endpoint vpce-1 or source IP 203.0.113.0/24` for
   * one statement (`anyOf`); separate statements must all hold.
   */
  readonly networkRules: string[];
}

/** Names a logical id of the app for a reader (its construct path), or undefined. */
export type Names = (logicalId: string) => string | undefined;

/**
 * A value for a reader: `${AWS::Partition}` and own-account ARNs shortened (`role/Admin`,
 * `account root`), references shown as the construct path of what they name.
 */
export function readable(value: unknown, names: Names = () => undefined, account?: string): string {
  if (value === undefined) { return '-'; }
  const imported = (value as any)?.['Fn::ImportValue'];
  if (typeof imported === 'string') { return names(`import:${imported}`) ?? `import ${imported}`; }
  let text = render(value);
  if (account) { text = text.split(`:iam::${account}:`).join(':iam::${AWS::AccountId}:').split(`-${account}-`).join('-${AWS::AccountId}-'); }
  text = text.replace(/\$\{([A-Za-z0-9]+)\.RoleId\}:\*/g, (_, id: string) => `${names(id) ?? id} (by id)`);
  text = text.replace(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g, (_whole: string, id: string) => names(id) ?? id);
  text = text.replace(/\$\{AWS::AccountId\}/g, 'ACCOUNT').replace(/\$\{AWS::Region\}/g, 'REGION').replace(/\$\{\?\}/g, '?');
  const own = /^arn:aws[a-z-]*:iam::ACCOUNT:(.+)$/.exec(text) ?? (account && text === account ? [text, 'root'] : null);
  if (own) {
    if (own[1] === 'root') { return 'account root'; }
    if (/^role\/cdk-[a-z0-9]+-cfn-exec-role-/.test(own[1])) { return 'deployment role'; }
    return own[1];
  }
  const other = /^arn:aws[a-z-]*:iam::(\d{12}):(.+)$/.exec(text);
  if (other) { return other[2] === 'root' ? `account ${other[1]}` : `${other[2]} (account ${other[1]})`; }
  return text === 'ACCOUNT' ? 'account root' : text;
}

const NETWORK_KEYS: Record<string, string> = { 'aws:sourcevpce': 'VPC endpoint', 'aws:sourcevpc': 'VPC', 'aws:sourceip': 'source IP' };
const EXEMPTION_KEYS: Record<string, string> = {
  'aws:principalisawsservice': 'AWS services',
  'aws:viaawsservice': 'services acting for a caller',
};
const STANDARD_EXEMPTIONS = ['account root', 'deployment role'];
const CDK_ROLE_PATHS = [/Custom::S3AutoDeleteObjectsCustomResourceProvider/, /BucketNotificationsHandler/];

export function bucketPosture(ctx: BucketContext, names: Names = () => undefined): BucketPosture {
  const p = ctx.bucket.properties ?? {};
  const sse = dig(p, 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0);
  const algorithm = dig(sse, 'ServerSideEncryptionByDefault', 'SSEAlgorithm');
  const keyId = dig(sse, 'ServerSideEncryptionByDefault', 'KMSMasterKeyID');
  const pab = isIntrinsic(p.PublicAccessBlockConfiguration) ? {} : p.PublicAccessBlockConfiguration ?? {};
  const pabOn = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].filter(k => pab[k] === true);
  const statements = ctx.policies.flatMap(pol => asList<any>(dig(pol.properties, 'PolicyDocument', 'Statement') as any))
    .filter(s => s && !isIntrinsic(s));
  const denies = statements.filter(s => s.Effect === 'Deny');
  // The column agrees with SB-S3-7: a Deny that covers only some actions, or has other conditions, is not "TLS only".
  const tlsVerdict = BUCKET_RULES.find(r => r.id === 'SB-S3-7')!.check(ctx).status;
  const minTls = denies.map(s => dig(s.Condition, 'NumericLessThan', 's3:TlsVersion')).find(v => v !== undefined);
  const rules = asList<any>(dig(p, 'LifecycleConfiguration', 'Rules') as any).filter(r => r?.Status === 'Enabled');
  const lifecycle = rules.map(rule => {
    const parts: string[] = [];
    const filter = rule.Prefix ? `${rule.Prefix}: ` : '';
    if (rule.AbortIncompleteMultipartUpload) { parts.push(`abort uploads ${readable(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation)}d`); }
    if (rule.NoncurrentVersionExpiration) {
      const keep = rule.NoncurrentVersionExpiration.NewerNoncurrentVersions;
      parts.push(`noncurrent ${readable(rule.NoncurrentVersionExpiration.NoncurrentDays)}d${keep ? ` (keep ${readable(keep)})` : ''}`);
    }
    if (rule.NoncurrentVersionExpirationInDays) { parts.push(`noncurrent ${readable(rule.NoncurrentVersionExpirationInDays)}d`); }
    if (rule.ExpirationInDays) { parts.push(`expire ${readable(rule.ExpirationInDays)}d`); }
    if (rule.ExpiredObjectDeleteMarker) { parts.push('delete markers'); }
    for (const t of asList<any>(rule.Transitions)) { parts.push(`${readable(t.StorageClass)} ${readable(t.TransitionInDays)}d`); }
    return parts.length ? filter + parts.join(', ') : '';
  }).filter(Boolean).join('; ');
  const logging = p.LoggingConfiguration;
  const encryption = sse === UNKNOWN || isIntrinsic(algorithm) ? 'not known at synth'
    : algorithm === 'aws:kms' ? (keyId ? 'SSE-KMS' : 'SSE-KMS (aws/s3)')
      : algorithm === 'aws:kms:dsse' ? 'DSSE-KMS' : algorithm === 'AES256' ? 'SSE-S3' : algorithm === undefined ? 'default (SSE-S3)' : String(algorithm);
  return {
    encryption,
    key: keyId === UNKNOWN ? '?' : readable(keyId, names),
    bucketKey: (sse as any)?.BucketKeyEnabled === true,
    versioning: readable(dig(p, 'VersioningConfiguration', 'Status') ?? 'off'),
    logTarget: logging === undefined ? (ctx.isLogTarget ? 'none (log bucket)' : 'none')
      : isIntrinsic(logging) ? '?' : logging.DestinationBucketName === undefined ? 'itself' : readable(logging.DestinationBucketName, names),
    // Not declared: S3 applies all four blocks and BucketOwnerEnforced to a new bucket (AWS's default since April 2023).
    publicAccessBlock: p.PublicAccessBlockConfiguration === undefined ? `all four${AWS_DEFAULT}`
      : pabOn.length === 4 ? 'all four' : pabOn.length === 0 ? 'none' : pabOn.join(', '),
    ownership: isIntrinsic(dig(p, 'OwnershipControls', 'Rules')) ? '?'
      : asList<any>(dig(p, 'OwnershipControls', 'Rules') as any).map(r => readable(r?.ObjectOwnership)).join(', ')
        || `BucketOwnerEnforced${AWS_DEFAULT}`,
    tls: tlsVerdict === 'pass' ? `TLS only${minTls !== undefined ? `, >= ${readable(minTls)}` : ''}`
      : tlsVerdict === 'cannot-verify' ? 'not known at synth'
        : isWebsite(ctx.bucket) ? 'not enforced: a website bucket (the website endpoint serves HTTP only; TLS is CloudFront\'s)' : 'not enforced',
    lifecycle: lifecycle || 'none',
    deletionPolicy: readable(ctx.bucket.deletionPolicy ?? 'Delete'),
    replication: replicationPosture(p.ReplicationConfiguration, names),
    objectLock: objectLockPosture(p),
    access: { public: publicAccess(ctx), ...accessPosture(denies, names, ctx) },
  };
}

function replicationPosture(config: any, names: Names): string[] {
  if (config === undefined) { return []; }
  if (isIntrinsic(config) || isIntrinsic(config.Rules)) { return ['? (not known at synth)']; }
  return asList<any>(config.Rules).filter(rule => rule?.Status !== 'Disabled').map(rule => {
    const destination = rule?.Destination ?? {};
    const details = [
      destination.EncryptionConfiguration?.ReplicaKmsKeyID !== undefined ? 'SSE-KMS' : undefined,
      destination.ReplicationTime?.Status === 'Enabled' ? 'RTC' : undefined,
      destination.Account !== undefined ? `account ${readable(destination.Account)}` : undefined,
    ].filter(Boolean);
    return `${readable(destination.Bucket, names)}${details.length ? ` (${details.join(', ')})` : ''}`;
  });
}

function objectLockPosture(p: any): string {
  const enabled = p.ObjectLockEnabled === true || p.ObjectLockEnabled === 'true' || dig(p, 'ObjectLockConfiguration', 'ObjectLockEnabled') === 'Enabled';
  if (isIntrinsic(p.ObjectLockEnabled) || isIntrinsic(p.ObjectLockConfiguration)) { return '?'; }
  if (!enabled) { return 'off'; }
  const retention = dig(p, 'ObjectLockConfiguration', 'Rule', 'DefaultRetention') as any;
  if (!retention || isIntrinsic(retention)) { return retention ? 'on, retention ?' : 'on, no default retention'; }
  const period = retention.Days !== undefined ? `${readable(retention.Days)} days` : retention.Years !== undefined ? `${readable(retention.Years)} years` : '';
  return `${readable(retention.Mode)} ${period}`.trim();
}

/** What makes the bucket public, agreeing with SB-S3-12 (a policy Allow to everyone), or a public canned ACL; undefined otherwise. */
function publicAccess(ctx: BucketContext): string | undefined {
  const acl = ctx.bucket.properties?.AccessControl;
  const verdict = BUCKET_RULES.find(r => r.id === 'SB-S3-12')!.check(ctx);
  const reasons = [
    ...(verdict.status === 'fail' ? [`policy: ${verdict.detail}`] : []),
    ...(typeof acl === 'string' && PUBLIC_ACLS.includes(acl) ? [`ACL ${acl}`] : []),
  ];
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

function accessPosture(denies: any[], names: Names, ctx: BucketContext): Omit<AccessPosture, 'public'> {
  const lines: string[] = [];
  const sets = {
    vpcEndpoints: new Set<string>(),
    vpcs: new Set<string>(),
    sourceIps: new Set<string>(),
    principals: new Set<string>(),
    administrators: new Set<string>(),
    exemptions: new Set<string>(),
  };
  const isCdkRole = (value: unknown) => {
    const id = /^\$\{([A-Za-z0-9]+)\.Arn\}$/.exec(render(value))?.[1];
    const path = id ? ctx.lookup?.(id)?.path : undefined;
    return path !== undefined && CDK_ROLE_PATHS.some(re => re.test(path));
  };
  const networkRules: string[] = [];
  for (const s of denies) {
    const actions = asList<unknown>(s.Action).map(String);
    const condition = isIntrinsic(s.Condition) ? {} : s.Condition ?? {};
    // Every condition key, lower-cased, with its values and whether its operator is negated. In a Deny,
    // only a negated operator (StringNotEquals, NotIpAddress, ArnNotLike, ...) lists who or where may pass.
    const entries: [string, unknown[], boolean][] = Object.entries<any>(condition)
      .flatMap(([operator, block]) => (isIntrinsic(block) ? [] : Object.entries<unknown>(block ?? {}).map(([k, v]) => [operator, k, v] as const)))
      .map(([operator, k, v]) => [k.toLowerCase(), isIntrinsic(v) ? [v] : asList<unknown>(v), /Not/.test(operator)]);
    const values = (key: string) => entries.filter(([k, , negated]) => k === key && (negated || key in EXEMPTION_KEYS)).flatMap(([, v]) => v);
    const admin = actions.some(a => globMatch(a, 's3:PutBucketPolicy')) && !actions.includes('s3:*');
    if (!admin && !actions.includes('s3:*')) { continue; }
    const networks = [...new Set(entries.filter(([, , negated]) => negated).map(([k]) => NETWORK_KEYS[k]).filter(Boolean))];
    const byUserId = values('aws:userid').length > 0;
    const byArn = !admin && networks.length === 0 && values('aws:principalarn').length > 0;
    if (!admin && networks.length === 0 && !byUserId && !byArn) { continue; }
    lines.push(admin ? 'admin-only changes' : [...networks, ...(byUserId || byArn ? ['principal'] : [])].join(' or '));
    values('aws:sourcevpce').forEach(v => sets.vpcEndpoints.add(readable(v, names)));
    values('aws:sourcevpc').forEach(v => sets.vpcs.add(readable(v, names)));
    values('aws:sourceip').forEach(v => sets.sourceIps.add(readable(v, names)));
    const ownNetworks = Object.keys(NETWORK_KEYS).filter(key => values(key).length > 0)
      .map(key => `${NETWORK_KEYS[key]} ${[...new Set(values(key).map(v => readable(v, names)))].join(', ')}`);
    if (ownNetworks.length > 0) { networkRules.push(ownNetworks.join(' or ')); }
    for (const [key, label] of Object.entries(EXEMPTION_KEYS)) {
      if (values(key).length > 0) { sets.exemptions.add(label); }
    }
    const granted = admin ? sets.administrators : byArn || byUserId ? sets.principals : sets.exemptions;
    for (const v of [...values('aws:principalarn'), ...values('aws:userid')]) {
      const name = readable(v, names, ctx.account);
      const serviceLinked = /^role\/aws-service-role\/([^/]+)\//.exec(name)?.[1];
      if (STANDARD_EXEMPTIONS.includes(name)) { sets.exemptions.add(name); } else if (serviceLinked) {
        // The AWS-service exemption's service-linked roles are part of "AWS services"; another one (Macie's) is named.
        sets.exemptions.add(METADATA_READING_SERVICES.includes(serviceLinked) ? 'AWS services' : `${serviceLinked} service-linked role`);
      } else if (isCdkRole(v)) { sets.exemptions.add('CDK custom-resource roles'); } else {
        (byUserId && values('aws:principalarn').includes(v) ? sets.exemptions : granted).add(name);
      }
    }
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return {
    statements: lines,
    vpcEndpoints: sorted(sets.vpcEndpoints),
    vpcs: sorted(sets.vpcs),
    sourceIps: sorted(sets.sourceIps),
    principals: sorted(sets.principals),
    administrators: sorted(sets.administrators),
    exemptions: sorted(sets.exemptions),
    networkRules,
  };
}

/** The access restrictions in one short line: `VPC endpoint vpce-1 or source IP 203.0.113.0/24; principal role/App; exempt: ...`. */
export function accessSummary(a: AccessPosture): string {
  const open = a.public !== undefined ? [`PUBLIC (${a.public})`] : [];
  if (a.statements.length === 0) { return open.length > 0 ? open[0] : 'IAM only'; }
  const parts: string[] = [...open];
  // Separate statements must all hold (AND); the networks of one statement are alternatives (OR).
  if (a.networkRules.length) { parts.push(a.networkRules.join(' and ')); }
  if (a.principals.length) { parts.push(`principals ${a.principals.join(', ')}`); }
  if (a.administrators.length) { parts.push(`admin-only changes by ${a.administrators.join(', ')}`); } else if (a.statements.includes('admin-only changes')) {
    parts.push('admin-only changes');
  }
  if (a.exemptions.length) { parts.push(`exempt: ${a.exemptions.join(', ')}`); }
  return parts.join('; ');
}
