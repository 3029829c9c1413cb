/**
 * What every checker reports: the checkers' names, one finding, and the error that stops the command
 * with exit code 2.
 */

export const CHECKERS = ['cdk-nag', 'control-tower', 'checkov', 'cfn-lint'] as const;
export type CheckerName = typeof CHECKERS[number];

/** Checkers whose findings are excepted by the allow-list (cdk-nag's are acknowledged in the app). */
export const ALLOWLISTABLE: readonly CheckerName[] = ['control-tower', 'checkov', 'cfn-lint'];

/** Bad input, a missing tool or a crashed checker: exit code 2. */
export class UsageError extends Error {}

export type FindingStatus = 'open' | 'acknowledged' | 'allow-listed';

export interface CheckerFinding {
  readonly checker: CheckerName;
  /** Rule id: 'AwsSolutions-S1', 'CT.S3.PR.2', 'CKV_AWS_18', 'W3005'. */
  readonly rule: string;
  /** The stack's display name. */
  readonly stack: string;
  /** Logical id of the resource in the template ('' when the finding is about the whole template). */
  readonly logicalId: string;
  readonly resourceType?: string;
  /** Construct paths of the resource, from the assembly metadata (without the leading '/'). */
  readonly constructPaths: string[];
  readonly message: string;
  status: FindingStatus;
  /** Why it is acknowledged or allow-listed. */
  reason?: string;
  /** Where the exception was made: the construct path of the acknowledgement, or the allow-list entry. */
  exceptedBy?: string;
}
