import { cannotVerify, fail, isIntrinsic, PASS, BucketRule } from '../engine/model';
import { referenceOf, render } from '../engine/policy';

export const SB_S3_4: BucketRule = {
  id: 'SB-S3-4',
  target: 'bucket',
  appliesTo: 'data',
  cause: 'Server access logging is not enabled (or the bucket logs to itself).',
  explanation: 'Server access logs record every request to the bucket for audits and incident response. '
    + 'Set LoggingConfiguration.DestinationBucketName to another bucket, an SSE-S3 log bucket (SecureBucket uses an AccessLogsBucket). '
    + 'A bucket that logs to itself logs its own log deliveries, without end.',
  controls: ['Security Hub S3.9', 'Control Tower CT.S3.PR.2', 'cdk-nag AwsSolutions-S1', 'cdk-nag NIST.800.53.R5-S3BucketLoggingEnabled'],
  check: ctx => {
    const logging = ctx.bucket.properties?.LoggingConfiguration;
    if (isIntrinsic(logging)) { return cannotVerify('the logging configuration is not known at synth'); }
    if (logging === undefined) { return fail('no LoggingConfiguration'); }
    const target = logging.DestinationBucketName;
    if (target === undefined) { return fail('LoggingConfiguration has no DestinationBucketName, so the bucket logs to itself'); }
    const name = ctx.bucket.properties?.BucketName;
    if ((typeof target === 'string' && target === name) || render(target) === `\${${ctx.bucket.logicalId}}`) {
      return fail('the bucket logs to itself');
    }
    if (typeof target === 'string') { return PASS; }
    const ref = referenceOf(target, ctx.lookup);
    // A bucket of this stack or of another stack of the app (judged there): logging is on.
    if (ref.kind === 'resource' || ref.kind === 'external') { return PASS; }
    return cannotVerify(ref.kind === 'parameter' ? `the log target is the parameter ${ref.id}` : 'the log target is not known at synth');
  },
};
