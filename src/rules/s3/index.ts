import { SB_S3_1 } from './sb-s3-1';
import { SB_S3_10 } from './sb-s3-10';
import { SB_S3_11 } from './sb-s3-11';
import { SB_S3_12 } from './sb-s3-12';
import { SB_S3_13 } from './sb-s3-13';
import { SB_S3_14 } from './sb-s3-14';
import { SB_S3_15 } from './sb-s3-15';
import { SB_S3_16 } from './sb-s3-16';
import { SB_S3_2 } from './sb-s3-2';
import { SB_S3_3 } from './sb-s3-3';
import { SB_S3_4 } from './sb-s3-4';
import { SB_S3_5 } from './sb-s3-5';
import { SB_S3_6 } from './sb-s3-6';
import { SB_S3_7 } from './sb-s3-7';
import { SB_S3_8 } from './sb-s3-8';
import { SB_S3_9 } from './sb-s3-9';
import { BucketRule } from '../engine/model';

/**
 * The bucket rules. Each is a pure function of the bucket's rendered CloudFormation and the
 * resources of its stack that concern it. A value not known at synth gives "cannot verify",
 * never a pass; a definite failure is reported as a failure even when something else is unknown.
 */
export const BUCKET_RULES: BucketRule[] = [
  SB_S3_1,
  SB_S3_2,
  SB_S3_3,
  SB_S3_4,
  SB_S3_5,
  SB_S3_6,
  SB_S3_7,
  SB_S3_8,
  SB_S3_9,
  SB_S3_10,
  SB_S3_11,
  SB_S3_12,
  SB_S3_13,
  SB_S3_14,
  SB_S3_15,
  SB_S3_16,
];
