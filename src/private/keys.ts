import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { denyGrantsExceptForAwsServices } from './statements';

/**
 * A customer-managed key as this library makes them: rotation on, and only AWS services may
 * create grants on it (AWS Control Tower CT.KMS.PR.3).
 */
export function rotatedKey(scope: Construct, id: string, description: string, removalPolicy: RemovalPolicy): kms.Key {
  const key = new kms.Key(scope, id, { description, enableKeyRotation: true, removalPolicy });
  key.addToResourcePolicy(denyGrantsExceptForAwsServices());
  return key;
}
