import {
  asList, BucketContext, BucketRule, cannotVerify, containsIntrinsic, fail, isIntrinsic, NOT_APPLICABLE, PASS,
} from '../model';

/** The bucket's default encryption rule (the first server-side encryption configuration). */
function sseDefault(ctx: BucketContext): any {
  return ctx.bucket.properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
}

/** Every statement of every policy attached to the bucket. */
function statements(ctx: BucketContext): any[] {
  return ctx.policies.flatMap(p => asList<any>(p.properties?.PolicyDocument?.Statement));
}

/**
 * Whether a policy `Resource` value covers the bucket ARN (`bucket`) or every object (`objects`):
 * `*`, the bucket's ARN as a literal (`arn:aws:s3:::name`) or as a reference to its logical id
 * (`Fn::GetAtt`, `Fn::Join`, `Fn::Sub`), with `/*` for the objects.
 */
function covers(resources: unknown, ctx: BucketContext, what: 'bucket' | 'objects'): boolean {
  const id = ctx.bucket.logicalId;
  const name = ctx.bucket.properties?.BucketName;
  return asList<unknown>(resources).some(r => {
    if (r === '*') { return true; }
    const json = JSON.stringify(r);
    const mentions = json.includes(id) || (typeof name === 'string' && json.includes(`:::${name}`));
    if (!mentions) { return false; }
    return what === 'objects' ? json.includes('/*"') : !json.includes('/');
  });
}

function actionsCoverAll(actions: unknown): boolean {
  return asList<string>(actions as any).some(a => a === '*' || a === 's3:*');
}

const CONTROL_KMS = ['Security Hub S3.17', 'cdk-nag NIST.800.53.R5-S3DefaultEncryptionKMS', 'Control Tower CT.S3.PR.10'];

export const BUCKET_RULES: BucketRule[] = [
  {
    id: 'SB-S3-1',
    target: 'bucket',
    appliesTo: 'data',
    cause: 'The bucket is not encrypted by default with a customer-managed KMS key (SSE-KMS).',
    explanation: 'SSE-KMS with your own key lets you control, audit and revoke access to the data independently of S3 permissions. '
      + 'Set BucketEncryption to aws:kms with KMSMasterKeyID pointing at a customer-managed key (SecureBucket does this by default).',
    controls: CONTROL_KMS,
    check: ctx => {
      const sse = sseDefault(ctx)?.ServerSideEncryptionByDefault;
      if (!sse) { return fail('no default encryption configuration (S3 applies SSE-S3)'); }
      if (isIntrinsic(sse.SSEAlgorithm)) { return cannotVerify('the encryption algorithm is not known at synth'); }
      if (sse.SSEAlgorithm !== 'aws:kms' && sse.SSEAlgorithm !== 'aws:kms:dsse') { return fail(`default encryption is ${sse.SSEAlgorithm}`); }
      const key = sse.KMSMasterKeyID;
      if (key === undefined) { return fail('aws:kms without KMSMasterKeyID uses the AWS-managed key aws/s3'); }
      if (typeof key === 'string') {
        return /alias\/aws\//.test(key) ? fail(`the key ${key} is AWS-managed`) : PASS;
      }
      if (ctx.key) { return PASS; }
      return cannotVerify('the key is a reference to a resource outside this stack; whether it is customer-managed cannot be verified');
    },
  },
  {
    id: 'SB-S3-2',
    target: 'bucket',
    appliesTo: 'data',
    cause: 'The bucket uses SSE-KMS without an S3 Bucket Key.',
    explanation: 'Without a Bucket Key every object operation calls KMS: up to 99% more KMS requests, cost and throttling. Set BucketKeyEnabled: true.',
    controls: ['AWS Well-Architected COST'],
    check: ctx => {
      const sse = sseDefault(ctx);
      const algorithm = sse?.ServerSideEncryptionByDefault?.SSEAlgorithm;
      if (typeof algorithm !== 'string' || !algorithm.startsWith('aws:kms')) { return NOT_APPLICABLE; }
      if (isIntrinsic(sse.BucketKeyEnabled)) { return cannotVerify('BucketKeyEnabled is not known at synth'); }
      return sse.BucketKeyEnabled === true ? PASS : fail('BucketKeyEnabled is not true');
    },
  },
  {
    id: 'SB-S3-3',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'Versioning is not enabled.',
    explanation: 'Versioning keeps overwritten and deleted objects recoverable, and is required for replication and Object Lock. '
      + 'Set VersioningConfiguration.Status to Enabled.',
    controls: ['Security Hub S3.14', 'cdk-nag NIST.800.53.R5-S3BucketVersioningEnabled', 'Control Tower CT.S3.PR.11'],
    check: ctx => {
      const status = ctx.bucket.properties?.VersioningConfiguration?.Status;
      if (isIntrinsic(status)) { return cannotVerify('the versioning status is not known at synth'); }
      return status === 'Enabled' ? PASS : fail(`versioning is ${status ?? 'not configured'}`);
    },
  },
  {
    id: 'SB-S3-4',
    target: 'bucket',
    appliesTo: 'data',
    cause: 'Server access logging is not enabled.',
    explanation: 'Server access logs record every request to the bucket for audits and incident response. '
      + 'Set LoggingConfiguration.DestinationBucketName to an SSE-S3 log bucket (SecureBucket uses an AccessLogsBucket).',
    controls: ['Security Hub S3.9', 'cdk-nag AwsSolutions-S1', 'Control Tower CT.S3.PR.2'],
    check: ctx => {
      const logging = ctx.bucket.properties?.LoggingConfiguration;
      if (logging === undefined) { return fail('no LoggingConfiguration'); }
      return logging.DestinationBucketName === undefined ? fail('LoggingConfiguration has no DestinationBucketName') : PASS;
    },
  },
  {
    id: 'SB-S3-5',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'Not all four public access block settings are on.',
    explanation: 'BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets together stop the bucket from being made public '
      + 'by an ACL or a policy. Set all four to true.',
    controls: ['Security Hub S3.8', 'CIS 2.1.4', 'cdk-nag NIST.800.53.R5-S3BucketLevelPublicAccessProhibited', 'Control Tower CT.S3.PR.1'],
    check: ctx => {
      const pab = ctx.bucket.properties?.PublicAccessBlockConfiguration;
      if (pab === undefined) { return fail('no PublicAccessBlockConfiguration'); }
      const settings = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];
      if (settings.some(s => isIntrinsic(pab[s]))) { return cannotVerify('a public access block setting is not known at synth'); }
      const off = settings.filter(s => pab[s] !== true);
      return off.length === 0 ? PASS : fail(`${off.join(', ')} ${off.length === 1 ? 'is' : 'are'} not true`);
    },
  },
  {
    id: 'SB-S3-6',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'ACLs are not disabled: object ownership is not BucketOwnerEnforced, or an ACL is set.',
    explanation: 'With BucketOwnerEnforced, ACLs are ignored and cannot grant access; IAM and bucket policies alone decide. '
      + 'Set OwnershipControls to BucketOwnerEnforced and remove AccessControl.',
    controls: ['Security Hub S3.12', 'cdk-nag AwsSolutions-S2', 'Control Tower CT.S3.PR.5'],
    check: ctx => {
      const p = ctx.bucket.properties ?? {};
      if (p.AccessControl !== undefined) { return fail(`AccessControl is ${JSON.stringify(p.AccessControl)}`); }
      const rules = asList<any>(p.OwnershipControls?.Rules);
      if (rules.some(r => isIntrinsic(r?.ObjectOwnership))) { return cannotVerify('object ownership is not known at synth'); }
      return rules.length > 0 && rules.every(r => r?.ObjectOwnership === 'BucketOwnerEnforced')
        ? PASS : fail(`object ownership is ${rules.map(r => r?.ObjectOwnership).join(', ') || 'not set (ObjectWriter for existing templates)'}`);
    },
  },
  {
    id: 'SB-S3-7',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy does not deny requests without TLS on both the bucket and its objects.',
    explanation: 'A Deny of s3:* on the bucket ARN and bucket/* when aws:SecureTransport is false keeps data and credentials off plain HTTP.',
    controls: ['Security Hub S3.5', 'CIS 2.1.1', 'cdk-nag AwsSolutions-S10', 'Control Tower CT.S3.PR.8'],
    check: ctx => {
      const denies = statements(ctx).filter(s => s?.Effect === 'Deny' && actionsCoverAll(s.Action) && isAnyPrincipal(s.Principal)
        && String(s?.Condition?.Bool?.['aws:SecureTransport']) === 'false');
      if (denies.length === 0) { return fail('no Deny of s3:* when aws:SecureTransport is false'); }
      const bucket = denies.some(s => covers(s.Resource, ctx, 'bucket'));
      const objects = denies.some(s => covers(s.Resource, ctx, 'objects'));
      if (bucket && objects) { return PASS; }
      return fail(`the TLS Deny does not cover ${bucket ? 'the objects (bucket/*)' : objects ? 'the bucket ARN' : 'the bucket or its objects'}`);
    },
  },
  {
    id: 'SB-S3-8',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy does not deny TLS versions below 1.2.',
    explanation: 'A Deny of s3:* when NumericLessThan s3:TlsVersion 1.2 (or 1.3) on the bucket and its objects refuses outdated TLS.',
    controls: ['Security Hub S3.5 (related)', 'AWS TLS 1.2 minimum (2024)'],
    check: ctx => {
      const versions = statements(ctx)
        .filter(s => s?.Effect === 'Deny' && actionsCoverAll(s.Action) && isAnyPrincipal(s.Principal))
        .filter(s => covers(s.Resource, ctx, 'bucket') && covers(s.Resource, ctx, 'objects'))
        .map(s => s?.Condition?.NumericLessThan?.['s3:TlsVersion'])
        .filter(v => v !== undefined);
      if (versions.length === 0) { return fail('no Deny with NumericLessThan s3:TlsVersion'); }
      if (versions.some(v => containsIntrinsic(v))) { return cannotVerify('the minimum TLS version is not known at synth'); }
      const best = Math.max(...versions.map(Number));
      return best >= 1.2 ? PASS : fail(`the minimum TLS version is ${best}`);
    },
  },
  {
    id: 'SB-S3-9',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'No lifecycle rule aborts incomplete multipart uploads.',
    explanation: 'Parts of abandoned multipart uploads are stored and billed forever, invisible in listings. Add an enabled rule with '
      + 'AbortIncompleteMultipartUpload (SecureBucket uses 7 days).',
    controls: ['Security Hub S3.13', 'Control Tower CT.S3.PR.6', 'checkov CKV_AWS_300'],
    check: ctx => {
      const rules = asList<any>(ctx.bucket.properties?.LifecycleConfiguration?.Rules);
      const aborting = rules.filter(r => r?.Status === 'Enabled' && r?.AbortIncompleteMultipartUpload !== undefined && !hasFilter(r));
      return aborting.length > 0 ? PASS : fail('no enabled, unfiltered rule with AbortIncompleteMultipartUpload');
    },
  },
  {
    id: 'SB-S3-10',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'Noncurrent object versions never expire.',
    explanation: 'With versioning, every overwrite and delete keeps a noncurrent version; without NoncurrentVersionExpiration they '
      + 'accumulate and are billed forever. Add an enabled rule with NoncurrentVersionExpiration (SecureBucket uses 90 days).',
    controls: ['Security Hub S3.13', 'Control Tower CT.S3.PR.3'],
    check: ctx => {
      if (ctx.bucket.properties?.VersioningConfiguration?.Status !== 'Enabled') { return NOT_APPLICABLE; }
      const rules = asList<any>(ctx.bucket.properties?.LifecycleConfiguration?.Rules);
      const expiring = rules.filter(r => r?.Status === 'Enabled' && !hasFilter(r)
        && (r?.NoncurrentVersionExpiration !== undefined || r?.NoncurrentVersionExpirationInDays !== undefined));
      return expiring.length > 0 ? PASS : fail('no enabled, unfiltered rule with NoncurrentVersionExpiration');
    },
  },
  {
    id: 'SB-S3-11',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket is deleted with its stack (DeletionPolicy is not Retain).',
    explanation: 'A bucket deleted by a stack update or deletion takes its data with it. Keep DeletionPolicy: Retain (RemovalPolicy.RETAIN), '
      + 'and acknowledge this rule on buckets that are meant to be disposable.',
    controls: ['AWS Well-Architected REL09'],
    check: ctx => (ctx.bucket.deletionPolicy === 'Retain' || ctx.bucket.deletionPolicy === 'RetainExceptOnCreate'
      ? PASS : fail(`DeletionPolicy is ${ctx.bucket.deletionPolicy ?? 'Delete (the default)'}`)),
  },
  {
    id: 'SB-S3-12',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy allows anyone ("*") without a condition that restricts who or from where.',
    explanation: 'An Allow to Principal "*" makes the bucket public unless a condition such as aws:SourceArn, aws:SourceAccount, '
      + 'aws:PrincipalOrgID, aws:SourceVpce or aws:SourceIp narrows it. Grant named principals instead.',
    controls: ['Security Hub S3.2', 'Security Hub S3.3', 'cdk-nag NIST.800.53.R5-S3BucketPublicReadProhibited'],
    check: ctx => {
      const open = statements(ctx).filter(s => s?.Effect === 'Allow' && isAnyPrincipal(s.Principal) && !restrictsCaller(s.Condition));
      return open.length === 0 ? PASS : fail(`${open.length} statement(s) allow "*" without a restricting condition (${open.map(sidOf).join(', ')})`);
    },
  },
  {
    id: 'SB-S3-13',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy uses NotPrincipal.',
    explanation: 'NotPrincipal with Deny also denies the roles it seems to exempt once they are assumed (session ARNs differ), and with '
      + 'Allow grants everyone else. Use a Deny with an aws:PrincipalArn condition instead.',
    controls: ['AWS IAM best practice'],
    check: ctx => {
      const bad = statements(ctx).filter(s => s?.NotPrincipal !== undefined);
      return bad.length === 0 ? PASS : fail(`${bad.length} statement(s) use NotPrincipal (${bad.map(sidOf).join(', ')})`);
    },
  },
  {
    id: 'SB-S3-14',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'The bucket policy allows a principal of another AWS account that is not on the trusted-accounts list.',
    explanation: 'Cross-account access should be deliberate: list the account in the Aspect\'s trustedAccounts, or remove the grant.',
    controls: ['Security Hub S3.6'],
    check: ctx => {
      const allows = statements(ctx).filter(s => s?.Effect === 'Allow');
      const accounts = allows.flatMap(s => asList<unknown>(s?.Principal?.AWS)).map(principalAccount);
      if (accounts.some(a => a === undefined)) {
        if (ctx.account === undefined) { return cannotVerify('a principal\'s account is not known at synth'); }
      }
      const foreign = [...new Set(accounts.filter((a): a is string => typeof a === 'string'
        && a !== ctx.account && a !== 'self' && !ctx.trustedAccounts.includes(a)))];
      if (ctx.account === undefined && foreign.length > 0) {
        return cannotVerify(`the bucket's account is not known at synth, and its policy names account(s) ${foreign.join(', ')}`);
      }
      return foreign.length === 0 ? PASS : fail(`principals of account(s) ${foreign.join(', ')} are allowed`);
    },
  },
  {
    id: 'SB-S3-15',
    target: 'bucket',
    appliesTo: 'any',
    cause: 'More than one AWS::S3::BucketPolicy is attached to the bucket.',
    explanation: 'Only one bucket policy takes effect per bucket: the last one deployed replaces the others, silently dropping their statements. '
      + 'Add statements to the bucket\'s own policy (bucket.addToResourcePolicy).',
    controls: ['AWS CloudFormation AWS::S3::BucketPolicy'],
    check: ctx => (ctx.policies.length <= 1 ? PASS : fail(`${ctx.policies.length} bucket policies: ${ctx.policies.map(p => p.logicalId).join(', ')}`)),
  },
  {
    id: 'SB-S3-16',
    target: 'bucket',
    appliesTo: 'log',
    cause: 'A server access log target does not meet AWS\'s constraints: SSE-S3 default encryption and no Object Lock default retention.',
    explanation: 'AWS does not deliver server access logs to a bucket with SSE-KMS default encryption or with an Object Lock default '
      + 'retention period. Use SSE-S3 (AES256) and no default retention on log targets (AccessLogsBucket does).',
    controls: ['Amazon S3 server access logging requirements'],
    check: ctx => {
      const algorithm = sseDefault(ctx)?.ServerSideEncryptionByDefault?.SSEAlgorithm;
      if (isIntrinsic(algorithm)) { return cannotVerify('the encryption algorithm is not known at synth'); }
      if (typeof algorithm === 'string' && algorithm.startsWith('aws:kms')) { return fail(`default encryption is ${algorithm}`); }
      if (ctx.bucket.properties?.ObjectLockConfiguration?.Rule?.DefaultRetention !== undefined) {
        return fail('Object Lock has a default retention');
      }
      return PASS;
    },
  },
];

function hasFilter(rule: any): boolean {
  return rule?.Prefix !== undefined && rule.Prefix !== '' || rule?.TagFilters !== undefined
    || rule?.ObjectSizeGreaterThan !== undefined || rule?.ObjectSizeLessThan !== undefined;
}

function isAnyPrincipal(principal: any): boolean {
  return principal === '*' || asList(principal?.AWS).includes('*');
}

const RESTRICTING_KEYS = ['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceowner', 'aws:principalorgid', 'aws:principalaccount',
  'aws:principalarn', 'aws:sourcevpce', 'aws:sourcevpc', 'aws:sourceip', 'aws:userid', 'aws:principalorgpaths'];

function restrictsCaller(condition: any): boolean {
  return Object.entries<any>(condition ?? {}).some(([operator, keys]) => !/^Not|Not(Equals|Like)|NotIpAddress/.test(operator)
    && Object.keys(keys ?? {}).some(k => RESTRICTING_KEYS.includes(k.toLowerCase())));
}

function sidOf(statement: any): string {
  return typeof statement?.Sid === 'string' ? statement.Sid : 'statement without Sid';
}

/**
 * The account of a principal: a 12-digit id, `self` for the bucket's own account expressed as
 * `Ref AWS::AccountId`, or undefined when it is not known at synth.
 */
function principalAccount(principal: unknown): string | undefined {
  if (typeof principal === 'string') {
    if (principal === '*') { return 'self'; } // judged by SB-S3-12
    const m = /^(?:arn:[^:]+:iam::)?(\d{12})(?::|$)/.exec(principal);
    return m ? m[1] : undefined;
  }
  const json = JSON.stringify(principal);
  if (json.includes('"AWS::AccountId"')) { return 'self'; }
  const m = /iam::(\d{12}):/.exec(json);
  return m ? m[1] : undefined;
}

