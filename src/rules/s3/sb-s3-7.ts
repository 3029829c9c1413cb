import { denyAllStatements, inEveryPolicy, NARROWED, soleCondition } from '../engine/bucket-reading';
import { asList, cannotVerify, fail, isUnknown, PASS, BucketRule } from '../engine/model';
import { covers } from '../engine/policy';

export const SB_S3_7: BucketRule = {
  id: 'SB-S3-7',
  target: 'bucket',
  appliesTo: 'any',
  readsPolicyOnly: true,
  cause: 'The bucket policy does not deny requests without TLS on both the bucket and its objects.',
  explanation: 'A Deny of s3:* to everyone on the bucket ARN and bucket/* when aws:SecureTransport is false keeps data and credentials off plain HTTP. '
    + 'That must be the Deny\'s only condition: IAM ANDs conditions, so another one would leave some requests without TLS allowed. '
    + 'A policy created under a CloudFormation Condition may not be deployed: its Deny cannot be verified.',
  reads: 'The Deny statements (Effect, Principal, Action, Resource, Condition) of every AWS::S3::BucketPolicy attached to the bucket '
    + '(by reference, by name, or from another stack of the app), '
    + 'their CloudFormation Conditions, and the bucket\'s BucketName to match the ARNs.',
  controls: ['Security Hub S3.5', 'CIS AWS Foundations v3.0.0 2.1.1, v1.4.0 2.1.2', 'Control Tower CT.S3.PR.8',
    'cdk-nag AwsSolutions-S10 and NIST.800.53.R5-S3BucketSSLRequestsOnly (in part: they read Condition.Bool only, and accept a Deny with '
    + 'further conditions)'],
  // Each policy that can be in effect must hold the Deny (only one takes effect).
  check: context => inEveryPolicy(context, ctx => {
    const all = denyAllStatements(ctx);
    let unknown = all.unknown;
    let narrowed = false;
    const denies = all.statements.filter(s => {
      const value = soleCondition(s.Condition, ['Bool', 'BoolIfExists'], 'aws:SecureTransport');
      if (value === NARROWED) { narrowed = true; return false; }
      if (isUnknown(value)) { unknown = true; return false; }
      return value !== undefined && String(asList(value)[0]).toLowerCase() === 'false';
    });
    const bucket = denies.map(s => covers(s.Resource, ctx, 'bucket'));
    const objects = denies.map(s => covers(s.Resource, ctx, 'objects'));
    if (bucket.includes(true) && objects.includes(true)) { return PASS; }
    if (unknown || bucket.includes('unknown') || objects.includes('unknown')) {
      return cannotVerify(all.leftOut ?? 'part of the bucket policy (a statement, condition or resource) is not known at synth');
    }
    if (denies.length === 0 && narrowed) {
      return fail('the Deny when aws:SecureTransport is false has other conditions as well, so it does not refuse every request without TLS');
    }
    if (denies.length === 0) { return fail('no Deny of s3:* to everyone when aws:SecureTransport is false'); }
    return fail(`the TLS Deny does not cover ${bucket.includes(true) ? 'the objects (bucket/*)' : objects.includes(true) ? 'the bucket ARN' : 'the bucket or its objects'}`);
  }),
};
