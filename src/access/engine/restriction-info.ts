import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { BucketRestrictions, RestrictionSpec } from './bucket-restrictions';
import { isRestrictableBucket } from '../../private/restrictable-bucket';
import { globMatch } from '../../private/template-values';

/**
 * Read-only views of the access restrictions applied to a bucket, for constructs that must adapt
 * to them (the monitor's Macie job and policy grantee check). Reading never creates a registry.
 */

/** The restrictions applied to `bucket`, in order (empty when none, or when it is not a bucket of this app). */
export function appliedRestrictions(bucket: IConstruct): readonly RestrictionSpec[] {
  if (!isRestrictableBucket(bucket) || !BucketRestrictions.has(bucket)) { return []; }
  return BucketRestrictions.of(bucket).applied;
}

/** Whether a restriction denies object reads (`s3:*` or a `s3:Get*` action on `bucket/*`). */
function deniesReads(spec: RestrictionSpec): boolean {
  return spec.onObjects && spec.actions.some(a => a === 's3:*' || a === '*' || a.startsWith('s3:Get'));
}

/** Whether an IAM ARN pattern of an exemption (`*` and `?` wildcards, as in `ArnLike`) matches a literal ARN. */
export function arnPatternMatches(pattern: string, arn: string): boolean {
  return !Token.isUnresolved(pattern) && globMatch(pattern, arn, false);
}

/**
 * The restrictions of `bucket` that would deny reads to a service role even when it is recorded as
 * a bucket service role: those with `exemptBucketServiceRoles: false` none of whose
 * `exemptPrincipalArns` is accepted by `exempts`.
 */
export function restrictionsDenyingServiceRole(bucket: IConstruct, exempts: (principalArn: string) => boolean): RestrictionSpec[] {
  return appliedRestrictions(bucket).filter(spec => deniesReads(spec)
    && !spec.exemptions.bucketServiceRoles
    && !spec.exemptions.principalArns.some(exempts));
}

/** The values of every clause of `bucket`'s restrictions on one condition key. */
export function restrictionValues(bucket: IConstruct, key: string): string[] {
  const values = appliedRestrictions(bucket).flatMap(spec => spec.clauses.filter(c => c.key === key).flatMap(c => c.values));
  return [...new Set(values)];
}
