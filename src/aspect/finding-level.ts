/**
 * What a finding of the `SecureBucketAspect` does to synthesis.
 */
export enum FindingLevel {
  /** Report: findings are warnings (acknowledgeable with their rule id); synth goes on. */
  WARNING = 'WARNING',
  /** Enforce: findings are errors and synth fails, unless acknowledged with a reason. */
  ERROR = 'ERROR',
}
