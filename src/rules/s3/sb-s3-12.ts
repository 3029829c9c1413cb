import { restrictsCaller } from '../engine/bucket-reading';
import { cannotVerify, fail, PASS, BucketRule } from '../engine/model';
import { bucketStatements, isAnyPrincipal, principalUnknown, sidOf } from '../engine/policy';

export const SB_S3_12: BucketRule = {
  id: 'SB-S3-12',
  target: 'bucket',
  appliesTo: 'any',
  readsPolicyOnly: true,
  cause: 'The bucket policy allows anyone ("*", or everyone but a NotPrincipal) without a condition that restricts who or from where.',
  explanation: 'An Allow to Principal "*" makes the bucket public unless a condition such as aws:SourceArn, aws:SourceAccount, '
    + 'aws:PrincipalOrgID, aws:SourceVpce or aws:SourceIp narrows it to fixed values. Negated, ...IfExists, Null and ForAllValues conditions, and '
    + 'patterns with a wildcard (but aws:userid AROLEID:*), do not narrow it (they match when the key is absent, or match more than '
    + 'fixed values, as S3 judges a policy public). Grant named principals instead.',
  reads: 'The Allow statements (Principal, NotPrincipal, Condition) of every AWS::S3::BucketPolicy attached to the bucket (by reference, '
    + 'by name, or from another stack of the app), '
    + 'and the parameters and resources of the stack their condition values refer to.',
  controls: ['Security Hub S3.2', 'Security Hub S3.3',
    'cdk-nag AwsSolutions-S5 (related: website buckets only; it fails any Allow whose principal holds "*", whatever its conditions)'],
  check: ctx => {
    const { statements, unknown } = bucketStatements(ctx);
    const allows = statements.filter(s => s.Effect === 'Allow');
    const open: any[] = [];
    let unknownPrincipal = false;
    let unknownCondition = false;
    for (const s of allows) {
      const everyone = isAnyPrincipal(s.Principal) || s.NotPrincipal !== undefined;
      if (!everyone) {
        unknownPrincipal ||= principalUnknown(s.Principal, ctx);
        continue;
      }
      const restricted = restrictsCaller(s.Condition, ctx.lookup);
      if (restricted === 'unknown') { unknownCondition = true; } else if (!restricted) { open.push(s); }
    }
    if (open.length > 0) {
      return fail(`${open.length} statement(s) allow everyone without a restricting condition (${open.map(sidOf).join(', ')})`);
    }
    if (unknown || unknownPrincipal || unknownCondition) {
      return cannotVerify(`${unknownPrincipal ? 'a principal' : unknownCondition ? 'a condition' : 'a statement'} of the bucket policy is not known at synth`);
    }
    return PASS;
  },
};
