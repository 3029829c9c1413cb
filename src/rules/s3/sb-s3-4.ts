import { cannotVerify, fail, isIntrinsic, PASS, BucketRule } from '../engine/model';
import { denotedValue, referenceOf, render } from '../engine/policy';

export const SB_S3_4: BucketRule = {
  id: 'SB-S3-4',
  target: 'bucket',
  appliesTo: 'data',
  cause: 'Server access logging is not enabled (or the bucket logs to itself).',
  explanation: 'Server access logs record every request to the bucket for audits and incident response. '
    + 'Set LoggingConfiguration.DestinationBucketName to another bucket, an SSE-S3 log bucket (SecureBucket uses an AccessLogsBucket). '
    + 'A bucket that logs to itself logs its own log deliveries, without end.',
  reads: 'The bucket\'s LoggingConfiguration.DestinationBucketName and BucketName, and what a reference in DestinationBucketName names '
    + '(a resource of the stack, a resource of another stack, or a parameter).',
  controls: ['Security Hub S3.9', 'Control Tower CT.S3.PR.2',
    'cdk-nag AwsSolutions-S1 and NIST.800.53.R5-S3BucketLoggingEnabled (in part: they accept a bucket that logs to itself)'],
  check: ctx => {
    const logging = ctx.bucket.properties?.LoggingConfiguration;
    if (isIntrinsic(logging)) { return cannotVerify('the logging configuration is not known at synth'); }
    if (logging === undefined) { return fail('no LoggingConfiguration'); }
    const target = logging.DestinationBucketName;
    if (target === undefined) { return fail('LoggingConfiguration has no DestinationBucketName, so the bucket logs to itself'); }
    // The target's name however it is written (`logs-${AWS::AccountId}` as well as a literal), against the bucket's own.
    const targetName = denotedValue(target, ctx.account, ctx.region);
    if ((targetName !== undefined && targetName === ctx.denotedName) || render(target) === `\${${ctx.bucket.logicalId}}`) {
      return fail('the bucket logs to itself');
    }
    if (targetName !== undefined) { return PASS; }
    const ref = referenceOf(target, ctx.lookup);
    // A bucket of this stack or of another stack of the app (judged there): logging is on.
    if (ref.kind === 'resource' || ref.kind === 'external') { return PASS; }
    return cannotVerify(ref.kind === 'parameter' ? `the log target is the parameter ${ref.id}` : 'the log target is not known at synth');
  },
};
