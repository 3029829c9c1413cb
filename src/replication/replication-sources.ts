import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { denyOtherReplicators } from './replication-statements';
import { addBucketServiceRole } from '../access/internal';
import { existingStateOf, stateOf } from '../private/construct-state';

/** What a bucket holds of its replication sources: the roles that may replicate into it, and its Allow statements. */
export interface DestinationWiring {
  readonly roleArns: string[];
  statements: number;
}
/** The state key of a destination's wiring: the replication roles it grants, and its statements. */
const WIRING = 'replication.wiring';

/**
 * The replication roles that may replicate into `bucket`, and the Deny that keeps every other principal
 * from writing replicas into it, added with the first call. A SecureBucket calls it when it is created
 * (with the roles of its sources outside the app); a destination in the app, when a source is wired to it.
 */
export function allowReplicationFrom(bucket: s3.IBucket & IConstruct, roleArns: readonly string[]): void {
  const wiring = replicationWiring(bucket);
  for (const arn of roleArns) {
    if (!wiring.roleArns.includes(arn)) { wiring.roleArns.push(arn); }
    addBucketServiceRole(bucket, arn);
  }
}

export function replicationWiring(bucket: s3.IBucket & IConstruct): DestinationWiring {
  let wiring = existingStateOf<DestinationWiring>(bucket, WIRING);
  if (!wiring) {
    wiring = stateOf<DestinationWiring>(bucket, WIRING, () => ({ roleArns: [], statements: 0 }));
    const roles = wiring.roleArns;
    // The account root is listed too: it may change the policy anyway, and the Deny always names someone
    // (a condition with no value is not a valid policy) when no source replicates here.
    const root = Stack.of(bucket).formatArn({ service: 'iam', region: '', resource: 'root', arnFormat: ArnFormat.NO_RESOURCE_NAME });
    bucket.addToResourcePolicy(denyOtherReplicators(bucket.arnForObjects('*'), () => [...roles, root]));
  }
  return wiring;
}
