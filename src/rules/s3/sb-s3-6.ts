import { asList, cannotVerify, dig, fail, isIntrinsic, isUnknown, PASS, UNKNOWN, BucketRule } from '../engine/model';

export const SB_S3_6: BucketRule = {
  id: 'SB-S3-6',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'ACLs are not disabled: object ownership is not BucketOwnerEnforced, or an ACL is set.',
  explanation: 'With BucketOwnerEnforced, ACLs are ignored and cannot grant access; IAM and bucket policies alone decide. '
    + 'Set OwnershipControls to BucketOwnerEnforced and remove AccessControl.',
  controls: ['Security Hub S3.12', 'Control Tower CT.S3.PR.5'],
  check: ctx => {
    const p = ctx.bucket.properties ?? {};
    if (p.AccessControl !== undefined && !isIntrinsic(p.AccessControl)) { return fail(`AccessControl is ${p.AccessControl}`); }
    const rules = dig(p, 'OwnershipControls', 'Rules');
    if (rules === UNKNOWN || isIntrinsic(rules)) { return cannotVerify('object ownership is not known at synth'); }
    const owners = asList<any>(rules).map(r => (isIntrinsic(r) ? UNKNOWN : r?.ObjectOwnership));
    const wrong = owners.filter(o => !isUnknown(o) && o !== 'BucketOwnerEnforced');
    if (owners.length === 0) { return fail('object ownership is not set in the template'); }
    if (wrong.length > 0) { return fail(`object ownership is ${wrong.join(', ')}`); }
    if (isIntrinsic(p.AccessControl)) { return cannotVerify('AccessControl is not known at synth'); }
    return owners.some(isUnknown) ? cannotVerify('object ownership is not known at synth') : PASS;
  },
};
