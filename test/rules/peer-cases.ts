/**
 * The cases of the differential test against cdk-nag (peer-differential.test.ts): for each cdk-nag S3 and
 * IAM rule with an equivalent rule here, one case per scenario of cdk-nag's own rule tests (its Compliance
 * and Noncompliance cases, each bucket of a Compliance case on its own), and the extra cases the mapping
 * needs. The scenarios are cdk-nag's; the code that builds them is ours.
 */
import { CfnParameter, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagRuleResult, rules } from 'cdk-nag';
import { EvaluationOptionsInput } from '../../src/rules/evaluation';

/** A cdk-nag rule and the rules here that together judge what it judges. */
export interface PeerRule {
  /** The rule function, called on every L1 resource of a case's stack. */
  readonly check: (node: CfnResource) => NagRuleResult;
  /** Our rules: the case is non-compliant for us when any of them is. */
  readonly ours: string[];
  /** Why these rules: what both sides read. */
  readonly why: string;
}

/**
 * cdk-nag rule -> our rules, from reading both rules' code. cdk-nag's other S3 and IAM rules have no
 * equivalent here (`UNMAPPED`).
 */
export const PEER_RULES = {
  S3BucketLevelPublicAccessProhibited: {
    check: rules.s3.S3BucketLevelPublicAccessProhibited,
    ours: ['SB-S3-5'],
    why: 'both read the four public access block settings; both accept a bucket that does not declare them (SB-S3-5 with an advisory)',
  },
  S3BucketPublicReadProhibited: {
    check: rules.s3.S3BucketPublicReadProhibited,
    ours: ['SB-S3-5', 'SB-S3-6'],
    why: 'it reads BlockPublicPolicy, and the canned ACL with BlockPublicAcls: the public access block (SB-S3-5) and ACLs (SB-S3-6)',
  },
  S3BucketPublicWriteProhibited: {
    check: rules.s3.S3BucketPublicWriteProhibited,
    ours: ['SB-S3-5', 'SB-S3-6'],
    why: 'as S3BucketPublicReadProhibited, for the canned ACL PublicReadWrite only',
  },
  S3BucketLoggingEnabled: {
    check: rules.s3.S3BucketLoggingEnabled,
    ours: ['SB-S3-4'],
    why: 'both read LoggingConfiguration, and neither judges a bucket another bucket logs to (SB-S3-4 applies to data buckets)',
  },
  S3BucketVersioningEnabled: {
    check: rules.s3.S3BucketVersioningEnabled,
    ours: ['SB-S3-3'],
    why: 'both read VersioningConfiguration.Status',
  },
  S3DefaultEncryptionKMS: {
    check: rules.s3.S3DefaultEncryptionKMS,
    ours: ['SB-S3-1'],
    why: 'both read the default encryption algorithm; SB-S3-1 also reads the key',
  },
  S3BucketSSLRequestsOnly: {
    check: rules.s3.S3BucketSSLRequestsOnly,
    ours: ['SB-S3-7'],
    why: 'both look for a Deny of s3:* to everyone on the bucket and its objects when aws:SecureTransport is false',
  },
  IAMPolicyNoStatementsWithAdminAccess: {
    check: rules.iam.IAMPolicyNoStatementsWithAdminAccess,
    ours: ['SB-IAM-1'],
    why: 'an Allow of "*" on "*" grants bucket administration, which SB-IAM-1 reads',
  },
  IAMPolicyNoStatementsWithFullAccess: {
    check: rules.iam.IAMPolicyNoStatementsWithFullAccess,
    ours: ['SB-IAM-1'],
    why: 'an Allow of "*" or "s3:*" grants bucket administration, which SB-IAM-1 reads (other services\' wildcards it does not)',
  },
} satisfies Record<string, PeerRule>;

export type PeerRuleName = keyof typeof PEER_RULES;

/** cdk-nag's S3 and IAM rules without an equivalent rule here, and why. */
export const UNMAPPED: Record<string, string> = {
  S3BucketDefaultLockEnabled: 'Object Lock is an option of SecureBucket, not a rule',
  S3BucketReplicationEnabled: 'replication is an option of SecureBucket, not a rule',
  S3WebBucketOAIAccess: 'website buckets and CloudFront OAIs are not judged here; SB-S3-12 judges an Allow to everyone',
  IAMNoWildcardPermissions: 'any wildcard action or resource (s3:PutObject on bucket/* too); SB-IAM-1 reads bucket administration only',
  IAMNoInlinePolicy: 'how policies are attached, not what they grant',
  IAMNoManagedPolicies: 'how policies are attached, not what they grant',
  IAMUserNoPolicies: 'how policies are attached, not what they grant',
  IAMUserGroupMembership: 'group membership',
  IAMGroupHasUsers: 'group membership',
};

/** One scenario: a stack, and the rule pair that judges it. */
export interface PeerCase {
  readonly peer: PeerRuleName;
  /** cdk-nag's test case it reproduces ("Noncompliance 2", "Compliance (...)"), or "Extra: ..." */
  readonly scenario: string;
  readonly build: (stack: Stack) => void;
  /** Options of our evaluation (the Aspect's). */
  readonly options?: EvaluationOptionsInput;
}

/** How a case is named in the table of differences. */
export function caseName(c: PeerCase): string {
  return `${c.peer}: ${c.scenario}`;
}

type Build = (stack: Stack) => void;

/** The cases of one cdk-nag rule: [scenario, build, options?]. */
function casesOf(peer: PeerRuleName, list: [string, Build, EvaluationOptionsInput?][]): PeerCase[] {
  return list.map(([scenario, build, options]) => ({ peer, scenario, build, options }));
}

// ---------------------------------------------------------------------------------------------------------
// Builders

type Pab = [blockPublicAcls: boolean, ignorePublicAcls: boolean, blockPublicPolicy: boolean, restrictPublicBuckets: boolean];
const POLICY_ONLY: Pab = [false, false, true, false];
const POLICY_AND_ACLS: Pab = [true, false, true, false];

/** An L2 bucket with some public access block settings and a canned ACL. */
function aclBucket(pab: Pab | undefined, accessControl?: s3.BucketAccessControl): Build {
  return stack => {
    const [blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets] = pab ?? [];
    const blockPublicAccess = pab && new s3.BlockPublicAccess({ blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets });
    new s3.Bucket(stack, 'Data', { blockPublicAccess, accessControl });
  };
}

/** An L1 bucket with `props`. */
const l1Bucket = (props: s3.CfnBucketProps): Build => stack => { new s3.CfnBucket(stack, 'Data', props); };

/** An L1 bucket whose default encryption is `byDefault`. */
const encryptedWith = (byDefault?: s3.CfnBucket.ServerSideEncryptionByDefaultProperty) =>
  l1Bucket({ bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: byDefault }] } });

/** An L1 bucket encrypted with aws:kms (or `algorithm`) under a rotating key of the stack, with `props`. */
function stackKeyBucket(algorithm: string, props: s3.CfnBucketProps = {}): Build {
  return stack => {
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const byDefault = { sseAlgorithm: algorithm, kmsMasterKeyId: key.keyArn };
    l1Bucket({ ...props, bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: byDefault }] } })(stack);
  };
}

/** An L1 bucket policy on `bucket` (a name or a reference) with the given statements. */
function policyOn(stack: Stack, id: string, bucket: string, ...statements: object[]): s3.CfnBucketPolicy {
  return new s3.CfnBucketPolicy(stack, id, { bucket, policyDocument: { Version: '2012-10-17', Statement: statements } });
}

const arnOf = (name: string) => `arn:aws:s3:::${name}`;

/** A Deny of every S3 action to everyone without TLS on `resources`, with `changes` made to it. */
function plainHttpDeny(resources: unknown, changes: object = {}): object {
  return {
    Sid: 'RefusePlainHttp',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: resources,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    ...changes,
  };
}

/** A bucket named `name` and a policy on that name holding `statements`. */
function namedBucketWithPolicy(name: string, ...statements: object[]): Build {
  return stack => {
    new s3.CfnBucket(stack, 'Data', { bucketName: name });
    policyOn(stack, 'DataPolicy', name, ...statements);
  };
}

/** A policy, alone in the app, on the bucket `name` (outside the app), holding `statements`. */
const outsidePolicy = (name: string, ...statements: object[]): Build => stack => { policyOn(stack, 'OtherPolicy', name, ...statements); };

/** The TLS Deny of the bucket `alpha` on `resources`, with `changes`. */
const alphaDeny = (resources: unknown, changes: object = {}) => namedBucketWithPolicy('alpha', plainHttpDeny(resources, changes));
const ALPHA = [arnOf('alpha'), arnOf('alpha/*')];

/** An Allow of `actions` on `resources`. */
function allow(actions: string | string[], resources: string | string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ effect: iam.Effect.ALLOW, actions: [actions].flat(), resources: [resources].flat() });
}

/** A customer-managed policy attached to nothing, with `statements`; with `group`, a group without policies beside it. */
function unattachedPolicy(statements: iam.PolicyStatement[], group = false): Build {
  return stack => {
    if (group) { new iam.Group(stack, 'Team'); }
    new iam.ManagedPolicy(stack, 'Unattached', { statements });
  };
}

/** A role (name generated, so on no allow-list) whose default policy holds `statements`. */
function roleWith(...statements: iam.PolicyStatement[]): Build {
  return stack => {
    const role = new iam.Role(stack, 'Worker', { assumedBy: new iam.AccountRootPrincipal() });
    statements.forEach(s => role.addToPolicy(s));
  };
}

/** A role named BucketAdmin (on the administrators allow-list of `ADMINS`) with an inline policy holding `statements`. */
function adminRoleWith(...statements: iam.PolicyStatement[]): Build {
  return stack => {
    new iam.Role(stack, 'Admin', {
      roleName: 'BucketAdmin',
      assumedBy: new iam.AccountRootPrincipal(),
      inlinePolicies: { admin: new iam.PolicyDocument({ statements }) },
    });
  };
}
const ADMINS: EvaluationOptionsInput = { administratorArns: ['BucketAdmin'] };
const EVERYTHING = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const BUCKET_ARN = 'arn:aws:s3:::foxtrot';

// ---------------------------------------------------------------------------------------------------------
// Cases

const PUBLIC_ACCESS_BLOCK = casesOf('S3BucketLevelPublicAccessProhibited', [
  ['Noncompliance 1 (L2, only BlockPublicPolicy true)', aclBucket(POLICY_ONLY)],
  ['Noncompliance 2 (L2, only BlockPublicAcls set)', stack => { new s3.Bucket(stack, 'Data', { blockPublicAccess: new s3.BlockPublicAccess({ blockPublicAcls: true }) }); }],
  ['Noncompliance 3 (L1, only BlockPublicAcls set)', l1Bucket({ publicAccessBlockConfiguration: { blockPublicAcls: true } })],
  ['Compliance (L2 without blockPublicAccess)', aclBucket(undefined)],
  ['Compliance (L2, all four true)', aclBucket([true, true, true, true])],
  ['Extra: an empty PublicAccessBlockConfiguration', l1Bucket({ publicAccessBlockConfiguration: {} })],
  ['Extra: BlockPublicPolicy from a parameter', stack => {
    const flag = new CfnParameter(stack, 'BlockPolicy', { type: 'String', allowedValues: ['true', 'false'] });
    const others = { blockPublicAcls: true, ignorePublicAcls: true, restrictPublicBuckets: true };
    l1Bucket({ publicAccessBlockConfiguration: { ...others, blockPublicPolicy: flag.value } })(stack);
  }],
]);

/** The scenarios of cdk-nag's tests of S3BucketPublicReadProhibited and S3BucketPublicWriteProhibited, with `acl` the ACL each is about. */
function publicAclCases(peer: 'S3BucketPublicReadProhibited' | 'S3BucketPublicWriteProhibited', acl: s3.BucketAccessControl): PeerCase[] {
  return casesOf(peer, [
    ['Noncompliance 1 (L2 without blockPublicAccess)', aclBucket(undefined)],
    [`Noncompliance 2 (only BlockPublicPolicy, ACL ${acl})`, aclBucket(POLICY_ONLY, acl)],
    [`Compliance (BlockPublicPolicy and BlockPublicAcls, ACL ${acl})`, aclBucket(POLICY_AND_ACLS, acl)],
    ['Compliance (only BlockPublicPolicy, ACL Private)', aclBucket(POLICY_ONLY, s3.BucketAccessControl.PRIVATE)],
    ['Compliance (BlockPublicPolicy and BlockPublicAcls, no ACL)', aclBucket(POLICY_AND_ACLS)],
  ]);
}

const PUBLIC_READ_WRITE = [
  ...publicAclCases('S3BucketPublicReadProhibited', s3.BucketAccessControl.PUBLIC_READ),
  ...casesOf('S3BucketPublicReadProhibited', [
    ['Extra: all four settings, BucketOwnerEnforced, ACL Private', stack => {
      new s3.Bucket(stack, 'Data', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        accessControl: s3.BucketAccessControl.PRIVATE,
      });
    }],
    ['Extra: only BlockPublicPolicy, ACL AuthenticatedRead', aclBucket(POLICY_ONLY, s3.BucketAccessControl.AUTHENTICATED_READ)],
  ]),
  ...publicAclCases('S3BucketPublicWriteProhibited', s3.BucketAccessControl.PUBLIC_READ_WRITE),
];

const LOGGING = casesOf('S3BucketLoggingEnabled', [
  ['Noncompliance 1 (L2 without logging)', stack => { new s3.Bucket(stack, 'Data'); }],
  ['Noncompliance 2 (a named bucket nobody logs to, another logging to an unknown name)', stack => {
    new s3.Bucket(stack, 'Named', { bucketName: 'alpha-logs' });
    new s3.Bucket(stack, 'Data', { serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'Elsewhere', 'alpha-logs-archive') });
  }],
  ['Noncompliance 3 (L1, empty LoggingConfiguration)', l1Bucket({ loggingConfiguration: {} })],
  ['Compliance (logs to a bucket of the stack named by its name)', stack => {
    new s3.Bucket(stack, 'Logs', { bucketName: 'bravo-logs' });
    new s3.Bucket(stack, 'Data', { serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'LogsByName', 'bravo-logs') });
  }],
  ['Compliance (logs to an L2 bucket of the stack)', stack => { new s3.Bucket(stack, 'Data', { serverAccessLogsBucket: new s3.Bucket(stack, 'Logs') }); }],
  ['Extra: LogFilePrefix without DestinationBucketName', l1Bucket({ loggingConfiguration: { logFilePrefix: 'access/' } })],
  ['Extra: DestinationBucketName is the bucket itself', stack => {
    const bucket = new s3.CfnBucket(stack, 'Data');
    bucket.loggingConfiguration = { destinationBucketName: bucket.ref };
  }],
  ['Extra: a bucket whose policy grants log delivery, nothing in the stack logs to it', stack => {
    new s3.CfnBucket(stack, 'Logs', { bucketName: 'golf-logs' });
    policyOn(stack, 'LogsPolicy', 'golf-logs',
      { Sid: 'S3ServerAccessLogs', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: arnOf('golf-logs/*') });
  }],
  ['Extra: DestinationBucketName another bucket\'s name written with Fn::Sub and the account id',
    l1Bucket({ loggingConfiguration: { destinationBucketName: Fn.sub('archive-logs-${AWS::AccountId}') } })],
  ['Extra: DestinationBucketName from a parameter', stack => {
    l1Bucket({ loggingConfiguration: { destinationBucketName: new CfnParameter(stack, 'LogTarget', { type: 'String' }).valueAsString } })(stack);
  }],
]);

const VERSIONING = casesOf('S3BucketVersioningEnabled', [
  ['Noncompliance 1 (L2 not versioned)', stack => { new s3.Bucket(stack, 'Data'); }],
  ['Noncompliance 2 (L1, Suspended)', l1Bucket({ versioningConfiguration: { status: 'Suspended' } })],
  ['Compliance (L2 versioned)', stack => { new s3.Bucket(stack, 'Data', { versioned: true }); }],
  ['Extra: status from a parameter', stack => {
    const status = new CfnParameter(stack, 'Versioning', { type: 'String', allowedValues: ['Enabled', 'Suspended'] });
    l1Bucket({ versioningConfiguration: { status: status.valueAsString } })(stack);
  }],
]);

const ENCRYPTION = casesOf('S3DefaultEncryptionKMS', [
  ['Noncompliance 1 (L2 without encryption)', stack => { new s3.Bucket(stack, 'Data'); }],
  ['Noncompliance 2 (a rule without ServerSideEncryptionByDefault)', encryptedWith(undefined)],
  ['Noncompliance 3 (AES256)', encryptedWith({ sseAlgorithm: 'AES256' })],
  ['Compliance (L2, BucketEncryption.KMS: a new key)', stack => { new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.KMS }); }],
  ['Extra: L2, BucketEncryption.KMS_MANAGED (aws/s3)', stack => { new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.KMS_MANAGED }); }],
  ['Extra: aws:kms:dsse with a key of the stack', stackKeyBucket('aws:kms:dsse')],
  ['Extra: aws:kms with the literal ARN of a customer-managed key',
    encryptedWith({ sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' })],
  ['Extra: aws:kms with the ARN of a customer-managed key written with Fn::Sub', encryptedWith({
    sseAlgorithm: 'aws:kms',
    kmsMasterKeyId: Fn.sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
  })],
  ['Extra: aws:kms with the key from a parameter', stack => {
    encryptedWith({ sseAlgorithm: 'aws:kms', kmsMasterKeyId: new CfnParameter(stack, 'KeyArn', { type: 'String' }).valueAsString })(stack);
  }],
  ['Extra: an SSE-S3 log target of a KMS-encrypted bucket', stack => {
    const sseS3 = { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] };
    const logs = new s3.CfnBucket(stack, 'Logs', { bucketEncryption: sseS3 });
    stackKeyBucket('aws:kms', { loggingConfiguration: { destinationBucketName: logs.ref } })(stack);
  }],
]);

const TLS = casesOf('S3BucketSSLRequestsOnly', [
  ['Noncompliance 1 (L1 bucket without a policy)', l1Bucket({})],
  ['Noncompliance 2 (the Deny\'s action is not s3:*)', alphaDeny(ALPHA, { Action: ['nots3:*'] })],
  ['Noncompliance 3 (the objects of a bucket whose name extends this one\'s)', alphaDeny([arnOf('alpha'), arnOf('alphabet/*')])],
  ['Noncompliance 4 (the objects under a prefix only)', alphaDeny([arnOf('alpha'), arnOf('alpha/s/*')])],
  ['Noncompliance 5 (L2 bucket, the objects under a prefix of its ARN token)', stack => {
    const bucket = new s3.Bucket(stack, 'Data', { bucketName: 'alpha' });
    policyOn(stack, 'DataPolicy', 'alpha', plainHttpDeny([arnOf('alpha'), `${bucket.bucketArn}/reports/*`]));
  }],
  ['Noncompliance 6 (a bucket without a policy, and a policy on a bucket outside the app)', stack => {
    new s3.CfnBucket(stack, 'Data', { bucketName: 'alphas' });
    outsidePolicy('alpha', plainHttpDeny(ALPHA))(stack);
  }],
  ['Noncompliance 7 (a policy alone, the Deny\'s action is not s3:*)', outsidePolicy('alpha', plainHttpDeny(ALPHA, { Action: ['nots3:*'] }))],
  ['Noncompliance 8 (a policy alone, the objects of another bucket)', outsidePolicy('alpha', plainHttpDeny([arnOf('alpha'), arnOf('alphabet/*')]))],
  ['Noncompliance 9 (an enforceSSL bucket and a second bucket policy without the Deny)', stack => {
    const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true });
    new s3.BucketPolicy(stack, 'SecondPolicy', { bucket }).document.addStatements(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    }));
  }],
  ['Noncompliance 10 (the Deny names one principal)', alphaDeny(ALPHA, { Principal: { AWS: 'arn:aws:iam::123456789012:user/mallory' } })],
  ['Noncompliance 11 (Resource a single string: the objects only)', alphaDeny(arnOf('alpha/*'), { Principal: { AWS: ['*'] } })],
  ['Compliance (L2 bucket, L1 policy by reference, Principal "*", actions s3:GetObject and s3:*)', stack => {
    const bucket = new s3.Bucket(stack, 'Data');
    policyOn(stack, 'DataPolicy', bucket.bucketName,
      plainHttpDeny([bucket.bucketArn, `${bucket.bucketArn}/*`], { Principal: '*', Action: ['s3:GetObject', 's3:*'] }));
  }],
  ['Compliance (action "*", a boolean false, a prefix besides bucket/*)', alphaDeny([...ALPHA, arnOf('alpha/reports/*')],
    { Action: ['*', 's3:GetObject'], Condition: { Bool: { 'aws:SecureTransport': false } } })],
  ['Compliance (objects before the bucket)', namedBucketWithPolicy('charlie', plainHttpDeny([arnOf('charlie/*'), arnOf('charlie')], { Action: ['*', 's3:GetObject'] }))],
  ['Compliance (a policy on an imported bucket)', stack => {
    const imported = s3.Bucket.fromBucketName(stack, 'Imported', 'delta');
    policyOn(stack, 'ImportedPolicy', imported.bucketName, plainHttpDeny([imported.bucketArn, imported.arnForObjects('*')]));
  }],
  ['Compliance (Principal AWS ["*"])', namedBucketWithPolicy('echo', plainHttpDeny([arnOf('echo'), arnOf('echo/*')], { Principal: { AWS: ['*'] } }))],
  ['Extra: the Deny has an aws:SourceIp condition too',
    alphaDeny(ALPHA, { Condition: { Bool: { 'aws:SecureTransport': 'false' }, NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })],
  ['Extra: BoolIfExists instead of Bool', alphaDeny(ALPHA, { Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } } })],
  ['Extra: action S3:* in upper case', alphaDeny(ALPHA, { Action: 'S3:*' })],
  ['Extra: the Deny on arn:aws:s3:::* (every bucket and object)', alphaDeny([arnOf('*')])],
  ['Extra: L2 enforceSSL', stack => { new s3.Bucket(stack, 'Data', { enforceSSL: true }); }],
]);

const ADMIN_ACCESS = casesOf('IAMPolicyNoStatementsWithAdminAccess', [
  ['Noncompliance 1 (unattached policy, "*" on "arn*")', unattachedPolicy([allow('*', 'arn*')])],
  ['Noncompliance 2 (unattached policy, "*" among other actions; a group without policies)',
    unattachedPolicy([allow('glacier:DescribeJob', '*'), allow(['glacier:DescribeJob', '*'], '*')], true)],
  ['Noncompliance 3 (role, "*" among other actions)', roleWith(allow(['glacier:DescribeJob', '*'], '*'))],
  ['Noncompliance 4 (role, "*" among actions, "*" among resources)', roleWith(allow(['s3:CreateBucket', '*'], [BUCKET_ARN, '*']))],
  ['Compliance (unattached policy: glacier:DescribeJob, glacier:*, s3:* on objects)',
    unattachedPolicy([allow('glacier:DescribeJob', '*'), allow('glacier:*', '*'), allow('s3:*', `${BUCKET_ARN}/*`)])],
  ['Extra: role, glacier:* on "*"', roleWith(allow('glacier:*', '*'))],
  ['Extra: role, s3:PutBucketPolicy on a bucket', roleWith(allow('s3:PutBucketPolicy', BUCKET_ARN))],
  ['Extra: role, Allow NotAction iam:* on "*"', roleWith(new iam.PolicyStatement({ effect: iam.Effect.ALLOW, notActions: ['iam:*'], resources: ['*'] }))],
  ['Extra: an allow-listed administrator role, "*" on "*"', adminRoleWith(allow('*', '*')), ADMINS],
  ['Extra: role, "*" on "*" and an unconditional Deny of s3:* on "*"',
    roleWith(allow('*', '*'), new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['s3:*'], resources: ['*'] }))],
  ['Extra: L1 policy of a role, "*" on "*" written Effect first', stack => {
    const role = new iam.CfnRole(stack, 'Worker', {
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
    new iam.CfnPolicy(stack, 'WorkerPolicy', { policyName: 'everything', roles: [role.ref], policyDocument: EVERYTHING });
  }],
  ['Extra: L1 user with an inline policy, "*" on "*"', stack => {
    // Action before Effect, as CDK writes it: cdk-nag's text match would find the statement, were users read.
    const policyDocument = { Version: '2012-10-17', Statement: [{ Action: '*', Effect: 'Allow', Resource: '*' }] };
    new iam.CfnUser(stack, 'Person', { userName: 'person', policies: [{ policyName: 'everything', policyDocument }] });
  }],
]);

const FULL_ACCESS = casesOf('IAMPolicyNoStatementsWithFullAccess', [
  ['Noncompliance 1 (unattached policy, "*" on "arn*")', unattachedPolicy([allow('*', 'arn*')])],
  ['Noncompliance 2 (unattached policy, s3:* on a bucket; a group without policies)', unattachedPolicy([allow('s3:*', BUCKET_ARN)], true)],
  ['Noncompliance 3 (role, "*" among other actions)', roleWith(allow(['s3:GetBucketAcl', '*'], BUCKET_ARN))],
  ['Noncompliance 4 (role, s3:* among other actions)', roleWith(allow(['s3:GetBucketAcl', 's3:*'], BUCKET_ARN))],
  ['Compliance (unattached policy: glacier:DescribeJob, s3:ListAllMyBuckets)',
    unattachedPolicy([allow('glacier:DescribeJob', '*'), allow('s3:ListAllMyBuckets', 'arn:aws:s3:::*'), allow('s3:ListAllMyBuckets', '*')])],
  ['Extra: role, glacier:* on "*"', roleWith(allow('glacier:*', '*'))],
  ['Extra: role, s3:Put* on a bucket', roleWith(allow('s3:Put*', BUCKET_ARN))],
  ['Extra: an allow-listed administrator role, s3:* on a bucket', adminRoleWith(allow('s3:*', BUCKET_ARN)), ADMINS],
]);

/** Every case, in the order of PEER_RULES. */
export const PEER_CASES: PeerCase[] = [
  ...PUBLIC_ACCESS_BLOCK, ...PUBLIC_READ_WRITE, ...LOGGING, ...VERSIONING, ...ENCRYPTION, ...TLS, ...ADMIN_ACCESS, ...FULL_ACCESS,
];
