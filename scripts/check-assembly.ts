/**
 * Runs independent checkers over every stack template of a synthesized cloud assembly (the
 * templates of Stages and of NestedStacks included), and fails on any finding that is neither
 * acknowledged in the app nor allow-listed with a reason:
 *
 * - cdk-nag 3: AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1. cdk-nag judges
 *   construct trees, so each template is rebuilt as L1 constructs (`CfnInclude`).
 * - AWS Control Tower proactive controls (cfn-guard rules of `@cdklabs/cdk-validator-cfnguard`).
 * - checkov (CloudFormation framework): failed checks on `AWS::S3::*` and `AWS::KMS::*` resources.
 * - cfn-lint: every error and warning.
 *
 * Acknowledgements made in the app, `Validations.of(x).acknowledge({ id, reason })` with the rule
 * id of any of the four ('AwsSolutions-S1', 'CT.S3.PR.9', 'CKV_AWS_18', 'W3005'), are read back from
 * the cloud assembly's manifest metadata and apply to the resource they were made on and to
 * everything below it. An acknowledgement without a reason does not count. Acknowledgements on
 * the App or a Stage are not written to the cloud assembly, so this script cannot see them:
 * acknowledge on a Stack or below. (SecureBucket and AccessLogsBucket acknowledge the Control
 * Tower controls and checkov checks they fail by design this way, with the AWS reason.)
 *
 * Findings on resources the app cannot acknowledge may instead be excepted by an allow-list
 * (`checkers-allowlist.json`), each entry naming one Control Tower, checkov or cfn-lint rule, one
 * resource (a logical id, a construct path, or a glob of either) and the reason.
 *
 *   npx ts-node --project scripts/tsconfig.json scripts/check-assembly.ts <cloud-assembly-dir> [options]
 *   scripts/check-assembly.sh <cloud-assembly-dir> [options]
 *
 * Options:
 *   --allowlist <file>    the allow-list (default: checkers-allowlist.json at the root of this repository)
 *   --no-allowlist        use no allow-list
 *   --checkers <list>     comma-separated subset of cdk-nag,control-tower,checkov,cfn-lint (default: all four)
 *   --report <file>       where to write the JSON report (default: <cloud-assembly-dir>/checkers-report.json)
 *
 * checkov and cfn-lint are looked up in $CHECKOV / $CFN_LINT, then .venv/checkers/bin and .venv/bin
 * (of the current directory, then of this repository), then on PATH.
 *
 * Exit code: 0 when every finding is acknowledged or allow-listed, 1 when some remain, 2 on bad
 * input (no assembly, no templates, a nested template missing, an invalid allow-list), a missing
 * checker, or a checker that crashed.
 *
 * The checkers themselves are in scripts/checkers/ (one module each; index.ts lists them).
 */
import { main } from './checkers/cli';

if (require.main === module) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 2;
  });
}
