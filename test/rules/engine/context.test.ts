import { CfnParameter, Fn } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { isIntrinsic } from '../../../src/private/template-values';
import { StackIndex } from '../../../src/rules/engine/context';
import { COMPLIANCE_APP } from '../../helpers/compliance';
import { newStack } from '../../helpers/stacks';

const DOCUMENT = { Version: '2012-10-17', Statement: [] };

describe('StackIndex.bucketContext', () => {
  /**
   * Bucket A (named `bucket-a`) has a policy by name, declared first, and one by reference; bucket B
   * has one by reference; one policy's bucket is a parameter and one's is `Fn::Select` (not known at
   * synth); one's is an import (another stack's bucket).
   */
  function build() {
    const stack = newStack({ app: COMPLIANCE_APP });
    const a = new s3.CfnBucket(stack, 'A', { bucketName: 'bucket-a' });
    const b = new s3.CfnBucket(stack, 'B');
    const byName = new s3.CfnBucketPolicy(stack, 'AByName', { bucket: 'bucket-a', policyDocument: DOCUMENT });
    const byRef = new s3.CfnBucketPolicy(stack, 'AByRef', { bucket: a.ref, policyDocument: DOCUMENT });
    new s3.CfnBucketPolicy(stack, 'BByRef', { bucket: b.ref, policyDocument: DOCUMENT });
    const param = new CfnParameter(stack, 'BucketParam');
    new s3.CfnBucketPolicy(stack, 'ByParam', { bucket: param.valueAsString, policyDocument: DOCUMENT });
    new s3.CfnBucketPolicy(stack, 'BySelect', { bucket: Fn.select(0, Fn.split(',', param.valueAsString)), policyDocument: DOCUMENT });
    new s3.CfnBucketPolicy(stack, 'ByImport', { bucket: Fn.importValue('OtherBucket'), policyDocument: DOCUMENT });
    const index = new StackIndex(stack);
    const view = (construct: s3.CfnBucket) => index.viewOf(construct)!;
    const paths = (views: { path: string }[] | undefined) => (views ?? []).map(v => v.path.split('/')[1]);
    return { index, view, paths, a, b, byName, byRef };
  }

  test('attributes each bucket policy to the bucket it names, by reference or by literal name, in template order', () => {
    const { index, view, paths, a, b } = build();
    expect(paths(index.bucketContext(view(a), []).policies)).toEqual(['AByName', 'AByRef']);
    expect(paths(index.bucketContext(view(b), []).policies)).toEqual(['BByRef']);
  });

  test('a policy whose bucket is a parameter or not known at synth may be any bucket\'s; one on an import is another stack\'s', () => {
    const { index, view, paths, a, b } = build();
    expect(paths(index.bucketContext(view(a), []).unattributedPolicies)).toEqual(['ByParam', 'BySelect']);
    expect(paths(index.bucketContext(view(b), []).unattributedPolicies)).toEqual(['ByParam', 'BySelect']);
  });

  test('one context per bucket and list of trusted accounts: asked again, the same; with another list, that list', () => {
    const { index, view, a } = build();
    const trusted = ['222222222222'];
    const first = index.bucketContext(view(a), trusted);
    expect(index.bucketContext(view(a), trusted)).toBe(first);
    const other = index.bucketContext(view(a), ['333333333333']);
    expect(other).not.toBe(first);
    expect(other.trustedAccounts).toEqual(['333333333333']);
    expect(other.policies).toEqual(first.policies);
  });
});

describe('isIntrinsic', () => {
  test.each([
    [{ Ref: 'Bucket' }, true],
    [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, true],
    [{ 'Fn::Join': ['', ['a', 'b']] }, true],
    [{ Ref: 'Bucket', Extra: 1 }, false],
    [{ Other: 'x' }, false],
    [{}, false],
    [[{ Ref: 'Bucket' }], false],
    ['Bucket', false],
    [null, false],
    [undefined, false],
    [Object.create({ Ref: 'Bucket' }), false],
  ])('%j -> %s', (value, expected) => {
    expect(isIntrinsic(value)).toBe(expected);
  });
});
