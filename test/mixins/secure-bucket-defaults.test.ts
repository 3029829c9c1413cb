import { CfnParameter, Duration, Mixins, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { FindingLevel, SecureBucket, SecureBucketAspect, SecureBucketDefaults, VpcEndpointOnly } from '../../src';
import { evaluateResource, IndexCache } from '../../src/rules/evaluation';
import { LOGS_USE_BUCKET_POLICY } from '../helpers/compliance';
import { TEST_ACCOUNT } from '../helpers/intrinsics';
import { BucketPolicyEvaluator } from '../helpers/policy-eval';
import { ENV, newApp, newStack } from '../helpers/stacks';
import { logicalId } from '../helpers/templates';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const FIXABLE = ['SB-S3-3', 'SB-S3-5', 'SB-S3-6', 'SB-S3-7', 'SB-S3-9'];
const DECISIONS = ['SB-S3-1', 'SB-S3-4'];
/** Rules this mixin does not fix: key, access logs, minimum TLS version, noncurrent version expiry, retention. */
const NOT_FIXED = ['SB-S3-1', 'SB-S3-4', 'SB-S3-8', 'SB-S3-10', 'SB-S3-11'];

/** Every finding is one the mixin leaves to a decision. */
function expectOnlyDecisions(ids: string[]): void {
  expect(ids).toEqual(expect.arrayContaining(DECISIONS));
  expect(ids.filter(id => !NOT_FIXED.includes(id))).toEqual([]);
}

function cfnOf(bucket: IConstruct): s3.CfnBucket {
  return (bucket.node.defaultChild ?? bucket) as s3.CfnBucket;
}

/** Every rule's status on the bucket, evaluated now by the rule engine (as the Aspect does). */
function statuses(bucket: IConstruct): Record<string, string> {
  const cfn = cfnOf(bucket);
  const outcomes = evaluateResource(cfn, new IndexCache().of(cfn), { administratorArns: [], trustedAccounts: [], excludedRules: new Set() });
  return Object.fromEntries(outcomes.filter(o => o.subjectConstruct === cfn).map(o => [o.rule.id, o.verdict.status]));
}

function failing(bucket: IConstruct): string[] {
  return Object.entries(statuses(bucket)).filter(([, s]) => s === 'fail' || s === 'cannot-verify').map(([id]) => id).sort();
}

function resourceOf(stack: Stack, bucket: IConstruct): any {
  return Template.fromStack(stack).toJSON().Resources[logicalId(bucket)];
}

function policiesOf(stack: Stack, bucket: IConstruct): any[] {
  const id = logicalId(bucket);
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))
    .filter(p => p.Properties.Bucket?.Ref === id);
}

/** The TLS Deny statements of a bucket policy. */
function tlsDenies(policy: any): any[] {
  return policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
}

function abortRules(resource: any): any[] {
  return (resource.Properties.LifecycleConfiguration?.Rules ?? []).filter((r: any) => r.AbortIncompleteMultipartUpload !== undefined);
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('SecureBucketDefaults', () => {
  describe('fixes what needs no decision', () => {
    test('a plain CfnBucket', () => {
      // GIVEN
      const app = newApp();
      const bucket = new s3.CfnBucket(newStack({ scope: app, env: ENV }), 'Raw');
      expect(failing(bucket)).toEqual(expect.arrayContaining([...FIXABLE, ...DECISIONS]));

      // WHEN
      Mixins.of(app).apply(new SecureBucketDefaults());

      // THEN
      const after = statuses(bucket);
      for (const id of FIXABLE) { expect([id, after[id]]).toEqual([id, 'pass']); }
      for (const id of DECISIONS) { expect([id, after[id]]).toEqual([id, 'fail']); }
      expect(after['SB-S3-2']).toBe('not-applicable');
      expectOnlyDecisions(failing(bucket));
    });

    test('a plain s3.Bucket', () => {
      const app = newApp();
      const bucket = new s3.Bucket(newStack({ scope: app, env: ENV }), 'Plain');
      expect(failing(bucket)).toEqual(expect.arrayContaining([...FIXABLE, ...DECISIONS]));

      Mixins.of(app).apply(new SecureBucketDefaults());

      const after = statuses(bucket);
      for (const id of FIXABLE) { expect([id, after[id]]).toEqual([id, 'pass']); }
      for (const id of DECISIONS) { expect([id, after[id]]).toEqual([id, 'fail']); }
      expectOnlyDecisions(failing(bucket));
    });

    test('the bucket key of an SSE-KMS s3.Bucket and CfnBucket, without touching the key', () => {
      const app = newApp();
      const stack = newStack({ scope: app, env: ENV });
      const l2 = new s3.Bucket(stack, 'Kms', { encryption: s3.BucketEncryption.KMS });
      const key = new kms.CfnKey(stack, 'Key', { enableKeyRotation: true });
      const l1 = new s3.CfnBucket(stack, 'RawKms', {
        bucketEncryption: {
          serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.attrArn } }],
        },
      });
      expect(statuses(l2)['SB-S3-2']).toBe('fail');
      expect(statuses(l1)['SB-S3-2']).toBe('fail');

      Mixins.of(app).apply(new SecureBucketDefaults());

      for (const bucket of [l2, l1]) {
        const after = statuses(bucket);
        for (const id of ['SB-S3-2', ...FIXABLE]) { expect([id, after[id]]).toEqual([id, 'pass']); }
      }
      expect(resourceOf(stack, l1).Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } },
        }],
      });
    });

    test('the Aspect then reports only the decisions', () => {
      const app = newApp();
      const stack = newStack({ scope: app, env: ENV });
      new s3.Bucket(stack, 'Plain');
      Mixins.of(app).apply(new SecureBucketDefaults());
      SecureBucketAspect.applyTo(app, { level: FindingLevel.WARNING, report: false });

      const ids = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('^\\[SB-'))
        .map(w => /^\[([^\]]+)\]/.exec(String(w.entry.data))![1]).sort();
      expectOnlyDecisions(ids);
    });

    test('through bucket.with() on an s3.Bucket, the L2 and its CfnBucket are one bucket', () => {
      const stack = newStack({ env: ENV });
      const bucket = new s3.Bucket(stack, 'Plain').with(new SecureBucketDefaults());

      const policies = policiesOf(stack, bucket);
      expect(policies).toHaveLength(1);
      expect(tlsDenies(policies[0])).toHaveLength(1);
      expect(abortRules(resourceOf(stack, bucket))).toHaveLength(1);
      expect((bucket as s3.Bucket).policy).toBeDefined();
    });

    test('the TLS Deny denies requests without TLS, on the bucket and its objects (IAM evaluator)', async () => {
      const stack = newStack({ env: ENV });
      const bucket = new s3.CfnBucket(stack, 'Raw').with(new SecureBucketDefaults());
      const policy = BucketPolicyEvaluator.fromTemplate(Template.fromStack(stack).toJSON(), { bucketLogicalId: logicalId(bucket) });
      const principal = `arn:aws:iam::${TEST_ACCOUNT}:role/app`;

      expect(await policy.evaluate({ principal, action: 's3:GetObject' })).toBe('Allowed');
      expect(await policy.evaluate({ principal, action: 's3:GetObject', context: { 'aws:SecureTransport': 'false' } })).toBe('ExplicitlyDenied');
      expect(await policy.evaluate({ principal, action: 's3:ListBucket', resource: 'bucket', context: { 'aws:SecureTransport': 'false' } }))
        .toBe('ExplicitlyDenied');
    });
  });

  describe('one bucket policy per bucket', () => {
    test('a bare CfnBucket without a policy gets one CfnBucketPolicy next to it', () => {
      const stack = newStack({ env: ENV });
      const bucket = new s3.CfnBucket(stack, 'Raw');
      bucket.with(new SecureBucketDefaults());

      expect(bucket.node.scope!.node.tryFindChild('RawPolicy')).toBeInstanceOf(s3.CfnBucketPolicy);
      expect(policiesOf(stack, bucket)).toHaveLength(1);
    });

    test('an existing CfnBucketPolicy of a CfnBucket is extended, its statements kept', () => {
      const stack = newStack({ env: ENV });
      const bucket = new s3.CfnBucket(stack, 'Raw');
      const read = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:role/reader` }, Action: 's3:GetObject', Resource: '*' };
      new s3.CfnBucketPolicy(stack, 'Existing', { bucket: bucket.ref, policyDocument: { Version: '2012-10-17', Statement: [read] } });

      Mixins.of(stack).apply(new SecureBucketDefaults());

      const policies = policiesOf(stack, bucket);
      expect(policies).toHaveLength(1);
      expect(policies[0].Properties.PolicyDocument.Statement[0]).toEqual(read);
      expect(tlsDenies(policies[0])).toHaveLength(1);
      expect(statuses(bucket)['SB-S3-7']).toBe('pass');
      expect(statuses(bucket)['SB-S3-15']).toBe('pass');
    });

    test('an s3.Bucket whose policy is a separate CfnBucketPolicy does not get a second one', () => {
      const stack = newStack({ env: ENV });
      const bucket = new s3.Bucket(stack, 'Plain');
      new s3.CfnBucketPolicy(stack, 'Existing', {
        bucket: bucket.bucketName,
        policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: TEST_ACCOUNT }, Action: 's3:GetObject', Resource: '*' }] },
      });

      Mixins.of(stack).apply(new SecureBucketDefaults());

      expect(policiesOf(stack, bucket)).toHaveLength(1);
      expect(bucket.policy).toBeUndefined();
      expect(statuses(bucket)['SB-S3-15']).toBe('pass');
      expect(statuses(bucket)['SB-S3-7']).toBe('pass');
    });
  });

  describe('is idempotent', () => {
    function build(times: number, sameInstance: boolean): any {
      const app = newApp();
      const stack = newStack({ scope: app, env: ENV });
      new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.KMS });
      new s3.CfnBucket(stack, 'Raw', { lifecycleConfiguration: { rules: [{ status: 'Enabled', expirationInDays: 30 }] } });
      const mixin = new SecureBucketDefaults();
      for (let i = 0; i < times; i++) {
        Mixins.of(app).apply(sameInstance ? mixin : new SecureBucketDefaults());
      }
      return Template.fromStack(stack).toJSON();
    }

    test('applying twice (one instance or two) gives the template of applying once', () => {
      const once = build(1, true);
      expect(build(2, true)).toEqual(once);
      expect(build(2, false)).toEqual(once);
      expect(build(0, true)).not.toEqual(once);
    });
  });

  describe('leaves decisions alone', () => {
    test('leaves a SecureBucket unchanged (template identical)', () => {
      const build = (apply: boolean) => {
        const app = newApp();
        const stack = newStack({ scope: app, env: ENV });
        const a = new SecureBucket(stack, 'Data');
        new SecureBucket(stack, 'Restricted', { accessRestrictions: [new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'] })] });
        if (apply) {
          a.with(new SecureBucketDefaults());
          Mixins.of(app).apply(new SecureBucketDefaults());
        }
        return Template.fromStack(stack).toJSON();
      };
      expect(build(true)).toEqual(build(false));
    });

    test('a public access block configuration that is set, even partly', () => {
      const stack = newStack({ env: ENV });
      const bucket = new s3.CfnBucket(stack, 'Raw', { publicAccessBlockConfiguration: { blockPublicAcls: true, ignorePublicAcls: true } });
      bucket.with(new SecureBucketDefaults());
      expect(resourceOf(stack, bucket).Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true });
    });

    test('a bucket that an ACL or its policy makes public keeps its access', () => {
      const stack = newStack({ env: ENV });
      const acl = new s3.CfnBucket(stack, 'PublicAcl', { accessControl: 'PublicRead' });
      const policy = new s3.Bucket(stack, 'PublicPolicy');
      policy.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()], actions: ['s3:GetObject'], resources: [policy.arnForObjects('*')],
      }));

      Mixins.of(stack).apply(new SecureBucketDefaults());

      const aclBucket = resourceOf(stack, acl).Properties;
      expect(aclBucket.AccessControl).toBe('PublicRead');
      expect(aclBucket.OwnershipControls).toBeUndefined();
      expect(aclBucket.PublicAccessBlockConfiguration).toBeUndefined();
      expect(resourceOf(stack, policy).Properties.PublicAccessBlockConfiguration).toBeUndefined();
      // The fixes that revoke nothing still apply.
      expect(aclBucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    });

    test('ownership that enables ACLs, and ACLs that grant access', () => {
      const stack = newStack({ env: ENV });
      const writer = new s3.CfnBucket(stack, 'Writer', {
        ownershipControls: { rules: [{ objectOwnership: 'ObjectWriter' }] },
        accessControl: 'Private',
      });
      const logs = new s3.CfnBucket(stack, 'Logs', { accessControl: 'LogDeliveryWrite' });

      Mixins.of(stack).apply(new SecureBucketDefaults());

      expect(resourceOf(stack, writer).Properties).toMatchObject({
        AccessControl: 'Private',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      });
      expect(resourceOf(stack, logs).Properties.AccessControl).toBe('LogDeliveryWrite');
      expect(resourceOf(stack, logs).Properties.OwnershipControls).toBeUndefined();
    });

    test('removes an ACL that grants nothing beyond the owner', () => {
      const stack = newStack({ env: ENV });
      const l1 = new s3.CfnBucket(stack, 'Raw', { accessControl: 'Private' });
      const l2 = new s3.Bucket(stack, 'Plain', { accessControl: s3.BucketAccessControl.BUCKET_OWNER_FULL_CONTROL });

      Mixins.of(stack).apply(new SecureBucketDefaults());

      for (const bucket of [l1, l2]) {
        expect(resourceOf(stack, bucket).Properties.AccessControl).toBeUndefined();
        expect(resourceOf(stack, bucket).Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
        expect(statuses(bucket)['SB-S3-6']).toBe('pass');
      }
    });

    test('an ACL that aws-cdk-lib sets after the mixin ran (server access log target in ACL mode) is respected', () => {
      const app = newApp({ context: { [LOGS_USE_BUCKET_POLICY]: false } });
      const stack = newStack({ scope: app, env: ENV });
      const logs = new s3.Bucket(stack, 'Logs');
      logs.with(new SecureBucketDefaults());
      expect(statuses(logs)['SB-S3-6']).toBe('pass');

      // aws-cdk-lib now gives the target a log-delivery ACL and ObjectWriter ownership.
      new s3.Bucket(stack, 'Source', { serverAccessLogsBucket: logs });

      // BucketOwnerEnforced with that ACL would fail to deploy: the ACL wins.
      expect(resourceOf(stack, logs).Properties).toMatchObject({
        AccessControl: 'LogDeliveryWrite',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      });
    });

    test('versioning Suspended, BucketKeyEnabled false, and the encryption key', () => {
      const stack = newStack({ env: ENV });
      const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const encryption = {
        serverSideEncryptionConfiguration: [{
          bucketKeyEnabled: false,
          serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY_ARN },
        }],
      };
      const bucket = new s3.CfnBucket(stack, 'Raw', { versioningConfiguration: { status: 'Suspended' }, bucketEncryption: encryption });

      bucket.with(new SecureBucketDefaults());

      const props = resourceOf(stack, bucket).Properties;
      expect(props.VersioningConfiguration).toEqual({ Status: 'Suspended' });
      expect(props.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: false,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN },
        }],
      });
    });

    test('keeps existing lifecycle rules and adds the abort rule after them', () => {
      const stack = newStack({ env: ENV });
      const expire = { id: 'Expire', status: 'Enabled', expirationInDays: 30 };
      const l1 = new s3.CfnBucket(stack, 'Raw', { lifecycleConfiguration: { rules: [expire] } });
      const l2 = new s3.Bucket(stack, 'Plain', { lifecycleRules: [{ id: 'Expire', expiration: Duration.days(30) }] });

      Mixins.of(stack).apply(new SecureBucketDefaults());

      for (const bucket of [l1, l2]) {
        const rules = resourceOf(stack, bucket).Properties.LifecycleConfiguration.Rules;
        expect(rules.map((r: any) => r.Id)).toEqual(['Expire', 'AbortIncompleteMultipartUploads']);
        expect(rules[1]).toEqual({ Id: 'AbortIncompleteMultipartUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
      }
    });

    test('a value that is a token: versioning from a parameter stays "cannot verify"', () => {
      const stack = newStack({ env: ENV });
      const status = new CfnParameter(stack, 'Versioning', { default: 'Enabled' });
      const bucket = new s3.CfnBucket(stack, 'Raw', { versioningConfiguration: { status: status.valueAsString } });

      bucket.with(new SecureBucketDefaults());

      expect(resourceOf(stack, bucket).Properties.VersioningConfiguration).toEqual({ Status: { Ref: 'Versioning' } });
      expect(statuses(bucket)['SB-S3-3']).toBe('cannot-verify');
    });
  });

  describe('supports', () => {
    test('true for CfnBucket, s3.Bucket and SecureBucket', () => {
      const stack = newStack({ env: ENV });
      const mixin = new SecureBucketDefaults();
      const plain = new s3.Bucket(stack, 'Plain');
      const secure = new SecureBucket(stack, 'Secure');
      expect(mixin.supports(new s3.CfnBucket(stack, 'Raw'))).toBe(true);
      expect(mixin.supports(plain)).toBe(true);
      expect(mixin.supports(plain.node.defaultChild!)).toBe(true);
      expect(mixin.supports(secure)).toBe(true);
    });

    test('false for anything else, including imported buckets', () => {
      const stack = newStack({ env: ENV });
      const mixin = new SecureBucketDefaults();
      const plain = new s3.Bucket(stack, 'Plain');
      const others: IConstruct[] = [
        stack,
        new kms.Key(stack, 'Key'),
        s3.Bucket.fromBucketName(stack, 'Imported', 'imported-bucket'),
        new s3.CfnBucketPolicy(stack, 'Policy', { bucket: plain.bucketName, policyDocument: {} }),
        new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }),
      ];
      for (const other of others) {
        expect([other.node.path, mixin.supports(other)]).toEqual([other.node.path, false]);
      }
    });

    test('fails when applied directly to something that is not a bucket', () => {
      const stack = newStack({ env: ENV });
      expect(() => new SecureBucketDefaults().applyTo(new kms.Key(stack, 'Key'))).toThrow(/is not a bucket defined in this app/);
    });
  });
});
