import { SB_IAM_1 } from './sb-iam-1';
import { IdentityPolicyRule } from '../engine/model';

export const IAM_RULES: IdentityPolicyRule[] = [
  SB_IAM_1,
];
