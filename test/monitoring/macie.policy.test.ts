import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Template } from 'aws-cdk-lib/assertions';
import { BucketSecurityMonitor, SecureBucket, VpcEndpointOnly } from '../../src';
import { keyArnFor, resolveIntrinsics } from '../helpers/intrinsics';
import { monitorStack } from '../helpers/monitoring';
import { BucketPolicyEvaluator } from '../helpers/policy-eval';
import { ACCOUNT } from '../helpers/stacks';
import { resourceIdOf } from '../helpers/templates';

const OTHER_ACCOUNT = '222222222222';
const MACIE_ROLE = 'aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie';
const MACIE = `arn:aws:iam::${ACCOUNT}:role/${MACIE_ROLE}`;
/** The permissions of Macie's service-linked role on S3 (AmazonMacieServiceRolePolicy allows s3:Get* and s3:List*). */
const MACIE_IDENTITY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }] };
const ENDPOINT = 'vpce-1a2b3c4d';

/**
 * GIVEN two SecureBuckets restricted to one VPC endpoint, one classified by Macie and one not,
 * WHEN their bucket policies and the classified bucket's key policy are evaluated,
 * THEN Macie's service-linked role may read and decrypt the classified bucket only, and nobody else gains anything.
 */
function synth() {
  const { stack } = monitorStack();
  const restriction = () => [new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT] })];
  const classified = new SecureBucket(stack, 'Classified', { accessRestrictions: restriction() });
  new SecureBucket(stack, 'Unclassified', { accessRestrictions: restriction() });
  new BucketSecurityMonitor(stack, 'Monitor', { buckets: [classified], macie: {} });
  return Template.fromStack(stack).toJSON();
}

describe('BucketSecurityMonitor macie bucket policies (evaluated)', () => {
  const template = synth();
  const classified = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: resourceIdOf(template, 'AWS::S3::Bucket', 'Classified') });
  const unclassified = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: resourceIdOf(template, 'AWS::S3::Bucket', 'Unclassified') });
  const read = (evaluator: BucketPolicyEvaluator, principal: string, action = 's3:GetObject', context: Record<string, string> = {}) =>
    evaluator.evaluate({ principal, action, resource: action === 's3:GetObject' ? 'object' : 'bucket', identityPolicies: [MACIE_IDENTITY], identityPolicyAllows: false, context });

  test('Macie\'s service-linked role may list and read the classified bucket from outside the endpoint', async () => {
    expect(await read(classified, MACIE)).toBe('Allowed');
    expect(await read(classified, MACIE, 's3:ListBucket')).toBe('Allowed');
    expect(await read(classified, MACIE, 's3:GetBucketPolicy')).toBe('Allowed');
  });

  test('fails for Macie on a restricted bucket it does not classify', async () => {
    expect(await read(unclassified, MACIE)).toBe('ExplicitlyDenied');
  });

  test('fails for other principals outside the endpoint, including a look-alike role outside the service-role path', async () => {
    expect(await read(classified, `arn:aws:iam::${ACCOUNT}:role/App`)).toBe('ExplicitlyDenied');
    expect(await read(classified, `arn:aws:iam::${ACCOUNT}:role/AWSServiceRoleForAmazonMacie`)).toBe('ExplicitlyDenied');
    expect(await read(classified, `arn:aws:iam::${OTHER_ACCOUNT}:role/${MACIE_ROLE}`)).not.toBe('Allowed');
  });

  test('the endpoint restriction still lets other principals in through the endpoint', async () => {
    expect(await read(classified, `arn:aws:iam::${ACCOUNT}:role/App`, 's3:GetObject', { 'aws:SourceVpce': ENDPOINT })).toBe('Allowed');
  });

  test('fails for Macie without TLS', async () => {
    expect(await read(classified, MACIE, 's3:GetObject', { 'aws:SecureTransport': 'false' })).toBe('ExplicitlyDenied');
  });
});

describe('BucketSecurityMonitor macie key policy (evaluated)', () => {
  const template = synth();
  const keyId = resourceIdOf(template, 'AWS::KMS::Key', 'ClassifiedKey');
  const keyArn = keyArnFor(keyId);
  const document = resolveIntrinsics(template, template.Resources[keyId].Properties.KeyPolicy) as Record<string, unknown>;

  async function kms(principal: string, action: string): Promise<string> {
    const account = principal.split(':')[4];
    const result = await runSimulation({
      request: {
        principal,
        action,
        resource: { resource: keyArn, accountId: ACCOUNT },
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': account,
          'aws:PrincipalIsAWSService': 'false',
          'kms:CallerAccount': account,
          'kms:ViaService': 's3.us-east-1.amazonaws.com',
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: document,
    }, {});
    if (result.resultType === 'error') { throw new Error(JSON.stringify(result.errors)); }
    return result.overallResult;
  }

  test('Macie\'s service-linked role may decrypt with the bucket key, without any identity policy', async () => {
    expect(await kms(MACIE, 'kms:Decrypt')).toBe('Allowed');
  });

  test('Macie gets nothing else: no encrypt, no grants, no key administration', async () => {
    expect(await kms(MACIE, 'kms:GenerateDataKey')).toBe('ImplicitlyDenied');
    expect(await kms(MACIE, 'kms:CreateGrant')).not.toBe('Allowed');
    expect(await kms(MACIE, 'kms:PutKeyPolicy')).toBe('ImplicitlyDenied');
  });

  test('fails for Macie of another account, a look-alike role and a role without an identity policy', async () => {
    expect(await kms(`arn:aws:iam::${OTHER_ACCOUNT}:role/${MACIE_ROLE}`, 'kms:Decrypt')).toBe('ImplicitlyDenied');
    expect(await kms(`arn:aws:iam::${ACCOUNT}:role/AWSServiceRoleForAmazonMacie`, 'kms:Decrypt')).toBe('ImplicitlyDenied');
    expect(await kms(`arn:aws:iam::${ACCOUNT}:role/App`, 'kms:Decrypt')).toBe('ImplicitlyDenied');
  });
});
