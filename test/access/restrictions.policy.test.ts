/**
 * Access restrictions judged by a real IAM policy evaluator (`@cloud-copilot/iam-simulate`)
 * over a matrix of requests: who asks, for what, from where (a VPC endpoint, the internet, an
 * AWS service acting for a caller), over what transport and with which encryption headers.
 *
 * Requests carry the context keys AWS sends: `aws:SourceVpce` and `aws:SourceVpc` (and no
 * `aws:SourceIp`) through a VPC endpoint, `aws:SourceIp` from the internet, `aws:ViaAWSService`
 * when a service acts for a caller. Same-account IAM principals have an identity policy allowing
 * `s3:*` unless a scenario says otherwise, so such a request is Allowed unless a Deny fires.
 * Every scenario also names the Deny statements that fire, so a request denied for the wrong
 * reason (TLS instead of the restriction, say) fails the test.
 */
import { Mixins } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AccessLogsBucket,
  AccessRestriction,
  AccessRestrictionOptions,
  AdminOnlyChanges,
  RoleMatch,
  RoleOnly,
  SecureBucket,
  SourceIpOnly,
  VpcEndpointOnly,
} from '../../src';
import { TEST_ACCOUNT, TEST_REGION } from '../helpers/intrinsics';
import { ContextInput } from '../helpers/policy-eval';
import {
  ADMIN_ELSEWHERE, allowOnly, APP_ROLE_ELSEWHERE, autoDeleteRole, BREAK_GLASS_ELSEWHERE, CLOUDFRONT, DISTRIBUTION_ARN, expectScenario, Fixture,
  fixtureOf, FromFixture, INCIDENT_RESPONDER, Kind, LEGACY_ROLE, NON_TLS_DENY, notificationsRole, OFFICE_CIDRS, OLD_TLS_DENY, Request, restricted,
  roleArn, Scenario, secureBucket, VPCE,
} from '../helpers/restriction-matrix';
import { ENV, newStack, OTHER_ACCOUNT } from '../helpers/stacks';

// ---------------------------------------------------------------------------
// Who
// ---------------------------------------------------------------------------

/** The role the restrictions allow (created in the stack with roleName 'app'). */
const APP_ROLE = roleArn('app');
const APP_ROLE_SESSION = `arn:aws:sts::${TEST_ACCOUNT}:assumed-role/app/session`;
const APP_ROLE_UNDER_PATH = roleArn('team/app');
const APP_USER = `arn:aws:iam::${TEST_ACCOUNT}:user/app`;
const OTHER_ROLE = roleArn('other');
const LEGACY_ROLE_ID = 'AROAEXAMPLELEGACY0001';
const ROOT = `arn:aws:iam::${TEST_ACCOUNT}:root`;
const CFN_EXEC_ROLE = roleArn(`cdk-hnb659fds-cfn-exec-role-${TEST_ACCOUNT}-${TEST_REGION}`);
/** Break-glass principals: one by role name (pinned to the bucket's account), one by full ARN. */
const BREAK_GLASS = roleArn('BreakGlass');
const BREAK_GLASS_LOOKALIKE = roleArn('BreakGlassTemp');
/** Administrators: one by role name, and every role of an IAM Identity Center permission set. */
const ADMIN = roleArn('admin');
const SSO_ADMIN_PATTERN = `arn:aws:iam::${TEST_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*`;
const SSO_ADMIN = roleArn('aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef');
const SSO_ADMIN_REGIONAL = roleArn('aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_fedcba9876543210');
const SSO_READ_ONLY = roleArn('aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123456789abcdef');
const DEVELOPER = roleArn('developer');
/** AWS Config's recorder reads each bucket's configuration through this service-linked role. */
const CONFIG_SERVICE_LINKED_ROLE = roleArn('aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig');
const ACCESS_ANALYZER_SERVICE_LINKED_ROLE = roleArn('aws-service-role/access-analyzer.amazonaws.com/AWSServiceRoleForAccessAnalyzer');
const CONFIG_SERVICE_LINKED_ROLE_ELSEWHERE = roleArn('aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig', OTHER_ACCOUNT);
/** A role the account created with the service-linked role's name but not under its path. */
const CONFIG_ROLE_LOOKALIKE = roleArn('AWSServiceRoleForConfig');
const LOG_DELIVERY = 'logging.s3.amazonaws.com';

/** Role unique ids that are not the ones the bucket policy knows (a re-created role, another role). */
const RECREATED_APP_ROLE_ID = 'AROAZZZZZZZZZZZZZZZZZ';
const OTHER_ROLE_ID = 'AROAOTHEROTHEROTHER12';

// ---------------------------------------------------------------------------
// From where
// ---------------------------------------------------------------------------

const VPC = 'vpc-0a1b2c3d';
const VPCE_SAME_VPC = 'vpce-5e6f7a8b';
const VPCE_ELSEWHERE = 'vpce-9c0d1e2f';
const VPC_ELSEWHERE = 'vpc-0f0e0d0c';

/** Through the allowed endpoint: the endpoint and its VPC, and no aws:SourceIp. */
const VIA_ENDPOINT: ContextInput = { 'aws:SourceVpce': VPCE, 'aws:SourceVpc': VPC };
const VIA_OTHER_ENDPOINT_OF_VPC: ContextInput = { 'aws:SourceVpce': VPCE_SAME_VPC, 'aws:SourceVpc': VPC };
const VIA_ENDPOINT_OF_OTHER_VPC: ContextInput = { 'aws:SourceVpce': VPCE_ELSEWHERE, 'aws:SourceVpc': VPC_ELSEWHERE };
const FROM_INTERNET: ContextInput = { 'aws:SourceIp': '198.51.100.7' };
const FROM_OFFICE: ContextInput = { 'aws:SourceIp': '203.0.113.10' };
const FROM_OFFICE_LAST_ADDRESS: ContextInput = { 'aws:SourceIp': '203.0.113.255' };
const FROM_NEXT_TO_OFFICE: ContextInput = { 'aws:SourceIp': '203.0.114.0' };
const FROM_OFFICE_IPV6: ContextInput = { 'aws:SourceIp': '2001:db8:1234:5::10' };
const FROM_ELSEWHERE_IPV6: ContextInput = { 'aws:SourceIp': '2001:db8:5678::10' };
/** A public AWS address: CloudFormation, a Lambda function outside a VPC. */
const FROM_AWS_NETWORK: ContextInput = { 'aws:SourceIp': '52.94.133.131' };
/** Athena reading with the caller's credentials (forward access session; the caller's address is kept). */
const VIA_ATHENA: ContextInput = { 'aws:ViaAWSService': 'true', 'aws:CalledVia': ['athena.amazonaws.com'], 'aws:SourceIp': '198.51.100.7' };
/** CloudFront fetching from the origin with origin access control, from a CloudFront address. */
const CLOUDFRONT_ORIGIN_REQUEST: ContextInput = { 'aws:SourceArn': DISTRIBUTION_ARN, 'aws:SourceAccount': TEST_ACCOUNT, 'aws:SourceIp': '130.176.0.10' };
/** A connection without TLS carries no TLS version. */
const NO_TLS: ContextInput = { 'aws:SecureTransport': 'false', 's3:TlsVersion': undefined };

const SSE = 's3:x-amz-server-side-encryption';
const SSE_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const OTHER_KEY_ARN = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;

// ---------------------------------------------------------------------------
// Restrictions combined
// ---------------------------------------------------------------------------

/** "Through my endpoint OR from my office". */
const endpointOrOffice = (options: AccessRestrictionOptions = {}) =>
  AccessRestriction.anyOf(new VpcEndpointOnly({ vpcEndpointIds: [VPCE], ...options }), new SourceIpOnly({ cidrs: OFFICE_CIDRS }));

// ---------------------------------------------------------------------------
// Requests of the bucket's own roles
// ---------------------------------------------------------------------------

/** Requests of the roles CDK creates for the bucket, with their real permissions (no s3:* identity policy). */
const AUTO_DELETE_LISTS_VERSIONS: Request = {
  principal: autoDeleteRole, action: 's3:ListBucketVersions', resource: 'bucket', context: FROM_AWS_NETWORK, identityPolicyAllows: false,
};
const AUTO_DELETE_DELETES_A_VERSION: Request = {
  principal: autoDeleteRole, action: 's3:DeleteObjectVersion', resource: 'object', context: FROM_AWS_NETWORK, identityPolicyAllows: false,
};
/** AWS Config's recorder reading the bucket policy, with the permission its managed policy gives it. */
const CONFIG_RECORDER_READS_POLICY: Request = {
  principal: CONFIG_SERVICE_LINKED_ROLE,
  action: 's3:GetBucketPolicy',
  resource: 'bucket',
  context: FROM_AWS_NETWORK,
  identityPolicyAllows: false,
  identityPolicies: [allowOnly('s3:GetBucketPolicy')],
};
const NOTIFICATIONS_HANDLER_CONFIGURES: Request = {
  principal: notificationsRole,
  action: 's3:PutBucketNotification',
  resource: 'bucket',
  context: FROM_AWS_NETWORK,
  identityPolicyAllows: false,
  identityPolicies: [allowOnly('s3:PutBucketNotification')],
};

// ---------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------

describe('access restrictions, evaluated', () => {
  describe('baseline: the test bucket without restrictions', () => {
    let f: Fixture;
    beforeAll(() => { f = secureBucket(() => []); });

    const BASELINE: Scenario[] = [
      { name: 'baseline: a role of the account is allowed from the internet', principal: OTHER_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'baseline: the app role of another account is allowed by the bucket\'s Allow', principal: APP_ROLE_ELSEWHERE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'baseline: BreakGlass of another account is allowed by the bucket\'s Allow', principal: BREAK_GLASS_ELSEWHERE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'baseline: CloudFront with origin access control is allowed', principal: CLOUDFRONT, action: 's3:GetObject', context: CLOUDFRONT_ORIGIN_REQUEST, expected: 'Allowed' },
    ];
    test.each(BASELINE)('$name', async s => expectScenario(f, s));
  });

  describe('VpcEndpointOnly', () => {
    describe('{ vpcEndpointIds }', () => {
      let f: Fixture;
      beforeAll(() => { f = restricted('VpcEndpointOnly'); });
      const deniedBy = ['RestrictVpcEndpointOnly1'];

      const ENDPOINT_IDS: Scenario[] = [
        { name: 'VpcEndpointOnly: a request through the allowed endpoint is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'VpcEndpointOnly: listing the bucket through the allowed endpoint is allowed', principal: APP_ROLE, action: 's3:ListBucket', resource: 'bucket', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'VpcEndpointOnly: a request through another endpoint of the same VPC is denied', principal: APP_ROLE, action: 's3:GetObject', context: VIA_OTHER_ENDPOINT_OF_VPC, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'VpcEndpointOnly: a request through an endpoint of another VPC is denied', principal: APP_ROLE, action: 's3:PutObject', context: VIA_ENDPOINT_OF_OTHER_VPC, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'VpcEndpointOnly: a request from the internet (no endpoint) is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'VpcEndpointOnly: listing the bucket from the internet is denied (the bucket ARN is covered too)', principal: APP_ROLE, action: 's3:ListBucket', resource: 'bucket', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'VpcEndpointOnly: the allowed role of another account is denied from the internet despite the bucket\'s Allow', principal: APP_ROLE_ELSEWHERE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
      ];
      test.each(ENDPOINT_IDS)('$name', async s => expectScenario(f, s));
    });

    describe('{ vpcIds }', () => {
      let f: Fixture;
      beforeAll(() => { f = secureBucket(() => [new VpcEndpointOnly({ vpcIds: [VPC] })]); });
      const deniedBy = ['RestrictVpcEndpointOnly1'];

      const VPC_IDS: Scenario[] = [
        { name: 'VpcEndpointOnly (vpcIds): a request through an endpoint of the allowed VPC is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'VpcEndpointOnly (vpcIds): a request through another endpoint of the allowed VPC is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_OTHER_ENDPOINT_OF_VPC, expected: 'Allowed' },
        { name: 'VpcEndpointOnly (vpcIds): a request from another VPC is denied', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT_OF_OTHER_VPC, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'VpcEndpointOnly (vpcIds): a request from the internet is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
      ];
      test.each(VPC_IDS)('$name', async s => expectScenario(f, s));
    });

    describe('{ vpcEndpointIds, vpcIds }', () => {
      let f: Fixture;
      // The endpoint and the VPC are unrelated, so each can be shown to suffice alone.
      beforeAll(() => { f = secureBucket(() => [new VpcEndpointOnly({ vpcEndpointIds: [VPCE_ELSEWHERE], vpcIds: [VPC] })]); });
      const deniedBy = ['RestrictVpcEndpointOnly1'];

      const BOTH: Scenario[] = [
        { name: 'VpcEndpointOnly (both): the listed endpoint suffices, though its VPC is not listed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT_OF_OTHER_VPC, expected: 'Allowed' },
        { name: 'VpcEndpointOnly (both): the listed VPC suffices, through an endpoint that is not listed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_OTHER_ENDPOINT_OF_VPC, expected: 'Allowed' },
        { name: 'VpcEndpointOnly (both): an endpoint that is not listed, in a VPC that is not listed, is denied', principal: APP_ROLE, action: 's3:GetObject', context: { 'aws:SourceVpce': VPCE_SAME_VPC, 'aws:SourceVpc': VPC_ELSEWHERE }, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'VpcEndpointOnly (both): a request from the internet is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
      ];
      test.each(BOTH)('$name', async s => expectScenario(f, s));
    });
  });

  describe('SourceIpOnly', () => {
    let f: Fixture;
    beforeAll(() => { f = restricted('SourceIpOnly'); });
    const deniedBy = ['RestrictSourceIpOnly1'];

    const SOURCE_IP: Scenario[] = [
      { name: 'SourceIpOnly: a request from inside the IPv4 range is allowed', principal: APP_ROLE, action: 's3:GetObject', context: FROM_OFFICE, expected: 'Allowed' },
      { name: 'SourceIpOnly: the last address of the IPv4 range is allowed', principal: APP_ROLE, action: 's3:GetObject', context: FROM_OFFICE_LAST_ADDRESS, expected: 'Allowed' },
      { name: 'SourceIpOnly: a request from outside the IPv4 range is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
      { name: 'SourceIpOnly: the first address after the IPv4 range is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_NEXT_TO_OFFICE, expected: 'ExplicitlyDenied', deniedBy },
      { name: 'SourceIpOnly: a dual-stack request from inside the IPv6 range is allowed', principal: APP_ROLE, action: 's3:GetObject', context: FROM_OFFICE_IPV6, expected: 'Allowed' },
      { name: 'SourceIpOnly: a dual-stack request from outside the IPv6 range is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_ELSEWHERE_IPV6, expected: 'ExplicitlyDenied', deniedBy },
      { name: 'SourceIpOnly: a request through a VPC endpoint (no aws:SourceIp) is denied, which is why anyOf exists', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'ExplicitlyDenied', deniedBy },
      { name: 'SourceIpOnly: Athena acting for a caller outside the range is exempt', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ATHENA, expected: 'Allowed' },
      { name: 'SourceIpOnly: the deployment role from an AWS address is exempt', principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_AWS_NETWORK, expected: 'Allowed' },
      { name: 'SourceIpOnly: CloudFront from a CloudFront address is exempt', principal: CLOUDFRONT, action: 's3:GetObject', context: CLOUDFRONT_ORIGIN_REQUEST, expected: 'Allowed' },
    ];
    test.each(SOURCE_IP)('$name', async s => expectScenario(f, s));
  });

  describe('RoleOnly', () => {
    describe('matched by aws:PrincipalArn (the default)', () => {
      let f: Fixture;
      beforeAll(() => { f = restricted('RoleOnly'); });
      const deniedBy = ['RestrictRoleOnly1'];

      const PRINCIPAL_ARN: Scenario[] = [
        { name: 'RoleOnly: the role is allowed, from anywhere', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
        { name: 'RoleOnly: a session of the role is allowed (aws:PrincipalArn is the role ARN)', principal: APP_ROLE_SESSION, action: 's3:PutObject', context: FROM_INTERNET, expected: 'Allowed' },
        { name: 'RoleOnly: a re-created role with the same name is still allowed (aws:PrincipalArn survives re-creation)', principal: APP_ROLE, action: 's3:GetObject', context: { ...FROM_INTERNET, 'aws:userId': `${RECREATED_APP_ROLE_ID}:session` }, expected: 'Allowed' },
        { name: 'RoleOnly: an imported role (by ARN) is allowed', principal: LEGACY_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
        { name: 'RoleOnly: another role of the account is denied', principal: OTHER_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly: an IAM user of the account named like the role is denied', principal: APP_USER, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly: a role with the same name under another path is denied', principal: APP_ROLE_UNDER_PATH, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly: a same-named role in another account is denied despite the bucket\'s Allow', principal: APP_ROLE_ELSEWHERE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly: another role through Athena is denied (RoleOnly does not exempt services acting for a caller)', principal: OTHER_ROLE, action: 's3:GetObject', context: VIA_ATHENA, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly: the role through Athena is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ATHENA, expected: 'Allowed' },
      ];
      test.each(PRINCIPAL_ARN)('$name', async s => expectScenario(f, s));
    });

    describe('matched by aws:userId (RoleMatch.userId())', () => {
      let f: Fixture;
      beforeAll(() => {
        f = secureBucket(roles => [new RoleOnly({
          roles: [roles.app, roles.legacy],
          matchBy: RoleMatch.userId({ importedRoleIds: { [LEGACY_ROLE]: LEGACY_ROLE_ID } }),
        })]);
      });
      const deniedBy = ['RestrictRoleOnly1'];
      const session = (id: string): ContextInput => ({ ...FROM_INTERNET, 'aws:userId': `${id}:session` });

      const USER_ID: Scenario[] = [
        { name: 'RoleOnly (userId): the role with its current unique id is allowed', principal: APP_ROLE, action: 's3:GetObject', context: fx => session(fx.roleIds.App), expected: 'Allowed' },
        { name: 'RoleOnly (userId): a Lambda session of the role is allowed', principal: APP_ROLE, action: 's3:PutObject', context: fx => ({ ...FROM_AWS_NETWORK, 'aws:userId': `${fx.roleIds.App}:my-function` }), expected: 'Allowed' },
        { name: 'RoleOnly (userId): a re-created role (same ARN, new unique id) is denied', principal: APP_ROLE, action: 's3:GetObject', context: session(RECREATED_APP_ROLE_ID), expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly (userId): another role of the account is denied', principal: OTHER_ROLE, action: 's3:GetObject', context: session(OTHER_ROLE_ID), expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly (userId): an imported role with its id from importedRoleIds is allowed', principal: LEGACY_ROLE, action: 's3:GetObject', context: session(LEGACY_ROLE_ID), expected: 'Allowed' },
        { name: 'RoleOnly (userId): the imported role re-created with a new id is denied', principal: LEGACY_ROLE, action: 's3:GetObject', context: session(RECREATED_APP_ROLE_ID), expected: 'ExplicitlyDenied', deniedBy },
        { name: 'RoleOnly (userId): the root user stays exempt (by aws:PrincipalArn, whatever its aws:userId)', principal: ROOT, action: 's3:DeleteBucketPolicy', resource: 'bucket', context: { ...FROM_INTERNET, 'aws:userId': TEST_ACCOUNT }, expected: 'Allowed' },
        { name: 'RoleOnly (userId): the deployment role stays exempt', principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: { ...FROM_AWS_NETWORK, 'aws:userId': 'AROACFNEXECROLE000001:AWSCloudFormation' }, expected: 'Allowed' },
      ];
      test.each(USER_ID)('$name', async s => expectScenario(f, s));
    });
  });

  describe('AccessRestriction.anyOf (OR)', () => {
    describe('anyOf(VpcEndpointOnly, SourceIpOnly)', () => {
      let f: Fixture;
      beforeAll(() => {
        f = secureBucket(() => [endpointOrOffice()]);
      });
      const deniedBy = ['RestrictAnyOfVpcEndpointOnlyOrSourceIpOnly1'];

      const ENDPOINT_OR_IP: Scenario[] = [
        { name: 'anyOf(VpcEndpointOnly, SourceIpOnly): a request through the endpoint (no aws:SourceIp) is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'anyOf(VpcEndpointOnly, SourceIpOnly): a request from the office (IPv4) is allowed', principal: APP_ROLE, action: 's3:GetObject', context: FROM_OFFICE, expected: 'Allowed' },
        { name: 'anyOf(VpcEndpointOnly, SourceIpOnly): a request from the office (IPv6) is allowed', principal: APP_ROLE, action: 's3:GetObject', context: FROM_OFFICE_IPV6, expected: 'Allowed' },
        { name: 'anyOf(VpcEndpointOnly, SourceIpOnly): a request from elsewhere on the internet is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'anyOf(VpcEndpointOnly, SourceIpOnly): a request through another endpoint is denied', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT_OF_OTHER_VPC, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'anyOf(VpcEndpointOnly, SourceIpOnly): Athena acting for a caller outside both is exempt', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ATHENA, expected: 'Allowed' },
      ];
      test.each(ENDPOINT_OR_IP)('$name', async s => expectScenario(f, s));
    });

    describe('anyOf(RoleOnly, VpcEndpointOnly)', () => {
      let f: Fixture;
      beforeAll(() => {
        f = secureBucket(roles => [AccessRestriction.anyOf(new RoleOnly({ roles: [roles.app] }), new VpcEndpointOnly({ vpcEndpointIds: [VPCE] }))]);
      });
      const deniedBy = ['RestrictAnyOfRoleOnlyOrVpcEndpointOnly1'];

      const ROLE_OR_ENDPOINT: Scenario[] = [
        { name: 'anyOf(RoleOnly, VpcEndpointOnly): the role from the internet is allowed', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
        { name: 'anyOf(RoleOnly, VpcEndpointOnly): another role through the endpoint is allowed', principal: OTHER_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'anyOf(RoleOnly, VpcEndpointOnly): the role through the endpoint is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'anyOf(RoleOnly, VpcEndpointOnly): another role from the internet is denied', principal: OTHER_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'anyOf(RoleOnly, VpcEndpointOnly): another role through another endpoint is denied', principal: OTHER_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT_OF_OTHER_VPC, expected: 'ExplicitlyDenied', deniedBy },
        { name: 'anyOf(RoleOnly, VpcEndpointOnly): the same-named role of another account from the internet is denied', principal: APP_ROLE_ELSEWHERE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
      ];
      test.each(ROLE_OR_ENDPOINT)('$name', async s => expectScenario(f, s));
    });

    describe('anyOf whose network member switches off exemptServicesActingForCaller', () => {
      let f: Fixture;
      beforeAll(() => {
        f = secureBucket(() => [endpointOrOffice({ exemptServicesActingForCaller: false })]);
      });

      test('anyOf: an exemption one member switches off is off for the whole anyOf (Athena acting for a caller is denied)', async () => {
        await expectScenario(f, {
          name: 'Athena acting for a caller outside both',
          principal: APP_ROLE,
          action: 's3:GetObject',
          context: VIA_ATHENA,
          expected: 'ExplicitlyDenied',
          deniedBy: ['RestrictAnyOfVpcEndpointOnlyOrSourceIpOnly1'],
        });
      });

      test('anyOf: with one exemption switched off, the other exemptions still hold (the deployment role passes)', async () => {
        await expectScenario(f, {
          name: 'the deployment role',
          principal: CFN_EXEC_ROLE,
          action: 's3:PutBucketPolicy',
          resource: 'bucket',
          context: FROM_AWS_NETWORK,
          expected: 'Allowed',
        });
      });
    });
  });

  describe('restrictions applied separately (AND)', () => {
    describe('RoleOnly + VpcEndpointOnly', () => {
      let f: Fixture;
      beforeAll(() => {
        f = secureBucket(roles => [new RoleOnly({ roles: [roles.app] }), new VpcEndpointOnly({ vpcEndpointIds: [VPCE] })]);
      });

      const ROLE_AND_ENDPOINT: Scenario[] = [
        { name: 'RoleOnly AND VpcEndpointOnly: the role through the endpoint is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'RoleOnly AND VpcEndpointOnly: the role from the internet is denied by the endpoint restriction', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: ['RestrictVpcEndpointOnly2'] },
        { name: 'RoleOnly AND VpcEndpointOnly: another role through the endpoint is denied by the role restriction', principal: OTHER_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'ExplicitlyDenied', deniedBy: ['RestrictRoleOnly1'] },
        { name: 'RoleOnly AND VpcEndpointOnly: another role from the internet is denied by both', principal: OTHER_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: ['RestrictRoleOnly1', 'RestrictVpcEndpointOnly2'] },
        { name: 'RoleOnly AND VpcEndpointOnly: the role through Athena is allowed (the network restriction exempts it)', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ATHENA, expected: 'Allowed' },
        { name: 'RoleOnly AND VpcEndpointOnly: another role through Athena is denied by the role restriction only', principal: OTHER_ROLE, action: 's3:GetObject', context: VIA_ATHENA, expected: 'ExplicitlyDenied', deniedBy: ['RestrictRoleOnly1'] },
      ];
      test.each(ROLE_AND_ENDPOINT)('$name', async s => expectScenario(f, s));
    });

    describe('VpcEndpointOnly + SourceIpOnly', () => {
      let f: Fixture;
      beforeAll(() => {
        f = secureBucket(() => [new VpcEndpointOnly({ vpcEndpointIds: [VPCE] }), new SourceIpOnly({ cidrs: OFFICE_CIDRS })]);
      });

      const ENDPOINT_AND_IP: Scenario[] = [
        { name: 'VpcEndpointOnly AND SourceIpOnly: a request through the endpoint is denied (it has no aws:SourceIp)', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'ExplicitlyDenied', deniedBy: ['RestrictSourceIpOnly2'] },
        { name: 'VpcEndpointOnly AND SourceIpOnly: a request from the office is denied (it comes through no endpoint)', principal: APP_ROLE, action: 's3:GetObject', context: FROM_OFFICE, expected: 'ExplicitlyDenied', deniedBy: ['RestrictVpcEndpointOnly1'] },
        { name: 'VpcEndpointOnly AND SourceIpOnly: a request from elsewhere is denied by both', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: ['RestrictVpcEndpointOnly1', 'RestrictSourceIpOnly2'] },
        { name: 'VpcEndpointOnly AND SourceIpOnly: the deployment role is still exempt from both', principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_AWS_NETWORK, expected: 'Allowed' },
      ];
      test.each(ENDPOINT_AND_IP)('$name', async s => expectScenario(f, s));

      test('VpcEndpointOnly AND SourceIpOnly: raises the warning that names anyOf', () => {
        expect(f.warnings.some(w => w.includes('anyOf') && w.includes('cdk-secure-bucket:AccessRestriction.endpointAndSourceIpAnded'))).toBe(true);
      });
    });
  });

  describe('lock-out exemptions, on by default', () => {
    const exempt = (kind: Kind): Scenario[] => [
      { name: `${kind}: CloudFront (a service principal) reading with origin access control is exempt`, principal: CLOUDFRONT, action: 's3:GetObject', context: CLOUDFRONT_ORIGIN_REQUEST, expected: 'Allowed' },
      { name: `${kind}: an exemption grants nothing: CloudFront for another distribution is still not allowed`, principal: CLOUDFRONT, action: 's3:GetObject', context: { ...CLOUDFRONT_ORIGIN_REQUEST, 'aws:SourceArn': `arn:aws:cloudfront::${TEST_ACCOUNT}:distribution/EOTHERDISTRIB` }, expected: 'ImplicitlyDenied' },
      { name: `${kind}: the CloudFormation execution role may update the bucket policy`, principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_AWS_NETWORK, expected: 'Allowed' },
      { name: `${kind}: the CloudFormation execution role may delete the bucket`, principal: CFN_EXEC_ROLE, action: 's3:DeleteBucket', resource: 'bucket', context: FROM_AWS_NETWORK, expected: 'Allowed' },
      { name: `${kind}: the root user may delete the bucket policy`, principal: ROOT, action: 's3:DeleteBucketPolicy', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      { name: `${kind}: the break-glass role named in exemptPrincipalArns is exempt`, principal: BREAK_GLASS, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
      { name: `${kind}: the break-glass role given by full ARN (with a path) is exempt`, principal: INCIDENT_RESPONDER, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      { name: `${kind}: a role named BreakGlass in another account is not exempt (names are pinned to the bucket's account)`, principal: BREAK_GLASS_ELSEWHERE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: [`Restrict${kind}1`] },
      { name: `${kind}: a role whose name only starts with BreakGlass is not exempt`, principal: BREAK_GLASS_LOOKALIKE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: [`Restrict${kind}1`] },
      { name: `${kind}: the auto-delete-objects role may list object versions`, ...AUTO_DELETE_LISTS_VERSIONS, expected: 'Allowed' },
      { name: `${kind}: the auto-delete-objects role may delete object versions`, ...AUTO_DELETE_DELETES_A_VERSION, expected: 'Allowed' },
      { name: `${kind}: the notifications handler role added after the restriction may put the bucket notification`, ...NOTIFICATIONS_HANDLER_CONFIGURES, expected: 'Allowed' },
      { name: `${kind}: another Lambda role of the account is not exempt`, principal: OTHER_ROLE, action: 's3:DeleteObjectVersion', context: FROM_AWS_NETWORK, expected: 'ExplicitlyDenied', deniedBy: [`Restrict${kind}1`] },
      { name: `${kind}: AWS Config's service-linked role may read the bucket policy (the recorder)`, ...CONFIG_RECORDER_READS_POLICY, expected: 'Allowed' },
      { name: `${kind}: IAM Access Analyzer's service-linked role may read the bucket policy`, ...CONFIG_RECORDER_READS_POLICY, principal: ACCESS_ANALYZER_SERVICE_LINKED_ROLE, expected: 'Allowed' },
      { name: `${kind}: a service-linked role of another account is not exempt`, ...CONFIG_RECORDER_READS_POLICY, principal: CONFIG_SERVICE_LINKED_ROLE_ELSEWHERE, expected: 'ExplicitlyDenied', deniedBy: [`Restrict${kind}1`] },
      { name: `${kind}: a role with a service-linked role's name outside its path is not exempt`, ...CONFIG_RECORDER_READS_POLICY, principal: CONFIG_ROLE_LOOKALIKE, expected: 'ExplicitlyDenied', deniedBy: [`Restrict${kind}1`] },
    ];

    describe('VpcEndpointOnly', () => {
      let f: Fixture;
      beforeAll(() => { f = restricted('VpcEndpointOnly'); });
      const SCENARIOS: Scenario[] = [
        ...exempt('VpcEndpointOnly'),
        { name: 'VpcEndpointOnly: Athena acting for a caller, from outside the VPC, is exempt', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ATHENA, expected: 'Allowed' },
      ];
      test.each(SCENARIOS)('$name', async s => expectScenario(f, s));
    });

    describe('RoleOnly', () => {
      let f: Fixture;
      beforeAll(() => { f = restricted('RoleOnly'); });
      test.each(exempt('RoleOnly'))('$name', async s => expectScenario(f, s));
    });

    describe('SourceIpOnly', () => {
      let f: Fixture;
      beforeAll(() => { f = restricted('SourceIpOnly'); });
      test.each(exempt('SourceIpOnly'))('$name', async s => expectScenario(f, s));
    });
  });

  describe('lock-out exemptions, switched off', () => {
    interface SwitchedOff {
      readonly name: string;
      readonly kind: Kind;
      readonly options: AccessRestrictionOptions;
      readonly request: Request;
    }
    const CLOUDFRONT_READS: Request = { principal: CLOUDFRONT, action: 's3:GetObject', context: CLOUDFRONT_ORIGIN_REQUEST };
    const ATHENA_READS: Request = { principal: APP_ROLE, action: 's3:GetObject', context: VIA_ATHENA };
    // In AWS the root user keeps Get/Put/DeleteBucketPolicy whatever the policy says; iam-simulate does
    // not model that, and it is not what the switch is about: an object request shows the switch.
    const ROOT_READS: Request = { principal: ROOT, action: 's3:GetObject', context: FROM_INTERNET };
    const DEPLOYER_UPDATES_POLICY: Request = { principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_AWS_NETWORK };

    const SWITCHED_OFF: SwitchedOff[] = [
      { name: 'VpcEndpointOnly: exemptAwsServices false denies CloudFront', kind: 'VpcEndpointOnly', options: { exemptAwsServices: false }, request: CLOUDFRONT_READS },
      { name: 'VpcEndpointOnly: exemptAwsServices false denies AWS Config\'s service-linked role', kind: 'VpcEndpointOnly', options: { exemptAwsServices: false }, request: CONFIG_RECORDER_READS_POLICY },
      { name: 'RoleOnly: exemptAwsServices false denies AWS Config\'s service-linked role', kind: 'RoleOnly', options: { exemptAwsServices: false }, request: CONFIG_RECORDER_READS_POLICY },
      { name: 'VpcEndpointOnly: exemptServicesActingForCaller false denies Athena acting for a caller', kind: 'VpcEndpointOnly', options: { exemptServicesActingForCaller: false }, request: ATHENA_READS },
      { name: 'VpcEndpointOnly: exemptAccountRoot false denies the root user', kind: 'VpcEndpointOnly', options: { exemptAccountRoot: false }, request: ROOT_READS },
      { name: 'VpcEndpointOnly: exemptDeploymentRole false denies the CloudFormation execution role', kind: 'VpcEndpointOnly', options: { exemptDeploymentRole: false }, request: DEPLOYER_UPDATES_POLICY },
      { name: 'VpcEndpointOnly: exemptBucketServiceRoles false denies the auto-delete-objects role', kind: 'VpcEndpointOnly', options: { exemptBucketServiceRoles: false }, request: AUTO_DELETE_DELETES_A_VERSION },
      { name: 'VpcEndpointOnly: exemptBucketServiceRoles false denies the notifications handler role', kind: 'VpcEndpointOnly', options: { exemptBucketServiceRoles: false }, request: NOTIFICATIONS_HANDLER_CONFIGURES },
      { name: 'SourceIpOnly: exemptServicesActingForCaller false denies Athena acting for a caller', kind: 'SourceIpOnly', options: { exemptServicesActingForCaller: false }, request: ATHENA_READS },
      { name: 'SourceIpOnly: exemptDeploymentRole false denies the CloudFormation execution role', kind: 'SourceIpOnly', options: { exemptDeploymentRole: false }, request: DEPLOYER_UPDATES_POLICY },
      { name: 'RoleOnly: exemptAwsServices false denies CloudFront', kind: 'RoleOnly', options: { exemptAwsServices: false }, request: CLOUDFRONT_READS },
      { name: 'RoleOnly: exemptAccountRoot false denies the root user', kind: 'RoleOnly', options: { exemptAccountRoot: false }, request: ROOT_READS },
      { name: 'RoleOnly: exemptDeploymentRole false denies the CloudFormation execution role', kind: 'RoleOnly', options: { exemptDeploymentRole: false }, request: DEPLOYER_UPDATES_POLICY },
      { name: 'RoleOnly: exemptBucketServiceRoles false denies the auto-delete-objects role', kind: 'RoleOnly', options: { exemptBucketServiceRoles: false }, request: AUTO_DELETE_LISTS_VERSIONS },
      { name: 'RoleOnly: exemptBucketServiceRoles false denies the notifications handler role', kind: 'RoleOnly', options: { exemptBucketServiceRoles: false }, request: NOTIFICATIONS_HANDLER_CONFIGURES },
    ];

    test.each(SWITCHED_OFF)('$name (and the same request passes with the default)', async ({ name, kind, options, request }) => {
      await expectScenario(restricted(kind), { name, ...request, expected: 'Allowed' });
      await expectScenario(restricted(kind, options), { name, ...request, expected: 'ExplicitlyDenied', deniedBy: [`Restrict${kind}1`] });
    });

    test('VpcEndpointOnly: switching one exemption off leaves the others on', async () => {
      const f = restricted('VpcEndpointOnly', { exemptDeploymentRole: false });
      await expectScenario(f, { name: 'root', ...ROOT_READS, expected: 'Allowed' });
      await expectScenario(f, { name: 'CloudFront', ...CLOUDFRONT_READS, expected: 'Allowed' });
      await expectScenario(f, { name: 'auto-delete', ...AUTO_DELETE_DELETES_A_VERSION, expected: 'Allowed' });
    });
  });

  describe('AdminOnlyChanges', () => {
    let f: Fixture;
    beforeAll(() => { f = secureBucket(() => [new AdminOnlyChanges({ administratorArns: ['admin', SSO_ADMIN_PATTERN] })]); });
    const deniedBy = ['RestrictAdminOnlyChanges1'];
    const objectAcls = ['DenyToEveryone1'];

    const ADMINS: Scenario[] = [
      { name: 'AdminOnlyChanges: the administrator may put the bucket policy', principal: ADMIN, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: the administrator may change versioning', principal: ADMIN, action: 's3:PutBucketVersioning', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: an Identity Center role of the Admin permission set matches the wildcard', principal: SSO_ADMIN, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: an Identity Center role of the Admin permission set under a region path matches the wildcard', principal: SSO_ADMIN_REGIONAL, action: 's3:PutEncryptionConfiguration', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: an Identity Center role of another permission set is denied', principal: SSO_READ_ONLY, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
      { name: 'AdminOnlyChanges: a role named admin in another account is not an administrator', principal: ADMIN_ELSEWHERE, action: 's3:PutLifecycleConfiguration', resource: 'bucket', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
      { name: 'AdminOnlyChanges: the CloudFormation execution role may put the bucket policy', principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_AWS_NETWORK, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: the root user may delete the bucket policy', principal: ROOT, action: 's3:DeleteBucketPolicy', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: the auto-delete-objects role may still put the bucket policy when the stack is deleted', principal: autoDeleteRole, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_AWS_NETWORK, identityPolicyAllows: false, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: a developer may still get objects', principal: DEVELOPER, action: 's3:GetObject', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: a developer may still put objects', principal: DEVELOPER, action: 's3:PutObject', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: a developer may still delete objects', principal: DEVELOPER, action: 's3:DeleteObject', context: FROM_INTERNET, expected: 'Allowed' },
      { name: 'AdminOnlyChanges: a developer may still list the bucket', principal: DEVELOPER, action: 's3:ListBucket', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      // Bucket tags drive attribute-based access (s3:PutBucketAbac) and cost allocation: a reserved change.
      { name: 'AdminOnlyChanges: a developer may not tag the bucket', principal: DEVELOPER, action: 's3:PutBucketTagging', resource: 'bucket', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
    ];
    test.each(ADMINS)('$name', async s => expectScenario(f, s));

    const RESERVED_ACTIONS = [
      's3:PutBucketPolicy',
      's3:DeleteBucketPolicy',
      's3:PutBucketVersioning',
      's3:PutEncryptionConfiguration',
      's3:PutBucketPublicAccessBlock',
      's3:DeleteBucket',
      's3:PutBucketAcl',
      's3:PutLifecycleConfiguration',
      's3:PutBucketLogging',
      's3:PutBucketOwnershipControls',
      's3:PutReplicationConfiguration',
      's3:PutBucketObjectLockConfiguration',
    ];
    test.each(RESERVED_ACTIONS.map(action => ({ action })))(
      'AdminOnlyChanges: a developer with an s3:* identity policy may not $action', async ({ action }) => {
        await expectScenario(f, { name: action, principal: DEVELOPER, action, resource: 'bucket', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy });
      });

    const OBJECT_ACL_WRITERS = [
      { who: 'a developer', principal: DEVELOPER, action: 's3:PutObjectAcl' },
      { who: 'the administrator', principal: ADMIN, action: 's3:PutObjectAcl' },
      { who: 'an Identity Center administrator', principal: SSO_ADMIN, action: 's3:PutObjectVersionAcl' },
      { who: 'the root user', principal: ROOT, action: 's3:PutObjectAcl' },
      { who: 'the CloudFormation execution role', principal: CFN_EXEC_ROLE, action: 's3:PutObjectAcl' },
    ];
    test.each(OBJECT_ACL_WRITERS)('AdminOnlyChanges: nobody may put an object ACL, not even $who ($action)', async ({ principal, action }) => {
      await expectScenario(f, { name: action, principal, action, context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: objectAcls });
    });
    // S3 authorizes an upload that sets an ACL as s3:PutObjectAcl too (the PutObject API reference): an ACL that
    // only gives the bucket owner full control, which CloudTrail, AWS Config and cross-account writers send, is not refused.
    const OWNER_ONLY_ACL = { ...FROM_INTERNET, 's3:x-amz-acl': 'bucket-owner-full-control' };
    test.each(OBJECT_ACL_WRITERS)('AdminOnlyChanges: $who may write bucket-owner-full-control ($action)', async ({ principal, action }) => {
      await expectScenario(f, { name: action, principal, action, context: OWNER_ONLY_ACL, expected: 'Allowed' });
    });
    test('AdminOnlyChanges: an ACL that grants more than the owner (public-read) is still denied', async () => {
      await expectScenario(f, { name: 'public-read', principal: DEVELOPER, action: 's3:PutObjectAcl', context: { ...FROM_INTERNET, 's3:x-amz-acl': 'public-read' }, expected: 'ExplicitlyDenied', deniedBy: objectAcls });
    });
  });

  describe('on top of SecureBucket\'s TLS and encryption denies', () => {
    let endpointOnly: Fixture;
    let roleOnly: Fixture;
    let adminOnly: Fixture;
    beforeAll(() => {
      endpointOnly = restricted('VpcEndpointOnly');
      roleOnly = restricted('RoleOnly');
      adminOnly = secureBucket(() => [new AdminOnlyChanges({ administratorArns: ['admin'] })]);
    });
    const withKey = (header: string): FromFixture<ContextInput> =>
      fx => ({ ...VIA_ENDPOINT, [SSE]: 'aws:kms', [SSE_KEY]: header === 'bucket' ? fx.keyArn : header });

    const ENDPOINT_ONLY: Scenario[] = [
      { name: 'VpcEndpointOnly + TLS: a request through the allowed endpoint without TLS is denied', principal: APP_ROLE, action: 's3:GetObject', context: { ...VIA_ENDPOINT, ...NO_TLS }, expected: 'ExplicitlyDenied', deniedBy: [NON_TLS_DENY] },
      { name: 'VpcEndpointOnly + TLS: a request through the allowed endpoint over TLS 1.1 is denied', principal: APP_ROLE, action: 's3:ListBucket', resource: 'bucket', context: { ...VIA_ENDPOINT, 's3:TlsVersion': '1.1' }, expected: 'ExplicitlyDenied', deniedBy: [OLD_TLS_DENY] },
      { name: 'VpcEndpointOnly + KMS: an upload through the allowed endpoint with the bucket key is allowed', principal: APP_ROLE, action: 's3:PutObject', context: withKey('bucket'), expected: 'Allowed' },
      { name: 'VpcEndpointOnly + KMS: an upload through the allowed endpoint with another KMS key is denied', principal: APP_ROLE, action: 's3:PutObject', context: withKey(OTHER_KEY_ARN), expected: 'ExplicitlyDenied', deniedBy: ['DenyEncryptionWithoutThisKey'] },
      { name: 'VpcEndpointOnly + KMS: an upload through the allowed endpoint with SSE-S3 is denied', principal: APP_ROLE, action: 's3:PutObject', context: { ...VIA_ENDPOINT, [SSE]: 'AES256' }, expected: 'ExplicitlyDenied', deniedBy: ['DenyEncryptionWithoutThisKey'] },
      { name: 'VpcEndpointOnly + TLS: the exempt CloudFormation execution role is still denied without TLS', principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: { ...FROM_AWS_NETWORK, ...NO_TLS }, expected: 'ExplicitlyDenied', deniedBy: [NON_TLS_DENY] },
      { name: 'VpcEndpointOnly + TLS: the exempt break-glass role is still denied without TLS', principal: BREAK_GLASS, action: 's3:GetObject', context: { ...FROM_INTERNET, ...NO_TLS }, expected: 'ExplicitlyDenied', deniedBy: [NON_TLS_DENY] },
      { name: 'VpcEndpointOnly + KMS: the exempt break-glass role is still denied an upload with another KMS key', principal: BREAK_GLASS, action: 's3:PutObject', context: { ...FROM_INTERNET, [SSE]: 'aws:kms', [SSE_KEY]: OTHER_KEY_ARN }, expected: 'ExplicitlyDenied', deniedBy: ['DenyEncryptionWithoutThisKey'] },
      { name: 'VpcEndpointOnly + TLS: exempt CloudFront is still denied without TLS', principal: CLOUDFRONT, action: 's3:GetObject', context: { ...CLOUDFRONT_ORIGIN_REQUEST, ...NO_TLS }, expected: 'ExplicitlyDenied', deniedBy: [NON_TLS_DENY] },
      { name: 'VpcEndpointOnly + TLS: a request from the internet without TLS is denied by both', principal: APP_ROLE, action: 's3:GetObject', context: { ...FROM_INTERNET, ...NO_TLS }, expected: 'ExplicitlyDenied', deniedBy: [NON_TLS_DENY, 'RestrictVpcEndpointOnly1'] },
    ];
    test.each(ENDPOINT_ONLY)('$name', async s => expectScenario(endpointOnly, s));

    const OTHERS: Array<Scenario & { fixture: () => Fixture }> = [
      { name: 'RoleOnly + TLS: the allowed role over TLS 1.1 is denied', fixture: () => roleOnly, principal: APP_ROLE, action: 's3:GetObject', context: { ...FROM_INTERNET, 's3:TlsVersion': '1.1' }, expected: 'ExplicitlyDenied', deniedBy: [OLD_TLS_DENY] },
      { name: 'RoleOnly + KMS: the allowed role uploading with aws:kms but no key id is denied', fixture: () => roleOnly, principal: APP_ROLE, action: 's3:PutObject', context: { ...FROM_INTERNET, [SSE]: 'aws:kms' }, expected: 'ExplicitlyDenied', deniedBy: ['DenyEncryptionWithoutThisKey'] },
      { name: 'AdminOnlyChanges + TLS: the administrator putting the bucket policy without TLS is denied', fixture: () => adminOnly, principal: ADMIN, action: 's3:PutBucketPolicy', resource: 'bucket', context: { ...FROM_INTERNET, ...NO_TLS }, expected: 'ExplicitlyDenied', deniedBy: [NON_TLS_DENY] },
    ];
    test.each(OTHERS)('$name', async ({ fixture, ...s }) => expectScenario(fixture(), s));
  });

  describe('on buckets other than a SecureBucket', () => {
    describe('a plain s3.Bucket with bucket.with(new VpcEndpointOnly(...))', () => {
      let f: Fixture;
      beforeAll(() => {
        const stack = newStack({ id: 'S', env: ENV });
        const handlerRole = new iam.Role(stack, 'NotificationsRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
        const bucket = new s3.Bucket(stack, 'Plain', { notificationsHandlerRole: handlerRole });
        bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [VPCE] }));
        bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, new s3n.SnsDestination(new sns.Topic(stack, 'Topic')));
        f = fixtureOf(stack, bucket);
      });
      const deniedBy = ['RestrictVpcEndpointOnly1'];

      const PLAIN: Scenario[] = [
        { name: 's3.Bucket + VpcEndpointOnly: a request through the allowed endpoint is allowed', principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 's3.Bucket + VpcEndpointOnly: a request from the internet is denied', principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy },
        { name: 's3.Bucket + VpcEndpointOnly: the CloudFormation execution role is exempt', principal: CFN_EXEC_ROLE, action: 's3:PutBucketPolicy', resource: 'bucket', context: FROM_AWS_NETWORK, expected: 'Allowed' },
        { name: 's3.Bucket + VpcEndpointOnly: a notificationsHandlerRole given as a prop is exempt', principal: notificationsRole, action: 's3:PutBucketNotification', resource: 'bucket', context: FROM_AWS_NETWORK, expected: 'Allowed' },
        { name: 's3.Bucket + VpcEndpointOnly: without SecureBucket there is no TLS deny, so a request through the endpoint without TLS is allowed', principal: APP_ROLE, action: 's3:GetObject', context: { ...VIA_ENDPOINT, ...NO_TLS }, expected: 'Allowed' },
      ];
      test.each(PLAIN)('$name', async s => expectScenario(f, s));
    });

    describe('a plain s3.Bucket with Mixins.of(bucket).apply(new RoleOnly(...))', () => {
      let f: Fixture;
      beforeAll(() => {
        const stack = newStack({ id: 'S', env: ENV });
        const app = new iam.Role(stack, 'App', { roleName: 'app', assumedBy: new iam.AccountRootPrincipal() });
        const bucket = new s3.Bucket(stack, 'Plain', { enforceSSL: true });
        Mixins.of(bucket).apply(new RoleOnly({ roles: [app] }));
        f = fixtureOf(stack, bucket);
      });

      const MIXIN: Scenario[] = [
        { name: 's3.Bucket + RoleOnly (Mixins.of): the role is allowed', principal: APP_ROLE, action: 's3:PutObject', context: FROM_INTERNET, expected: 'Allowed' },
        { name: 's3.Bucket + RoleOnly (Mixins.of): another role is denied', principal: OTHER_ROLE, action: 's3:PutObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: ['RestrictRoleOnly1'] },
        { name: 's3.Bucket + RoleOnly (Mixins.of): the root user is exempt', principal: ROOT, action: 's3:DeleteBucketPolicy', resource: 'bucket', context: FROM_INTERNET, expected: 'Allowed' },
      ];
      test.each(MIXIN)('$name', async s => expectScenario(f, s));
    });

    describe('the stack\'s AccessLogsBucket', () => {
      const logDelivery = (f: Fixture): ContextInput => ({ 'aws:SourceArn': f.bucketArns.Data, 'aws:SourceAccount': TEST_ACCOUNT, 'aws:SourceIp': '54.231.0.10' });
      const logsFixture = (apply: (logs: AccessLogsBucket, app: iam.IRole) => void): Fixture => {
        const stack = newStack({ id: 'S', env: ENV });
        const app = new iam.Role(stack, 'App', { roleName: 'app', assumedBy: new iam.AccountRootPrincipal() });
        new SecureBucket(stack, 'Data');
        const logs = AccessLogsBucket.ofStack(stack);
        apply(logs, app);
        return fixtureOf(stack, logs);
      };
      let endpointOnly: Fixture;
      let noServices: Fixture;
      let roleOnly: Fixture;
      beforeAll(() => {
        endpointOnly = logsFixture(logs => logs.with(new VpcEndpointOnly({ vpcEndpointIds: [VPCE] })));
        noServices = logsFixture(logs => logs.with(new VpcEndpointOnly({ vpcEndpointIds: [VPCE], exemptAwsServices: false })));
        roleOnly = logsFixture((logs, app) => Mixins.of(logs).apply(new RoleOnly({ roles: [app] })));
      });

      const LOGS: Array<Scenario & { fixture: () => Fixture }> = [
        { name: 'AccessLogsBucket + VpcEndpointOnly: the log delivery service still writes the access logs', fixture: () => endpointOnly, principal: LOG_DELIVERY, action: 's3:PutObject', context: logDelivery, expected: 'Allowed' },
        { name: 'AccessLogsBucket + VpcEndpointOnly: a role reading the logs from the internet is denied', fixture: () => endpointOnly, principal: APP_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: ['RestrictVpcEndpointOnly1'] },
        { name: 'AccessLogsBucket + VpcEndpointOnly: a role reading the logs through the endpoint is allowed', fixture: () => endpointOnly, principal: APP_ROLE, action: 's3:GetObject', context: VIA_ENDPOINT, expected: 'Allowed' },
        { name: 'AccessLogsBucket + VpcEndpointOnly with exemptAwsServices false: log delivery is denied (the lock-out the exemption prevents)', fixture: () => noServices, principal: LOG_DELIVERY, action: 's3:PutObject', context: logDelivery, expected: 'ExplicitlyDenied', deniedBy: ['RestrictVpcEndpointOnly1'] },
        { name: 'AccessLogsBucket + RoleOnly (Mixins.of): the log delivery service still writes the access logs', fixture: () => roleOnly, principal: LOG_DELIVERY, action: 's3:PutObject', context: logDelivery, expected: 'Allowed' },
        { name: 'AccessLogsBucket + RoleOnly (Mixins.of): another role is denied', fixture: () => roleOnly, principal: OTHER_ROLE, action: 's3:GetObject', context: FROM_INTERNET, expected: 'ExplicitlyDenied', deniedBy: ['RestrictRoleOnly1'] },
      ];
      test.each(LOGS)('$name', async ({ fixture, ...s }) => expectScenario(fixture(), s));
    });
  });
});

// ---------------------------------------------------------------------------
// Template-level checks that the matrix relies on
// ---------------------------------------------------------------------------

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}
const statementsOf = (f: Fixture): Statement[] => f.policy.policyDocument.Statement as Statement[];
const restrictionStatements = (f: Fixture) => statementsOf(f).filter(s => s.Sid?.startsWith('Restrict'));

describe('access restriction statements', () => {
  test('VpcEndpointOnly is one Deny on s3:* for the bucket and its objects, exempting the principals the matrix relies on', () => {
    const f = restricted('VpcEndpointOnly');
    const [statement, ...others] = restrictionStatements(f);
    expect(others).toEqual([]);
    expect(statement).toMatchObject({
      Sid: 'RestrictVpcEndpointOnly1',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: [f.policy.bucketArn, `${f.policy.bucketArn}/*`],
      Condition: {
        StringNotEquals: { 'aws:SourceVpce': [VPCE] },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' },
      },
    });
    expect([...statement.Condition!.ArnNotLike['aws:PrincipalArn']].sort()).toEqual([
      BREAK_GLASS, INCIDENT_RESPONDER, ROOT, roleArn('aws-service-role/config.amazonaws.com/*'), roleArn('aws-service-role/access-analyzer.amazonaws.com/*'), CFN_EXEC_ROLE, autoDeleteRole(f), notificationsRole(f),
    ].sort());
  });

  test('no statement uses NotPrincipal', () => {
    for (const f of [restricted('VpcEndpointOnly'), restricted('SourceIpOnly'), restricted('RoleOnly')]) {
      expect(statementsOf(f).filter(s => s.NotPrincipal !== undefined)).toEqual([]);
    }
  });

  test('RoleOnly keeps the network exemption out: no aws:ViaAWSService condition', () => {
    const [statement] = restrictionStatements(restricted('RoleOnly'));
    expect(statement.Condition!.BoolIfExists).toEqual({ 'aws:PrincipalIsAWSService': 'false' });
  });

  test('anyOf is one statement holding every member\'s negated condition', () => {
    const f = secureBucket(() => [endpointOrOffice()]);
    const statements = restrictionStatements(f);
    expect(statements).toHaveLength(1);
    expect(statements[0].Condition).toMatchObject({
      StringNotEquals: { 'aws:SourceVpce': [VPCE] },
      NotIpAddress: { 'aws:SourceIp': OFFICE_CIDRS },
    });
  });

  test('anyOf drops the aws:ViaAWSService exemption when a network member switches it off', () => {
    const [statement] = restrictionStatements(secureBucket(() => [endpointOrOffice({ exemptServicesActingForCaller: false })]));
    expect(statement.Condition!.BoolIfExists).toEqual({ 'aws:PrincipalIsAWSService': 'false' });
  });

  test('AdminOnlyChanges denies administration on the bucket and its objects, and object ACLs beyond the owner on the objects', () => {
    const f = secureBucket(() => [new AdminOnlyChanges({ administratorArns: ['admin'] })]);
    const statements = statementsOf(f);
    // Object Lock bypass, retention and legal hold act on objects.
    expect(statements.find(s => s.Sid === 'RestrictAdminOnlyChanges1')).toMatchObject({ Effect: 'Deny', Resource: [f.policy.bucketArn, `${f.policy.bucketArn}/*`] });
    expect(statements.find(s => s.Sid === 'DenyToEveryone1')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject*Acl',
      Resource: `${f.policy.bucketArn}/*`,
      Condition: { StringNotEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
    });
  });

  test('applying the same restriction twice adds one statement', () => {
    const stack = newStack({ id: 'S', env: ENV });
    const bucket = new s3.Bucket(stack, 'Plain');
    const endpointOnly = new VpcEndpointOnly({ vpcEndpointIds: [VPCE] });
    bucket.with(endpointOnly);
    bucket.with(endpointOnly, new VpcEndpointOnly({ vpcEndpointIds: [VPCE] }));
    expect(restrictionStatements(fixtureOf(stack, bucket))).toHaveLength(1);
  });
});
