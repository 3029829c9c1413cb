/**
 * The independent checkers, as the tests and scripts/check-assembly.ts use them:
 *
 * - findings.ts: the checkers' names, a finding, the error that exits with code 2
 * - assembly.ts: the stack templates of a cloud assembly, nested stacks included, with their metadata
 * - acknowledgements.ts: acknowledgements made in the app, read back from the assembly
 * - allowlist.ts: the allow-list of exceptions the app cannot acknowledge
 * - tools.ts: finding and running checkov and cfn-lint
 * - cdk-nag.ts, control-tower.ts, checkov.ts, cfn-lint.ts: one checker each
 * - report.ts: the JSON report and the printed summary
 * - cli.ts: the command
 *
 * This index loads cdk-nag and the Control Tower rules: the command (cli.ts) does not import it.
 */
export * from './findings';
export * from './assembly';
export * from './acknowledgements';
export * from './allowlist';
export * from './tools';
export * from './cdk-nag';
export * from './control-tower';
export * from './checkov';
export * from './cfn-lint';
export * from './report';
export * from './cli';
