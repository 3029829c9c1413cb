import { cannotVerify, fail, PASS, BucketRule } from '../engine/model';
import { bucketStatements, sidOf } from '../engine/policy';

export const SB_S3_13: BucketRule = {
  id: 'SB-S3-13',
  target: 'bucket',
  appliesTo: 'any',
  readsPolicyOnly: true,
  cause: 'The bucket policy uses NotPrincipal.',
  explanation: 'NotPrincipal with Deny also denies the roles it seems to exempt once they are assumed (session ARNs differ), and with '
    + 'Allow grants everyone else. Use a Deny with an aws:PrincipalArn condition instead.',
  reads: 'The statements (NotPrincipal) of every AWS::S3::BucketPolicy attached to the bucket (by reference, by name, or from another '
    + 'stack of the app).',
  controls: ['AWS IAM User Guide: NotPrincipal (use aws:PrincipalArn instead)'],
  check: ctx => {
    const { statements, unknown } = bucketStatements(ctx);
    const bad = statements.filter(s => s.NotPrincipal !== undefined);
    if (bad.length > 0) { return fail(`${bad.length} statement(s) use NotPrincipal (${bad.map(sidOf).join(', ')})`); }
    return unknown ? cannotVerify('a statement of the bucket policy is not known at synth') : PASS;
  },
};
