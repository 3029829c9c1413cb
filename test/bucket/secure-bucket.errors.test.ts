/** SecureBucket refusing what contradicts a guarantee: props, log targets, and changes made after construction. */
import { CfnParameter, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessLogsBucket, SecureBucket, SecureBucketProps } from '../../src';
import { ACCOUNT, ENV, newApp, newStack, OTHER_ACCOUNT, REGION } from '../helpers/stacks';

describe('SecureBucket', () => {
  describe('invalid props', () => {
    const customBpa = new s3.BlockPublicAccess({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: false,
    });
    const INVALID: Array<[string, SecureBucketProps, RegExp]> = [
      ['versioned false', { versioned: false },
        /\[Stack\/Data\] 'versioned' cannot be false: .*\(got false\)\. Remove the prop\./],
      ['encryption S3_MANAGED', { encryption: s3.BucketEncryption.S3_MANAGED },
        /'encryption' must be BucketEncryption\.KMS.*\(got "S3_MANAGED"\)\. Remove the prop, or pass encryptionKey/],
      ['encryption KMS_MANAGED', { encryption: s3.BucketEncryption.KMS_MANAGED },
        /'encryption' must be BucketEncryption\.KMS.*\(got "KMS_MANAGED"\)\. Remove the prop, or pass encryptionKey/],
      ['bucketKeyEnabled false', { bucketKeyEnabled: false },
        /'bucketKeyEnabled' cannot be false.*\(got false\)\. Remove the prop\./],
      ['blockPublicAccess BLOCK_ACLS_ONLY', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY },
        /'blockPublicAccess' must block all public access, but blockPublicPolicy, restrictPublicBuckets are not true \(got BlockPublicAccess .*"blockPublicPolicy":false.*\)\. Remove the prop \(BlockPublicAccess\.BLOCK_ALL is the default\)/],
      ['blockPublicAccess with restrictPublicBuckets false', { blockPublicAccess: customBpa },
        /'blockPublicAccess' must block all public access, but restrictPublicBuckets is not true \(got .*"restrictPublicBuckets":false.*\)\. Remove the prop/],
      ['publicReadAccess true', { publicReadAccess: true },
        /'publicReadAccess' cannot be true.*\(got true\)\. Serve public content through CloudFront/],
      ['objectOwnership OBJECT_WRITER', { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER },
        /'objectOwnership' must be ObjectOwnership\.BUCKET_OWNER_ENFORCED.*\(got "ObjectWriter"\)\. Remove the prop\./],
      ['accessControl set', { accessControl: s3.BucketAccessControl.PRIVATE },
        /'accessControl' is not accepted.*\(got "Private"\)\. Remove the prop and grant access with IAM policies/],
      ['enforceSSL false', { enforceSSL: false },
        /'enforceSSL' cannot be false.*\(got false\)\. Remove the prop\./],
      ['eventBridgeEnabled false', { eventBridgeEnabled: false },
        /'eventBridgeEnabled' cannot be false.*\(got false\)\. Remove the prop\./],
      ['minimumTLSVersion 1.1', { minimumTLSVersion: 1.1 },
        /'minimumTLSVersion' must be 1\.2 or 1\.3.*\(got 1\.1\)\. Use 1\.2 \(the default\) or 1\.3\./],
      ['minimumTLSVersion 1.0', { minimumTLSVersion: 1.0 },
        /'minimumTLSVersion' must be 1\.2 or 1\.3.*\(got 1\)\. Use 1\.2/],
      ['minimumTLSVersion 1.4', { minimumTLSVersion: 1.4 },
        /'minimumTLSVersion' must be 1\.2 or 1\.3.*\(got 1\.4\)\. Use 1\.2/],
      ['bucketName with uppercase letters', { bucketName: 'MyBucket' },
        /'bucketName' is not a valid S3 bucket name: only lowercase.*\(got "MyBucket"\)\. Use 3 to 63 lowercase letters/],
      ['bucketName too short', { bucketName: 'ab' },
        /'bucketName' is not a valid S3 bucket name: it has 2 characters, not 3 to 63 \(got "ab"\)\. Use 3 to 63/],
      ['bucketName too long', { bucketName: 'a'.repeat(64) },
        /'bucketName' is not a valid S3 bucket name: it has 64 characters, not 3 to 63 \(got "a{64}"\)\. Use 3 to 63/],
      ['bucketName formatted as an IP address', { bucketName: '192.168.5.4' },
        /'bucketName' is not a valid S3 bucket name: it must not be formatted as an IP address \(got "192\.168\.5\.4"\)\. Use 3 to 63/],
      ['bucketName with two adjacent dots', { bucketName: 'my..bucket' },
        /'bucketName' is not a valid S3 bucket name: it must not contain two adjacent dots \(got "my\.\.bucket"\)\. Use 3 to 63/],
      ['bucketName starting with a hyphen', { bucketName: '-bucket' },
        /'bucketName' is not a valid S3 bucket name: it must start and end with a letter or digit \(got "-bucket"\)/],
      ['bucketName with the reserved prefix xn--', { bucketName: 'xn--bucket' },
        /'bucketName' is not a valid S3 bucket name: it must not start with the reserved prefix 'xn--' \(got "xn--bucket"\)\. Use 3 to 63/],
      ['bucketName with the reserved prefix sthree-', { bucketName: 'sthree-bucket' },
        /reserved prefix 'sthree-' \(got "sthree-bucket"\)/],
      ['bucketName with the reserved suffix -s3alias', { bucketName: 'bucket-s3alias' },
        /'bucketName' is not a valid S3 bucket name: it must not end with the reserved suffix '-s3alias' \(got "bucket-s3alias"\)\. Use 3 to 63/],
      ['bucketName with the reserved suffix --ol-s3', { bucketName: 'bucket--ol-s3' },
        /reserved suffix '--ol-s3' \(got "bucket--ol-s3"\)/],
      ['noncurrentVersionExpiration of 0 days', { noncurrentVersionExpiration: Duration.days(0) },
        /'noncurrentVersionExpiration' must be a whole number of days, at least 1 \(got "0 days"\)\. Use Duration\.days\(n\) with n >= 1\./],
      ['noncurrentVersionExpiration of a fractional number of days', { noncurrentVersionExpiration: Duration.hours(36) },
        /'noncurrentVersionExpiration' must be a whole number of days, at least 1 \(got "1 day 12 hours"\)\. Use Duration\.days\(n\)/],
      ['abortIncompleteMultipartUploadAfter of 0 days', { abortIncompleteMultipartUploadAfter: Duration.days(0) },
        /'abortIncompleteMultipartUploadAfter' must be a whole number of days, at least 1 \(got "0 days"\)\. Use Duration\.days\(n\)/],
      ['lifecycle expiration of 0 days', { lifecycleRules: [{ expiration: Duration.days(0) }] },
        /'lifecycleRules\[0\]\.expiration' must be a whole number of days, at least 1 \(got "0 days"\)\. Use Duration\.days\(n\)/],
      ['lifecycle expiration of a fractional number of days', { lifecycleRules: [{ expiration: Duration.hours(12) }] },
        /'lifecycleRules\[0\]\.expiration' must be a whole number of days, at least 1 \(got "12 hours"\)/],
      ['lifecycle noncurrentVersionExpiration of 0 days', { lifecycleRules: [{}, { noncurrentVersionExpiration: Duration.days(0) }] },
        /'lifecycleRules\[1\]\.noncurrentVersionExpiration' must be a whole number of days, at least 1 \(got "0 days"\)/],
      ['noncurrentVersionsToRetain 0', { noncurrentVersionsToRetain: 0 },
        /'noncurrentVersionsToRetain' must be a whole number from 1 to 100.*\(got 0\)\. Use a number such as 3, or omit it\./],
      ['noncurrentVersionsToRetain 101', { noncurrentVersionsToRetain: 101 },
        /'noncurrentVersionsToRetain' must be a whole number from 1 to 100.*\(got 101\)\. Use a number such as 3/],
      ['noncurrentVersionsToRetain 1.5', { noncurrentVersionsToRetain: 1.5 },
        /'noncurrentVersionsToRetain' must be a whole number from 1 to 100.*\(got 1\.5\)\. Use a number such as 3/],
      ['a noncurrent transition not shorter than the default noncurrent expiration', {
        lifecycleRules: [{ noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) }] }],
      }, /'lifecycleRules\[0\]\.noncurrentVersionTransitions\[0\]\.transitionAfter' is not shorter than noncurrentVersionExpiration \(90 days\).*\(got "90 days"\)\. Lower the transition, or raise noncurrentVersionExpiration above 90 days\./],
      ['a noncurrent transition longer than the rule\'s own noncurrent expiration', {
        lifecycleRules: [{
          noncurrentVersionExpiration: Duration.days(30),
          noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(60) }],
        }],
      }, /'lifecycleRules\[0\]\.noncurrentVersionTransitions\[0\]\.transitionAfter' is not shorter than lifecycleRules\[0\]\.noncurrentVersionExpiration \(30 days\).*\(got "60 days"\)\. Lower the transition/],
      ['autoDeleteObjects without removalPolicy DESTROY', { autoDeleteObjects: true },
        /'autoDeleteObjects' needs removalPolicy: RemovalPolicy\.DESTROY.*\(got true\)\. Set removalPolicy: RemovalPolicy\.DESTROY as well/],
      ['autoDeleteObjects with removalPolicy RETAIN', { autoDeleteObjects: true, removalPolicy: RemovalPolicy.RETAIN },
        /'autoDeleteObjects' needs removalPolicy: RemovalPolicy\.DESTROY \(removalPolicy is retain\) \(got true\)/],
    ];

    test.each(INVALID)('fails on %s', (_name, props, message) => {
      const stack = newStack();
      expect(() => new SecureBucket(stack, 'Data', props)).toThrow(message);
    });

    test('fails before creating any construct', () => {
      const stack = newStack();
      expect(() => new SecureBucket(stack, 'Data', { versioned: false })).toThrow();
      expect(stack.node.tryFindChild('Data')).toBeUndefined();
      expect(stack.node.tryFindChild(AccessLogsBucket.STACK_DEFAULT_ID)).toBeUndefined();
    });

    test('accepts a valid bucket name with dots and digits (the counterpart of the bucketName cases above)', () => {
      const stack = newStack();
      expect(() => new SecureBucket(stack, 'Data', { bucketName: 'my.bucket-01' })).not.toThrow();
    });

    test('fails to synthesize when the encryptionKey is destroyed but the bucket is retained', () => {
      // GIVEN
      const stack = newStack();
      const key = new kms.Key(stack, 'MyKey', { removalPolicy: RemovalPolicy.DESTROY });

      // WHEN
      new SecureBucket(stack, 'Data', { encryptionKey: key });

      // THEN
      expect(() => Template.fromStack(stack)).toThrow(
        /\[Stack\/Data\] 'encryptionKey' Stack\/MyKey has removal policy DESTROY but the bucket's removal policy is RETAIN.*unreadable.*Give the key RemovalPolicy\.RETAIN, or destroy the bucket with autoDeleteObjects: true\./s);
    });

    test('fails to synthesize when the encryptionKey is destroyed and the bucket is destroyed without autoDeleteObjects', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'MyKey', { removalPolicy: RemovalPolicy.DESTROY });
      new SecureBucket(stack, 'Data', { encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY });
      expect(() => Template.fromStack(stack)).toThrow(/'encryptionKey' Stack\/MyKey has removal policy DESTROY but the bucket's removal policy is DESTROY without autoDeleteObjects/);
    });
  });

  describe('invalid log targets', () => {
    const notSupported = /\[Stack\/Data\] 'serverAccessLogsBucket' uses SSE-KMS default encryption, which AWS does not support on a server access log target \(got "Stack\/Logs"\)\. Use an AccessLogsBucket \(SSE-S3\), or remove the prop\./;

    test('fails on a bucket encrypted with a customer-managed KMS key', () => {
      const stack = newStack();
      const logs = new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.KMS });
      expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs })).toThrow(notSupported);
    });

    test('fails on a bucket encrypted with the AWS-managed KMS key', () => {
      const stack = newStack();
      const logs = new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.KMS_MANAGED });
      expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs })).toThrow(notSupported);
    });

    test('fails on an imported bucket with an encryption key', () => {
      const stack = newStack();
      const logs = s3.Bucket.fromBucketAttributes(stack, 'Logs', {
        bucketName: 'some-logs',
        encryptionKey: kms.Key.fromKeyArn(stack, 'LogsKey', 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
      });
      expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs })).toThrow(notSupported);
    });

    test('fails on another SecureBucket', () => {
      const stack = newStack();
      const logs = new SecureBucket(stack, 'Logs');
      expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs })).toThrow(notSupported);
    });

    test('fails on the bucket itself, referenced by its name', () => {
      const stack = newStack();
      const itself = s3.Bucket.fromBucketName(stack, 'Logs', 'my-data-bucket');
      expect(() => new SecureBucket(stack, 'Data', { bucketName: 'my-data-bucket', serverAccessLogsBucket: itself }))
        .toThrow(/\[Stack\/Data\] 'serverAccessLogsBucket' is the bucket itself: a bucket cannot log to itself \(got "Stack\/Logs"\)\. Remove the prop to use the stack's AccessLogsBucket\./);
    });

    test('accepts an imported bucket with another name (the counterpart of the test above)', () => {
      const stack = newStack();
      const other = s3.Bucket.fromBucketName(stack, 'Logs', 'my-log-bucket');
      expect(() => new SecureBucket(stack, 'Data', { bucketName: 'my-data-bucket', serverAccessLogsBucket: other })).not.toThrow();
    });

    test('fails on a bucket with an Object Lock default retention', () => {
      const stack = newStack();
      const logs = new s3.Bucket(stack, 'Logs', {
        objectLockEnabled: true,
        objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(1)),
      });
      expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs }))
        .toThrow(/\[Stack\/Data\] 'serverAccessLogsBucket' has an Object Lock default retention.*\(got "Stack\/Logs"\)\. Use an AccessLogsBucket, or remove the default retention/);
    });

    test('accepts a bucket with Object Lock but no default retention', () => {
      const stack = newStack();
      const logs = new s3.Bucket(stack, 'Logs', { objectLockEnabled: true });
      expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs })).not.toThrow();
    });

    test('fails on a log bucket in another account', () => {
      const app = newApp();
      const here = new Stack(app, 'Stack', { env: ENV });
      const there = new Stack(app, 'There', { env: { account: OTHER_ACCOUNT, region: REGION } });
      const logs = new AccessLogsBucket(there, 'Logs');
      expect(() => new SecureBucket(here, 'Data', { serverAccessLogsBucket: logs }))
        .toThrow(/\[Stack\/Data\] 'serverAccessLogsBucket' is in account 222222222222, but the bucket is in account 111111111111.*\(got "There\/Logs"\)\. Use a log bucket in the same account\./);
    });

    test('fails on a log bucket in another region', () => {
      const app = newApp();
      const here = new Stack(app, 'Stack', { env: ENV });
      const there = new Stack(app, 'There', { env: { account: ACCOUNT, region: 'eu-west-1' } });
      const logs = new AccessLogsBucket(there, 'Logs');
      expect(() => new SecureBucket(here, 'Data', { serverAccessLogsBucket: logs }))
        .toThrow(/\[Stack\/Data\] 'serverAccessLogsBucket' is in region eu-west-1, but the bucket is in region us-east-1.*\(got "There\/Logs"\)\. Use a log bucket in the same region\./);
    });

    test('fails on an imported log bucket in another region', () => {
      const stack = newStack({ env: ENV });
      const logs = s3.Bucket.fromBucketAttributes(stack, 'Logs', { bucketName: 'far-logs', region: 'eu-west-1' });
      expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs }))
        .toThrow(/'serverAccessLogsBucket' is in region eu-west-1, but the bucket is in region us-east-1/);
    });
  });
});

describe('SecureBucket guarantees after construction', () => {
  test.each([
    ['versioning suspended by a core mixin', (b: SecureBucket) => b.with(new s3.mixins.BucketVersioning(false)), /versioning is not Enabled/],
    ['a public access block setting turned off on the L1', (b: SecureBucket) => {
      (b.node.defaultChild as s3.CfnBucket).publicAccessBlockConfiguration = {
        blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true,
      };
    }, /public access block blockPublicPolicy is not true/],
    ['object ownership changed on the L1', (b: SecureBucket) => {
      (b.node.defaultChild as s3.CfnBucket).ownershipControls = { rules: [{ objectOwnership: 'ObjectWriter' }] };
    }, /object ownership is \["ObjectWriter"\], not BucketOwnerEnforced/],
    ['an ACL set on the L1', (b: SecureBucket) => {
      (b.node.defaultChild as s3.CfnBucket).accessControl = 'PublicRead';
    }, /an ACL \(PublicRead\) is set/],
    ['SSE-S3 set on the L1', (b: SecureBucket) => {
      (b.node.defaultChild as s3.CfnBucket).bucketEncryption = {
        serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      };
    }, /default encryption is not SSE-KMS with a customer-managed key/],
    ['logging removed from the L1', (b: SecureBucket) => {
      (b.node.defaultChild as s3.CfnBucket).loggingConfiguration = undefined;
    }, /server access logging is off/],
    ['versioning suspended through a token on the L1', (b: SecureBucket) => {
      (b.node.defaultChild as s3.CfnBucket).versioningConfiguration = Lazy.any({ produce: () => ({ status: 'Suspended' }) });
    }, /versioning is not Enabled/],
    ['the Bucket Key turned off through a token inside the encryption rule', (b: SecureBucket) => {
      const cfn = b.node.defaultChild as s3.CfnBucket;
      const encryption = cfn.bucketEncryption as s3.CfnBucket.BucketEncryptionProperty;
      const rule = encryption.serverSideEncryptionConfiguration as s3.CfnBucket.ServerSideEncryptionRuleProperty[];
      cfn.bucketEncryption = { serverSideEncryptionConfiguration: [{ ...rule[0], bucketKeyEnabled: Lazy.any({ produce: () => false }) as any }] };
    }, /the S3 Bucket Key is off/],
  ])('fails to synthesize when %s', (_name, weaken, message) => {
    // GIVEN a SecureBucket
    const stack = newStack();
    const bucket = new SecureBucket(stack, 'Data');
    // WHEN a guarantee is weakened after construction
    weaken(bucket);
    // THEN synth fails, naming the guarantee and the fix
    expect(() => Template.fromStack(stack)).toThrow(message);
    expect(() => Template.fromStack(stack)).toThrow(/weakened a guarantee after construction; remove that change/);
  });

  test('guarantees kept through tokens synthesize', () => {
    const stack = newStack();
    const cfn = new SecureBucket(stack, 'Data').node.defaultChild as s3.CfnBucket;
    cfn.versioningConfiguration = { status: Lazy.string({ produce: () => 'Enabled' }) };
    cfn.ownershipControls = Lazy.any({ produce: () => ({ rules: [{ objectOwnership: 'BucketOwnerEnforced' }] }) });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('a mixin that keeps the guarantees synthesizes', () => {
    const stack = newStack();
    new SecureBucket(stack, 'Data').with(new s3.mixins.BucketVersioning(true));
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

describe('SecureBucket lifecycle checks', () => {
  test('fails when a noncurrent transition comes after the default 90-day expiration, even if the rule keeps versions longer', () => {
    const stack = newStack();
    expect(() => new SecureBucket(stack, 'Data', {
      lifecycleRules: [{
        noncurrentVersionExpiration: Duration.days(200),
        noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(120) }],
      }],
    })).toThrow(/'lifecycleRules\[0\]\.noncurrentVersionTransitions\[0\]\.transitionAfter' is not shorter than noncurrentVersionExpiration \(90 days\).*raise noncurrentVersionExpiration above 120 days/);
  });

  test('accepts the transition when noncurrentVersionExpiration is raised above it', () => {
    const stack = newStack();
    expect(() => new SecureBucket(stack, 'Data', {
      noncurrentVersionExpiration: Duration.days(365),
      lifecycleRules: [{
        noncurrentVersionExpiration: Duration.days(200),
        noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(120) }],
      }],
    })).not.toThrow();
  });
});

describe('SecureBucket replicationSourceRoleArns', () => {
  test.each([
    [[], 'SecureBucket.ReplicationSourceRoleArnsEmpty', /'replicationSourceRoleArns' cannot be an empty list/],
    [['arn:aws:iam::222222222222:role/*'], 'SecureBucket.ReplicationSourceRoleArnMalformed', /'replicationSourceRoleArns\[0\]'.*no wildcard/],
    [['arn:aws:iam::222222222222:user/replicator'], 'SecureBucket.ReplicationSourceRoleArnMalformed', /'replicationSourceRoleArns\[0\]'/],
    [['arn:aws:iam::222222222222:role/r', 'arn:aws:iam::222222222222:role/r'], 'SecureBucket.ReplicationSourceRoleArnDuplicate', /'replicationSourceRoleArns\[1\]'/],
  ])('fails: %j', (arns, code, message) => {
    const stack = newStack({ env: ENV });
    expect(() => new SecureBucket(stack, 'Data', { replicationSourceRoleArns: arns })).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  test('accepts a token role ARN', () => {
    const stack = newStack({ env: ENV });
    const arn = new CfnParameter(stack, 'SourceRole').valueAsString;
    new SecureBucket(stack, 'Data', { replicationSourceRoleArns: [arn] });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowReplicationFromSourceRole1', Condition: { ArnEquals: { 'aws:PrincipalArn': { Ref: 'SourceRole' } } } })]) },
    });
  });

  test('the key the bucket created lets the role encrypt replicas through S3 in the bucket\'s region only', () => {
    const stack = newStack({ env: ENV });
    new SecureBucket(stack, 'Data', { replicationSourceRoleArns: [`arn:aws:iam::${OTHER_ACCOUNT}:role/replication`] });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowReplicaEncryptionForSourceRole1',
          Action: ['kms:Encrypt', 'kms:Decrypt'],
          Condition: Match.objectLike({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${OTHER_ACCOUNT}:role/replication` } }),
        })]),
      },
    });
  });
});
