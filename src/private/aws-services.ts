/**
 * The services whose service-linked roles read every bucket's configuration and policy, never its
 * objects: AWS Config's recorder (AWSServiceRoleForConfig, which this library's monitor uses) and IAM
 * Access Analyzer (AWSServiceRoleForAccessAnalyzer). Only the service can create or assume a role under
 * `aws-service-role/` (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html).
 * Not every service-linked role: Macie's reads objects, so it is exempted only on the buckets its jobs
 * classify (the monitor's Macie classification).
 */
export const METADATA_READING_SERVICES = ['config.amazonaws.com', 'access-analyzer.amazonaws.com'];
