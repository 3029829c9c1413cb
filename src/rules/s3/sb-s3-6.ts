import { advisory, asList, BucketRule, cannotVerify, dig, fail, isIntrinsic, isUnknown, PASS, UNKNOWN } from '../engine/model';

/**
 * Canned ACLs that grant nothing beyond the bucket owner: S3 accepts them on a bucket with ACLs
 * disabled, and they change nothing there.
 */
export const OWNER_ONLY_ACLS = ['Private', 'BucketOwnerFullControl'];

/** Canned ACLs that grant access to everyone (or every AWS account): the public access block's BlockPublicAcls refuses them. */
export const PUBLIC_ACLS = ['PublicRead', 'PublicReadWrite', 'AuthenticatedRead'];

/** What a CloudFront standard-logging target may grant besides the owner: the log delivery group. */
const CLOUDFRONT_LOG_TARGET_ACLS = [...OWNER_ONLY_ACLS, 'LogDeliveryWrite'];

export const SB_S3_6: BucketRule = {
  id: 'SB-S3-6',
  target: 'bucket',
  appliesTo: 'any',
  cause: 'ACLs are not disabled: object ownership is not BucketOwnerEnforced, or an ACL grants access.',
  explanation: 'With BucketOwnerEnforced, ACLs are ignored and cannot grant access; IAM and bucket policies alone decide. '
    + 'Set OwnershipControls to BucketOwnerEnforced, and remove an AccessControl other than Private or BucketOwnerFullControl (which grant '
    + 'nothing beyond the owner). A template that does not declare ownership gets BucketOwnerEnforced from S3 when the bucket is created '
    + '(AWS\'s default since April 2023), but nothing keeps it. A CloudFront standard-logging target is the exception: CloudFront writes '
    + 'its logs with ACLs, so ObjectWriter (or BucketOwnerPreferred) with no ACL beyond log delivery passes.',
  reads: 'The bucket\'s AccessControl and OwnershipControls.Rules[].ObjectOwnership, and whether an AWS::CloudFront::Distribution of '
    + 'the stack writes its standard logs to the bucket (DistributionConfig.Logging.Bucket).',
  controls: ['Security Hub S3.12', 'Control Tower CT.S3.PR.5',
    'cdk-nag NIST.800.53.R5-S3BucketPublicReadProhibited and S3BucketPublicWriteProhibited (in part, with SB-S3-5: they fail the canned ACL '
    + 'PublicRead or PublicReadWrite when BlockPublicAcls is off)'],
  check: ctx => {
    const p = ctx.bucket.properties ?? {};
    const acl = p.AccessControl;
    const allowedAcls = ctx.isCloudFrontLogTarget ? CLOUDFRONT_LOG_TARGET_ACLS : OWNER_ONLY_ACLS;
    if (acl !== undefined && !isIntrinsic(acl) && !allowedAcls.includes(acl)) {
      return fail(`AccessControl is ${acl}${ctx.isCloudFrontLogTarget ? ' (a CloudFront log target needs no ACL beyond LogDeliveryWrite)' : ''}`);
    }
    const rules = dig(p, 'OwnershipControls', 'Rules');
    if (rules === UNKNOWN || isIntrinsic(rules)) { return cannotVerify('object ownership is not known at synth'); }
    const owners = asList<any>(rules).map(r => (isIntrinsic(r) ? UNKNOWN : r?.ObjectOwnership));
    if (isIntrinsic(acl)) { return cannotVerify('AccessControl is not known at synth'); }
    if (ctx.isCloudFrontLogTarget) {
      // CloudFront standard logging needs ACLs enabled; ownership that disables them makes delivery fail, not the bucket public.
      return owners.some(isUnknown) ? cannotVerify('object ownership is not known at synth') : PASS;
    }
    if (owners.length === 0) {
      return advisory('object ownership is not declared: S3 creates a new bucket with BucketOwnerEnforced, but the template does not keep it');
    }
    const wrong = owners.filter(o => !isUnknown(o) && o !== 'BucketOwnerEnforced');
    if (wrong.length > 0) { return fail(`object ownership is ${wrong.join(', ')}`); }
    return owners.some(isUnknown) ? cannotVerify('object ownership is not known at synth') : PASS;
  },
};
