import { Aws, CfnCondition, CfnDeletionPolicy, CfnParameter, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { FindingLevel, SecureBucketAspect } from '../../src/aspect/secure-bucket-aspect';
import { EvaluationOptionsInput } from '../../src/rules/evaluation';
import { ALL_RULES } from '../../src/rules/registry';
import { SecureBucket } from '../../src/bucket/secure-bucket';
import {
  ACCOUNT, compliantL1, compliantL2, compliantLogBucketL2, l1, minTlsDeny, newApp, newStack, OTHER_ACCOUNT, tlsDeny, verdictOf,
} from '../util/compliance';

/** Builds a stack and returns the resource the rule judges: a bucket (for bucket and key rules) or an identity policy. */
type Build = (stack: Stack) => IConstruct;

interface RuleCases {
  readonly id: string;
  readonly l1: { readonly compliant: Build; readonly noncompliant: Build };
  readonly l2: { readonly compliant: Build; readonly noncompliant: Build };
  /** A property set from a CfnParameter: the rule cannot verify it. */
  readonly token: Build;
  readonly options?: EvaluationOptionsInput;
  /** The stacks' environment: SB-S3-14 can only tell another account from the bucket's own when the account is known. */
  readonly env?: { account: string; region: string };
}

const ENV = { account: ACCOUNT, region: 'us-east-1' };

const param = (stack: Stack, id = 'Param', type = 'String') => new CfnParameter(stack, id, { type });
const ENCRYPTION = 'BucketEncryption.ServerSideEncryptionConfiguration.0';

/** A compliant CfnBucket changed by `change`. */
function l1Bucket(change: (b: s3.CfnBucket, stack: Stack, policy: s3.CfnBucketPolicy, key: kms.CfnKey) => void = () => {}): Build {
  return stack => {
    const { bucket, policy, key } = compliantL1(stack);
    change(bucket, stack, policy, key);
    return bucket;
  };
}

/** A compliant CfnBucket whose policy holds `statements` (replacing the TLS statements when `replace`). */
function l1Policy(statements: (b: s3.CfnBucket, stack: Stack) => any[], replace = false): Build {
  return l1Bucket((bucket, stack, policy) => {
    const base = replace ? [] : [tlsDeny(bucket), minTlsDeny(bucket)];
    policy.addPropertyOverride('PolicyDocument.Statement', [...base, ...statements(bucket, stack)]);
  });
}

/** A compliant s3.Bucket with `props`, then changed by `change`. */
function l2Bucket(props: s3.BucketProps = {}, change: (b: s3.Bucket, stack: Stack) => void = () => {}): Build {
  return stack => {
    const bucket = compliantL2(stack, 'Bucket', props);
    change(bucket, stack);
    return bucket;
  };
}

/** A compliant CfnBucket `Logs` that is the log target of the compliant CfnBucket `Source`. */
function l1LogBucket(change: (logs: s3.CfnBucket, stack: Stack) => void = () => {}): Build {
  return stack => {
    const logs = new s3.CfnBucket(stack, 'Logs', {
      bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      versioningConfiguration: { status: 'Enabled' },
      publicAccessBlockConfiguration: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
      ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
      lifecycleConfiguration: {
        rules: [{ status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 7 }, noncurrentVersionExpiration: { noncurrentDays: 30 } }],
      },
    });
    logs.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new s3.CfnBucketPolicy(stack, 'LogsPolicy', {
      bucket: logs.ref,
      policyDocument: {
        Statement: [tlsDeny(logs), minTlsDeny(logs), {
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${logs.attrArn}/*`,
          Condition: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }],
      },
    });
    const { bucket: source } = compliantL1(stack, 'Source');
    source.loggingConfiguration = { destinationBucketName: logs.ref };
    change(logs, stack);
    return logs;
  };
}

function l1Identity(actions: unknown): Build {
  return stack => {
    const role = new iam.CfnRole(stack, 'Role', {
      roleName: 'app',
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
    return new iam.CfnPolicy(stack, 'Policy', {
      policyName: 'app',
      roles: [role.ref],
      policyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
    });
  };
}

function l2Identity(actions: string[]): Build {
  return stack => {
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), roleName: 'app' });
    role.addToPolicy(new iam.PolicyStatement({ actions, resources: ['*'] }));
    return role.node.findChild('DefaultPolicy');
  };
}

const CASES: RuleCases[] = [
  {
    id: 'SB-S3-1',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => b.addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault`, { SSEAlgorithm: 'AES256' })),
    },
    l2: {
      compliant: l2Bucket(),
      noncompliant: l2Bucket({ encryption: s3.BucketEncryption.KMS_MANAGED, encryptionKey: undefined }),
    },
    token: l1Bucket((b, stack) => b.addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault.KMSMasterKeyID`, param(stack).valueAsString)),
  },
  {
    id: 'SB-S3-2',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => b.addPropertyOverride(`${ENCRYPTION}.BucketKeyEnabled`, false)),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ bucketKeyEnabled: false }) },
    token: l1Bucket((b, stack) => b.addPropertyOverride(`${ENCRYPTION}.BucketKeyEnabled`, param(stack).valueAsString)),
  },
  {
    id: 'SB-S3-3',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => { b.versioningConfiguration = { status: 'Suspended' }; }),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ versioned: false }) },
    token: l1Bucket((b, stack) => { b.versioningConfiguration = { status: param(stack).valueAsString }; }),
  },
  {
    id: 'SB-S3-4',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => { b.loggingConfiguration = undefined; }),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ serverAccessLogsBucket: undefined }) },
    token: l1Bucket((b, stack) => { b.loggingConfiguration = { destinationBucketName: param(stack).valueAsString }; }),
  },
  {
    id: 'SB-S3-5',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => b.addPropertyOverride('PublicAccessBlockConfiguration.RestrictPublicBuckets', false)),
    },
    l2: {
      compliant: l2Bucket(),
      noncompliant: l2Bucket({ blockPublicAccess: new s3.BlockPublicAccess({ blockPublicAcls: true, ignorePublicAcls: true }) }),
    },
    token: l1Bucket((b, stack) => b.addPropertyOverride('PublicAccessBlockConfiguration.BlockPublicPolicy', param(stack).valueAsString)),
  },
  {
    id: 'SB-S3-6',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => { b.ownershipControls = { rules: [{ objectOwnership: 'ObjectWriter' }] }; }),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ objectOwnership: s3.ObjectOwnership.OBJECT_WRITER }) },
    token: l1Bucket((b, stack) => { b.ownershipControls = { rules: [{ objectOwnership: param(stack).valueAsString }] }; }),
  },
  {
    id: 'SB-S3-7',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Policy(b => [minTlsDeny(b)], true),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ enforceSSL: false, minimumTLSVersion: undefined }) },
    token: l1Policy((b, stack) => [tlsDeny(b, { Condition: { Bool: { 'aws:SecureTransport': param(stack).valueAsString } } }), minTlsDeny(b)], true),
  },
  {
    id: 'SB-S3-8',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Policy(b => [tlsDeny(b), minTlsDeny(b, '1.0')], true),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ minimumTLSVersion: undefined }) },
    token: l1Policy((b, stack) => [tlsDeny(b), minTlsDeny(b, param(stack, 'Tls', 'Number').valueAsNumber)], true),
  },
  {
    id: 'SB-S3-9',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => {
        b.lifecycleConfiguration = { rules: [{ status: 'Enabled', noncurrentVersionExpiration: { noncurrentDays: 90 } }] };
      }),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }] }) },
    token: l1Bucket((b, stack) => {
      b.lifecycleConfiguration = { rules: [{ status: param(stack).valueAsString, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }] };
    }),
  },
  {
    id: 'SB-S3-10',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => {
        b.lifecycleConfiguration = { rules: [{ status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }] };
      }),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }] }) },
    token: l1Bucket((b, stack) => {
      b.lifecycleConfiguration = {
        rules: [
          { status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
          { status: param(stack).valueAsString, noncurrentVersionExpiration: { noncurrentDays: 90 } },
        ],
      };
    }),
  },
  {
    id: 'SB-S3-11',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket(b => { b.cfnOptions.deletionPolicy = undefined; }),
    },
    l2: { compliant: l2Bucket(), noncompliant: l2Bucket({ removalPolicy: RemovalPolicy.DESTROY }) },
    token: l1Bucket((b, stack) => b.addOverride('DeletionPolicy', param(stack).valueAsString)),
  },
  {
    id: 'SB-S3-12',
    l1: {
      compliant: l1Policy(b => [{
        Sid: 'OrgRead',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `${b.attrArn}/*`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }]),
      noncompliant: l1Policy(b => [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${b.attrArn}/*` }]),
    },
    l2: {
      compliant: l2Bucket({}, b => b.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [b.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
      }))),
      noncompliant: l2Bucket({}, b => b.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()], actions: ['s3:GetObject'], resources: [b.arnForObjects('*')],
      }))),
    },
    token: l1Policy((b, stack) => [{ Effect: 'Allow', Principal: { AWS: param(stack).valueAsString }, Action: 's3:GetObject', Resource: `${b.attrArn}/*` }]),
  },
  {
    id: 'SB-S3-13',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Policy(b => [{
        Sid: 'OnlyAdmin', Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` }, Action: 's3:*', Resource: `${b.attrArn}/*`,
      }]),
    },
    l2: {
      compliant: l2Bucket(),
      noncompliant: l2Bucket({}, b => b.addToResourcePolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY, notPrincipals: [new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/Admin`)], actions: ['s3:*'], resources: [b.arnForObjects('*')],
      }))),
    },
    token: l1Policy((b, stack) => {
      const condition = new CfnCondition(stack, 'Extra', { expression: Fn.conditionEquals(param(stack).valueAsString, 'yes') });
      return [Fn.conditionIf(condition.logicalId, {
        Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` }, Action: 's3:*', Resource: `${b.attrArn}/*`,
      }, Aws.NO_VALUE)];
    }),
  },
  {
    id: 'SB-S3-14',
    l1: {
      compliant: l1Policy(b => [{ Effect: 'Allow', Principal: { AWS: `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root` }, Action: 's3:GetObject', Resource: `${b.attrArn}/*` }]),
      noncompliant: l1Policy(b => [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: 's3:GetObject', Resource: `${b.attrArn}/*` }]),
    },
    l2: {
      compliant: l2Bucket({}, b => b.grantRead(new iam.AccountRootPrincipal())),
      noncompliant: l2Bucket({}, b => b.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT))),
    },
    token: l1Policy((b, stack) => [{ Effect: 'Allow', Principal: { AWS: param(stack).valueAsString }, Action: 's3:GetObject', Resource: `${b.attrArn}/*` }]),
    env: ENV,
  },
  {
    id: 'SB-S3-15',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket((b, stack) => {
        new s3.CfnBucketPolicy(stack, 'Second', { bucket: b.ref, policyDocument: { Statement: [tlsDeny(b)] } });
      }),
    },
    l2: {
      compliant: l2Bucket(),
      noncompliant: l2Bucket({}, (b, stack) => {
        new s3.BucketPolicy(stack, 'Second', { bucket: b }).document.addStatements(new iam.PolicyStatement({
          effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:DeleteBucket'], resources: [b.bucketArn],
        }));
      }),
    },
    token: l1Bucket((b, stack) => {
      new s3.CfnBucketPolicy(stack, 'Second', { bucket: param(stack).valueAsString, policyDocument: { Statement: [tlsDeny(b)] } });
    }),
  },
  {
    id: 'SB-S3-16',
    l1: {
      compliant: l1LogBucket(),
      noncompliant: l1LogBucket(logs => logs.addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault`, { SSEAlgorithm: 'aws:kms' })),
    },
    l2: {
      compliant: stack => { compliantL2(stack); return stack.node.findChild('Logs'); },
      noncompliant: stack => {
        const logs = compliantLogBucketL2(stack, 'Logs', { objectLockEnabled: true, objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(1)) });
        compliantL2(stack);
        return logs;
      },
    },
    token: l1LogBucket((logs, stack) => logs.addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault.SSEAlgorithm`, param(stack).valueAsString)),
  },
  {
    id: 'SB-KMS-1',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket((_b, _s, _p, key) => { key.enableKeyRotation = false; }),
    },
    l2: {
      compliant: l2Bucket(),
      noncompliant: l2Bucket({}, () => {}),
    },
    token: l1Bucket((_b, stack, _p, key) => key.addPropertyOverride('EnableKeyRotation', param(stack).valueAsString)),
  },
  {
    id: 'SB-KMS-2',
    l1: {
      compliant: l1Bucket(),
      noncompliant: l1Bucket((_b, _s, _p, key) => key.applyRemovalPolicy(RemovalPolicy.DESTROY)),
    },
    l2: {
      compliant: l2Bucket(),
      noncompliant: l2Bucket({}, () => {}),
    },
    token: l1Bucket((_b, stack, _p, key) => key.addOverride('DeletionPolicy', param(stack).valueAsString)),
  },
  {
    id: 'SB-IAM-1',
    l1: { compliant: l1Identity(['s3:GetObject', 's3:PutObject']), noncompliant: l1Identity('s3:*') },
    l2: { compliant: l2Identity(['s3:GetObject', 's3:PutObject']), noncompliant: l2Identity(['s3:PutBucketPolicy']) },
    token: stack => l1Identity([param(stack).valueAsString])(stack),
  },
];

// The L2 key cases need their own key: a bucket built by `compliantL2` already has a rotating, retained one.
const kmsL2 = (props: kms.KeyProps): Build => stack => compliantL2(stack, 'Bucket', { encryptionKey: new kms.Key(stack, 'Custom', props) });
Object.assign(CASES.find(c => c.id === 'SB-KMS-1')!.l2, { noncompliant: kmsL2({ enableKeyRotation: false, removalPolicy: RemovalPolicy.RETAIN }) });
Object.assign(CASES.find(c => c.id === 'SB-KMS-2')!.l2, { noncompliant: kmsL2({ enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY }) });

test('every rule of the registry has cases', () => {
  expect(CASES.map(c => c.id).sort()).toEqual(ALL_RULES.map(r => r.id).sort());
});

describe.each(CASES)('$id', c => {
  const verdict = (build: Build) => verdictOf(build(newStack({ env: c.env })), c.id, c.options);

  test('passes a compliant L1', () => {
    expect(verdict(c.l1.compliant)).toMatchObject({ status: 'pass' });
  });

  test('fails a noncompliant L1', () => {
    expect(verdict(c.l1.noncompliant)).toMatchObject({ status: 'fail' });
  });

  test('passes a compliant L2', () => {
    expect(verdict(c.l2.compliant)).toMatchObject({ status: 'pass' });
  });

  test('fails a noncompliant L2', () => {
    expect(verdict(c.l2.noncompliant)).toMatchObject({ status: 'fail' });
  });

  test('fails to verify a value from a CfnParameter (cannot verify, never a pass)', () => {
    expect(verdict(c.token)).toMatchObject({ status: 'cannot-verify' });
  });

  test('through the Aspect: a warning with the rule id on the noncompliant L1, none on the compliant L1', () => {
    // GIVEN
    const app = newApp();
    const good = new Stack(app, 'Good', { env: c.env });
    const bad = new Stack(app, 'Bad', { env: c.env });
    c.l1.compliant(good);
    const subject = verdictOf(c.l1.noncompliant(bad), c.id, c.options).subject!;

    // WHEN
    SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING, ...c.options });

    // THEN
    const id = new RegExp(`\\[${c.id}\\]`);
    Annotations.fromStack(bad).hasWarning(`/${subject}`, Match.stringLikeRegexp(id.source));
    Annotations.fromStack(good).hasNoWarning('*', Match.stringLikeRegexp(id.source));
  });
});

describe('log-bucket recognition', () => {
  test('a bucket that is the LoggingConfiguration target of another is judged by the log-bucket rules only', () => {
    const logs = l1LogBucket(b => b.addPropertyDeletionOverride('BucketEncryption'))(newStack());
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'pass' });
    for (const id of ['SB-S3-1', 'SB-S3-2', 'SB-S3-4', 'SB-KMS-1', 'SB-KMS-2']) {
      expect(verdictOf(logs, id)).toEqual({ status: 'not-applied' });
    }
    for (const id of ['SB-S3-3', 'SB-S3-5', 'SB-S3-6', 'SB-S3-7', 'SB-S3-8', 'SB-S3-9', 'SB-S3-10', 'SB-S3-11']) {
      expect(verdictOf(logs, id)).toMatchObject({ status: 'pass' });
    }
  });

  test('a target named by a literal bucket name is recognised', () => {
    const stack = newStack();
    const logs = compliantLogBucketL2(stack, 'NamedLogs', { bucketName: 'central-access-logs' });
    compliantL1(stack); // logs to 'central-access-logs'
    expect(verdictOf(logs, 'SB-S3-4')).toEqual({ status: 'not-applied' });
    // No log-delivery statement and no LogDeliveryWrite ACL: S3 cannot deliver.
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/logging.s3.amazonaws.com/) });
  });

  test('a bucket with a log-delivery statement is a log target even when its sources are in another stack', () => {
    const app = newApp();
    const logs = compliantLogBucketL2(new Stack(app, 'Logs'), 'Logs', { bucketName: 'shared-logs' });
    compliantL2(new Stack(app, 'Data'), 'Data', { bucketName: 'data-bucket', serverAccessLogsBucket: logs });
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'pass' });
    expect(verdictOf(logs, 'SB-S3-1')).toEqual({ status: 'not-applied' });
  });

  test('fails a log target with Object Lock default retention or SSE-KMS', () => {
    const logs = l1LogBucket(b => {
      b.objectLockEnabled = true;
      b.objectLockConfiguration = { objectLockEnabled: 'Enabled', rule: { defaultRetention: { mode: 'GOVERNANCE', days: 1 } } };
    })(newStack());
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'fail', detail: 'Object Lock has a default retention' });
  });

  test('fails a bucket that logs to itself, and does not make it a log bucket', () => {
    const { bucket } = compliantL1(newStack());
    bucket.loggingConfiguration = { destinationBucketName: bucket.ref };
    expect(verdictOf(bucket, 'SB-S3-4')).toMatchObject({ status: 'fail', detail: 'the bucket logs to itself' });
    expect(verdictOf(bucket, 'SB-S3-16')).toEqual({ status: 'not-applied' });
    bucket.loggingConfiguration = { logFilePrefix: 'self/' };
    expect(verdictOf(bucket, 'SB-S3-4')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/logs to itself/) });
  });

  test('passes a data bucket logging to a bucket of another stack', () => {
    const app = newApp();
    const logs = compliantLogBucketL2(new Stack(app, 'Logs'), 'Logs');
    const data = compliantL2(new Stack(app, 'Data'), 'Data', { serverAccessLogsBucket: logs, bucketName: 'data-bucket' });
    expect(verdictOf(data, 'SB-S3-4')).toMatchObject({ status: 'pass' });
  });
});

describe('bucket policy rules', () => {
  const allowEveryone = (condition: unknown): Build => l1Policy(b => [{
    Sid: 'Everyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: `${b.attrArn}/*`, Condition: condition,
  }]);

  test.each([
    ['a negated operator', { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['an ...IfExists operator', { StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['a Null operator', { Null: { 'aws:SourceArn': 'false' } }],
    ['ForAllValues', { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/'] } }],
    ['a wildcard-only pattern', { StringLike: { 'aws:PrincipalArn': '*' } }],
    ['a pattern over every principal of every account', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:*' } }],
    ['a pattern with ?', { StringLike: { 'aws:SourceAccount': '11111111111?' } }],
    ['a pattern of aws:userid other than one role\'s sessions', { StringLike: { 'aws:userid': 'AROA*' } }],
    ['0.0.0.0/0', { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '0.0.0.0/0'] } }],
    ['a key that does not say who', { StringEquals: { 's3:prefix': 'public/' } }],
  ])('SB-S3-12 fails an Allow to everyone restricted only by %s', (_, condition) => {
    expect(verdictOf(allowEveryone(condition)(newStack()), 'SB-S3-12')).toMatchObject({ status: 'fail' });
  });

  test.each([
    ['aws:SourceVpce', { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }],
    ['aws:SourceArn (a service principal\'s source)', { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudfront::111111111111:distribution/E1' } }],
    ['aws:PrincipalIsAWSService', { Bool: { 'aws:PrincipalIsAWSService': 'true' } }],
    ['a public IP range', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }],
    ['s3:DataAccessPointAccount (access point delegation)', { StringEquals: { 's3:DataAccessPointAccount': ACCOUNT } }],
    ['the sessions of one role (aws:userid AROLEID:*, fixed for S3)', { StringLike: { 'aws:userid': 'AROAEXAMPLEROLEID1234:*' } }],
  ])('SB-S3-12 passes an Allow to everyone restricted by %s', (_, condition) => {
    expect(verdictOf(allowEveryone(condition)(newStack()), 'SB-S3-12')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-12 cannot verify an Allow to everyone restricted by a CIDR from a parameter', () => {
    const build = l1Policy((b, stack) => [{
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `${b.attrArn}/*`,
      Condition: { IpAddress: { 'aws:SourceIp': param(stack).valueAsString } },
    }]);
    expect(verdictOf(build(newStack()), 'SB-S3-12')).toMatchObject({ status: 'cannot-verify' });
  });

  test('SB-S3-12 fails an Allow with NotPrincipal (everyone but one)', () => {
    const build = l1Policy(b => [{ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:GetObject', Resource: `${b.attrArn}/*` }]);
    expect(verdictOf(build(newStack()), 'SB-S3-12')).toMatchObject({ status: 'fail' });
  });

  test('SB-S3-7 fails a TLS Deny on the objects only, or on a prefix', () => {
    const objectsOnly = l1Policy(b => [tlsDeny(b, { Resource: `${b.attrArn}/*` }), minTlsDeny(b)], true);
    expect(verdictOf(objectsOnly(newStack()), 'SB-S3-7')).toMatchObject({ status: 'fail', detail: 'the TLS Deny does not cover the bucket ARN' });
    const prefix = l1Policy(b => [tlsDeny(b, { Resource: [b.attrArn, `${b.attrArn}/logs/*`] }), minTlsDeny(b)], true);
    expect(verdictOf(prefix(newStack()), 'SB-S3-7')).toMatchObject({ status: 'fail', detail: 'the TLS Deny does not cover the objects (bucket/*)' });
  });

  test('SB-S3-7 and SB-S3-8 fail a TLS Deny narrowed by another condition (conditions are ANDed: the Deny applies to fewer requests)', () => {
    const onlyForOneAccount = { StringEquals: { 'aws:PrincipalAccount': '999999999999' } };
    const tls = l1Policy(b => [tlsDeny(b, { Condition: { Bool: { 'aws:SecureTransport': 'false' }, ...onlyForOneAccount } }), minTlsDeny(b)], true);
    expect(verdictOf(tls(newStack()), 'SB-S3-7')).toMatchObject({
      status: 'fail',
      detail: 'the Deny when aws:SecureTransport is false has other conditions as well, so it does not refuse every request without TLS',
    });
    const viaEndpoint = l1Policy(b => [tlsDeny(b), minTlsDeny(b, 1.2, { Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 }, StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } })], true);
    expect(verdictOf(viaEndpoint(newStack()), 'SB-S3-8')).toMatchObject({
      status: 'fail',
      detail: 'the Deny with NumericLessThan s3:TlsVersion has other conditions as well, so it does not refuse every request with an older TLS version',
    });
    // A second key under the same operator narrows it too.
    const sameOperator = l1Policy(b => [tlsDeny(b, { Condition: { Bool: { 'aws:SecureTransport': 'false', 'aws:MultiFactorAuthPresent': 'false' } } }), minTlsDeny(b)], true);
    expect(verdictOf(sameOperator(newStack()), 'SB-S3-7')).toMatchObject({ status: 'fail' });
    // Beside a narrowed Deny, a plain one still passes.
    const both = l1Policy(b => [tlsDeny(b, { Condition: { Bool: { 'aws:SecureTransport': 'false' }, ...onlyForOneAccount } }), tlsDeny(b), minTlsDeny(b)], true);
    expect(verdictOf(both(newStack()), 'SB-S3-7')).toMatchObject({ status: 'pass' });
  });

  test('SB-KMS-2 fails a key with DeletionPolicy Snapshot next to a retained bucket: CloudFormation snapshots no KMS key', () => {
    const snapshot = l1Bucket((_b, _s, _p, key) => { key.cfnOptions.deletionPolicy = CfnDeletionPolicy.SNAPSHOT; });
    expect(verdictOf(snapshot(newStack()), 'SB-KMS-2')).toMatchObject({ status: 'fail' });
    const updateSnapshot = l1Bucket((_b, _s, _p, key) => { key.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.SNAPSHOT; });
    expect(verdictOf(updateSnapshot(newStack()), 'SB-KMS-2')).toMatchObject({ status: 'fail' });
  });

  test('SB-S3-7 and SB-S3-8 cannot verify a TLS Deny whose policy is created under a CloudFormation condition (it may not be deployed)', () => {
    const stack = newStack();
    const { bucket, policy } = compliantL1(stack);
    const isProd = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(Aws.ACCOUNT_ID, '111111111111') });
    policy.cfnOptions.condition = isProd;
    const leftOut = expect.stringMatching(/^the bucket policy \w+ is created under the CloudFormation Condition IsProd, so it may not be deployed$/);
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'cannot-verify', detail: leftOut });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'cannot-verify', detail: leftOut });
    // Under the bucket's own Condition, the policy exists whenever the bucket does.
    bucket.cfnOptions.condition = isProd;
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'pass' });
    // Without the condition, the same policy passes.
    bucket.cfnOptions.condition = undefined;
    policy.cfnOptions.condition = undefined;
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
  });

  describe('SB-S3-15 and the policy rules see a bucket policy of another stack of the app', () => {
    /** A SecureBucket in stack Data, and a second policy for it in stack Other: by a cross-stack reference, or by literal name. */
    function withPolicyElsewhere(how: 'reference' | 'name', statement: iam.PolicyStatement) {
      const app = newApp();
      const data = new Stack(app, 'Data', { env: ENV });
      const bucket = new SecureBucket(data, 'Bucket', { bucketName: how === 'name' ? 'data-bucket-111111111111' : undefined });
      const other = new Stack(app, 'Other', { env: ENV });
      const target = how === 'reference' ? bucket : s3.Bucket.fromBucketName(other, 'Imported', 'data-bucket-111111111111');
      const policy = new s3.BucketPolicy(other, 'Second', { bucket: target });
      policy.document.addStatements(statement);
      // The cross-stack reference becomes an import of the bucket's exported name when the app is prepared.
      app.synth();
      return bucket;
    }
    const foreignRead = new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('999999999999')], actions: ['s3:GetObject'], resources: ['*'] });

    test.each(['reference', 'name'] as const)('by %s: two policies (SB-S3-15), and the other stack\'s grant is judged (SB-S3-14)', (how) => {
      const bucket = withPolicyElsewhere(how, foreignRead);
      expect(verdictOf(bucket, 'SB-S3-15')).toMatchObject({
        status: 'fail', detail: expect.stringMatching(/^2 bucket policies: .*Other\/Second \(another stack\)$/),
      });
      expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/999999999999/) });
    });

    test('a policy of another stack on another bucket is not this bucket\'s', () => {
      const app = newApp();
      const data = new Stack(app, 'Data', { env: ENV });
      const bucket = new SecureBucket(data, 'Bucket');
      const other = new Stack(app, 'Other', { env: ENV });
      new s3.BucketPolicy(other, 'Second', { bucket: new s3.Bucket(other, 'Elsewhere') }).document.addStatements(foreignRead);
      new s3.BucketPolicy(other, 'ByName', { bucket: s3.Bucket.fromBucketName(other, 'Imported', 'someone-elses-bucket') }).document.addStatements(foreignRead);
      expect(verdictOf(bucket, 'SB-S3-15')).toMatchObject({ status: 'pass' });
      expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'pass' });
    });
  });

  test('SB-S3-7 and SB-S3-8 read condition keys ignoring case, as IAM does', () => {
    const build = l1Policy(b => [
      tlsDeny(b, { Condition: { Bool: { 'aws:securetransport': 'false' } } }),
      minTlsDeny(b, 1.2, { Condition: { NumericLessThan: { 'S3:TLSVersion': 1.2 } } }),
    ], true);
    const bucket = build(newStack());
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-7 and SB-S3-8 accept Resource "*" and literal ARNs of a named bucket, in any partition', () => {
    const stack = newStack();
    const { bucket, policy } = compliantL1(stack);
    bucket.bucketName = 'named-bucket';
    policy.addPropertyOverride('PolicyDocument.Statement', [
      tlsDeny(bucket, { Resource: '*' }),
      minTlsDeny(bucket, '1.3', { Resource: ['arn:aws-us-gov:s3:::named-bucket', 'arn:aws-us-gov:s3:::named-bucket/*'] }),
    ]);
    expect(verdictOf(bucket, 'SB-S3-7')).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-8')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-8 takes the bucket and the objects from separate statements', () => {
    const build = l1Policy(b => [tlsDeny(b), minTlsDeny(b, 1.2, { Resource: b.attrArn }), minTlsDeny(b, 1.3, { Resource: `${b.attrArn}/*` })], true);
    expect(verdictOf(build(newStack()), 'SB-S3-8')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-14 passes a trusted account, and roles of the stack', () => {
    const stack = newStack({ env: ENV });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const bucket = compliantL2(stack, 'Bucket');
    bucket.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    bucket.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(role.roleArn)], actions: ['s3:GetObject'], resources: ['*'] }));
    expect(verdictOf(bucket, 'SB-S3-14', { trustedAccounts: [OTHER_ACCOUNT] })).toMatchObject({ status: 'pass' });
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'fail', detail: `principals of account(s) ${OTHER_ACCOUNT} are allowed` });
  });

  test.each([
    ['Principal "*" narrowed to another account (aws:PrincipalAccount)', iam.Effect.ALLOW, [new iam.AnyPrincipal()], { StringEquals: { 'aws:PrincipalAccount': OTHER_ACCOUNT } }],
    ['a service acting for another account (aws:SourceAccount)', iam.Effect.ALLOW, [new iam.ServicePrincipal('logging.s3.amazonaws.com')], { StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } }],
    ['Principal "*" narrowed to a role ARN of another account', iam.Effect.ALLOW, [new iam.AnyPrincipal()], { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${OTHER_ACCOUNT}:role/Reader` } }],
    ['a service for a source ARN of another account', iam.Effect.ALLOW, [new iam.ServicePrincipal('cloudtrail.amazonaws.com')], { StringEquals: { 'aws:SourceArn': `arn:aws:cloudtrail:us-east-1:${OTHER_ACCOUNT}:trail/t` } }],
  ])('SB-S3-14 reads the account a condition grants to: %s fails, passes when trusted', (_name, effect, principals, conditions) => {
    const stack = newStack({ env: ENV });
    const bucket = compliantL2(stack, 'Bucket');
    bucket.addToResourcePolicy(new iam.PolicyStatement({ effect, principals, actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')], conditions }));
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'fail', detail: `principals of account(s) ${OTHER_ACCOUNT} are allowed` });
    expect(verdictOf(bucket, 'SB-S3-14', { trustedAccounts: [OTHER_ACCOUNT] })).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-14 passes conditions naming the bucket\'s own account, and a negated condition (SB-S3-12 judges that)', () => {
    const stack = newStack({ env: ENV });
    const bucket = compliantL2(stack, 'Bucket');
    const allow = (conditions: Record<string, unknown>) => bucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')], actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')], conditions,
    }));
    allow({ StringEquals: { 'aws:SourceAccount': ACCOUNT } });
    allow({ StringEquals: { 'aws:SourceAccount': stack.account } });
    allow({ StringNotEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } });
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-14 passes a service for a source ARN of the stack\'s own account in an environment-agnostic stack, and cannot verify an account from a parameter', () => {
    const stack = newStack();
    const bucket = compliantL2(stack, 'Bucket');
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudtrail:${Aws.REGION}:${Aws.ACCOUNT_ID}:trail/t` } },
    }));
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'pass' });
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceAccount': new CfnParameter(stack, 'SourceAccount').valueAsString } },
    }));
    expect(verdictOf(bucket, 'SB-S3-14')).toMatchObject({ status: 'cannot-verify' });
  });

  test('SB-S3-14 cannot tell a literal account from the bucket\'s own in an environment-agnostic stack, and can in an environment', () => {
    const grant = (stack: Stack) => l2Bucket({}, b => b.grantRead(new iam.AccountPrincipal(ACCOUNT)))(stack);
    expect(verdictOf(grant(newStack()), 'SB-S3-14')).toMatchObject({ status: 'cannot-verify' });
    expect(verdictOf(grant(newStack({ env: { account: ACCOUNT, region: 'us-east-1' } })), 'SB-S3-14')).toMatchObject({ status: 'pass' });
  });

  test('SB-S3-1 fails the AWS-managed key named by alias, and cannot verify a key of another stack', () => {
    const aliased = l2Bucket({ encryptionKey: undefined }, () => {})(newStack());
    l1(aliased).addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault.KMSMasterKeyID`, 'alias/aws/s3');
    expect(verdictOf(aliased, 'SB-S3-1')).toMatchObject({ status: 'fail', detail: 'the key alias/aws/s3 is AWS-managed' });

    const app = newApp();
    const key = new kms.Key(new Stack(app, 'Keys'), 'Key', { enableKeyRotation: true });
    const bucket = compliantL2(new Stack(app, 'Data'), 'Data', { encryptionKey: key });
    expect(verdictOf(bucket, 'SB-S3-1')).toMatchObject({ status: 'cannot-verify' });
    expect(verdictOf(bucket, 'SB-KMS-1')).toMatchObject({ status: 'cannot-verify' });
  });

  test('SB-KMS-1 follows a KMS alias of the stack to its key', () => {
    const stack = newStack();
    const { bucket, key } = compliantL1(stack);
    key.enableKeyRotation = false;
    const alias = new kms.CfnAlias(stack, 'Alias', { aliasName: 'alias/data', targetKeyId: key.ref });
    bucket.addPropertyOverride(`${ENCRYPTION}.ServerSideEncryptionByDefault.KMSMasterKeyID`, alias.ref);
    expect(verdictOf(bucket, 'SB-KMS-1')).toMatchObject({ status: 'fail', subject: key.node.path });
  });
});

describe('SB-IAM-1', () => {
  const verdict = (build: Build, administratorArns: string[] = []) => verdictOf(build(newStack()), 'SB-IAM-1', { administratorArns });

  describe('an explicit Deny in the same policy', () => {
    const withDeny = (deny: Record<string, unknown>): Build => stack => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), roleName: 'app' });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      role.addToPolicy(iam.PolicyStatement.fromJson({ Effect: 'Deny', ...deny }));
      return role.node.findChild('DefaultPolicy');
    };
    const every = ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl', 's3:PutObjectAcl', 's3:PutObjectVersionAcl',
      's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutAccountPublicAccessBlock'];

    test('of every administration action on every bucket takes them away: passes', () => {
      expect(verdict(withDeny({ Action: ['s3:PutBucket*', 's3:DeleteBucketPolicy', 's3:PutObject*Acl', 's3:PutAccountPublicAccessBlock'], Resource: '*' })))
        .toMatchObject({ status: 'pass' });
    });

    test.each([
      ['with a condition', { Action: every, Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }],
      ['on one bucket only', { Action: every, Resource: 'arn:aws:s3:::one-bucket' }],
      ['of some of the actions', { Action: ['s3:PutBucketPolicy'], Resource: '*' }],
    ])('%s still fails', (_, deny) => {
      expect(verdict(withDeny(deny))).toMatchObject({ status: 'fail' });
    });
  });

  test.each([
    ['s3:Put*', ['s3:Put*']],
    ['s3:*', ['s3:*']],
    ['*', ['*']],
    ['a wildcard in the middle', ['s3:Put*Policy']],
    ['another case', ['S3:PUTBUCKETPOLICY']],
    ['s3:PutObjectAcl', ['s3:PutObjectAcl']],
    ['s3:PutBucketPublicAccessBlock', ['s3:PutBucketPublicAccessBlock']],
  ])('fails %s', (_, actions) => {
    expect(verdict(l2Identity(actions))).toMatchObject({ status: 'fail' });
  });

  test.each([
    ['object actions', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']],
    ['other services', ['sqs:*', 'kms:*']],
    ['bucket reads', ['s3:GetBucket*', 's3:List*']],
  ])('passes %s', (_, actions) => {
    expect(verdict(l2Identity(actions))).toMatchObject({ status: 'pass' });
  });

  test('fails NotAction that leaves bucket administration in, passes NotAction that takes S3 out', () => {
    const notAction = (notActions: string[]): Build => stack => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app' });
      role.addToPolicy(new iam.PolicyStatement({ notActions, resources: ['*'] }));
      return role.node.findChild('DefaultPolicy');
    };
    expect(verdict(notAction(['s3:GetObject']))).toMatchObject({ status: 'fail' });
    expect(verdict(notAction(['s3:*']))).toMatchObject({ status: 'pass' });
  });

  test('passes "*" on resources of another service only', () => {
    const build: Build = stack => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app' });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['*'], resources: [`arn:aws:sqs:us-east-1:${ACCOUNT}:queue`] }));
      return role.node.findChild('DefaultPolicy');
    };
    expect(verdict(build)).toMatchObject({ status: 'pass' });
  });

  describe('administrators allow-list', () => {
    const adminRole = (roleName: string | undefined, path?: string, env?: { account: string; region: string }): Build => s => {
      const stack = env ? new Stack(s.node.root, 'Env', { env }) : s;
      const role = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal(), roleName, path });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      return role.node.findChild('DefaultPolicy');
    };
    const env = { account: ACCOUNT, region: 'us-east-1' };
    const sso = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*`;

    test('passes a role listed by name, or by a name pattern', () => {
      expect(verdict(adminRole('Admin'), ['Admin'])).toMatchObject({ status: 'pass' });
      expect(verdict(adminRole('AdminTeam'), ['Admin*'])).toMatchObject({ status: 'pass' });
      expect(verdict(adminRole('Admin', '/teams/'), ['Admin'])).toMatchObject({ status: 'pass' });
    });

    test('fails a role that is not listed', () => {
      expect(verdict(adminRole('Developer'), ['Admin'])).toMatchObject({ status: 'fail', detail: expect.stringMatching(/role\/Developer/) });
    });

    test('passes a role matched by an ARN with wildcards in its account, fails it in another account', () => {
      const role = adminRole('AWSReservedSSO_Admin_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/', env);
      expect(verdict(role, [sso])).toMatchObject({ status: 'pass' });
      const elsewhere = adminRole('AWSReservedSSO_Admin_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/', { account: OTHER_ACCOUNT, region: 'us-east-1' });
      expect(verdict(elsewhere, [sso])).toMatchObject({ status: 'fail' });
      expect(verdict(role, ['arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*'])).toMatchObject({ status: 'pass' });
    });

    test('cannot verify an ARN pinned to an account when the stack\'s account is not known', () => {
      const role = adminRole('AWSReservedSSO_Admin_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/');
      expect(verdict(role, [sso])).toMatchObject({ status: 'cannot-verify' });
    });

    test('a role name entry does not match a user of that name', () => {
      const build: Build = stack => {
        const user = new iam.User(stack, 'Admin', { userName: 'Admin' });
        user.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
        return user.node.findChild('DefaultPolicy');
      };
      expect(verdict(build, ['Admin'])).toMatchObject({ status: 'fail', detail: expect.stringMatching(/user\/Admin/) });
      expect(verdict(build, ['arn:aws:iam::*:user/Admin'])).toMatchObject({ status: 'pass' });
    });

    test('roles with names generated by CloudFormation: fail against literal names, cannot verify against name patterns, pass "*"', () => {
      expect(verdict(adminRole(undefined), [])).toMatchObject({ status: 'fail', detail: expect.stringMatching(/role Stack\/Admin/) });
      expect(verdict(adminRole(undefined), ['Admin'])).toMatchObject({ status: 'fail' });
      expect(verdict(adminRole(undefined), ['Stack-Admin*'])).toMatchObject({
        status: 'cannot-verify', detail: expect.stringMatching(/name CloudFormation generates.*roleName/),
      });
      expect(verdict(adminRole(undefined), ['*'])).toMatchObject({ status: 'pass' });
    });
  });

  describe('where the permissions are granted', () => {
    test('inline policies of a role, a user and a group', () => {
      const document = new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:PutBucketPolicy'], resources: ['*'] })] });
      const stack = newStack();
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), inlinePolicies: { admin: document } });
      const user = new iam.CfnUser(stack, 'User', { userName: 'alice', policies: [{ policyName: 'admin', policyDocument: document }] });
      const group = new iam.CfnGroup(stack, 'Group', { groupName: 'ops', policies: [{ policyName: 'admin', policyDocument: document }] });
      expect(verdictOf(role, 'SB-IAM-1')).toMatchObject({ status: 'fail', subject: 'Stack/Role/Resource' });
      expect(verdictOf(user, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/user\/alice/) });
      expect(verdictOf(group, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/group\/ops/) });
      expect(verdictOf(user, 'SB-IAM-1', { administratorArns: ['arn:aws:iam::*:user/alice'] })).toMatchObject({ status: 'pass' });
    });

    test('an iam.Policy attached to a group, and to an imported role by name', () => {
      const stack = newStack();
      const statement = new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] });
      const group = new iam.Group(stack, 'Ops', { groupName: 'ops' });
      const policy = new iam.Policy(stack, 'GroupPolicy', { statements: [statement], groups: [group] });
      expect(verdictOf(policy, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/group\/ops/) });
      const imported = new iam.Policy(stack, 'ImportedPolicy', { statements: [statement], roles: [iam.Role.fromRoleName(stack, 'Imported', 'Admin')] });
      expect(verdictOf(imported, 'SB-IAM-1', { administratorArns: ['Admin'] })).toMatchObject({ status: 'pass' });
    });

    test('a customer managed policy: judged on the policy with the roles it is attached to from their side', () => {
      const stack = newStack();
      const managed = new iam.ManagedPolicy(stack, 'Managed', { statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })] });
      expect(verdictOf(managed, 'SB-IAM-1')).toMatchObject({ status: 'cannot-verify', detail: expect.stringMatching(/attached to no role/) });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'Ops' });
      role.addManagedPolicy(managed);
      expect(verdictOf(managed, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/role\/Ops/) });
      expect(verdictOf(managed, 'SB-IAM-1', { administratorArns: ['Ops'] })).toMatchObject({ status: 'pass' });
      // The role itself is not judged again for the managed policy of its stack.
      expect(verdictOf(role, 'SB-IAM-1')).toMatchObject({ status: 'pass' });
    });

    test('AWS managed policies: AdministratorAccess and AmazonS3FullAccess fail, read-only ones pass, imported customer ones cannot be verified', () => {
      const withPolicy = (policy: (s: Stack) => iam.IManagedPolicy): Build => stack => new iam.Role(stack, 'Role', {
        assumedBy: new iam.AccountRootPrincipal(), roleName: 'app', managedPolicies: [policy(stack)],
      });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')))).toMatchObject({ status: 'fail' });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3FullAccess')))).toMatchObject({ status: 'fail' });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('PowerUserAccess')))).toMatchObject({ status: 'fail' });
      // It may set the policy and public access block of the buckets of new trails (aws-cloudtrail-logs*).
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AWSCloudTrail_FullAccess')))).toMatchObject({
        status: 'fail', detail: expect.stringMatching(/s3:PutBucketPolicy/),
      });
      expect(verdict(withPolicy(() => iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3ReadOnlyAccess')))).toMatchObject({ status: 'pass' });
      expect(verdict(withPolicy(s => iam.ManagedPolicy.fromManagedPolicyName(s, 'Team', 'team-policy')))).toMatchObject({
        status: 'cannot-verify', detail: expect.stringMatching(/policy\/team-policy/),
      });
    });

    test('a group on the administrators allow-list may hold bucket administration', () => {
      const stack = newStack({ env: ENV });
      const group = new iam.CfnGroup(stack, 'Ops', {
        groupName: 'ops',
        policies: [{ policyName: 'admin', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: '*' }] } }],
      });
      expect(verdictOf(group, 'SB-IAM-1')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/group\/ops/) });
      expect(verdictOf(group, 'SB-IAM-1', { administratorArns: [`arn:aws:iam::${ACCOUNT}:group/ops`] })).toMatchObject({ status: 'pass' });
    });

    test('cannot verify a policy attached to a role named by a parameter', () => {
      const build: Build = stack => new iam.CfnPolicy(stack, 'Policy', {
        policyName: 'p',
        roles: [param(stack).valueAsString],
        policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: '*' }] },
      });
      expect(verdict(build, ['Admin'])).toMatchObject({ status: 'cannot-verify' });
    });
  });
});
