import { CfnResource } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/** A bucket this app defines: an L2 whose default child is an `AWS::S3::Bucket`. */
export type RestrictableBucket = s3.IBucket & IConstruct;

/** Whether a construct is a bucket whose policy this app owns. */
export function isRestrictableBucket(construct: IConstruct): construct is RestrictableBucket {
  const c = construct as any;
  const cfn = construct.node.defaultChild;
  return typeof c.addToResourcePolicy === 'function'
    && typeof c.bucketArn === 'string'
    && CfnResource.isCfnResource(cfn)
    && cfn.cfnResourceType === 'AWS::S3::Bucket';
}
