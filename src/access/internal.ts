/*
 * What the rest of the library may use of the access engine: the roles a bucket's services act
 * through, the restrictions applied to a bucket, and the bucket-policy size check. Not exported from
 * the package; the lint rules allow other folders to import `access/` only through this file and
 * `access/index.ts`.
 */
export { addBucketServiceRole, pinToAccount } from './engine/bucket-restrictions';
export { checkPolicySize, estimatePolicyBytes } from './engine/policy-size';
export { appliedRestrictions, arnPatternMatches, restrictionsDenyingServiceRole, restrictionValues } from './engine/restriction-info';
