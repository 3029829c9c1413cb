/**
 * Every rule of the registry on compliant and noncompliant L1 and L2 resources, a token and the Aspect; and
 * which buckets the engine judges as log targets.
 */
import { Aws, CfnCondition, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FindingLevel, SecureBucketAspect } from '../../src';
import { EvaluationOptionsInput } from '../../src/rules/evaluation';
import { ALL_RULES } from '../../src/rules/registry';
import { COMPLIANCE_APP, verdictOf } from '../helpers/compliance';
import {
  Build, compliantL1, compliantL2, compliantLogBucketL2, ENCRYPTION, l1Bucket, l1Identity, l1LogBucket, l1Policy, l2Bucket, l2Identity, minTlsDeny,
  param, tlsDeny,
} from '../helpers/compliant-buckets';
import { ACCOUNT, ENV, newApp, newStack, OTHER_ACCOUNT } from '../helpers/stacks';

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
  const verdict = (build: Build) => verdictOf(build(newStack({ app: COMPLIANCE_APP, env: c.env })), c.id, c.options);

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
    const app = newApp(COMPLIANCE_APP);
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
    const logs = l1LogBucket(b => b.addPropertyDeletionOverride('BucketEncryption'))(newStack({ app: COMPLIANCE_APP }));
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'pass' });
    for (const id of ['SB-S3-1', 'SB-S3-2', 'SB-S3-4', 'SB-KMS-1', 'SB-KMS-2']) {
      expect(verdictOf(logs, id)).toEqual({ status: 'not-applied' });
    }
    for (const id of ['SB-S3-3', 'SB-S3-5', 'SB-S3-6', 'SB-S3-7', 'SB-S3-8', 'SB-S3-9', 'SB-S3-10', 'SB-S3-11']) {
      expect(verdictOf(logs, id)).toMatchObject({ status: 'pass' });
    }
  });

  test('a target named by a literal bucket name is recognised', () => {
    const stack = newStack({ app: COMPLIANCE_APP });
    const logs = compliantLogBucketL2(stack, 'NamedLogs', { bucketName: 'central-access-logs' });
    compliantL1(stack); // logs to 'central-access-logs'
    expect(verdictOf(logs, 'SB-S3-4')).toEqual({ status: 'not-applied' });
    // No log-delivery statement and no LogDeliveryWrite ACL: S3 cannot deliver.
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/logging.s3.amazonaws.com/) });
  });

  test('a bucket with a log-delivery statement is a log target even when its sources are in another stack', () => {
    const app = newApp(COMPLIANCE_APP);
    const logs = compliantLogBucketL2(new Stack(app, 'Logs'), 'Logs', { bucketName: 'shared-logs' });
    compliantL2(new Stack(app, 'Data'), 'Data', { bucketName: 'data-bucket', serverAccessLogsBucket: logs });
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'pass' });
    expect(verdictOf(logs, 'SB-S3-1')).toEqual({ status: 'not-applied' });
  });

  test('fails a log target with Object Lock default retention or SSE-KMS', () => {
    const logs = l1LogBucket(b => {
      b.objectLockEnabled = true;
      b.objectLockConfiguration = { objectLockEnabled: 'Enabled', rule: { defaultRetention: { mode: 'GOVERNANCE', days: 1 } } };
    })(newStack({ app: COMPLIANCE_APP }));
    expect(verdictOf(logs, 'SB-S3-16')).toMatchObject({ status: 'fail', detail: 'Object Lock has a default retention' });
  });

  test('fails a bucket that logs to itself, and does not make it a log bucket', () => {
    const { bucket } = compliantL1(newStack({ app: COMPLIANCE_APP }));
    bucket.loggingConfiguration = { destinationBucketName: bucket.ref };
    expect(verdictOf(bucket, 'SB-S3-4')).toMatchObject({ status: 'fail', detail: 'the bucket logs to itself' });
    expect(verdictOf(bucket, 'SB-S3-16')).toEqual({ status: 'not-applied' });
    bucket.loggingConfiguration = { logFilePrefix: 'self/' };
    expect(verdictOf(bucket, 'SB-S3-4')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/logs to itself/) });
  });

  test('passes a data bucket logging to a bucket of another stack', () => {
    const app = newApp(COMPLIANCE_APP);
    const logs = compliantLogBucketL2(new Stack(app, 'Logs'), 'Logs');
    const data = compliantL2(new Stack(app, 'Data'), 'Data', { serverAccessLogsBucket: logs, bucketName: 'data-bucket' });
    expect(verdictOf(data, 'SB-S3-4')).toMatchObject({ status: 'pass' });
  });
});
