/** Tests of the test helper that resolves a template's intrinsics for the test environment. */
import {
  bucketArnFor, bucketNameFor, CfnTemplate, keyArnFor, keyIdFor, resolveIntrinsics, roleArnFor, roleIdFor, TEST_PARTITION,
} from './intrinsics';

describe('resolveIntrinsics', () => {
  const template: CfnTemplate = {
    Parameters: {
      WithDefault: { Type: 'String', Default: 'dflt' },
      NoDefault: { Type: 'String' },
    },
    Resources: {
      MyBucketABC123: { Type: 'AWS::S3::Bucket' },
      NamedBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': 'named-${AWS::AccountId}' } } },
      MyKey: { Type: 'AWS::KMS::Key' },
      MyRole: { Type: 'AWS::IAM::Role' },
      NamedRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'named-role', Path: '/svc/' } },
      Topic: { Type: 'AWS::SNS::Topic' },
    },
  };
  const resolve = (value: unknown) => resolveIntrinsics(template, value);

  test('Ref to pseudo parameters', () => {
    expect(resolve({ Ref: 'AWS::AccountId' })).toBe('111111111111');
    expect(resolve({ Ref: 'AWS::Region' })).toBe('us-east-1');
    expect(resolve({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(TEST_PARTITION).toBe('aws');
  });

  test('fails on an unsupported pseudo parameter', () => {
    expect(() => resolve({ Ref: 'AWS::StackName' })).toThrow(/AWS::StackName/);
  });

  test('Ref to parameters uses the Default', () => {
    expect(resolve({ Ref: 'WithDefault' })).toBe('dflt');
    expect(() => resolve({ Ref: 'NoDefault' })).toThrow(/no Default/);
  });

  test('Ref to buckets, keys and roles', () => {
    expect(resolve({ Ref: 'MyBucketABC123' })).toBe('mybucketabc123');
    expect(resolve({ Ref: 'NamedBucket' })).toBe('named-111111111111');
    expect(resolve({ Ref: 'MyKey' })).toBe(keyIdFor('MyKey'));
    expect(resolve({ Ref: 'MyRole' })).toBe('MyRole');
    expect(resolve({ Ref: 'NamedRole' })).toBe('named-role');
  });

  test('bucket names are truncated to 63 characters', () => {
    const long = 'B'.repeat(80);
    expect(bucketNameFor({ Resources: { [long]: { Type: 'AWS::S3::Bucket' } } }, long)).toBe('b'.repeat(63));
  });

  test('fails on Ref to an unsupported resource type or unknown logical id', () => {
    expect(() => resolve({ Ref: 'Topic' })).toThrow(/AWS::SNS::Topic/);
    expect(() => resolve({ Ref: 'Missing' })).toThrow(/Missing/);
  });

  test('Fn::GetAtt on buckets, keys and roles', () => {
    expect(resolve({ 'Fn::GetAtt': ['MyBucketABC123', 'Arn'] })).toBe('arn:aws:s3:::mybucketabc123');
    expect(resolve({ 'Fn::GetAtt': ['NamedBucket', 'Arn'] })).toBe('arn:aws:s3:::named-111111111111');
    expect(bucketArnFor(template, 'NamedBucket')).toBe('arn:aws:s3:::named-111111111111');
    expect(resolve({ 'Fn::GetAtt': 'MyBucketABC123.Arn' })).toBe('arn:aws:s3:::mybucketabc123');
    expect(resolve({ 'Fn::GetAtt': ['MyKey', 'Arn'] })).toBe(keyArnFor('MyKey'));
    expect(keyArnFor('MyKey')).toMatch(
      /^arn:aws:kms:us-east-1:111111111111:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(keyIdFor('MyKey')).not.toBe(keyIdFor('OtherKey'));
    expect(resolve({ 'Fn::GetAtt': ['MyRole', 'Arn'] })).toBe('arn:aws:iam::111111111111:role/MyRole');
    expect(resolve({ 'Fn::GetAtt': ['NamedRole', 'Arn'] })).toBe('arn:aws:iam::111111111111:role/svc/named-role');
    expect(roleArnFor(template, 'MyRole')).toBe('arn:aws:iam::111111111111:role/MyRole');
    expect(resolve({ 'Fn::GetAtt': ['MyRole', 'RoleId'] })).toBe(roleIdFor('MyRole'));
    expect(roleIdFor('MyRole')).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(roleIdFor('MyRole')).toBe(roleIdFor('MyRole'));
  });

  test('fails on an unsupported Fn::GetAtt attribute', () => {
    expect(() => resolve({ 'Fn::GetAtt': ['MyBucketABC123', 'WebsiteURL'] })).toThrow(/WebsiteURL/);
    expect(() => resolve({ 'Fn::GetAtt': ['Topic', 'TopicArn'] })).toThrow(/AWS::SNS::Topic/);
  });

  test('Fn::Join', () => {
    expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'MyBucketABC123' }, '/*']] }))
      .toBe('arn:aws:s3:::mybucketabc123/*');
    expect(resolve({ 'Fn::Join': [',', { 'Fn::Split': ['|', 'a|b'] }] })).toBe('a,b');
  });

  test('Fn::Sub string form', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${MyBucketABC123}/${!Literal}' }))
      .toBe('arn:aws:s3:::mybucketabc123/${Literal}');
    expect(resolve({ 'Fn::Sub': '${MyKey.Arn}' })).toBe(keyArnFor('MyKey'));
  });

  test('Fn::Sub with variables', () => {
    expect(resolve({
      'Fn::Sub': ['${B}/${Region}/${AWS::AccountId}', { B: { 'Fn::GetAtt': ['MyBucketABC123', 'Arn'] }, Region: 'eu' }],
    })).toBe('arn:aws:s3:::mybucketabc123/eu/111111111111');
  });

  test('Fn::Select and Fn::Split', () => {
    expect(resolve({ 'Fn::Split': [':', { 'Fn::GetAtt': ['MyKey', 'Arn'] }] }))
      .toEqual(['arn', 'aws', 'kms', 'us-east-1', '111111111111', `key/${keyIdFor('MyKey')}`]);
    expect(resolve({ 'Fn::Select': [4, { 'Fn::Split': [':', { 'Fn::GetAtt': ['MyKey', 'Arn'] }] }] })).toBe('111111111111');
    expect(resolve({ 'Fn::Select': ['1', ['a', { Ref: 'AWS::Region' }]] })).toBe('us-east-1');
    expect(() => resolve({ 'Fn::Select': [5, ['a']] })).toThrow(/out of range/);
  });

  test('resolves nested structures and drops AWS::NoValue', () => {
    expect(resolve({
      Statement: [{ Resource: [{ Ref: 'AWS::Region' }, { Ref: 'AWS::NoValue' }], Sid: { Ref: 'AWS::NoValue' } }],
      Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    })).toEqual({
      Statement: [{ Resource: ['us-east-1'] }],
      Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    });
  });

  test('fails on an unknown intrinsic, naming it', () => {
    expect(() => resolve({ 'Fn::If': ['Cond', 'a', 'b'] })).toThrow(/Unsupported CloudFormation intrinsic 'Fn::If'/);
    expect(() => resolve({ Statement: [{ Resource: { 'Fn::Base64': 'x' } }] })).toThrow(/'Fn::Base64'/);
  });

  test('fails on Fn::ImportValue and Fn::FindInMap', () => {
    expect(() => resolve({ 'Fn::ImportValue': 'Export' })).toThrow(/Fn::ImportValue/);
    expect(() => resolve({ 'Fn::FindInMap': ['M', 'a', 'b'] })).toThrow(/Fn::FindInMap/);
  });
});
