import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import {
  AccessRestriction, AccessRestrictionOptions, AdminOnlyChanges, RoleOnly, SecureBucket, SourceIpOnly, VpcEndpointOnly,
} from '../../src';
import { BUCKET_POLICY_LIMIT_BYTES, estimatePolicyBytes } from '../../src/private/policy-size';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const ACCOUNT = '111111111111';

function newStack(): Stack {
  const app = new App({ builtinCloudFormationValidation: false });
  return new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
}

/** The synthesized policy document of `bucket`'s bucket policy. */
function synthesizedPolicy(stack: Stack, bucket: IConstruct): any {
  const element = bucket.node.defaultChild as CfnElement;
  const policies = Template.fromStack(stack).findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: stack.getLogicalId(element) } } });
  expect(Object.keys(policies)).toHaveLength(1);
  return Object.values(policies)[0].Properties.PolicyDocument;
}

/** Estimated size and the three largest statements, as the check reports them, without synthesizing. */
function expectedReport(bucket: s3.Bucket): { bytes: number; statements: number; largest: string } {
  if (!bucket.policy) { return { bytes: 0, statements: 0, largest: '' }; }
  const resolved = Stack.of(bucket).resolve(bucket.policy.document);
  const largest = (resolved.Statement as any[])
    .map((s, i) => ({ name: s.Sid ?? `#${i + 1}`, bytes: estimatePolicyBytes(s) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map(s => `${s.name} (${s.bytes} bytes)`)
    .join(', ');
  return { bytes: estimatePolicyBytes(resolved), statements: resolved.Statement.length, largest };
}

/** `count` imported roles with literal ARNs (`Team<prefix><n>`). */
function importedRoles(stack: Stack, prefix: string, count: number): iam.IRole[] {
  return Array.from({ length: count }, (_, i) =>
    iam.Role.fromRoleArn(stack, `${prefix}${i}`, `arn:aws:iam::${ACCOUNT}:role/team-${prefix.toLowerCase()}-${i}-data-reader`));
}

/** `count` distinct public /32 addresses in 203.0.0.0/16. */
function cidrs(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `203.0.${Math.floor((i + offset) / 256)}.${(i + offset) % 256}/32`);
}

const BREAK_GLASS: AccessRestrictionOptions = {
  exemptPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AdministratorAccess*`, 'BreakGlass'],
};

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('estimatePolicyBytes', () => {
  test('counts compact JSON, with every intrinsic as a long ARN', () => {
    expect(estimatePolicyBytes({ a: 'b' })).toEqual('{"a":"b"}'.length);
    expect(estimatePolicyBytes({ a: { Ref: 'X' } })).toEqual('{"a":""}'.length + 96);
    expect(estimatePolicyBytes({ a: [{ 'Fn::GetAtt': ['X', 'Arn'] }, { 'Fn::Join': ['', ['a', { Ref: 'B' }]] }] })).toEqual('{"a":["",""]}'.length + 2 * 96);
    // An object with a Ref key among others is not an intrinsic.
    expect(estimatePolicyBytes({ Ref: 'X', Other: 1 })).toEqual('{"Ref":"X","Other":1}'.length);
  });
});

describe('AccessRestriction', () => {
  test('fails synth when RoleOnly and SourceIpOnly restrictions take the bucket policy over 20 KB, stating the size and the largest statements', () => {
    // GIVEN
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    // WHEN: 16 RoleOnly restrictions of 10 roles each, and one SourceIpOnly of 200 addresses.
    for (let i = 0; i < 16; i++) {
      bucket.with(new RoleOnly({ roles: importedRoles(stack, `R${i}x`, 10) }));
    }
    bucket.with(new SourceIpOnly({ cidrs: cidrs(200) }));

    // THEN
    const expected = expectedReport(bucket);
    expect(expected.bytes).toBeGreaterThan(BUCKET_POLICY_LIMIT_BYTES);
    expect(expected.largest).toMatch(/^RestrictSourceIpOnly17 \(\d+ bytes\), RestrictRoleOnly\d+ \(\d+ bytes\), RestrictRoleOnly\d+ \(\d+ bytes\)$/);
    let message = '';
    try {
      Template.fromStack(stack);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`The bucket policy of Stack/Data is about ${expected.bytes} bytes, over the S3 limit of 20480 bytes `
      + `(${expected.statements} statements; largest: ${expected.largest}).`);
    expect(message).toContain('Combine restrictions with AccessRestriction.anyOf');
  });

  test('fails synth of a SecureBucket whose restrictions take its policy over 20 KB', () => {
    const stack = newStack();
    const bucket = new SecureBucket(stack, 'Data', {
      accessRestrictions: [0, 1, 2, 3, 4, 5, 6, 7].map(i => new SourceIpOnly({ cidrs: cidrs(120, i * 120) })),
    });

    const expected = expectedReport(bucket);
    expect(expected.bytes).toBeGreaterThan(BUCKET_POLICY_LIMIT_BYTES);
    expect(() => Template.fromStack(stack)).toThrow(`The bucket policy of Stack/Data is about ${expected.bytes} bytes, over the S3 limit of 20480 bytes`);
  });

  test('synthesizes a policy just under 20 KB and fails one restriction later', () => {
    // GIVEN: the number of RoleOnly restrictions that first goes over the limit.
    const probe = newStack();
    const probeBucket = new s3.Bucket(probe, 'Data');
    let count = 0;
    while (expectedReport(probeBucket).bytes <= BUCKET_POLICY_LIMIT_BYTES) {
      probeBucket.with(new RoleOnly({ roles: importedRoles(probe, `R${count}x`, 4) }));
      count++;
    }

    const withRestrictions = (n: number) => {
      const stack = newStack();
      const bucket = new s3.Bucket(stack, 'Data');
      for (let i = 0; i < n; i++) {
        bucket.with(new RoleOnly({ roles: importedRoles(stack, `R${i}x`, 4) }));
      }
      return { stack, bucket };
    };

    // WHEN / THEN
    const under = withRestrictions(count - 1);
    expect(expectedReport(under.bucket).bytes).toBeLessThanOrEqual(BUCKET_POLICY_LIMIT_BYTES);
    expect(() => Template.fromStack(under.stack)).not.toThrow();

    const over = withRestrictions(count);
    expect(() => Template.fromStack(over.stack)).toThrow(/The bucket policy of Stack\/Data is about \d+ bytes, over the S3 limit of 20480 bytes/);
  });

  test('a SecureBucket with every restriction and every exemption stays under 6 KB (measured: 6,015 bytes)', () => {
    // GIVEN: the network restrictions combined with anyOf (as they must be to allow either),
    // RoleOnly and AdminOnlyChanges, each with two break-glass principals, and a bucket whose
    // auto-delete and notifications roles are exempted too.
    const stack = newStack();
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const bucket = new SecureBucket(stack, 'Data', {
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      accessRestrictions: [
        AccessRestriction.anyOf(
          new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], vpcIds: ['vpc-0a1b2c3d4e5f60718'], ...BREAK_GLASS }),
          new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8::/32'], ...BREAK_GLASS }),
        ),
        new RoleOnly({ roles: [reader], ...BREAK_GLASS }),
        new AdminOnlyChanges({ administratorArns: [`arn:aws:iam::${ACCOUNT}:role/Admin`], ...BREAK_GLASS }),
      ],
    });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    // WHEN
    const policy = synthesizedPolicy(stack, bucket);
    const bytes = estimatePolicyBytes(policy);

    // THEN: every part is there...
    const sids = (policy.Statement as any[]).map(s => s.Sid);
    expect(sids).toEqual(expect.arrayContaining([
      'RestrictAnyOfVpcEndpointOnlyOrSourceIpOnly1', 'RestrictRoleOnly2', 'RestrictAdminOnlyChanges3', 'DenyToEveryone1',
    ]));
    const json = JSON.stringify(policy);
    for (const part of ['BreakGlass', 'AdministratorAccess', 'CustomS3AutoDeleteObjectsCustomResourceProviderRole',
      'BucketNotificationsHandler', 'cfn-exec-role', ':root', 'aws:PrincipalIsAWSService', 'aws:ViaAWSService']) {
      expect(json).toContain(part);
    }
    // ...and the estimate (intrinsics counted as 96-byte ARNs) is the same as for the unsynthesized document.
    expect(bytes).toEqual(estimatePolicyBytes(stack.resolve(bucket.policy!.document)));
    expect(bytes).toBeLessThan(6 * 1024);
  });

  test('a SecureBucket with all four restrictions applied separately stays well under 20 KB (measured: 7,007 bytes)', () => {
    // The network restrictions ANDed (which denies endpoint traffic, and warns) cost one more
    // statement than anyOf: about 1 KB per restriction with every exemption.
    const stack = newStack();
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const bucket = new SecureBucket(stack, 'Data', {
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      accessRestrictions: [
        new VpcEndpointOnly({ vpcEndpointIds: ['vpce-1a2b3c4d'], vpcIds: ['vpc-0a1b2c3d4e5f60718'], ...BREAK_GLASS }),
        new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8::/32'], ...BREAK_GLASS }),
        new RoleOnly({ roles: [reader], ...BREAK_GLASS }),
        new AdminOnlyChanges({ administratorArns: [`arn:aws:iam::${ACCOUNT}:role/Admin`], ...BREAK_GLASS }),
      ],
    });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));

    const bytes = estimatePolicyBytes(synthesizedPolicy(stack, bucket));

    expect(bytes).toBeGreaterThan(6 * 1024);
    expect(bytes).toBeLessThan(BUCKET_POLICY_LIMIT_BYTES / 2);
  });
});
