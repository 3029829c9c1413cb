import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnTemplate, keyArnFor, TEST_ACCOUNT, TEST_REGION, findBucketPolicy } from './intrinsics';
import { BucketPolicyEvaluator, defaultContext } from './policy-eval';
import { newStack } from './stacks';

const PARTNER_ROLE = 'arn:aws:iam::222222222222:role/partner';
const APP_ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/app`;
const OTHER_ACCOUNT_ROLE = 'arn:aws:iam::333333333333:role/stranger';
const SSE_KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';

interface Fixture {
  readonly template: CfnTemplate;
  readonly bucketLogicalId: string;
  readonly keyLogicalId: string;
}

function secureBucketFixture(): Fixture {
  const stack = newStack({ id: 'TestStack' });
  const key = new kms.Key(stack, 'Key');
  const bucket = new s3.Bucket(stack, 'Bucket', {
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
  });
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyWrongKmsKey',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects('*')],
    conditions: {
      StringNotEquals: { [SSE_KEY_ID]: key.keyArn },
      Null: { [SSE_KEY_ID]: 'false' },
    },
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowPartnerRead',
    principals: [new iam.ArnPrincipal(PARTNER_ROLE)],
    actions: ['s3:GetObject'],
    resources: [bucket.arnForObjects('*')],
  }));
  return {
    template: Template.fromStack(stack).toJSON(),
    bucketLogicalId: stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket),
    keyLogicalId: stack.getLogicalId(key.node.defaultChild as kms.CfnKey),
  };
}

describe('BucketPolicyEvaluator against a real CDK bucket policy', () => {
  let fixture: Fixture;
  let policy: BucketPolicyEvaluator;

  beforeAll(() => {
    fixture = secureBucketFixture();
    policy = BucketPolicyEvaluator.fromTemplate(fixture.template);
  });

  test('picks the only bucket with a bucket policy and resolves its ARN', () => {
    expect(policy.bucketLogicalId).toBe(fixture.bucketLogicalId);
    expect(policy.bucketName).toBe(fixture.bucketLogicalId.toLowerCase());
    expect(policy.bucketArn).toBe(`arn:aws:s3:::${fixture.bucketLogicalId.toLowerCase()}`);
    expect(JSON.stringify(policy.policyDocument)).not.toMatch(/Fn::|"Ref"/);
  });

  test('allows a same-account TLS request', async () => {
    expect(await policy.evaluate({ principal: APP_ROLE, action: 's3:GetObject', resource: 'object' })).toBe('Allowed');
    expect(await policy.evaluate({ principal: APP_ROLE, action: 's3:ListBucket', resource: 'bucket' })).toBe('Allowed');
  });

  test('same-account principal without an identity policy is implicitly denied', async () => {
    expect(await policy.evaluate({
      principal: APP_ROLE,
      action: 's3:GetObject',
      identityPolicyAllows: false,
    })).toBe('ImplicitlyDenied');
  });

  test('fails a non-TLS request on the bucket ARN', async () => {
    const details = await policy.evaluateDetailed({
      principal: APP_ROLE,
      action: 's3:ListBucket',
      resource: 'bucket',
      context: { 'aws:SecureTransport': 'false' },
    });
    expect(details.result).toBe('ExplicitlyDenied');
    expect(details.deniedBy).toEqual(['1']);
  });

  test('fails a non-TLS request on the object ARN', async () => {
    expect(await policy.evaluate({
      principal: APP_ROLE,
      action: 's3:GetObject',
      resource: 'object',
      context: { 'aws:SecureTransport': 'false' },
    })).toBe('ExplicitlyDenied');
  });

  test('fails a non-TLS request even for the cross-account partner', async () => {
    expect(await policy.evaluate({
      principal: PARTNER_ROLE,
      action: 's3:GetObject',
      context: { 'aws:SecureTransport': 'false' },
    })).toBe('ExplicitlyDenied');
  });

  test('fails a TLS 1.1 request', async () => {
    const details = await policy.evaluateDetailed({
      principal: APP_ROLE,
      action: 's3:GetObject',
      context: { 's3:TlsVersion': '1.1' },
    });
    expect(details.result).toBe('ExplicitlyDenied');
    expect(details.deniedBy).toEqual(['2']);
  });

  test('allows TLS 1.2 (the minimum)', async () => {
    expect(await policy.evaluate({
      principal: APP_ROLE,
      action: 's3:GetObject',
      context: { 's3:TlsVersion': '1.2' },
    })).toBe('Allowed');
  });

  test('allows PutObject with the bucket key ARN', async () => {
    expect(await policy.evaluate({
      principal: APP_ROLE,
      action: 's3:PutObject',
      context: {
        's3:x-amz-server-side-encryption': 'aws:kms',
        [SSE_KEY_ID]: keyArnFor(fixture.keyLogicalId),
      },
    })).toBe('Allowed');
  });

  test('fails PutObject with another key ARN', async () => {
    const details = await policy.evaluateDetailed({
      principal: APP_ROLE,
      action: 's3:PutObject',
      context: {
        's3:x-amz-server-side-encryption': 'aws:kms',
        [SSE_KEY_ID]: `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
      },
    });
    expect(details.result).toBe('ExplicitlyDenied');
    expect(details.deniedBy).toEqual(['DenyWrongKmsKey']);
  });

  test('allows PutObject without an encryption header (key absent -> Null guard)', async () => {
    const details = await policy.evaluateDetailed({
      principal: APP_ROLE,
      action: 's3:PutObject',
      context: { [SSE_KEY_ID]: undefined },
    });
    expect(details.result).toBe('Allowed');
    expect(details.simulation.request.contextVariables).not.toHaveProperty(SSE_KEY_ID);
  });

  test('allows the cross-account partner role to GetObject', async () => {
    const details = await policy.evaluateDetailed({ principal: PARTNER_ROLE, action: 's3:GetObject' });
    expect(details.result).toBe('Allowed');
    expect(details.allowedBy).toEqual(['AllowPartnerRead']);
    expect(details.analysis.sameAccount).toBe(false);
  });

  test('cross-account partner still needs its own identity policy', async () => {
    expect(await policy.evaluate({
      principal: PARTNER_ROLE,
      action: 's3:GetObject',
      identityPolicyAllows: false,
    })).toBe('ImplicitlyDenied');
  });

  test('fails PutObject by the cross-account partner role (implicit deny)', async () => {
    expect(await policy.evaluate({
      principal: PARTNER_ROLE,
      action: 's3:PutObject',
      context: {
        's3:x-amz-server-side-encryption': 'aws:kms',
        [SSE_KEY_ID]: keyArnFor(fixture.keyLogicalId),
      },
    })).toBe('ImplicitlyDenied');
  });

  test('fails a cross-account principal with no Allow (implicit deny)', async () => {
    expect(await policy.evaluate({ principal: OTHER_ACCOUNT_ROLE, action: 's3:GetObject' })).toBe('ImplicitlyDenied');
    expect(await policy.evaluate({
      principal: OTHER_ACCOUNT_ROLE,
      action: 's3:ListBucket',
      resource: 'bucket',
    })).toBe('ImplicitlyDenied');
  });

  test('fails a service principal without an Allow (implicit deny)', async () => {
    expect(await policy.evaluate({
      principal: 'logging.s3.amazonaws.com',
      action: 's3:PutObject',
    })).toBe('ImplicitlyDenied');
  });

  test('accepts an explicit resource ARN', async () => {
    expect(await policy.evaluate({
      principal: APP_ROLE,
      action: 's3:GetObject',
      resource: `${policy.bucketArn}/other/key`,
      context: { 'aws:SecureTransport': 'false' },
    })).toBe('ExplicitlyDenied');
  });

  test('fails loudly when the simulator rejects the request (unknown action)', async () => {
    await expect(policy.evaluate({ principal: APP_ROLE, action: 's3:NotARealAction' }))
      .rejects.toThrow(/iam-simulate rejected the simulation \(invalid\.action\)/);
  });

  test('fails loudly when a condition value cannot be judged (a role name where ArnNotLike needs an ARN), instead of switching the Deny off', async () => {
    const stack = newStack({ id: 'TestStack' });
    const bucket = new s3.Bucket(stack, 'Data');
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyAllButBreakGlass',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: { ArnNotLike: { 'aws:PrincipalArn': ['BreakGlass'] } },
    }));
    const malformed = BucketPolicyEvaluator.fromTemplate(Template.fromStack(stack).toJSON());
    await expect(malformed.evaluate({ principal: APP_ROLE, action: 's3:GetObject' }))
      .rejects.toThrow(/iam-simulate could not judge a condition of the policy for s3:GetObject/);
  });

  test('fails loudly when the resource does not fit the action', async () => {
    await expect(policy.evaluate({ principal: APP_ROLE, action: 's3:ListBucket', resource: 'object' }))
      .rejects.toThrow(/iam-simulate rejected the simulation/);
  });
});

describe('BucketPolicyEvaluator with service principals and several buckets', () => {
  let template: CfnTemplate;
  let logBucketId: string;
  let dataBucketId: string;

  beforeAll(() => {
    const stack = newStack({ id: 'TestStack' });
    const logBucket = new s3.Bucket(stack, 'LogBucket', { bucketName: 'my-access-logs' });
    logBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3ServerAccessLogsPolicy',
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logBucket.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(stack).account } },
    }));
    const dataBucket = new s3.Bucket(stack, 'DataBucket', { enforceSSL: true });
    template = Template.fromStack(stack).toJSON();
    logBucketId = stack.getLogicalId(logBucket.node.defaultChild as s3.CfnBucket);
    dataBucketId = stack.getLogicalId(dataBucket.node.defaultChild as s3.CfnBucket);
  });

  test('fails to pick a default bucket when several have policies', () => {
    expect(() => BucketPolicyEvaluator.fromTemplate(template)).toThrow(/found 2.*pass bucketLogicalId/);
  });

  test('fails for a bucket logical id that has no policy or does not exist', () => {
    expect(() => findBucketPolicy(template, { bucketLogicalId: 'Nope' })).toThrow(/'Nope' not found/);
  });

  test('uses BucketName when set', () => {
    const policy = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: logBucketId });
    expect(policy.bucketName).toBe('my-access-logs');
    expect(policy.objectArn('a/b')).toBe('arn:aws:s3:::my-access-logs/a/b');
  });

  test('allows the logging service principal with the right source account', async () => {
    const policy = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: logBucketId });
    const details = await policy.evaluateDetailed({
      principal: 'logging.s3.amazonaws.com',
      action: 's3:PutObject',
      context: { 'aws:SourceAccount': TEST_ACCOUNT },
    });
    expect(details.result).toBe('Allowed');
    expect(details.simulation.identityPolicies).toEqual([]);
    expect(details.simulation.request.contextVariables).toMatchObject({
      'aws:PrincipalIsAWSService': 'true',
      'aws:PrincipalServiceName': 'logging.s3.amazonaws.com',
    });
  });

  test('fails the logging service principal from another source account or without one', async () => {
    const policy = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: logBucketId });
    const base = { principal: 'logging.s3.amazonaws.com', action: 's3:PutObject' };
    expect(await policy.evaluate({ ...base, context: { 'aws:SourceAccount': '999999999999' } })).toBe('ImplicitlyDenied');
    expect(await policy.evaluate(base)).toBe('ImplicitlyDenied');
  });

  test('fails another service principal', async () => {
    const policy = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: logBucketId });
    expect(await policy.evaluate({
      principal: 'cloudtrail.amazonaws.com',
      action: 's3:PutObject',
      context: { 'aws:SourceAccount': TEST_ACCOUNT },
    })).toBe('ImplicitlyDenied');
  });

  test('the {AWS: "*"} enforceSSL deny also applies to service principals', async () => {
    const policy = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: dataBucketId });
    expect(await policy.evaluate({
      principal: 'logging.s3.amazonaws.com',
      action: 's3:PutObject',
      context: { 'aws:SecureTransport': 'false' },
    })).toBe('ExplicitlyDenied');
  });
});

describe('defaultContext', () => {
  test('fills IAM principal keys', () => {
    expect(defaultContext(APP_ROLE)).toEqual({
      'aws:SecureTransport': 'true',
      's3:TlsVersion': '1.3',
      'aws:PrincipalAccount': TEST_ACCOUNT,
      'aws:PrincipalArn': APP_ROLE,
      'aws:PrincipalIsAWSService': 'false',
    });
  });

  test('maps an assumed-role session to its role ARN', () => {
    expect(defaultContext(`arn:aws:sts::${TEST_ACCOUNT}:assumed-role/app/session`)['aws:PrincipalArn']).toBe(APP_ROLE);
  });

  test('fills service principal keys', () => {
    expect(defaultContext('logging.s3.amazonaws.com')).toEqual({
      'aws:SecureTransport': 'true',
      's3:TlsVersion': '1.3',
      'aws:PrincipalIsAWSService': 'true',
      'aws:PrincipalServiceName': 'logging.s3.amazonaws.com',
    });
  });

  test('overrides and removes keys', () => {
    const context = defaultContext(APP_ROLE, { 'aws:SecureTransport': undefined, 's3:TlsVersion': '1.0', 'x:y': ['a'] });
    expect(context).not.toHaveProperty('aws:SecureTransport');
    expect(context['s3:TlsVersion']).toBe('1.0');
    expect(context['x:y']).toEqual(['a']);
  });

  test('fails for a principal whose account cannot be derived', () => {
    expect(() => defaultContext('someone')).toThrow(/Cannot derive the account/);
  });
});
