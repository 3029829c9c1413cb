/**
 * The harness of the access-restriction matrix (test/access/restrictions.policy.test.ts): a SecureBucket
 * with everything a restriction could lock out, one per restriction (cached per test file), and requests
 * evaluated against its synthesized policy with a real IAM policy evaluator, each naming the statements
 * that must deny it.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import { bucketArnFor, CfnTemplate, keyArnFor, roleArnFor, roleIdFor, TEST_ACCOUNT } from './intrinsics';
import { BucketPolicyEvaluator, ContextInput, EvaluationResult } from './policy-eval';
import { ENV, newStack, OTHER_ACCOUNT } from './stacks';
import { logicalId } from './templates';
import {
  AccessRestriction, AccessRestrictionOptions, RoleOnly, SecureBucket, SourceIpOnly, VpcEndpointOnly,
} from '../../src';

// ---------------------------------------------------------------------------
// Who and from where: what the fixture itself names
// ---------------------------------------------------------------------------

/** A role ARN of the tests' account (or of `account`). */
export const roleArn = (name: string, account: string = TEST_ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;

/** An imported role (`iam.Role.fromRoleArn`), with the unique id `aws iam get-role` would show. */
export const LEGACY_ROLE = roleArn('legacy-etl');
/** Principals of another account that the fixture's policy allows (so that a Deny, not the missing Allow, stops them). */
export const APP_ROLE_ELSEWHERE = roleArn('app', OTHER_ACCOUNT);
export const BREAK_GLASS_ELSEWHERE = roleArn('BreakGlass', OTHER_ACCOUNT);
export const ADMIN_ELSEWHERE = roleArn('admin', OTHER_ACCOUNT);
/** A break-glass principal by full ARN (the other, 'BreakGlass', is a role name). */
export const INCIDENT_RESPONDER = roleArn('ops/incident-responder');
export const CLOUDFRONT = 'cloudfront.amazonaws.com';
export const DISTRIBUTION_ARN = `arn:aws:cloudfront::${TEST_ACCOUNT}:distribution/EDFDVBD6EXAMPLE`;
/** The endpoint VpcEndpointOnly allows, and the networks SourceIpOnly allows. */
export const VPCE = 'vpce-1a2b3c4d';
export const OFFICE_CIDRS = ['203.0.113.0/24', '2001:db8:1234::/48'];

/** Symbolic ids of the Sid-less TLS statements of s3.Bucket (`enforceSSL`, `minimumTLSVersion`). */
export const NON_TLS_DENY = '<deny without TLS>';
export const OLD_TLS_DENY = '<deny below the minimum TLS version>';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

export interface Fixture {
  readonly template: CfnTemplate;
  /** The policy of the bucket under test. */
  readonly policy: BucketPolicyEvaluator;
  /** Resolved ARNs of every bucket of the stack, by construct id. */
  readonly bucketArns: Record<string, string>;
  /** Resolved unique ids (RoleId) of every role created in the stack, by construct id. */
  readonly roleIds: Record<string, string>;
  /** The resolved ARN of the bucket's KMS key (SecureBucket only). */
  readonly keyArn?: string;
  /** Warnings of the stack. */
  readonly warnings: string[];
}

export function fixtureOf(stack: Stack, bucket: s3.IBucket): Fixture {
  const template: CfnTemplate = Template.fromStack(stack).toJSON();
  const all = stack.node.findAll();
  const bucketArns: Record<string, string> = {};
  for (const b of all.filter((c): c is s3.Bucket => c instanceof s3.Bucket)) {
    bucketArns[b.node.id] = bucketArnFor(template, logicalId(b));
  }
  const roleIds: Record<string, string> = {};
  for (const r of all.filter((c): c is iam.Role => c instanceof iam.Role)) {
    roleIds[r.node.id] = roleIdFor(logicalId(r));
  }
  return {
    template,
    policy: BucketPolicyEvaluator.fromTemplate(template, { bucketLogicalId: logicalId(bucket) }),
    bucketArns,
    roleIds,
    keyArn: SecureBucket.isSecureBucket(bucket) ? keyArnFor(logicalId(bucket.key)) : undefined,
    warnings: Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data)),
  };
}

/**
 * The role of the Lambda function behind a custom resource, found by following the template
 * (custom resource -> ServiceToken -> function -> Role), independently of how the library finds it.
 */
export function customResourceRole(f: Fixture, customResourceType: string): string {
  const resources = f.template.Resources ?? {};
  const custom = Object.values(resources).find(r => r.Type === customResourceType);
  if (!custom) {
    throw new Error(`no ${customResourceType} in the template`);
  }
  const functionId = (custom.Properties?.ServiceToken as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const roleId = (resources[functionId].Properties?.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  return roleArnFor(f.template, roleId);
}

export const autoDeleteRole = (f: Fixture) => customResourceRole(f, 'Custom::S3AutoDeleteObjects');

export const notificationsRole = (f: Fixture) => customResourceRole(f, 'Custom::S3BucketNotifications');

/** The roles a restriction can name. */
export interface Roles {
  readonly app: iam.IRole;
  readonly legacy: iam.IRole;
}

/**
 * A SecureBucket with everything a restriction could lock out: the auto-delete-objects and
 * notifications custom resources (the notification is added after the restriction), CloudFront
 * with origin access control, and an Allow for principals of another account (so that a Deny,
 * not the missing Allow, is what stops them).
 */
export function secureBucket(restrictions: (roles: Roles) => AccessRestriction[]): Fixture {
  const stack = newStack({ id: 'S', env: ENV });
  const roles: Roles = {
    app: new iam.Role(stack, 'App', { roleName: 'app', assumedBy: new iam.AccountRootPrincipal() }),
    legacy: iam.Role.fromRoleArn(stack, 'Legacy', LEGACY_ROLE),
  };
  const bucket = new SecureBucket(stack, 'Data', {
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    accessRestrictions: restrictions(roles),
  });
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudFrontOac',
    principals: [new iam.ServicePrincipal(CLOUDFRONT)],
    actions: ['s3:GetObject'],
    resources: [bucket.arnForObjects('*')],
    conditions: { StringEquals: { 'AWS:SourceArn': DISTRIBUTION_ARN } },
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowOtherAccount',
    principals: [APP_ROLE_ELSEWHERE, BREAK_GLASS_ELSEWHERE, ADMIN_ELSEWHERE].map(arn => new iam.ArnPrincipal(arn)),
    actions: ['s3:GetObject', 's3:PutLifecycleConfiguration'],
    resources: [bucket.bucketArn, bucket.arnForObjects('*')],
  }));
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));
  return fixtureOf(stack, bucket);
}

export type Kind = 'VpcEndpointOnly' | 'SourceIpOnly' | 'RoleOnly';

/** One restriction of `kind` with the break-glass principals and the given options. */
export function restriction(kind: Kind, roles: Roles, options: AccessRestrictionOptions = {}): AccessRestriction {
  const common = { exemptPrincipalArns: ['BreakGlass', INCIDENT_RESPONDER], ...options };
  switch (kind) {
    case 'VpcEndpointOnly': return new VpcEndpointOnly({ vpcEndpointIds: [VPCE], ...common });
    case 'SourceIpOnly': return new SourceIpOnly({ cidrs: OFFICE_CIDRS, ...common });
    case 'RoleOnly': return new RoleOnly({ roles: [roles.app, roles.legacy], ...common });
  }
}

const FIXTURES = new Map<string, Fixture>();

/** A SecureBucket with one restriction of `kind` (cached per kind and options). */
export function restricted(kind: Kind, options: AccessRestrictionOptions = {}): Fixture {
  const key = `${kind} ${JSON.stringify(options)}`;
  let fixture = FIXTURES.get(key);
  if (!fixture) {
    fixture = secureBucket(roles => [restriction(kind, roles, options)]);
    FIXTURES.set(key, fixture);
  }
  return fixture;
}

export type FromFixture<T> = T | ((f: Fixture) => T);

export interface Scenario {
  readonly name: string;
  readonly principal: FromFixture<string>;
  readonly action: string;
  /** @default 'object' */
  readonly resource?: 'bucket' | 'object';
  /** Where the request comes from and what it carries, over the harness defaults (TLS 1.3, principal keys). */
  readonly context?: FromFixture<ContextInput>;
  readonly identityPolicyAllows?: boolean;
  readonly identityPolicies?: Record<string, unknown>[];
  readonly expected: EvaluationResult;
  /** The statements that deny the request: required for ExplicitlyDenied, none otherwise. */
  readonly deniedBy?: string[];
}

export function at<T>(f: Fixture, value: FromFixture<T>): T {
  return typeof value === 'function' ? (value as (fixture: Fixture) => T)(f) : value;
}

/** The id the harness reports for a statement: its Sid, or its 1-based index for the Sid-less TLS statements. */
export function statementId(f: Fixture, id: string): string {
  if (id !== NON_TLS_DENY && id !== OLD_TLS_DENY) {
    return id;
  }
  const statements = f.policy.policyDocument.Statement as Array<{ Condition?: Record<string, Record<string, unknown>> }>;
  const index = statements.findIndex(s => id === NON_TLS_DENY
    ? s.Condition?.Bool?.['aws:SecureTransport'] === 'false'
    : s.Condition?.NumericLessThan?.['s3:TlsVersion'] !== undefined);
  if (index < 0) {
    throw new Error(`no statement for ${id}`);
  }
  return String(index + 1);
}

export async function expectScenario(f: Fixture, s: Scenario): Promise<void> {
  if (s.expected === 'ExplicitlyDenied' && !s.deniedBy) {
    throw new Error(`scenario '${s.name}' must name the statements that deny it`);
  }
  const details = await f.policy.evaluateDetailed({
    principal: at(f, s.principal),
    action: s.action,
    resource: s.resource ?? 'object',
    context: s.context === undefined ? undefined : at(f, s.context),
    identityPolicyAllows: s.identityPolicyAllows,
    identityPolicies: s.identityPolicies,
  });
  // A context key the simulator drops would make the scenario prove nothing.
  expect(details.ignoredContextKeys).toEqual([]);
  expect({ result: details.result, deniedBy: [...details.deniedBy].sort() }).toEqual({
    result: s.expected,
    deniedBy: (s.deniedBy ?? []).map(id => statementId(f, id)).sort(),
  });
}

/** A request without its expectation. */
export type Request = Omit<Scenario, 'name' | 'expected' | 'deniedBy'>;

export const allowOnly = (...actions: string[]): Record<string, unknown> => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});
