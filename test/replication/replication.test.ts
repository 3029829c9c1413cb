import { App, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RoleOnly, SecureBucket } from '../../src';
import { resolveIntrinsics } from '../helpers/intrinsics';
import { ACCOUNT, ENV, newApp, newStack } from '../helpers/stacks';

const OTHER_KEY_ARN = 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SAME_ACCOUNT_KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROOT_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] };

/** The replication role's policy document, with intrinsics resolved for the test environment. */
function rolePolicy(stack: Stack): any {
  const template = Template.fromStack(stack).toJSON();
  const policies = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::IAM::ManagedPolicy');
  expect(policies).toHaveLength(1);
  return resolveIntrinsics(template, policies[0].Properties.PolicyDocument);
}

const SOURCE = 'arn:aws:s3:::data666c94c7';
const REPLICA = 'arn:aws:s3:::replicaddfb2a87';

describe('SecureBucket replication', () => {
  test('replicates SSE-KMS objects to a SecureBucket, re-encrypted with its key, delete markers not replicated', () => {
    // GIVEN
    const stack = newStack({ env: ENV });
    const replica = new SecureBucket(stack, 'Replica');
    // WHEN
    new SecureBucket(stack, 'Data', { replication: { destination: replica } });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataReplicationRole'), 'Arn'] },
        Rules: [{
          Id: 'ReplicateTo1',
          Priority: 1,
          Status: 'Enabled',
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: {
            Bucket: { 'Fn::GetAtt': [stack.resolve((replica.node.defaultChild as s3.CfnBucket).logicalId), 'Arn'] },
            EncryptionConfiguration: { ReplicaKmsKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicaKey'), 'Arn'] } },
            Account: Match.absent(),
            AccessControlTranslation: Match.absent(),
            ReplicationTime: Match.absent(),
            Metrics: Match.absent(),
          },
        }],
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' } }] },
    });
  });

  test('the role has exactly the documented least-privilege statements', () => {
    const stack = newStack({ env: ENV });
    const replica = new SecureBucket(stack, 'Replica');
    new SecureBucket(stack, 'Data', { replication: { destination: replica } });
    const kmsConditions = (bucket: string) => ({
      StringLike: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': [bucket, `${bucket}/*`] },
    });
    expect(rolePolicy(stack).Statement).toEqual([
      { Sid: 'SourceBucket', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: SOURCE },
      {
        Sid: 'SourceObjects',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        Resource: `${SOURCE}/*`,
      },
      { Sid: 'DecryptSource', Effect: 'Allow', Action: 'kms:Decrypt', Resource: expect.stringMatching(/^arn:aws:kms:us-east-1:111111111111:key\//), Condition: kmsConditions(SOURCE) },
      { Sid: 'ReplicateTo1', Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateTags'], Resource: `${REPLICA}/*` },
      {
        Sid: 'EncryptReplicas1',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: expect.stringMatching(/^arn:aws:kms:us-east-1:111111111111:key\//),
        Condition: kmsConditions(REPLICA),
      },
    ]);
  });

  test('delete-marker replication adds s3:ReplicateDelete and nothing else', () => {
    const stack = newStack({ env: ENV });
    const replica = new SecureBucket(stack, 'Replica');
    new SecureBucket(stack, 'Data', { replication: { destination: replica, deleteMarkerReplication: true } });
    const statement = rolePolicy(stack).Statement.find((s: any) => s.Sid === 'ReplicateTo1');
    expect(statement.Action).toEqual(['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags']);
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: { Rules: [Match.objectLike({ DeleteMarkerReplication: { Status: 'Enabled' } })] },
    });
  });

  test('replication time control comes with metrics, storage class and prefix are rendered', () => {
    const stack = newStack({ env: ENV });
    const replica = new SecureBucket(stack, 'Replica');
    new SecureBucket(stack, 'Data', {
      replication: { destination: replica, replicationTime: true, storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, prefix: 'reports/' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Rules: [Match.objectLike({
          Filter: { Prefix: 'reports/' },
          Destination: Match.objectLike({
            StorageClass: 'GLACIER_IR',
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          }),
        })],
      },
    });
  });

  test('several destinations get their own rules, priorities and statements', () => {
    const stack = newStack({ env: ENV });
    const a = new SecureBucket(stack, 'ReplicaA');
    const b = new SecureBucket(stack, 'ReplicaB');
    const source = new SecureBucket(stack, 'Data', { replication: { destination: a } });
    source.addReplicationDestination({ destination: b, prefix: 'critical/', ruleId: 'Critical' });
    const cfn = stack.resolve((source.node.defaultChild as s3.CfnBucket).replicationConfiguration);
    expect(cfn.rules.map((r: any) => [r.id, r.priority, r.filter.prefix])).toEqual([['ReplicateTo1', 1, ''], ['Critical', 2, 'critical/']]);
    expect(rolePolicy(stack).Statement.map((s: any) => s.Sid)).toEqual(
      ['SourceBucket', 'SourceObjects', 'DecryptSource', 'ReplicateTo1', 'EncryptReplicas1', 'ReplicateTo2', 'EncryptReplicas2']);
    expect(source.replicationRole).toBeDefined();
  });

  test('cross-account: destination account, replica owner override and its permission', () => {
    const stack = newStack({ env: ENV });
    const replica = s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::dr-replica');
    const key = kms.Key.fromKeyArn(stack, 'ReplicaKey', OTHER_KEY_ARN);
    new SecureBucket(stack, 'Data', { replication: { destination: replica, destinationKey: key, destinationAccount: '222222222222' } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Rules: [Match.objectLike({
          Destination: {
            Bucket: 'arn:aws:s3:::dr-replica',
            Account: '222222222222',
            AccessControlTranslation: { Owner: 'Destination' },
            EncryptionConfiguration: { ReplicaKmsKeyID: OTHER_KEY_ARN },
          },
        })],
      },
    });
    const statements = rolePolicy(stack).Statement;
    expect(statements.find((s: any) => s.Sid === 'ReplicateTo1')).toEqual({
      Sid: 'ReplicateTo1',
      Effect: 'Allow',
      Resource: 'arn:aws:s3:::dr-replica/*',
      Action: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
    });
    expect(statements.find((s: any) => s.Sid === 'EncryptReplicas1').Resource).toEqual(OTHER_KEY_ARN);
  });

  test('an imported destination in another region: the role may encrypt replicas through S3 of the key\'s region, where the destination is', () => {
    const stack = newStack({ env: ENV }); // us-east-1
    const replica = s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::dr-replica');
    const key = kms.Key.fromKeyArn(stack, 'ReplicaKey', OTHER_KEY_ARN); // eu-west-1
    new SecureBucket(stack, 'Data', { replication: { destination: replica, destinationKey: key, destinationAccount: '222222222222' } });
    const statements = rolePolicy(stack).Statement;
    expect(statements.find((s: any) => s.Sid === 'EncryptReplicas1').Condition.StringLike['kms:ViaService'])
      .toBe('s3.eu-west-1.amazonaws.com');
    // The source's key is still used by S3 of the source's region.
    expect(statements.find((s: any) => s.Sid === 'DecryptSource').Condition.StringLike['kms:ViaService'])
      .toBe('s3.us-east-1.amazonaws.com');
  });

  test.each([
    ['a SecureBucket of this app', (stack: Stack) => new SecureBucket(new Stack(stack.node.root as App, 'Dr', { env: { account: ACCOUNT, region: 'eu-central-1' } }), 'Replica')],
    ['an import given its region', (stack: Stack) => s3.Bucket.fromBucketAttributes(stack, 'Replica', { bucketName: 'dr-replica', region: 'eu-central-1' })],
  ])('fails when the destination key is in another region than %s', (_name, destination) => {
    const stack = newStack({ env: ENV });
    const key = kms.Key.fromKeyArn(stack, 'ReplicaKey', SAME_ACCOUNT_KEY_ARN); // eu-west-1
    expect(() => new SecureBucket(stack, 'Data', { replication: { destination: destination(stack), destinationKey: key } }))
      .toThrow(/'replication.destinationKey' is in region eu-west-1, but the destination .*Replica is in eu-central-1: S3 encrypts replicas with a KMS key of the destination bucket's region \(got "arn:aws:kms:eu-west-1:.*"\)\. Pass the destination's key in eu-central-1\./);
  });

  test('the destination SecureBucket allows the role, denies other replicators and its key lets the role encrypt', () => {
    const stack = newStack({ env: ENV });
    const replica = new SecureBucket(stack, 'Replica');
    new SecureBucket(stack, 'Data', { replication: { destination: replica } });
    const role = { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataReplicationRole'), 'Arn'] };
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyReplicationExceptReplicationRoles', Effect: 'Deny', Condition: { ArnNotEquals: { 'aws:PrincipalArn': [role, ROOT_ARN] } } }),
          Match.objectLike({ Sid: 'AllowReplicationFromSource1', Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateTags'] }),
        ]),
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowReplicaEncryption1',
          Action: ['kms:Encrypt', 'kms:Decrypt'],
          Condition: { StringLike: { 'kms:ViaService': Match.anyValue() }, ArnEquals: { 'aws:PrincipalArn': role } },
        })]),
      },
    });
  });

  test('access restrictions of the source and of the destination exempt the replication role', () => {
    const stack = newStack({ env: ENV });
    const app = iam.Role.fromRoleArn(stack, 'App', 'arn:aws:iam::111111111111:role/App');
    const replica = new SecureBucket(stack, 'Replica', { accessRestrictions: [new RoleOnly({ roles: [app] })] });
    new SecureBucket(stack, 'Data', {
      replication: { destination: replica },
      accessRestrictions: [new RoleOnly({ roles: [app] })],
    });
    const template = Template.fromStack(stack).toJSON();
    const policies = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::S3::BucketPolicy')
      .map(p => resolveIntrinsics(template, p.Properties.PolicyDocument) as any);
    const exempted = (doc: any) => doc.Statement.filter((s: any) => (s.Sid ?? '').startsWith('Restrict'))
      .flatMap((s: any) => s.Condition.ArnNotLike['aws:PrincipalArn']);
    const roleArn = 'arn:aws:iam::111111111111:role/DataReplicationRole49D46EC8';
    const restricted = policies.filter(doc => exempted(doc).length > 0);
    expect(restricted).toHaveLength(2);
    for (const doc of restricted) {
      expect(exempted(doc)).toContain(roleArn);
    }
  });

  test('a cross-account destination is not modified (its owner adds the helper statements)', () => {
    const stack = newStack({ env: ENV });
    const replica = s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::dr-replica');
    new SecureBucket(stack, 'Data', {
      replication: { destination: replica, destinationKey: kms.Key.fromKeyArn(stack, 'K', OTHER_KEY_ARN), destinationAccount: '222222222222' },
    });
    // Only the source's own policy, whose Deny keeps replicas out of it, names replication: no statement for the destination.
    const policies = Template.fromStack(stack).findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(2); // the source's and its access-logs bucket's
    expect(JSON.stringify(policies)).not.toContain('dr-replica');
    expect(JSON.stringify(policies)).not.toContain('AllowReplicationFromSource');
  });

  test('a token destination account and key pass unchecked', () => {
    const stack = newStack({ env: ENV });
    const replica = s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::dr-replica');
    const key = kms.Key.fromKeyArn(stack, 'K', Token.asString({ Ref: 'KeyArn' }));
    expect(() => new SecureBucket(stack, 'Data', {
      replication: { destination: replica, destinationKey: key, destinationAccount: Token.asString({ Ref: 'Account' }) },
    })).not.toThrow();
  });
});

describe('SecureBucket.replicationDestinationStatements', () => {
  test('allows only the role (through its account) to replicate, and denies everyone else', () => {
    const stack = newStack({ env: ENV });
    const statements = SecureBucket.replicationDestinationStatements({
      destinationBucketArn: 'arn:aws:s3:::dr-replica',
      sourceAccount: '111111111111',
      replicationRoleArn: 'arn:aws:iam::111111111111:role/replication',
    });
    expect(stack.resolve(statements.map(s => s.toStatementJson()))).toEqual([
      {
        Sid: 'AllowReplicationFromSource',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
        Action: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
        Resource: 'arn:aws:s3:::dr-replica/*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/replication' } },
      },
      {
        Sid: 'DenyReplicationExceptReplicationRoles',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        // Every action of the class replicates-objects (src/private/s3-actions.ts).
        Action: ['s3:ObjectOwnerOverrideToBucketOwner', 's3:Replicate*'],
        Resource: 'arn:aws:s3:::dr-replica/*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/replication'] } },
      },
    ]);
  });

  test('the key statement limits the role to S3 in the destination region and to the destination bucket', () => {
    const stack = newStack({ env: ENV });
    const statement = SecureBucket.replicationDestinationKeyStatement({
      destinationBucketArn: 'arn:aws:s3:::dr-replica',
      destinationRegion: 'eu-west-1',
      sourceAccount: '111111111111',
      replicationRoleArn: 'arn:aws:iam::111111111111:role/replication',
    });
    expect(stack.resolve(statement.toStatementJson())).toEqual(expect.objectContaining({
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Condition: {
        StringLike: {
          'kms:ViaService': { 'Fn::Join': ['', ['s3.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] },
          'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::dr-replica', 'arn:aws:s3:::dr-replica/*'],
        },
        ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/replication' },
      },
    }));
  });
});

describe('SecureBucket replication errors', () => {
  test('fails to replicate to itself', () => {
    const stack = newStack({ env: ENV });
    const source = new SecureBucket(stack, 'Data', { bucketName: 'my-data' });
    expect(() => source.addReplicationDestination({ destination: source })).toThrow(/'replication.destination' is the bucket itself/);
    const alias = s3.Bucket.fromBucketName(stack, 'Alias', 'my-data');
    expect(() => source.addReplicationDestination({ destination: alias, destinationKey: kms.Key.fromKeyArn(stack, 'K', SAME_ACCOUNT_KEY_ARN) }))
      .toThrow(/is the bucket itself/);
  });

  test('fails when the destination is not versioned', () => {
    const stack = newStack({ env: ENV });
    const plain = new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.KMS });
    expect(() => new SecureBucket(stack, 'Data', { replication: { destination: plain } })).toThrow(/is not versioned/);
  });

  test('fails when the destination key is AWS managed or an alias', () => {
    const stack = newStack({ env: ENV });
    const replica = s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::dr-replica');
    expect(() => new SecureBucket(stack, 'A', {
      replication: { destination: replica, destinationKey: kms.Key.fromKeyArn(stack, 'K1', 'arn:aws:kms:us-east-1:111111111111:alias/aws/s3') },
    })).toThrow(/'replication.destinationKey' is an AWS managed key/);
    expect(() => new SecureBucket(stack, 'B', {
      replication: { destination: replica, destinationKey: kms.Alias.fromAliasName(stack, 'K2', 'alias/aws/s3') },
    })).toThrow(/is an AWS managed key/);
    expect(() => new SecureBucket(stack, 'C', {
      replication: { destination: replica, destinationKey: kms.Alias.fromAliasName(stack, 'K3', 'alias/mine') },
    })).toThrow(/is an alias/);
  });

  test('fails without a destination key when the destination has none', () => {
    const stack = newStack({ env: ENV });
    const replica = s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::dr-replica');
    expect(() => new SecureBucket(stack, 'Data', { replication: { destination: replica } })).toThrow(/'replication.destinationKey' is required/);
  });

  test('fails cross-account without the destination account id', () => {
    const stack = newStack({ env: ENV });
    const replica = s3.Bucket.fromBucketArn(stack, 'Replica', 'arn:aws:s3:::dr-replica');
    expect(() => new SecureBucket(stack, 'Data', {
      replication: { destination: replica, destinationKey: kms.Key.fromKeyArn(stack, 'K', OTHER_KEY_ARN) },
    })).toThrow(/'replication.destinationAccount' is required: the destination key is in account 222222222222/);
    expect(() => new SecureBucket(stack, 'Data2', {
      replication: { destination: replica, destinationKey: kms.Key.fromKeyArn(stack, 'K2', OTHER_KEY_ARN), destinationAccount: '2222' },
    })).toThrow(/is not a 12-digit AWS account id/);
  });

  test('fails on duplicate destinations, priorities and rule ids', () => {
    const stack = newStack({ env: ENV });
    const a = new SecureBucket(stack, 'A');
    const b = new SecureBucket(stack, 'B');
    const source = new SecureBucket(stack, 'Data', { replication: { destination: a } });
    expect(() => source.addReplicationDestination({ destination: a })).toThrow(/already a replication destination/);
    expect(() => source.addReplicationDestination({ destination: b, priority: 1 })).toThrow(/'replication.priority' is already/);
    expect(() => source.addReplicationDestination({ destination: b, ruleId: 'ReplicateTo1' })).toThrow(/'replication.ruleId' is already/);
  });

  test('the role is an iam.IRole', () => {
    const stack = newStack({ env: ENV });
    const source = new SecureBucket(stack, 'Data');
    expect(source.replicationRole).toBeUndefined();
    source.addReplicationDestination({ destination: new SecureBucket(stack, 'R') });
    expect(source.replicationRole).toBeInstanceOf(iam.Role);
  });
});

describe('SecureBucket replication across stacks', () => {
  test('a SecureBucket destination in another stack is wired by the role\'s literal ARN, without a warning', () => {
    const app = newApp();
    const drStack = new Stack(app, 'Dr', { env: ENV });
    const replica = new SecureBucket(drStack, 'Replica', { bucketName: 'dr-replica' });
    const stack = new Stack(app, 'Stack', { env: ENV });
    const source = new SecureBucket(stack, 'Data', {
      replicationRoleName: 'data-replication',
      // The replica's stack is in us-east-1, so is its key.
      replication: { destination: replica, destinationKey: kms.Key.fromKeyArn(stack, 'K', SAME_ACCOUNT_KEY_ARN.replace('eu-west-1', 'us-east-1')) },
    });
    expect(Annotations.fromStack(stack).findWarning('/Stack/Data', Match.stringLikeRegexp('replicationDestinationStatements'))).toEqual([]);
    const drTemplate = Template.fromStack(drStack).toJSON();
    expect(JSON.stringify(resolveIntrinsics(drTemplate, Template.fromStack(drStack).findResources('AWS::S3::BucketPolicy'))))
      .toContain('"aws:PrincipalArn":"arn:aws:iam::111111111111:role/data-replication"');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { RoleName: 'data-replication' });
    expect(source.replicationRole).toBeDefined();
  });

  test('fails with an invalid replication role name', () => {
    expect(() => new SecureBucket(newStack({ env: ENV }), 'Data', { replicationRoleName: 'no spaces allowed' }))
      .toThrow(/'replicationRoleName' is not a valid IAM role name/);
  });
});
