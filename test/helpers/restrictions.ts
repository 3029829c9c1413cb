/**
 * What the access-restriction tests share: the values the restrictions are given, and reading the
 * statements they render (with the exemptions as CDK renders them in the tests' environment).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { ACCOUNT, REGION } from './stacks';
import { policyStatements } from './templates';
import { AccessRestrictionOptions } from '../../src';

export const ENDPOINT_ID = 'vpce-1a2b3c4d';
export const VPC_ID = 'vpc-0a1b2c3d4e5f60718';
export const ADMIN_ARN = `arn:aws:iam::${ACCOUNT}:role/Admin`;

/** The statements an access restriction added (`Restrict...` Sids), in order. */
export function restrictionStatements(template: Template, bucket: IConstruct): any[] {
  return policyStatements(template, bucket).filter(s => typeof s.Sid === 'string' && s.Sid.startsWith('Restrict'));
}

/** The one restriction statement on `bucket`. */
export function onlyRestriction(stack: Stack, bucket: IConstruct): any {
  const statements = restrictionStatements(Template.fromStack(stack), bucket);
  expect(statements).toHaveLength(1);
  return statements[0];
}

/** The statements of the bucket's policy, as JSON (the stack is synthesized). */
export function policyJson(stack: Stack, bucket: IConstruct): string {
  return JSON.stringify(policyStatements(Template.fromStack(stack), bucket));
}

/** The account root user, exempt by default. */
export const ROOT_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] };
/** The service-linked roles of AWS Config and IAM Access Analyzer of the account, exempt with the AWS services. */
export const SLR_ARN = [
  { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/config.amazonaws.com/*`]] },
  { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/access-analyzer.amazonaws.com/*`]] },
];
/** The CloudFormation execution role of the default synthesizer, exempt by default. */
export const CFN_EXEC_ROLE = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}` };
/** A role name, pinned to the bucket's account. */
export const pinnedRole = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/${name}`]] });

/** The role RoleOnly allows, one per stack. */
export function allowedRole(stack: Stack): iam.Role {
  return (stack.node.tryFindChild('AllowedRole') as iam.Role | undefined)
    ?? new iam.Role(stack, 'AllowedRole', { assumedBy: new iam.AccountRootPrincipal() });
}

/** The exemption switches, all off. */
export const NO_EXEMPTIONS: AccessRestrictionOptions = {
  exemptAwsServices: false,
  exemptServicesActingForCaller: false,
  exemptAccountRoot: false,
  exemptDeploymentRole: false,
  exemptBucketServiceRoles: false,
};
