import { conditionAccounts } from '../engine/bucket-reading';
import { asList, cannotVerify, fail, isIntrinsic, PASS, BucketRule } from '../engine/model';
import { bucketStatements, principalAccount } from '../engine/policy';

export const SB_S3_14: BucketRule = {
  id: 'SB-S3-14',
  target: 'bucket',
  appliesTo: 'any',
  readsPolicyOnly: true,
  cause: 'The bucket policy allows a principal of another AWS account that is not on the trusted-accounts list.',
  explanation: 'Cross-account access should be deliberate: list the account in the Aspect\'s trustedAccounts, or remove the grant. '
    + 'The account is read from the principal, and from the conditions of the Allow (aws:PrincipalAccount, aws:SourceAccount, '
    + 'aws:SourceOwner, and the ARNs of aws:PrincipalArn and aws:SourceArn). '
    + 'When the stack\'s account is not known at synth (an environment-agnostic stack), a literal account id cannot be told apart from the bucket\'s own.',
  reads: 'The Allow statements of every AWS::S3::BucketPolicy attached to the bucket (by reference, by name, or from another stack of the '
    + 'app): Principal.AWS, '
    + 'and the conditions aws:PrincipalAccount, aws:SourceAccount, aws:SourceOwner, aws:PrincipalArn and aws:SourceArn; the stack\'s account; '
    + 'the Aspect\'s trustedAccounts.',
  controls: ['Security Hub S3.6'],
  check: ctx => {
    const { statements, unknown } = bucketStatements(ctx);
    const foreign = new Set<string>();
    const unresolved = new Set<string>();
    let unknownPrincipal = false;
    for (const s of statements.filter(x => x.Effect === 'Allow')) {
      // An account the Allow's conditions grant to (Principal "*" with aws:PrincipalAccount, a service for aws:SourceAccount).
      const granted = conditionAccounts(s.Condition, ctx);
      unknownPrincipal ||= granted.unknown;
      for (const account of granted.accounts) {
        if (account === 'self' || ctx.trustedAccounts.includes(account)) { continue; }
        (ctx.account === undefined ? unresolved : foreign).add(account);
      }
      const principal = s.Principal;
      if (isIntrinsic(principal)) { unknownPrincipal = true; continue; }
      // One intrinsic is one principal (a role's ARN); one that stands for a list is not known at synth.
      for (const p of isIntrinsic(principal?.AWS) ? [principal.AWS] : asList<unknown>(principal?.AWS)) {
        const account = principalAccount(p, ctx);
        if (account === undefined) { unknownPrincipal = true; continue; }
        if (['self', '*', 'aws'].includes(account) || ctx.trustedAccounts.includes(account)) { continue; }
        (ctx.account === undefined ? unresolved : foreign).add(account);
      }
    }
    if (foreign.size > 0) { return fail(`principals of account(s) ${[...foreign].sort().join(', ')} are allowed`); }
    if (unresolved.size > 0) {
      return cannotVerify(`the bucket's account is not known at synth, and its policy allows account(s) ${[...unresolved].sort().join(', ')}`);
    }
    return unknown || unknownPrincipal ? cannotVerify('a principal of the bucket policy is not known at synth') : PASS;
  },
};
