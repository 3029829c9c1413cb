import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One acknowledged rule and why. */
export interface RuleAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/**
 * Acknowledges rules on one construct, in the metadata format of `Validations.acknowledge`
 * (`aws:cdk:acknowledged-rules`, ids qualified as `Annotation::ID`), which CDK's validation
 * report, cdk-nag and SecureBucketAspect all read.
 *
 * Unlike `Validations.acknowledge`, it writes one entry for all the rules and without a stack
 * trace: a SecureBucket acknowledges rules on every bucket, and a captured trace per rule is a
 * measurable part of synth time and triples the size of the assembly's metadata (docs/BENCHMARKS.md).
 *
 * Ids of checkers that do not run in CDK (AWS Control Tower controls such as `CT.S3.PR.9`,
 * checkov checks such as `CKV_AWS_18`) are written the same way: they only reach the cloud
 * assembly's manifest metadata, where scripts/check-assembly.ts reads them. They never go into
 * template Metadata (`guard.SuppressedRules`, `checkov.skip`), which would also switch off an
 * organisation's Control Tower proactive controls (CloudFormation hooks) for the resource.
 */
export function acknowledgeRules(construct: IConstruct, acknowledgements: RuleAcknowledgement[]): void {
  const data = Object.fromEntries(acknowledgements.map(a => [`Annotation::${a.id}`, a.reason]));
  construct.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, data, { stackTrace: false });
}
