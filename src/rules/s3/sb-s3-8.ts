import { denyAllStatements, inEveryPolicy, NARROWED, soleCondition } from '../engine/bucket-reading';
import { asList, cannotVerify, fail, isIntrinsic, isUnknown, PASS, BucketRule } from '../engine/model';
import { covers } from '../engine/policy';

export const SB_S3_8: BucketRule = {
  id: 'SB-S3-8',
  target: 'bucket',
  appliesTo: 'any',
  readsPolicyOnly: true,
  cause: 'The bucket policy does not deny TLS versions below 1.2.',
  explanation: 'A Deny of s3:* to everyone when NumericLessThan s3:TlsVersion 1.2 (or 1.3), on the bucket and its objects, refuses outdated TLS. '
    + 'AWS endpoints require TLS 1.2 since 2024; the Deny keeps that guarantee in the bucket itself. The TLS version must be the Deny\'s only condition.',
  reads: 'The Deny statements (Effect, Principal, Action, Resource, NumericLessThan s3:TlsVersion) of every AWS::S3::BucketPolicy attached '
    + 'to the bucket (by reference, by name, or from another stack of the app), '
    + 'their CloudFormation Conditions, and the bucket\'s BucketName to match the ARNs.',
  controls: ['Amazon S3 condition key s3:TlsVersion (no Security Hub control)'],
  // Each policy that can be in effect must hold the Deny (only one takes effect).
  check: context => inEveryPolicy(context, ctx => {
    const all = denyAllStatements(ctx);
    let unknown = all.unknown;
    let bucketBest: number | undefined;
    let objectsBest: number | undefined;
    let narrowed = false;
    for (const s of all.statements) {
      const value = soleCondition(s.Condition, ['NumericLessThan'], 's3:TlsVersion');
      if (value === NARROWED) { narrowed = true; continue; }
      if (value === undefined) { continue; }
      const versions = isUnknown(value) ? [NaN] : asList<unknown>(value).map(v => (isIntrinsic(v) ? NaN : Number(v)));
      if (versions.some(Number.isNaN)) { unknown = true; continue; }
      const version = Math.max(...versions);
      const [b, o] = [covers(s.Resource, ctx, 'bucket'), covers(s.Resource, ctx, 'objects')];
      if (b === 'unknown' || o === 'unknown') { unknown = true; }
      if (b === true) { bucketBest = Math.max(bucketBest ?? 0, version); }
      if (o === true) { objectsBest = Math.max(objectsBest ?? 0, version); }
    }
    const floor = bucketBest !== undefined && objectsBest !== undefined ? Math.min(bucketBest, objectsBest) : undefined;
    if (floor !== undefined && floor >= 1.2) { return PASS; }
    if (unknown) { return cannotVerify(all.leftOut ?? 'the minimum TLS version or the statements that set it are not known at synth'); }
    if (floor !== undefined) { return fail(`the minimum TLS version is ${floor}`); }
    if (bucketBest === undefined && objectsBest === undefined && narrowed) {
      return fail('the Deny with NumericLessThan s3:TlsVersion has other conditions as well, so it does not refuse every request with an older TLS version');
    }
    if (bucketBest === undefined && objectsBest === undefined) { return fail('no Deny of s3:* to everyone with NumericLessThan s3:TlsVersion'); }
    return fail(`the TLS version Deny does not cover ${bucketBest === undefined ? 'the bucket ARN' : 'the objects (bucket/*)'}`);
  }),
};
