import { BucketContext, asList, isIntrinsic, referencedLogicalId } from './model';

/** A bucket's security posture, read from its CloudFormation (the same input the rules judge). */
export interface BucketPosture {
  readonly encryption: string;
  readonly key: string;
  readonly bucketKey: boolean;
  readonly versioning: string;
  readonly logTarget: string;
  readonly publicAccessBlock: string;
  readonly ownership: string;
  readonly tls: string;
  readonly lifecycle: string;
  readonly deletionPolicy: string;
  /** Access restrictions from the bucket policy's Deny statements: networks, principals, exemptions. */
  readonly access: AccessPosture;
}

export interface AccessPosture {
  readonly vpcEndpoints: string[];
  readonly vpcs: string[];
  readonly sourceIps: string[];
  readonly principals: string[];
  readonly exemptions: string[];
  /** One line per restricting Deny statement: "VPC endpoint or source IP", "principal", "admin-only changes". */
  readonly statements: string[];
}

function show(value: unknown): string {
  if (value === undefined) { return '-'; }
  if (typeof value === 'string') { return value; }
  const id = referencedLogicalId(value);
  if (id) { return id; }
  if (isIntrinsic(value) && (value as any)['Fn::Sub']) { return String((value as any)['Fn::Sub']); }
  if (isIntrinsic(value) && (value as any)['Fn::Join']) {
    return ((value as any)['Fn::Join'][1] as unknown[]).map(v => (typeof v === 'string' ? v : `\${${show(v)}}`)).join('');
  }
  return JSON.stringify(value);
}

const EXEMPTION_KEYS = ['aws:PrincipalIsAWSService', 'aws:ViaAWSService'];
const NETWORK_KEYS: Record<string, string> = { 'aws:SourceVpce': 'VPC endpoint', 'aws:SourceVpc': 'VPC', 'aws:SourceIp': 'source IP' };

export function bucketPosture(ctx: BucketContext): BucketPosture {
  const p = ctx.bucket.properties ?? {};
  const sse = p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
  const algorithm = sse?.ServerSideEncryptionByDefault?.SSEAlgorithm;
  const keyId = sse?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
  const pab = p.PublicAccessBlockConfiguration ?? {};
  const pabOn = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].filter(k => pab[k] === true);
  const statements = ctx.policies.flatMap(pol => asList<any>(pol.properties?.PolicyDocument?.Statement));
  const denies = statements.filter(s => s?.Effect === 'Deny');
  const tlsOnly = denies.some(s => String(s?.Condition?.Bool?.['aws:SecureTransport']) === 'false');
  const minTls = denies.map(s => s?.Condition?.NumericLessThan?.['s3:TlsVersion']).find(v => v !== undefined);
  const rules = asList<any>(p.LifecycleConfiguration?.Rules).filter(r => r?.Status === 'Enabled');
  const lifecycle = rules.map(rule => {
    const parts: string[] = [];
    if (rule.AbortIncompleteMultipartUpload) { parts.push(`abort uploads ${rule.AbortIncompleteMultipartUpload.DaysAfterInitiation}d`); }
    if (rule.NoncurrentVersionExpiration) {
      const keep = rule.NoncurrentVersionExpiration.NewerNoncurrentVersions;
      parts.push(`noncurrent ${rule.NoncurrentVersionExpiration.NoncurrentDays}d${keep ? ` (keep ${keep})` : ''}`);
    }
    if (rule.ExpirationInDays) { parts.push(`expire ${rule.ExpirationInDays}d`); }
    if (rule.ExpiredObjectDeleteMarker) { parts.push('delete markers'); }
    for (const t of asList<any>(rule.Transitions)) { parts.push(`${t.StorageClass} ${t.TransitionInDays}d`); }
    return parts.join(', ');
  }).filter(Boolean).join('; ');
  return {
    encryption: algorithm === 'aws:kms' ? (keyId ? 'SSE-KMS' : 'SSE-KMS (aws/s3)') : algorithm === 'AES256' ? 'SSE-S3' : (show(algorithm) === '-' ? 'none' : show(algorithm)),
    key: show(keyId),
    bucketKey: sse?.BucketKeyEnabled === true,
    versioning: show(p.VersioningConfiguration?.Status ?? 'off'),
    logTarget: p.LoggingConfiguration ? show(p.LoggingConfiguration.DestinationBucketName) : (ctx.isLogTarget ? 'none (log bucket)' : 'none'),
    publicAccessBlock: pabOn.length === 4 ? 'all four' : pabOn.length === 0 ? 'none' : pabOn.join(', '),
    ownership: asList<any>(p.OwnershipControls?.Rules).map(r => show(r?.ObjectOwnership)).join(', ') || 'not set',
    tls: tlsOnly ? `TLS only${minTls !== undefined ? `, >= ${show(minTls)}` : ''}` : 'not enforced',
    lifecycle: lifecycle || 'none',
    deletionPolicy: ctx.bucket.deletionPolicy ?? 'Delete',
    access: accessPosture(denies),
  };
}

function accessPosture(denies: any[]): AccessPosture {
  const collect = (key: string) => [...new Set(denies.flatMap(s => Object.values<any>(s?.Condition ?? {})
    .flatMap(op => asList<unknown>(op?.[key])).map(show)))].sort();
  const lines: string[] = [];
  const exemptions = new Set<string>();
  const principals = new Set<string>();
  for (const s of denies) {
    const actions = asList<string>(s?.Action);
    const condition = s?.Condition ?? {};
    const keys = Object.values<any>(condition).flatMap(op => Object.keys(op ?? {}));
    if (actions.includes('s3:PutBucketPolicy') && !actions.includes('s3:*')) {
      lines.push('admin-only changes');
      asList<unknown>(condition.ArnNotLike?.['aws:PrincipalArn']).map(show).forEach(a => principals.add(`admin: ${a}`));
      continue;
    }
    if (!actions.includes('s3:*')) { continue; }
    const networks = [...new Set(keys.filter(k => NETWORK_KEYS[k]).map(k => NETWORK_KEYS[k]))];
    const byRole = keys.includes('aws:userId') || (networks.length === 0 && keys.includes('aws:PrincipalArn'));
    const parts = [...networks, ...(byRole ? ['principal'] : [])];
    if (parts.length === 0) { continue; }
    lines.push(parts.join(' or '));
    keys.filter(k => EXEMPTION_KEYS.includes(k)).forEach(k => exemptions.add(k === 'aws:PrincipalIsAWSService' ? 'AWS services' : 'services acting for a caller'));
    asList<unknown>(condition.ArnNotLike?.['aws:PrincipalArn']).map(show).forEach(a => (byRole ? principals : exemptions).add(a));
    asList<unknown>(condition.StringNotLike?.['aws:userId']).map(show).forEach(a => principals.add(`userId ${a}`));
  }
  return {
    vpcEndpoints: collect('aws:SourceVpce'),
    vpcs: collect('aws:SourceVpc'),
    sourceIps: collect('aws:SourceIp'),
    principals: [...principals].sort(),
    exemptions: [...exemptions].sort(),
    statements: lines,
  };
}
