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
 * trace: a SecureBucket acknowledges rules on every bucket, and a captured trace per rule was a
 * measurable part of synth time and tripled the size of the assembly's metadata (docs/BENCHMARKS.md).
 */
export function acknowledgeRules(construct: IConstruct, acknowledgements: RuleAcknowledgement[]): void {
  const data = Object.fromEntries(acknowledgements.map(a => [`Annotation::${a.id}`, a.reason]));
  construct.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, data, { stackTrace: false });
}
