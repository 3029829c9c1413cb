import { BucketRule, IdentityPolicyRule, Rule } from './engine/model';
import { IAM_RULES } from './iam';
import { KMS_RULES } from './kms';
import { BUCKET_RULES } from './s3';

/** Every rule, in id order. Ids are stable and never reused. */
export const ALL_RULES: Rule[] = [...BUCKET_RULES, ...KMS_RULES, ...IAM_RULES];

export const BUCKET_SCOPED_RULES: BucketRule[] = [...BUCKET_RULES, ...KMS_RULES];
export const IDENTITY_RULES: IdentityPolicyRule[] = IAM_RULES;

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find(r => r.id === id);
}
