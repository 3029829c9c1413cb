/**
 * Test helpers for the compliance rules: the app the rule tests build in, and one resource evaluated
 * directly (as the Aspect and the cdk-nag pack do, through `evaluateResource` and an `IndexCache`).
 */
import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { TestAppProps } from './stacks';
import { evaluateResource, EvaluationOptionCodes, evaluationOptions, EvaluationOptionsInput, IndexCache, Outcome } from '../../src/rules/evaluation';

/** The flag with which `s3.Bucket` grants log delivery through the bucket policy instead of an ACL. */
export const LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/**
 * The app of the rule tests (`newApp(COMPLIANCE_APP)`, `newStack({ app: COMPLIANCE_APP })`): it writes
 * into a fresh temporary directory, and `s3.Bucket` grants log delivery through the bucket policy (the
 * feature flag), so that an L2 log target can keep ACLs disabled.
 */
export const COMPLIANCE_APP: TestAppProps = {
  outdirPrefix: 'sb-compliance-',
  context: { [LOGS_USE_BUCKET_POLICY]: true },
};

/** The L1 resource of a construct (the construct itself when it is one). */
export function l1(construct: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(construct)) { return construct; }
  const child = construct.node.defaultChild;
  if (!CfnResource.isCfnResource(child)) { throw new Error(`${construct.node.path} has no L1 default child`); }
  return child;
}

/** The error codes of the options given to `outcomesOf` (the Aspect and the pack give their own). */
const TEST_OPTION_CODES: EvaluationOptionCodes = {
  listUnresolved: 'Test.OptionListUnresolved',
  valueUnresolved: 'Test.OptionValueUnresolved',
  valueEmpty: 'Test.OptionValueEmpty',
  administratorArnMalformed: 'Test.AdministratorArnMalformed',
  trustedAccountMalformed: 'Test.TrustedAccountMalformed',
  excludedRuleUnknown: 'Test.ExcludedRuleUnknown',
  excludedRuleReasonMissing: 'Test.ExcludedRuleReasonMissing',
};

/** Every rule's outcome on one resource, evaluated directly. */
export function outcomesOf(construct: IConstruct, options: EvaluationOptionsInput = {}): Outcome[] {
  const resource = l1(construct);
  // As the Aspect and the cdk-nag pack do: through the cache, which also finds the policies of other stacks.
  return evaluateResource(resource, new IndexCache().of(resource), evaluationOptions(TEST_OPTION_CODES, 'test', options));
}

/** A rule's verdict, with the path of the resource the finding is reported on. */
export interface TestVerdict {
  readonly status: string;
  readonly detail?: string;
  readonly subject?: string;
}

/** The verdict of one rule on one resource: `not-applied` when the rule does not judge it (e.g. a data rule on a log bucket). */
export function verdictOf(construct: IConstruct, ruleId: string, options: EvaluationOptionsInput = {}): TestVerdict {
  const outcome = outcomesOf(construct, options).find(o => o.rule.id === ruleId);
  if (!outcome) { return { status: 'not-applied' }; }
  return { ...outcome.verdict, subject: outcome.subjectConstruct.node.path };
}

/** The ids of the rules that do not pass on one resource. */
export function findingIds(construct: IConstruct, options: EvaluationOptionsInput = {}): string[] {
  return outcomesOf(construct, options).filter(o => o.verdict.status === 'fail' || o.verdict.status === 'cannot-verify').map(o => o.rule.id);
}
