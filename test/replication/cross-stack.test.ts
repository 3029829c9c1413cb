import * as fs from 'fs';
import * as path from 'path';
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { nagFindings } from '../../scripts/checkers';
import { FindingLevel, RoleOnly, SecureBucket, SecureBucketAspect } from '../../src';
import { deterministicRoleName } from '../../src/replication/replication-manager';
import { CfnTemplate, resolveIntrinsics, TEST_ACCOUNT } from '../helpers/intrinsics';
import { BucketPolicyEvaluator } from '../helpers/policy-eval';
import { ENV, newApp } from '../helpers/stacks';
import { ruleWarnings } from '../helpers/templates';

const NOT_WIRED = 'cdk-secure-bucket:SecureBucket.replicationDestinationNotWired';

/** GIVEN a source SecureBucket in stack A that replicates into a role-restricted SecureBucket of stack B. */
function pair(options: { destRegion?: string; roleName?: string; env?: boolean } = {}) {
  const app = newApp();
  const env = options.env === false ? undefined : ENV;
  const b = new Stack(app, 'B', { env: env && { ...env, region: options.destRegion ?? env.region } });
  const appRole = iam.Role.fromRoleArn(b, 'AppRole', `arn:aws:iam::${TEST_ACCOUNT}:role/App`);
  const crossRegion = options.destRegion !== undefined && options.destRegion !== ENV.region;
  const replica = new SecureBucket(b, 'Replica', {
    bucketName: crossRegion ? 'dr-replica-bucket' : undefined,
    accessRestrictions: [new RoleOnly({ roles: [appRole] })],
  });
  const a = new Stack(app, 'A', { env, crossRegionReferences: crossRegion || undefined });
  const source = new SecureBucket(a, 'Data', { replicationRoleName: options.roleName, replication: { destination: replica } });
  return { app, a, b, source, replica };
}

const roleNameOf = (stack: Stack) => {
  const roles = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Role'))
    .filter(r => r.Properties.Description?.startsWith('Replicates '));
  expect(roles).toHaveLength(1);
  return roles[0].Properties.RoleName as string;
};

describe('a SecureBucket destination in another stack of the app', () => {
  const p = pair();
  const roleName = roleNameOf(p.a);
  const roleArn = `arn:aws:iam::${TEST_ACCOUNT}:role/${roleName}`;
  const bTemplate = Template.fromStack(p.b).toJSON() as CfnTemplate;
  const replicaId = p.b.resolve((p.replica.node.defaultChild as s3.CfnBucket).logicalId) as string;
  const replica = BucketPolicyEvaluator.fromTemplate(bTemplate, { bucketLogicalId: replicaId });
  const aTemplate = Template.fromStack(p.a).toJSON();
  const policies = Object.values<any>(aTemplate.Resources).filter(r => r.Type === 'AWS::IAM::ManagedPolicy');
  const replicate = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateTags'], Resource: '*' }] };
  const asRole = {
    principal: `arn:aws:sts::${TEST_ACCOUNT}:assumed-role/${roleName}/s3-replication`,
    identityPolicyAllows: false,
    identityPolicies: [replicate],
  };

  test('the role gets a deterministic physical name, valid for IAM', () => {
    expect(policies).toHaveLength(1);
    expect(roleName).toBe(deterministicRoleName(p.source));
    expect(roleName).toMatch(/^A-Data-Replication-[0-9a-f]{8}$/);
    expect(roleName).toMatch(/^[\w+=,.@-]{1,64}$/);
    // The same on another synthesis.
    expect(roleNameOf(pair().a)).toBe(roleName);
  });

  test('B\'s bucket policy grants the role by its literal ARN, and denies other replicators', () => {
    const doc = replica.policyDocument as any;
    const allow = doc.Statement.find((s: any) => s.Sid === 'AllowReplicationFromSource1');
    expect(allow).toMatchObject({
      Effect: 'Allow',
      Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
      Condition: { ArnEquals: { 'aws:PrincipalArn': roleArn } },
    });
    const deny = doc.Statement.find((s: any) => s.Sid === 'DenyReplicationExceptReplicationRoles');
    // The account root is listed too (it may change the policy anyway).
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual([roleArn, expect.stringMatching(`:iam::${TEST_ACCOUNT}:root$`)]);
    const raw = JSON.stringify(Template.fromStack(p.b).toJSON());
    expect(raw).not.toContain('Fn::ImportValue');
    expect(raw).toContain(`:iam::${TEST_ACCOUNT}:role/${roleName}`);
  });

  test.each([['s3:ReplicateObject'], ['s3:ReplicateTags']])('the role may %s into B (through its restrictions)', async (action) => {
    expect(await replica.evaluate({ ...asRole, action })).toBe('Allowed');
  });

  test.each([['s3:ReplicateDelete'], ['s3:GetObject'], ['s3:DeleteObject']])('the role may not %s in B', async (action) => {
    expect(await replica.evaluate({ ...asRole, action })).not.toBe('Allowed');
  });

  test('B\'s access restrictions exempt the role, and only the role', async () => {
    const restricted = (replica.policyDocument as any).Statement.filter((s: any) => (s.Sid ?? '').startsWith('Restrict'));
    expect(restricted.length).toBeGreaterThan(0);
    for (const s of restricted) {
      expect(s.Condition.ArnNotLike['aws:PrincipalArn']).toContain(roleArn);
    }
    // Another role of the account, allowed by IAM, is stopped by the restriction.
    expect(await replica.evaluate({ principal: `arn:aws:iam::${TEST_ACCOUNT}:role/Other`, action: 's3:GetObject' })).toBe('ExplicitlyDenied');
    expect(await replica.evaluate({ principal: `arn:aws:iam::${TEST_ACCOUNT}:role/Other`, action: 's3:ReplicateObject' })).toBe('ExplicitlyDenied');
  });

  test('B\'s key policy lets the role encrypt through S3 only', () => {
    const keyId = p.b.resolve((p.replica.key.node.defaultChild as kms.CfnKey).logicalId) as string;
    const keyPolicy = resolveIntrinsics(bTemplate, bTemplate.Resources![keyId].Properties!.KeyPolicy) as any;
    expect(keyPolicy.Statement.find((s: any) => s.Sid === 'AllowReplicaEncryption1')).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Condition: { StringLike: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' }, ArnEquals: { 'aws:PrincipalArn': roleArn } },
    });
  });

  test('A depends on B, B does not depend on A, and the app synthesizes', () => {
    expect(p.a.dependencies).toContain(p.b);
    expect(p.b.dependencies).not.toContain(p.a);
    expect(() => p.app.synth()).not.toThrow();
    const assembly = p.app.synth();
    expect(assembly.getStackByName('B').dependencies.map(d => d.id)).not.toContain('A');
  });

  test('no warning asks to wire B by hand', () => {
    expect(Annotations.fromStack(p.a).findWarning('*', Match.stringLikeRegexp('replicationDestinationStatements'))).toEqual([]);
  });

  test('zero findings in the four cdk-nag packs, on both stacks', () => {
    const q = pair();
    expect(nagFindings(q.app)).toEqual([]);
  });

  test('SecureBucketAspect reports zero findings', () => {
    const q = pair();
    SecureBucketAspect.applyTo(q.app, { level: FindingLevel.WARNING });
    q.app.synth();
    for (const stack of [q.a, q.b]) {
      expect(ruleWarnings(stack)).toEqual([]);
    }
    const report = JSON.parse(fs.readFileSync(path.join(q.app.outdir, 'secure-bucket-report.json'), 'utf8'));
    expect(report.buckets.length).toBeGreaterThanOrEqual(2);
    for (const bucket of report.buckets) {
      expect(bucket.findings).toEqual([]);
    }
  });
});

describe('cross-stack replication variants', () => {
  test('cross-region: B in eu-west-1 is wired by literal ARN, the key statement names B\'s region, and the app synthesizes', () => {
    const p = pair({ destRegion: 'eu-west-1' });
    const roleName = roleNameOf(p.a);
    const template = Template.fromStack(p.b).toJSON();
    const policies = Object.values<any>(template.Resources)
      .filter(r => r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::KMS::Key')
      .map(r => r.Properties.PolicyDocument ?? r.Properties.KeyPolicy);
    const resolved = JSON.stringify(resolveIntrinsics(template, policies));
    expect(resolved).toContain(`"aws:PrincipalArn":"arn:aws:iam::${TEST_ACCOUNT}:role/${roleName}"`);
    expect(resolved).toContain('s3.eu-west-1.amazonaws.com');
    expect(p.a.dependencies).toContain(p.b);
    expect(p.b.dependencies).not.toContain(p.a);
    expect(() => p.app.synth()).not.toThrow();
    expect(nagFindings(p.app)).toEqual([]);
  });

  test('a given replicationRoleName is used in B\'s policies', () => {
    const p = pair({ roleName: 'data-replication' });
    expect(roleNameOf(p.a)).toBe('data-replication');
    Template.fromStack(p.b).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowReplicationFromSource1',
          Condition: { ArnEquals: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TEST_ACCOUNT}:role/data-replication`]] } } },
        })]),
      },
    });
  });

  test('env-agnostic stacks name the role in the destination stack\'s account', () => {
    const p = pair({ env: false });
    const name = roleNameOf(p.a);
    const allow = Template.fromStack(p.b).findResources('AWS::S3::BucketPolicy');
    expect(JSON.stringify(allow)).toContain(JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role/${name}`]] }));
    expect(p.b.dependencies).not.toContain(p.a);
    expect(() => p.app.synth()).not.toThrow();
  });

  test('a long stack name and bucket id give a name of at most 64 valid characters', () => {
    const app = newApp();
    const b = new Stack(app, 'Dest', { env: ENV });
    const replica = new SecureBucket(b, 'Replica');
    const a = new Stack(app, 'A'.repeat(60), { env: ENV, stackName: 'a-very-long-stack-name-for-the-source-bucket-of-the-replication' });
    const source = new SecureBucket(a, 'Data Bucket With Spaces And A Long Id', { replication: { destination: replica } });
    const name = deterministicRoleName(source);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[\w+=,.@-]{1,64}$/);
    expect(roleNameOf(a)).toBe(name);
  });

  test.each([['the source', 'N/Data'], ['the destination', 'N/Replica']])('%s in a nested stack of the other\'s stack: wired, and it synthesizes', (_, nestedPath) => {
    const app = newApp();
    const parent = new Stack(app, 'P', { env: ENV });
    const nested = new NestedStack(parent, 'N');
    const replica = new SecureBucket(nestedPath === 'N/Replica' ? nested : parent, 'Replica');
    const source = new SecureBucket(nestedPath === 'N/Data' ? nested : parent, 'Data', { replication: { destination: replica } });
    const name = deterministicRoleName(source);
    expect(() => app.synth()).not.toThrow();
    const policies = Template.fromStack(Stack.of(replica)).findResources('AWS::S3::BucketPolicy');
    expect(JSON.stringify(policies)).toContain(`:iam::${TEST_ACCOUNT}:role/${name}`);
    expect(Annotations.fromStack(parent).findWarning('*', Match.stringLikeRegexp('replicationDestinationStatements'))).toEqual([]);
  });

  test('the warning stays for an imported destination', () => {
    const app = newApp();
    const a = new Stack(app, 'A', { env: ENV });
    new SecureBucket(a, 'Data', {
      replication: {
        destination: s3.Bucket.fromBucketName(a, 'Dr', 'dr-replica'),
        destinationKey: kms.Key.fromKeyArn(a, 'K', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      },
    });
    const warnings = Annotations.fromStack(a).findWarning('/A/Data', Match.stringLikeRegexp('replicationDestinationStatements'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toContain(NOT_WIRED);
    expect(roleNameOf(a)).toBeUndefined();
  });
});

/** Whether resource `from` depends, through Ref, Fn::GetAtt and DependsOn, on resource `to` in a template. */
function reaches(template: any, from: string, to: string): boolean {
  const direct = (logicalId: string): string[] => {
    const found = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) { v.forEach(walk); return; }
      if (v && typeof v === 'object') {
        const o = v as Record<string, any>;
        if (typeof o.Ref === 'string' && o.Ref in template.Resources) { found.add(o.Ref); }
        if (Array.isArray(o['Fn::GetAtt'])) { found.add(o['Fn::GetAtt'][0]); }
        Object.values(o).forEach(walk);
      }
    };
    const resource = template.Resources[logicalId];
    walk(resource.Properties);
    [resource.DependsOn ?? []].flat().forEach((d: string) => found.add(d));
    return [...found];
  };
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const next = stack.pop()!;
    for (const d of direct(next)) {
      if (d === to) { return true; }
      if (!seen.has(d)) { seen.add(d); stack.push(d); }
    }
  }
  return false;
}

describe('two SecureBuckets replicating to each other', () => {
  test('in the same stack: a clear error naming both buckets and the fix', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const a = new SecureBucket(stack, 'A');
    const b = new SecureBucket(stack, 'B', { replication: { destination: a } });
    expect(() => a.addReplicationDestination({ destination: b }))
      .toThrow(/\[S\/A\] 'replication\.destination' already replicates to this bucket \(S\/A\): .*circular dependency.*\(got "S\/B"\)\. Replicate from S\/A to an imported reference of S\/B/);
  });

  test('without the check, the same-stack pair is a CloudFormation cycle', () => {
    // The reason for the error above: the replication configuration of each bucket names the other bucket.
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const a = new SecureBucket(stack, 'A');
    const b = new SecureBucket(stack, 'B', { replication: { destination: a } });
    (a.node.defaultChild as s3.CfnBucket).replicationConfiguration = {
      role: b.replicationRole!.roleArn,
      rules: [{ status: 'Enabled', destination: { bucket: b.bucketArn } }],
    };
    // app.synth() does not check references inside one template; the assertions module (and CloudFormation) do.
    expect(() => Template.fromStack(stack)).toThrow(/dependency cycle: (A|B)\w+ -> (A|B)\w+ -> /);
  });

  test('a one-way pair of one stack has no such cycle', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const a = new SecureBucket(stack, 'A');
    const b = new SecureBucket(stack, 'B', { replication: { destination: a } });
    const template = Template.fromStack(stack).toJSON();
    const id = (x: s3.IBucket) => stack.resolve((x.node.defaultChild as s3.CfnBucket).logicalId) as string;
    expect(reaches(template, id(b), id(a))).toBe(true);
    expect(reaches(template, id(a), id(b))).toBe(false);
  });

  test('in two stacks: a clear error instead of CDK\'s dependency cycle', () => {
    const app = newApp();
    const s1 = new Stack(app, 'S1', { env: ENV });
    const s2 = new Stack(app, 'S2', { env: ENV });
    const a = new SecureBucket(s1, 'A');
    const b = new SecureBucket(s2, 'B', { replication: { destination: a } });
    expect(() => a.addReplicationDestination({ destination: b })).toThrow(/already replicates to this bucket \(S1\/A\): each stack would depend on the other/);
  });

  test('the suggested fix (the reverse direction to an imported reference) synthesizes', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const a = new SecureBucket(stack, 'A', { bucketName: 'bucket-a-literal' });
    const b = new SecureBucket(stack, 'B', { bucketName: 'bucket-b-literal', replication: { destination: a } });
    a.addReplicationDestination({
      destination: s3.Bucket.fromBucketName(stack, 'BRef', 'bucket-b-literal'),
      destinationKey: kms.Key.fromKeyArn(stack, 'BKey', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    });
    expect(b.replicationRole).toBeDefined();
    expect(() => app.synth()).not.toThrow();
  });
});
