import { BUCKET_ADMIN_ACTIONS, deniesEverywhere, grantedAdminActions, holderAllowed, mayConcernS3, reasonUnknown } from '../engine/identity-reading';
import { asList, cannotVerify, fail, IdentityPolicyRule, isIntrinsic, PASS, PolicyHolder } from '../engine/model';
import { render, statementsOf, UNRESOLVED } from '../engine/policy';

export const SB_IAM_1: IdentityPolicyRule = {
  id: 'SB-IAM-1',
  target: 'identity-policy',
  cause: 'An identity policy grants bucket-administration permissions (policy, ACLs, public access block) to a principal that is not an administrator.',
  explanation: 'Whoever may put a bucket policy, an ACL or the public access block can make any bucket public or lock everyone out. '
    + `Grant ${BUCKET_ADMIN_ACTIONS.join(', ')} `
    + '(also through s3:*, s3:Put*, * or NotAction, and through the AWS managed policies AdministratorAccess, PowerUserAccess, AmazonS3FullAccess '
    + 'and AWSCloudTrail_FullAccess; other AWS managed policies are taken not to grant it) '
    + 'only to the principals listed in the Aspect\'s administratorArns. Roles with generated names cannot be matched: give them a roleName. '
    + 'An action the same policy denies on every bucket without a condition is not granted.',
  reads: 'The Allow and Deny statements (Action, NotAction, Resource, NotResource, Condition) of an AWS::IAM::Policy or ManagedPolicy, or '
    + 'of the inline policies and AWS managed policy ARNs of an AWS::IAM::Role, User or Group; the names and paths of the roles, users and '
    + 'groups that hold it; the Aspect\'s administratorArns.',
  controls: ['Security Hub IAM.1 and IAM.21 (related: full "*" and service-wide wildcards)', 'CIS AWS Foundations v1.4.0 1.16 (related)',
    'Control Tower CT.IAM.PR.3, CT.IAM.PR.5 (related: s3:* and Allow with NotAction)',
    'cdk-nag NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess (in part: an Allow of "*" on "*", which grants bucket administration; '
    + 'no administrators allow-list)',
    'cdk-nag NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess (in part: an Allow of "*" or "service:*", s3:* included; '
    + 'not named actions, s3:Put* or NotAction)',
    'cdk-nag AwsSolutions-IAM5 (related: any wildcard action or resource)'],
  check: ctx => {
    const { statements, unknown } = statementsOf(ctx.documents);
    const granted = new Set<string>();
    let unknownActions = unknown;
    for (const statement of statements) {
      if (statement.Effect !== 'Allow') { continue; }
      const actions = statement.NotAction ?? statement.Action;
      if (isIntrinsic(actions) || asList<unknown>(actions).some(a => typeof a !== 'string' || render(a).includes(UNRESOLVED))) {
        unknownActions = true;
      }
      if (mayConcernS3(statement)) { grantedAdminActions(statement).forEach(a => granted.add(a)); }
    }
    // An explicit Deny always wins: an action the same policy denies on every bucket, unconditionally, is not granted.
    for (const action of [...granted]) {
      if (statements.some(st => deniesEverywhere(st, action))) { granted.delete(action); }
    }
    const unknownDocuments = ctx.unknownDocuments ?? [];
    if (granted.size === 0) {
      if (unknownActions) { return cannotVerify('some actions are not known at synth'); }
      if (unknownDocuments.length > 0) { return cannotVerify(`the statements of ${unknownDocuments.join(', ')} are not known at synth`); }
      return PASS;
    }
    const what = [...granted].join(', ');
    const holders: PolicyHolder[] = ctx.holders
      ?? ctx.principals.map(p => ({ kind: p.startsWith('arn:') ? 'role' : 'unknown', arn: p.startsWith('arn:') ? p : undefined, display: p }));
    const results = holders.map(h => ({ h, allowed: holderAllowed(h, ctx.administratorArns) }));
    const outsiders = results.filter(r => r.allowed === 'no').map(r => r.h.display);
    if (outsiders.length > 0) { return fail(`grants ${what} to ${outsiders.join(', ')}, not on the administrators allow-list`); }
    const undetermined = results.filter(r => r.allowed === 'unknown').map(r => reasonUnknown(r.h));
    if (undetermined.length > 0) { return cannotVerify(`grants ${what}, and ${undetermined.join('; ')}`); }
    if (holders.length === 0) {
      return cannotVerify(`grants ${what} but is attached to no role, user or group of this stack, so who holds it cannot be verified`);
    }
    return PASS;
  },
};
