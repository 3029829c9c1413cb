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
 * The monitor derives each list per monitored bucket from its access restrictions and its policy;
 * a list given here replaces the derived one for every bucket.
 */
export interface PolicyGranteeCheckOptions {
  /**
   * IAM principal ARNs (wildcards allowed) and account ids. Derived per bucket: its account, the AWS
   * principals its policy allows, and the principals its access restrictions let in (RoleOnly roles,
   * AdminOnlyChanges administrators, exemptPrincipalArns); with allBuckets, the account.
   *
   * @default - derived per bucket
   * @see https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html
   */
  readonly awsPrincipals?: string[];

  /**
   * Service principals. Derived per bucket: the service principals its policy allows (such as
   * `logging.s3.amazonaws.com` on a log bucket); with allBuckets, `cloudtrail.amazonaws.com`,
   * `logging.s3.amazonaws.com` and `config.amazonaws.com`.
   *
   * @default - derived per bucket
   * @see https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html
   */
  readonly servicePrincipals?: string[];

  /**
   * IP ranges in CIDR notation.
   *
   * @default - per bucket: the ranges of its SourceIpOnly restrictions; none with allBuckets
   * @see https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html
   */
  readonly ipAddresses?: string[];

  /**
   * VPC ids (the rule takes VPC ids, not VPC endpoint ids).
   *
   * @default - per bucket: the VPC ids of its VpcEndpointOnly restrictions; none with allBuckets
   * @see https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html
   */
  readonly vpcIds?: string[];
}
