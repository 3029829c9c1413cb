/** controlTowerViolations: the AWS Control Tower proactive controls over a template, as the tests run them. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { controlIdsByResource, controlTowerGuardFiles, controlTowerViolations } from '../../../scripts/checkers';
import { hardenedBuckets } from '../../helpers/checkers';
import { LOGS_USE_BUCKET_POLICY } from '../../helpers/compliance';
import { newStack } from '../../helpers/stacks';
import { logicalId } from '../../helpers/templates';

describe('controlTowerViolations', () => {
  test('S3 and KMS guard files bundled in the validator', () => {
    const names = Array.from(controlTowerGuardFiles().keys()).filter(n => /^ct-(s3|kms)-/.test(n));
    expect(names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))).toEqual([
      'ct-kms-pr-1', 'ct-kms-pr-2', 'ct-kms-pr-3',
      'ct-s3-pr-1', 'ct-s3-pr-2', 'ct-s3-pr-3', 'ct-s3-pr-4', 'ct-s3-pr-5', 'ct-s3-pr-6',
      'ct-s3-pr-8', 'ct-s3-pr-9', 'ct-s3-pr-10', 'ct-s3-pr-11', 'ct-s3-pr-12',
    ]);
  });

  test('plain bucket fails public access, versioning and most other S3 controls', () => {
    const stack = newStack({ id: 'S' });
    new s3.Bucket(stack, 'B');

    const violations = controlTowerViolations(Template.fromStack(stack).toJSON());
    expect(controlIdsByResource(violations)).toEqual({
      B08E7C7AF: [
        'CT.S3.PR.1', 'CT.S3.PR.2', 'CT.S3.PR.3', 'CT.S3.PR.4', 'CT.S3.PR.5',
        'CT.S3.PR.6', 'CT.S3.PR.9', 'CT.S3.PR.10', 'CT.S3.PR.11',
      ],
    });
    expect(violations.find(v => v.controlId === 'CT.S3.PR.1')).toEqual({
      controlId: 'CT.S3.PR.1',
      ruleName: 's3_bucket_level_public_access_prohibited_check',
      guardFile: 'ct-s3-pr-1',
      resourceLogicalIds: ['B08E7C7AF'],
      description: '[CT.S3.PR.1]: Require an Amazon S3 bucket to have block public access settings configured',
      fix: expect.stringContaining('PublicAccessBlockConfiguration'),
    });
  });

  test('hardened layout: data bucket fails only object lock; log bucket fails more; CDK key policy fails KMS.PR.3', () => {
    const stack = newStack({ id: 'S' });
    const { data, logs, key } = hardenedBuckets(stack);

    const byResource = controlIdsByResource(controlTowerViolations(stack));
    expect(byResource).toEqual({
      [logicalId(data)]: ['CT.S3.PR.9'],
      [logicalId(logs)]: ['CT.S3.PR.2', 'CT.S3.PR.3', 'CT.S3.PR.4', 'CT.S3.PR.5', 'CT.S3.PR.6', 'CT.S3.PR.9', 'CT.S3.PR.10'],
      [logicalId(key)]: ['CT.KMS.PR.3'],
    });
  });

  test('with the serverAccessLogsUseBucketPolicy flag the log bucket no longer uses an ACL (CT.S3.PR.5 passes)', () => {
    const stack = newStack({ id: 'S', app: { context: { [LOGS_USE_BUCKET_POLICY]: true } } });
    const { logs } = hardenedBuckets(stack);

    expect(controlIdsByResource(controlTowerViolations(stack))[logicalId(logs)]).toEqual(
      ['CT.S3.PR.2', 'CT.S3.PR.3', 'CT.S3.PR.4', 'CT.S3.PR.6', 'CT.S3.PR.9', 'CT.S3.PR.10'],
    );
  });

  test('disabledRules accepts guard file names and control ids; unknown names throw', () => {
    const stack = newStack({ id: 'S' });
    new s3.Bucket(stack, 'B');
    const template = Template.fromStack(stack).toJSON();

    const ids = controlTowerViolations(template, { disabledRules: ['ct-s3-pr-9', 'CT.S3.PR.1'] }).map(v => v.controlId);
    expect(ids).not.toContain('CT.S3.PR.9');
    expect(ids).not.toContain('CT.S3.PR.1');
    expect(ids).toContain('CT.S3.PR.11');

    expect(() => controlTowerViolations(template, { disabledRules: ['ct-s3-pr-7'] })).toThrow(/unknown guard rule/);
  });

  test('a template without failing resources gives []', () => {
    expect(controlTowerViolations({ Resources: {} })).toEqual([]);
  });

  test('a template file path gives the same result as the template object', () => {
    const stack = newStack({ id: 'S' });
    new s3.Bucket(stack, 'B');
    const template = Template.fromStack(stack).toJSON();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkers-test-'));
    try {
      const file = path.join(dir, 'S.template.json');
      fs.writeFileSync(file, JSON.stringify(template));
      expect(controlTowerViolations(file)).toEqual(controlTowerViolations(template));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
