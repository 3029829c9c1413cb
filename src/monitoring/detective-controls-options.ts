/** How non-compliant buckets are remediated. */
export enum RemediationMode {
  /** No remediation configuration. */
  NONE = 'NONE',
  /** A remediation action that an operator starts from the AWS Config console or API. */
  MANUAL = 'MANUAL',
  /** AWS Config starts the remediation as soon as a bucket is found public. */
  AUTOMATIC = 'AUTOMATIC',
}

/**
 * Who a bucket policy may grant access to, for the `S3_BUCKET_POLICY_GRANTEE_CHECK` rule
 * (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html).
 * Give the principals, IP ranges and VPCs of the buckets' access restrictions.
 */
export interface PolicyGranteeCheckOptions {
  /**
   * IAM principal ARNs and account ids.
   *
   * @default - the account of the stack
   */
  readonly awsPrincipals?: string[];

  /**
   * Service principals.
   *
   * @default - `cloudtrail.amazonaws.com`, `logging.s3.amazonaws.com` and `config.amazonaws.com`
   */
  readonly servicePrincipals?: string[];

  /**
   * IP ranges in CIDR notation.
   *
   * @default - none
   */
  readonly ipAddresses?: string[];

  /**
   * VPC ids (the rule takes VPC ids, not VPC endpoint ids).
   *
   * @default - none
   */
  readonly vpcIds?: string[];
}
