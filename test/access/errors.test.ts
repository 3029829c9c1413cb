import { CfnParameter, Fn, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AccessRestriction, AccessRestrictionOptions, AdminOnlyChanges, RoleMatch, RoleOnly, SourceIpOnly, VpcEndpointOnly,
} from '../../src';
import { ENDPOINT_ID, VPC_ID } from '../helpers/restrictions';
import { ACCOUNT, ENV, newStack } from '../helpers/stacks';
import { policyStatements, warningIds } from '../helpers/templates';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const PRIVATE_CIDR = 'cdk-secure-bucket:SourceIpOnly.privateCidr';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Asserts that `fn` throws a message that names the owner and the argument, shows the value
 * (`(got ...)`) and says what to do (`fix`).
 */
/**
 * Values aws:PrincipalArn never equals (a role session is its role's ARN, a group is never a principal,
 * an ARN needs its account), or that would exempt every role.
 */
const NEVER_A_PRINCIPAL_ARN = [
  'arn:aws:sts::111111111111:assumed-role/Admin/alice', 'arn:aws:sts::111111111111:assumed-role/Admin/*',
  'arn:aws:iam::111111111111:group/admins', 'arn:aws:iam:::role/Admin', '*',
];

function expectInvalid(fn: () => unknown, owner: string, prop: string, got: string, fix: RegExp | string): void {
  let message: string | undefined;
  try {
    fn();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toBeDefined();
  expect(message).toMatch(new RegExp(`^\\[${escape(owner)}\\] '${escape(prop)}' `));
  expect(message).toContain(`(got ${got}).`);
  const fixText = message!.slice(message!.indexOf(`(got ${got}).`) + `(got ${got}).`.length).trim();
  expect(fixText.length).toBeGreaterThan(10);
  expect(fixText).toMatch(typeof fix === 'string' ? new RegExp(escape(fix)) : fix);
}

/** One maker per restriction, for the options every restriction shares. */
const MAKERS: [string, (options: AccessRestrictionOptions) => AccessRestriction][] = [
  ['VpcEndpointOnly', o => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID], ...o })],
  ['SourceIpOnly', o => new SourceIpOnly({ cidrs: ['203.0.113.0/24'], ...o })],
  ['RoleOnly', o => new RoleOnly({ roles: [iam.Role.fromRoleArn(newStack({ env: ENV }), 'R', `arn:aws:iam::${ACCOUNT}:role/Reader`)], ...o })],
  ['AdminOnlyChanges', o => new AdminOnlyChanges({ administratorArns: ['Admin'], ...o })],
];

// ---------------------------------------------------------------------------
// VpcEndpointOnly
// ---------------------------------------------------------------------------

describe('VpcEndpointOnly', () => {
  test('fails with an empty vpcEndpointIds list', () => {
    expectInvalid(() => new VpcEndpointOnly({ vpcEndpointIds: [] }),
      'VpcEndpointOnly', 'vpcEndpointIds', '[]', 'Give at least one value, or omit \'vpcEndpointIds\'.');
  });

  test('fails with an empty vpcIds list', () => {
    expectInvalid(() => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID], vpcIds: [] }),
      'VpcEndpointOnly', 'vpcIds', '[]', 'Give at least one value, or omit \'vpcIds\'.');
  });

  test('fails with neither vpcEndpointIds nor vpcIds', () => {
    expectInvalid(() => new VpcEndpointOnly({}),
      'VpcEndpointOnly', 'vpcEndpointIds', 'undefined', 'Give the VPC endpoint ids, the VPC ids, or both.');
    expect(() => new VpcEndpointOnly({})).toThrow(/and vpcIds cannot both be missing/);
  });

  test.each(['vpc-123', 'vpce-XYZ', 'vpce-12', 'vpce-1a2b3c4d5e6f7a8b9c', 'vpce-1a2b3c4d5e6f', 'vpce-1a2b3c4d5', 'VPCE-1a2b3c4d', ' vpce-1a2b3c4d', 'vpc-0a1b2c3d4e5f60718'])(
    'fails with the malformed endpoint id %j', (id) => {
      expectInvalid(() => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID, id] }),
        'VpcEndpointOnly', 'vpcEndpointIds[1]', JSON.stringify(id), /A VPC endpoint id is vpce- followed by .*pass endpoint\.vpcEndpointId\./);
    });

  test.each(['vpc-123', 'vpce-1a2b3c4d', 'vpc-XYZXYZXY', 'subnet-0a1b2c3d', 'vpc-0a1b2c3d4e5f607189', 'vpc-0a1b2c3d4e5f'])(
    'fails with the malformed VPC id %j', (id) => {
      expectInvalid(() => new VpcEndpointOnly({ vpcIds: [id] }),
        'VpcEndpointOnly', 'vpcIds[0]', JSON.stringify(id), /A VPC id is vpc- followed by .*pass vpc\.vpcId\./);
    });

  test('accepts 8- and 17-digit ids', () => {
    expect(() => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID, 'vpce-0123456789abcdef0'], vpcIds: ['vpc-0a1b2c3d', VPC_ID] })).not.toThrow();
  });

  test('fails with a duplicate endpoint id', () => {
    expectInvalid(() => new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID, 'vpce-0123456789abcdef0', ENDPOINT_ID] }),
      'VpcEndpointOnly', 'vpcEndpointIds[2]', JSON.stringify(ENDPOINT_ID), 'List each value once.');
  });

  test('fails with a duplicate VPC id', () => {
    expectInvalid(() => new VpcEndpointOnly({ vpcIds: [VPC_ID, VPC_ID] }),
      'VpcEndpointOnly', 'vpcIds[1]', JSON.stringify(VPC_ID), 'List each value once.');
  });

  test('accepts a token endpoint id and a token list unchecked, and renders them', () => {
    // GIVEN
    const stack = newStack({ env: ENV });
    const endpoint = new CfnParameter(stack, 'Endpoint', { type: 'String' });
    const vpcs = new CfnParameter(stack, 'Vpcs', { type: 'CommaDelimitedList' });
    const bucket = new s3.Bucket(stack, 'Data');

    // WHEN
    bucket.with(new VpcEndpointOnly({ vpcEndpointIds: [endpoint.valueAsString, ENDPOINT_ID], vpcIds: vpcs.valueAsList }));

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Condition: Match.objectLike({
            StringNotEquals: { 'aws:SourceVpce': [{ Ref: 'Endpoint' }, ENDPOINT_ID], 'aws:SourceVpc': { Ref: 'Vpcs' } },
          }),
        })]),
      },
    });
  });
});

// ---------------------------------------------------------------------------
// SourceIpOnly
// ---------------------------------------------------------------------------

describe('SourceIpOnly', () => {
  const CIDR_HELP = 'Use CIDR blocks such as 203.0.113.0/24 (IPv4 /0-/32) or 2001:db8::/32 (IPv6 /0-/128).';

  test('fails with an empty cidrs list', () => {
    expectInvalid(() => new SourceIpOnly({ cidrs: [] }), 'SourceIpOnly', 'cidrs', '[]', 'Give at least one value, or omit \'cidrs\'.');
  });

  test.each([
    ['10.0.0.0', /a CIDR block is an address followed by one \/prefix length/],
    ['10.0.0.0/33', /an IPv4 prefix length is \/0 to \/32, not \/33/],
    ['256.1.1.1/8', /'256\.1\.1\.1' is not an IPv4 address/],
    ['2001:db8::/129', /an IPv6 prefix length is \/0 to \/128, not \/129/],
    ['abc/24', /'abc' is not an IPv4 address/],
    ['1.2.3.4/2/3', /a CIDR block is an address followed by one \/prefix length/],
    ['1.2.3/24', /is not an IPv4 address/],
    ['01.2.3.4/32', /is not an IPv4 address/],
    ['1.2.3.4/', /the prefix length '' is not a number/],
    ['1.2.3.4/x', /the prefix length 'x' is not a number/],
    ['2001:db8::1::/64', /is not an IPv6 address/],
    ['2001:db8:0:0:0:0:0:0:1/128', /is not an IPv6 address/],
    ['2001:db8:0:0:0:0:0/64', /is not an IPv6 address/],
    ['2001:gb8::/32', /is not an IPv6 address/],
    [':::/0', /is not an IPv6 address/],
    ['1::2:/64', /is not an IPv6 address/],
    [':1::2/64', /is not an IPv6 address/],
  ])('fails with the malformed CIDR %j', (cidr, problem) => {
    expectInvalid(() => new SourceIpOnly({ cidrs: ['203.0.113.0/24', cidr] }), 'SourceIpOnly', 'cidrs[1]', JSON.stringify(cidr), CIDR_HELP);
    expect(() => new SourceIpOnly({ cidrs: [cidr] })).toThrow(problem);
  });

  test.each([
    '0.0.0.0/0', '203.0.113.7/32', '198.51.100.0/24', '::/0', '2001:db8::1/128', '2001:db8::/32',
    '2001:0db8:0000:0000:0000:0000:0000:0000/32', '::ffff:203.0.113.0/120', '2001:DB8::/32', '1:2:3:4:5:6:7::/112',
  ])('accepts the valid CIDR %j', (cidr) => {
    expect(() => new SourceIpOnly({ cidrs: [cidr] })).not.toThrow();
  });

  test('fails with a duplicate CIDR', () => {
    expectInvalid(() => new SourceIpOnly({ cidrs: ['203.0.113.0/24', '2001:db8::/32', '203.0.113.0/24'] }),
      'SourceIpOnly', 'cidrs[2]', '"203.0.113.0/24"', 'List each value once.');
  });

  test.each(['10.0.0.0/8', '172.16.0.0/12', '172.31.255.0/24', '192.168.1.0/24', 'fd00::/8', 'fc00::/7', 'FD12:3456::/48'])(
    'warns (does not fail) for the private CIDR %j, pointing to aws:VpcSourceIp', (cidr) => {
      // GIVEN
      const stack = newStack({ env: ENV });
      const bucket = new s3.Bucket(stack, 'Data');

      // WHEN
      const restriction = new SourceIpOnly({ cidrs: ['203.0.113.0/24', cidr] });
      bucket.with(restriction);

      // THEN
      expect(warningIds(stack)).toEqual([PRIVATE_CIDR]);
      Annotations.fromStack(stack).hasWarning('/Stack/Data', Match.stringLikeRegexp(`${escape(cidr)}.*aws:VpcSourceIp`));
    });

  test.each([
    '203.0.113.0/24', '11.0.0.0/8', '172.15.0.0/16', '172.32.0.0/16', '192.169.0.0/16', '0.0.0.0/0', '2001:db8::/32', '::/0',
    // Wider than a private range, or not one at all although it starts alike.
    '10.0.0.0/7', '172.16.0.0/11', '192.168.0.0/15', 'fc00::/6', 'fd::/16', 'fd0:1::/32',
  ])('raises no warning for the non-private CIDR %j', (cidr) => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new SourceIpOnly({ cidrs: [cidr] }));

    expect(warningIds(stack)).toEqual([]);
  });

  test('raises the private-CIDR warning for a member of anyOf too', () => {
    const stack = newStack({ env: ENV });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(AccessRestriction.anyOf(new SourceIpOnly({ cidrs: ['10.0.0.0/8'] }), new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] })));

    expect(warningIds(stack)).toEqual([PRIVATE_CIDR]);
  });

  test('accepts a CfnParameter list (Fn.split, Token.asList, valueAsList) unchecked, and renders it', () => {
    // GIVEN
    const stack = newStack({ env: ENV });
    const text = new CfnParameter(stack, 'CidrText', { type: 'String' });
    const list = new CfnParameter(stack, 'CidrList', { type: 'CommaDelimitedList' });
    const split = new s3.Bucket(stack, 'Split');
    const asList = new s3.Bucket(stack, 'AsList');
    const valueAsList = new s3.Bucket(stack, 'ValueAsList');

    // WHEN
    split.with(new SourceIpOnly({ cidrs: Fn.split(',', text.valueAsString) }));
    asList.with(new SourceIpOnly({ cidrs: Token.asList(list.value) }));
    valueAsList.with(new SourceIpOnly({ cidrs: list.valueAsList }));

    // THEN
    const template = Template.fromStack(stack);
    const sourceIp = (bucket: s3.Bucket) => policyStatements(template, bucket)[0].Condition.NotIpAddress['aws:SourceIp'];
    expect(sourceIp(split)).toEqual({ 'Fn::Split': [',', { Ref: 'CidrText' }] });
    expect(sourceIp(asList)).toEqual({ Ref: 'CidrList' });
    expect(sourceIp(valueAsList)).toEqual({ Ref: 'CidrList' });
    expect(warningIds(stack)).toEqual([]);
  });

  test('accepts a token element next to literal ones', () => {
    const stack = newStack({ env: ENV });
    const cidr = new CfnParameter(stack, 'Cidr', { type: 'String' });

    expect(() => new SourceIpOnly({ cidrs: [cidr.valueAsString, '203.0.113.0/24', cidr.valueAsString] })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------
// RoleOnly and RoleMatch
// ---------------------------------------------------------------------------

describe('RoleOnly', () => {
  test('fails with an empty roles list', () => {
    expectInvalid(() => new RoleOnly({ roles: [] }), 'RoleOnly', 'roles', '[]', 'Give at least one role.');
  });

  test('fails with the same role twice', () => {
    const stack = newStack({ env: ENV });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const other = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });

    expectInvalid(() => new RoleOnly({ roles: [role, other, role] }), 'RoleOnly', 'roles[2]', '"Stack/Reader"', 'List each role once.');
  });

  test('fails with two imported roles of the same ARN', () => {
    const stack = newStack({ env: ENV });
    const arn = `arn:aws:iam::${ACCOUNT}:role/Reader`;

    expectInvalid(() => new RoleOnly({ roles: [iam.Role.fromRoleArn(stack, 'A', arn), iam.Role.fromRoleArn(stack, 'B', arn)] }),
      'RoleOnly', 'roles[1]', '"Stack/B"', 'List each role once.');
  });

  test('fails with RoleMatch.userId() and an imported role without its id', () => {
    const stack = newStack({ env: ENV });
    const arn = `arn:aws:iam::${ACCOUNT}:role/Imported`;
    const created = new iam.Role(stack, 'Created', { assumedBy: new iam.AccountRootPrincipal() });
    const imported = iam.Role.fromRoleArn(stack, 'Imported', arn);

    expectInvalid(() => new RoleOnly({ roles: [created, imported], matchBy: RoleMatch.userId() }),
      'RoleOnly', 'roles[1]', JSON.stringify(arn), /Pass its id with RoleMatch\.userId\(\{ importedRoleIds: .*\}\), or use RoleMatch\.PRINCIPAL_ARN\./);
    expect(() => new RoleOnly({ roles: [imported], matchBy: RoleMatch.userId() })).toThrow(/is an imported role, whose unique id \(RoleId\) this app cannot know/);
  });

  test('fails with RoleMatch.userId() when importedRoleIds names another role', () => {
    const stack = newStack({ env: ENV });
    const imported = iam.Role.fromRoleArn(stack, 'Imported', `arn:aws:iam::${ACCOUNT}:role/Imported`);
    const matchBy = RoleMatch.userId({ importedRoleIds: { [`arn:aws:iam::${ACCOUNT}:role/Other`]: 'AROAABCDEFGHIJKLMNOP' } });

    expect(() => new RoleOnly({ roles: [imported], matchBy })).toThrow(/\[RoleOnly\] 'roles\[0\]' is an imported role/);
  });

  test('shows a token role ARN as a token in the error', () => {
    const stack = newStack({ env: ENV });
    const arn = new CfnParameter(stack, 'RoleArn', { type: 'String' });
    const imported = iam.Role.fromRoleArn(stack, 'Imported', arn.valueAsString);

    expectInvalid(() => new RoleOnly({ roles: [imported], matchBy: RoleMatch.userId() }), 'RoleOnly', 'roles[0]', '<unresolved token>', /importedRoleIds/);
  });

  test('accepts a token role ARN unchecked, and renders it', () => {
    const stack = newStack({ env: ENV });
    const arn = new CfnParameter(stack, 'RoleArn', { type: 'String' });
    const bucket = new s3.Bucket(stack, 'Data');

    bucket.with(new RoleOnly({ roles: [iam.Role.fromRoleArn(stack, 'Imported', arn.valueAsString)] }));

    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Condition: Match.objectLike({ ArnNotLike: { 'aws:PrincipalArn': Match.arrayWith([{ Ref: 'RoleArn' }]) } }),
        })]),
      },
    });
  });
});

describe('RoleMatch', () => {
  test.each(['AIDAABCDEFGHIJKLMNOP', 'aroaabcdefghijklmnop', 'AROA123', 'arn:aws:iam::111111111111:role/Imported', ''])(
    'fails with the importedRoleIds value %j, which is not a role unique id', (id) => {
      const arn = `arn:aws:iam::${ACCOUNT}:role/Imported`;
      expectInvalid(() => RoleMatch.userId({ importedRoleIds: { [arn]: id } }),
        'RoleMatch.userId', `importedRoleIds[${arn}]`, JSON.stringify(id), /Use the RoleId from `aws iam get-role --role-name NAME`, which starts with AROA\./);
    });

  test('accepts a role unique id and a token id', () => {
    const stack = newStack({ env: ENV });
    const id = new CfnParameter(stack, 'RoleId', { type: 'String' });

    expect(() => RoleMatch.userId({ importedRoleIds: { 'arn:aws:iam::111111111111:role/A': 'AROAABCDEFGHIJKLMNOP', 'arn:aws:iam::111111111111:role/B': id.valueAsString } })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------
// AdminOnlyChanges and the shared options
// ---------------------------------------------------------------------------

describe('AdminOnlyChanges', () => {
  const ARN_HELP = 'Use the full IAM ARN of a role, a user or the account root, such as arn:aws:iam::111111111111:role/BreakGlass '
    + '(wildcards allowed; for a role session, the ARN of its role), or a role name of the bucket\'s account.';

  test('fails with an empty administratorArns list', () => {
    expectInvalid(() => new AdminOnlyChanges({ administratorArns: [] }),
      'AdminOnlyChanges', 'administratorArns', '[]', 'Give at least one value, or omit \'administratorArns\'.');
  });

  test('fails with a duplicate administrator', () => {
    expectInvalid(() => new AdminOnlyChanges({ administratorArns: ['Admin', 'Admin'] }),
      'AdminOnlyChanges', 'administratorArns[1]', '"Admin"', 'List each value once.');
  });

  test.each([
    'arn:aws:s3:::my-bucket', 'arn:aws:iam::12345:role/Admin', 'arn:aws:iam:us-east-1:111111111111:role/Admin', 'role with spaces',
    'a'.repeat(65), 'arn:aws:ec2::111111111111:role/Admin', ...NEVER_A_PRINCIPAL_ARN,
  ])('fails with the malformed principal %j', (arn) => {
    expectInvalid(() => new AdminOnlyChanges({ administratorArns: [arn] }), 'AdminOnlyChanges', 'administratorArns[0]', JSON.stringify(arn), ARN_HELP);
  });

  test.each([
    'arn:aws:iam::111111111111:role/Admin', 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*',
    'arn:aws-us-gov:iam::111111111111:role/Admin', 'arn:aws:iam::*:role/Admin', 'arn:aws:iam::111111111111:root',
    'arn:aws:sts::111111111111:federated-user/alice', 'PlatformAdmin', 'team-*',
  ])('accepts the principal %j', (arn) => {
    expect(() => new AdminOnlyChanges({ administratorArns: [arn] })).not.toThrow();
  });

  test('accepts a token administrator ARN unchecked', () => {
    const stack = newStack({ env: ENV });
    const arn = new CfnParameter(stack, 'AdminArn', { type: 'String' });

    expect(() => new AdminOnlyChanges({ administratorArns: [arn.valueAsString, arn.valueAsString] })).not.toThrow();
  });
});

describe.each(MAKERS)('%s exemptPrincipalArns', (owner, make) => {
  const ARN_HELP = 'Use the full IAM ARN of a role, a user or the account root, such as arn:aws:iam::111111111111:role/BreakGlass '
    + '(wildcards allowed; for a role session, the ARN of its role), or a role name of the bucket\'s account.';

  test('fails with an empty list', () => {
    expectInvalid(() => make({ exemptPrincipalArns: [] }), owner, 'exemptPrincipalArns', '[]', 'Give at least one value, or omit \'exemptPrincipalArns\'.');
  });

  test('fails with a duplicate', () => {
    expectInvalid(() => make({ exemptPrincipalArns: ['BreakGlass', 'arn:aws:iam::111111111111:role/X', 'BreakGlass'] }),
      owner, 'exemptPrincipalArns[2]', '"BreakGlass"', 'List each value once.');
  });

  test.each(['arn:aws:s3:::my-bucket', 'arn:aws:iam::1111:root', 'not/a role', '', ...NEVER_A_PRINCIPAL_ARN])('fails with the malformed principal %j', (arn) => {
    expectInvalid(() => make({ exemptPrincipalArns: [arn] }), owner, 'exemptPrincipalArns[0]', JSON.stringify(arn), ARN_HELP);
  });

  test('accepts a token principal unchecked', () => {
    const stack = newStack({ env: ENV });
    const arn = new CfnParameter(stack, 'BreakGlass', { type: 'String' });

    expect(() => make({ exemptPrincipalArns: [arn.valueAsString, 'BreakGlass'] })).not.toThrow();
  });

  test('fails with a list token (it would be combined with the exemptions, which CloudFormation cannot do)', () => {
    const list = new CfnParameter(newStack({ env: ENV }), 'Principals', { type: 'CommaDelimitedList' }).valueAsList;
    expectInvalid(() => make({ exemptPrincipalArns: list }), owner, 'exemptPrincipalArns', JSON.stringify(list), /Fn\.select\(0, param\.valueAsList\)/);
  });
});

describe('list tokens', () => {
  const list = (stack: Stack, id: string) => new CfnParameter(stack, id, { type: 'CommaDelimitedList' }).valueAsList;

  test('a list token of endpoint ids or CIDRs in one restriction synthesizes as the parameter', () => {
    const stack = newStack({ env: ENV });
    const endpoints = new s3.Bucket(stack, 'Endpoints');
    endpoints.with(new VpcEndpointOnly({ vpcEndpointIds: list(stack, 'Endpoint') }));
    const ips = new s3.Bucket(stack, 'Ips');
    ips.with(new SourceIpOnly({ cidrs: list(stack, 'Cidrs') }));
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))
      .flatMap(p => p.Properties.PolicyDocument.Statement).filter((st: any) => String(st.Sid).startsWith('Restrict'));
    expect(statements.map((st: any) => st.Condition.StringNotEquals?.['aws:SourceVpce'] ?? st.Condition.NotIpAddress?.['aws:SourceIp']))
      .toEqual([{ Ref: 'Endpoint' }, { Ref: 'Cidrs' }]);
  });

  test('fails when anyOf would merge a list token with another member\'s values of the same key', () => {
    const stack = newStack({ env: ENV });
    const ids = list(stack, 'Endpoint');
    expectInvalid(() => new s3.Bucket(stack, 'Data').with(AccessRestriction.anyOf(
      new VpcEndpointOnly({ vpcEndpointIds: ids }), new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }))),
    'AccessRestriction.anyOf', 'vpcEndpointIds', JSON.stringify(ids), /Give the values in one member/);
  });

  test('AdminOnlyChanges fails with a list token of administrators', () => {
    const ids = list(newStack({ env: ENV }), 'Admins');
    expectInvalid(() => new AdminOnlyChanges({ administratorArns: ids }), 'AdminOnlyChanges', 'administratorArns', JSON.stringify(ids), /Fn\.select/);
  });
});

// ---------------------------------------------------------------------------
// anyOf
// ---------------------------------------------------------------------------

describe('AccessRestriction', () => {
  test('fails with anyOf of no restriction', () => {
    expectInvalid(() => AccessRestriction.anyOf(), 'AccessRestriction.anyOf', 'restrictions', '0',
      'Apply a single restriction directly with bucket.with(restriction).');
  });

  test('fails with anyOf of one restriction', () => {
    expectInvalid(() => AccessRestriction.anyOf(new VpcEndpointOnly({ vpcIds: [VPC_ID] })), 'AccessRestriction.anyOf', 'restrictions', '1',
      'Apply a single restriction directly with bucket.with(restriction).');
    expect(() => AccessRestriction.anyOf(new VpcEndpointOnly({ vpcIds: [VPC_ID] }))).toThrow(/needs at least two restrictions to choose between/);
  });

  test('fails with anyOf containing AdminOnlyChanges', () => {
    const admin = new AdminOnlyChanges({ administratorArns: ['Admin'] });

    expectInvalid(() => AccessRestriction.anyOf(new VpcEndpointOnly({ vpcIds: [VPC_ID] }), admin),
      'AccessRestriction.anyOf', 'restrictions[1]', '"AdminOnlyChanges"', 'Apply it separately with bucket.with(...) so that it always holds.');
    expect(() => AccessRestriction.anyOf(admin, new SourceIpOnly({ cidrs: ['203.0.113.0/24'] }))).toThrow(/'restrictions\[0\]' cannot be combined with OR/);
  });

  test('accepts a nested anyOf', () => {
    expect(() => AccessRestriction.anyOf(
      AccessRestriction.anyOf(new VpcEndpointOnly({ vpcIds: [VPC_ID] }), new SourceIpOnly({ cidrs: ['203.0.113.0/24'] })),
      new VpcEndpointOnly({ vpcEndpointIds: [ENDPOINT_ID] }),
    )).not.toThrow();
  });
});
