import { SB_KMS_1 } from './sb-kms-1';
import { SB_KMS_2 } from './sb-kms-2';
import { BucketRule } from '../engine/model';

export const KMS_RULES: BucketRule[] = [
  SB_KMS_1,
  SB_KMS_2,
];
