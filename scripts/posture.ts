/**
 * Prints what a synthesized cloud assembly holds: stacks, buckets, and each bucket's security
 * posture (encryption, key, versioning, log target, public access, TLS, lifecycle), read from
 * the CloudFormation templates themselves.
 *
 *   ts-node --project test/tsconfig.json scripts/posture.ts <cloud-assembly-dir>
 */
import * as fs from 'fs';
import * as path from 'path';

type Template = { Resources?: Record<string, { Type: string; Properties?: any; DeletionPolicy?: string }> };

export interface BucketPosture {
  readonly stack: string;
  readonly logicalId: string;
  readonly encryption: string;
  readonly key: string;
  readonly bucketKey: boolean;
  readonly versioning: boolean;
  readonly logTarget: string;
  readonly publicAccessBlocked: boolean;
  readonly aclsDisabled: boolean;
  readonly tls: string;
  readonly lifecycle: string;
  readonly deletionPolicy: string;
  readonly access: string;
}

const RESTRICTION_KEYS: Record<string, string> = {
  'aws:SourceVpce': 'VPC endpoint',
  'aws:SourceVpc': 'VPC',
  'aws:SourceIp': 'source IP',
  'aws:PrincipalArn': 'principal',
  'aws:userId': 'role id',
};

/** Who may use the bucket, read from its Deny statements: "A or B" within a statement, "and" between. */
function accessSummary(denies: any[]): string {
  const parts: string[] = [];
  for (const s of denies) {
    const actions: string[] = [].concat(s.Action ?? []);
    if (actions.includes('s3:PutBucketPolicy') && !actions.includes('s3:*')) {
      parts.push('admin-only changes');
      continue;
    }
    if (!actions.includes('s3:*')) { continue; }
    const keys = Object.values<any>(s.Condition ?? {}).flatMap(op => Object.keys(op));
    const labels = [...new Set(keys.map(k => RESTRICTION_KEYS[k]).filter(Boolean))];
    // A principal list alone is only the lock-out exemptions of another condition.
    const real = labels.filter(l => l !== 'principal' || !keys.some(k => ['aws:SourceVpce', 'aws:SourceVpc', 'aws:SourceIp', 'aws:userId'].includes(k)));
    if (real.length > 0) { parts.push(real.join(' or ')); }
  }
  return parts.length > 0 ? parts.join(' and ') : 'IAM only';
}

/** Reads every template of a cloud assembly (and of nested assemblies such as Stages). */
export function readTemplates(assemblyDir: string): { stack: string; template: Template }[] {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`No cloud assembly at ${assemblyDir}: manifest.json is missing. Synthesize the app first (cdk synth, or npx projen example).`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const result: { stack: string; template: Template }[] = [];
  for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const file = path.join(assemblyDir, artifact.properties.templateFile);
      result.push({ stack: artifact.displayName ?? name, template: JSON.parse(fs.readFileSync(file, 'utf8')) });
    } else if (artifact.type === 'cdk:cloud-assembly') {
      result.push(...readTemplates(path.join(assemblyDir, artifact.properties.directoryName)));
    }
  }
  return result;
}

function refName(value: unknown): string {
  if (typeof value === 'string') { return value; }
  const v = value as any;
  if (v?.Ref) { return v.Ref; }
  if (v?.['Fn::GetAtt']) { return v['Fn::GetAtt'][0]; }
  if (v?.['Fn::ImportValue']) { return 'imported'; }
  return JSON.stringify(value);
}

function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value ?? null).includes(`"${logicalId}"`);
}

/** The posture of every bucket in a template. */
export function bucketPostures(stack: string, template: Template): BucketPosture[] {
  const resources = template.Resources ?? {};
  const policies = Object.values(resources).filter(r => r.Type === 'AWS::S3::BucketPolicy');
  return Object.entries(resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([logicalId, r]) => {
    const p = r.Properties ?? {};
    const sse = p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
    const algorithm = sse?.ServerSideEncryptionByDefault?.SSEAlgorithm;
    const keyId = sse?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    const pab = p.PublicAccessBlockConfiguration ?? {};
    const statements: any[] = policies
      .filter(pol => refersTo(pol.Properties?.Bucket, logicalId))
      .flatMap(pol => pol.Properties?.PolicyDocument?.Statement ?? []);
    const denies = statements.filter(s => s.Effect === 'Deny');
    const tlsOnly = denies.some(s => s.Condition?.Bool?.['aws:SecureTransport'] === 'false' || s.Condition?.Bool?.['aws:SecureTransport'] === false);
    const minTls = denies.map(s => s.Condition?.NumericLessThan?.['s3:TlsVersion']).find(v => v !== undefined);
    const rules: any[] = p.LifecycleConfiguration?.Rules ?? [];
    const lifecycle = rules.map(rule => {
      const parts: string[] = [];
      if (rule.AbortIncompleteMultipartUpload) { parts.push(`abort MPU ${rule.AbortIncompleteMultipartUpload.DaysAfterInitiation}d`); }
      if (rule.NoncurrentVersionExpiration) {
        const keep = rule.NoncurrentVersionExpiration.NewerNoncurrentVersions;
        parts.push(`noncurrent ${rule.NoncurrentVersionExpiration.NoncurrentDays}d${keep ? ` (keep ${keep})` : ''}`);
      }
      if (rule.ExpirationInDays) { parts.push(`expire ${rule.ExpirationInDays}d`); }
      if (rule.ExpiredObjectDeleteMarker) { parts.push('delete markers'); }
      for (const t of rule.Transitions ?? []) { parts.push(`${t.StorageClass} ${t.TransitionInDays}d`); }
      return parts.join(', ');
    }).filter(Boolean).join('; ');
    return {
      stack,
      logicalId,
      encryption: algorithm === 'aws:kms' ? (keyId ? 'SSE-KMS' : 'SSE-KMS (aws/s3)') : algorithm === 'AES256' ? 'SSE-S3' : (algorithm ?? 'none'),
      key: keyId ? refName(keyId) : '-',
      bucketKey: sse?.BucketKeyEnabled === true,
      versioning: p.VersioningConfiguration?.Status === 'Enabled',
      logTarget: p.LoggingConfiguration ? refName(p.LoggingConfiguration.DestinationBucketName ?? 'itself') : 'none',
      publicAccessBlocked: ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].every(k => pab[k] === true),
      aclsDisabled: p.OwnershipControls?.Rules?.some((rule: any) => rule.ObjectOwnership === 'BucketOwnerEnforced') === true && p.AccessControl === undefined,
      tls: tlsOnly ? `TLS only${minTls !== undefined ? `, >= ${minTls}` : ''}` : 'not enforced',
      lifecycle: lifecycle || 'none',
      deletionPolicy: r.DeletionPolicy ?? 'Delete',
      access: accessSummary(denies),
    };
  });
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  return rows.map(r => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function main(): void {
  const dir = process.argv[2] ?? 'cdk.out';
  const templates = readTemplates(dir);
  const postures = templates.flatMap(t => bucketPostures(t.stack, t.template));
  console.log(`Cloud assembly: ${dir}`);
  console.log(`Stacks (${templates.length}): ${templates.map(t => `${t.stack} (${Object.keys(t.template.Resources ?? {}).length} resources)`).join(', ')}`);
  console.log(`Buckets (${postures.length}):\n`);
  const yes = (b: boolean) => (b ? 'yes' : 'NO');
  console.log(table([
    ['stack', 'bucket', 'encryption', 'key', 'bucket key', 'versioned', 'logs to', 'public access blocked', 'ACLs off', 'TLS', 'on delete', 'access restricted to', 'lifecycle'],
    ...postures.map(p => [p.stack, p.logicalId, p.encryption, p.key, yes(p.bucketKey), yes(p.versioning), p.logTarget,
      yes(p.publicAccessBlocked), yes(p.aclsDisabled), p.tls, p.deletionPolicy, p.access, p.lifecycle]),
  ]));
}

if (require.main === module) {
  main();
}
