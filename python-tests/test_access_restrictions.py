"""Access restrictions from Python: each restriction and an any_of, applied three ways.

The same statements as test/access/access-restriction.test.ts and test/access/errors.test.ts,
asserted on templates synthesized from Python. In Python, TypeScript's `bucket.with(...)` is
`bucket.with_(...)` (`with` is a keyword) and `AccessRestriction.anyOf` is `AccessRestriction.any_of`.
"""
import re

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from cdk_secure_bucket import (
    AccessRestriction, AdminOnlyChanges, RoleMatch, RoleOnly, SecureBucket, SourceIpOnly, VpcEndpointOnly,
)
from helpers import (
    ACCOUNT, REGION, bucket_arn, logical_id, new_stack, objects_arn, policy_statements, restriction_statements, warnings,
)

ENDPOINT_ID = "vpce-1a2b3c4d"
VPC_ID = "vpc-0a1b2c3d4e5f60718"
CIDRS = ["203.0.113.0/24", "2001:db8::/32"]
ADMIN_ARN = f"arn:aws:iam::{ACCOUNT}:role/Admin"
ENDPOINT_AND_IP_ANDED = "cdk-secure-bucket:AccessRestriction.endpointAndSourceIpAnded"
PRIVATE_CIDR = "cdk-secure-bucket:SourceIpOnly.privateCidr"

ROOT_ARN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{ACCOUNT}:root"]]}
# AWS Config's and IAM Access Analyzer's service-linked roles, exempt with the AWS services where reads are denied.
SERVICE_ROLES = [
    {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{ACCOUNT}:role/aws-service-role/{service}/*"]]}
    for service in ("config.amazonaws.com", "access-analyzer.amazonaws.com")
]
CFN_EXEC_ROLE = {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::{ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-{ACCOUNT}-{REGION}"}
NETWORK_EXEMPTIONS = {"aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false"}
IDENTITY_EXEMPTIONS = {"aws:PrincipalIsAWSService": "false"}


def allowed_role(stack: cdk.Stack) -> iam.Role:
    """The role RoleOnly allows, one per stack."""
    return stack.node.try_find_child("AllowedRole") or iam.Role(stack, "AllowedRole", assumed_by=iam.AccountRootPrincipal())


def role_arn(stack: cdk.Stack) -> dict:
    return {"Fn::GetAtt": [logical_id(allowed_role(stack)), "Arn"]}


# ---------------------------------------------------------------------------
# The table of restrictions: how to make one, and the Deny statement it renders
# ---------------------------------------------------------------------------

class Case:
    def __init__(self, name, make, sid, action, on_objects, condition):
        self.name = name
        self.make = make
        self.sid = sid
        self.action = action
        self.on_objects = on_objects
        self.condition = condition

    def __repr__(self):
        return self.name

    def statement(self, stack: cdk.Stack, bucket) -> dict:
        """The whole Deny statement the restriction renders on `bucket` (with the default exemptions)."""
        return {
            "Sid": self.sid,
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": self.action,
            "Resource": [bucket_arn(bucket), objects_arn(bucket)] if self.on_objects else bucket_arn(bucket),
            "Condition": self.condition(stack),
        }


CASES = [
    Case(
        "VpcEndpointOnly",
        lambda stack: VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID], vpc_ids=[VPC_ID]),
        "RestrictVpcEndpointOnly1", "s3:*", True,
        lambda stack: {
            "StringNotEquals": {"aws:SourceVpce": [ENDPOINT_ID], "aws:SourceVpc": [VPC_ID]},
            "BoolIfExists": NETWORK_EXEMPTIONS,
            "ArnNotLike": {"aws:PrincipalArn": [ROOT_ARN, *SERVICE_ROLES, CFN_EXEC_ROLE]},
        },
    ),
    Case(
        "SourceIpOnly",
        lambda stack: SourceIpOnly(cidrs=CIDRS),
        "RestrictSourceIpOnly1", "s3:*", True,
        lambda stack: {
            "NotIpAddress": {"aws:SourceIp": CIDRS},
            "BoolIfExists": NETWORK_EXEMPTIONS,
            "ArnNotLike": {"aws:PrincipalArn": [ROOT_ARN, *SERVICE_ROLES, CFN_EXEC_ROLE]},
        },
    ),
    Case(
        "RoleOnly",
        lambda stack: RoleOnly(roles=[allowed_role(stack)]),
        "RestrictRoleOnly1", "s3:*", True,
        lambda stack: {
            "BoolIfExists": IDENTITY_EXEMPTIONS,
            "ArnNotLike": {"aws:PrincipalArn": [role_arn(stack), ROOT_ARN, *SERVICE_ROLES, CFN_EXEC_ROLE]},
        },
    ),
    Case(
        "AdminOnlyChanges",
        lambda stack: AdminOnlyChanges(administrator_arns=[ADMIN_ARN]),
        "RestrictAdminOnlyChanges1", AdminOnlyChanges.ADMINISTRATION_ACTIONS, False,
        lambda stack: {
            "BoolIfExists": IDENTITY_EXEMPTIONS,
            "ArnNotLike": {"aws:PrincipalArn": [ADMIN_ARN, ROOT_ARN, CFN_EXEC_ROLE]},
        },
    ),
    Case(
        "any_of(VpcEndpointOnly, SourceIpOnly)",
        lambda stack: AccessRestriction.any_of(VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID]), SourceIpOnly(cidrs=CIDRS)),
        "RestrictAnyOfVpcEndpointOnlyOrSourceIpOnly1", "s3:*", True,
        # One statement holding both negated conditions: it fires only when both fail (OR).
        lambda stack: {
            "StringNotEquals": {"aws:SourceVpce": [ENDPOINT_ID]},
            "NotIpAddress": {"aws:SourceIp": CIDRS},
            "BoolIfExists": NETWORK_EXEMPTIONS,
            "ArnNotLike": {"aws:PrincipalArn": [ROOT_ARN, *SERVICE_ROLES, CFN_EXEC_ROLE]},
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
class TestEachRestriction:
    def test_through_the_access_restrictions_prop_of_a_secure_bucket(self, case):
        stack = new_stack()

        bucket = SecureBucket(stack, "Data", access_restrictions=[case.make(stack)])

        statements = policy_statements(Template.from_stack(stack), bucket)
        assert [s for s in statements if s.get("Sid", "").startswith("Restrict")] == [case.statement(stack, bucket)]
        # The SecureBucket's own statements are still there.
        assert {"DenyEncryptionWithoutThisKey", "DenyKeyIdWithOtherEncryption"} <= {s.get("Sid") for s in statements}

    def test_through_with_on_a_secure_bucket_like_the_prop(self, case):
        via_prop = new_stack()
        prop_bucket = SecureBucket(via_prop, "Data", access_restrictions=[case.make(via_prop)])
        via_with = new_stack()
        with_bucket = SecureBucket(via_with, "Data")

        returned = with_bucket.with_(case.make(via_with))

        assert returned is with_bucket
        statements = restriction_statements(Template.from_stack(via_with), with_bucket)
        assert statements == [case.statement(via_with, with_bucket)]
        assert policy_statements(Template.from_stack(via_with), with_bucket) == policy_statements(Template.from_stack(via_prop), prop_bucket)

    def test_through_with_on_a_plain_s3_bucket(self, case):
        stack = new_stack()
        bucket = s3.Bucket(stack, "Data")

        bucket.with_(case.make(stack))

        assert restriction_statements(Template.from_stack(stack), bucket) == [case.statement(stack, bucket)]

    def test_through_mixins_of_the_stack_on_every_bucket_defined_in_it(self, case):
        # GIVEN a SecureBucket (with its shared log bucket), a plain bucket, an imported bucket and a key
        stack = new_stack()
        secure = SecureBucket(stack, "Secure")
        plain = s3.Bucket(stack, "Plain")
        s3.Bucket.from_bucket_name(stack, "Imported", "imported-bucket")
        kms.Key(stack, "Key")

        # WHEN
        applied = cdk.Mixins.of(stack).apply(case.make(stack))

        # THEN every bucket defined in the stack has the statement, and nothing else was touched
        logs = secure.server_access_logs_bucket
        assert sorted(a.construct.node.path for a in applied.report) == sorted(b.node.path for b in (secure, plain, logs))
        template = Template.from_stack(stack)
        for bucket in (secure, plain, logs):
            assert restriction_statements(template, bucket) == [case.statement(stack, bucket)]
        template.resource_count_is("AWS::S3::BucketPolicy", 3)

    def test_is_idempotent(self, case):
        once = new_stack()
        once_bucket = SecureBucket(once, "Data", access_restrictions=[case.make(once)])
        twice = new_stack()
        restriction = case.make(twice)
        twice_bucket = SecureBucket(twice, "Data", access_restrictions=[restriction, restriction])

        twice_bucket.with_(restriction)
        twice_bucket.with_(case.make(twice))

        assert policy_statements(Template.from_stack(twice), twice_bucket) == policy_statements(Template.from_stack(once), once_bucket)

    def test_supports_buckets_of_this_app_only(self, case):
        stack = new_stack()
        restriction = case.make(stack)
        secure = SecureBucket(stack, "Secure")

        assert restriction.supports(secure)
        assert restriction.supports(secure.server_access_logs_bucket)
        assert restriction.supports(s3.Bucket(stack, "Plain"))
        assert not restriction.supports(stack)
        assert not restriction.supports(kms.Key(stack, "Key"))
        assert not restriction.supports(secure.node.default_child)
        assert not restriction.supports(s3.Bucket.from_bucket_name(stack, "Imported", "imported-bucket"))
        assert AccessRestriction.is_access_restriction(restriction)


# ---------------------------------------------------------------------------
# Specific shapes
# ---------------------------------------------------------------------------

def test_any_of_of_three_members_is_one_statement_with_every_negated_condition():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")

    bucket.with_(AccessRestriction.any_of(
        VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID]),
        SourceIpOnly(cidrs=CIDRS),
        RoleOnly(roles=[allowed_role(stack)]),
    ))

    [statement] = restriction_statements(Template.from_stack(stack), bucket)
    assert statement["Sid"] == "RestrictAnyOfVpcEndpointOnlyOrSourceIpOnlyOrRoleOnly1"
    assert statement["Condition"] == {
        "StringNotEquals": {"aws:SourceVpce": [ENDPOINT_ID]},
        "NotIpAddress": {"aws:SourceIp": CIDRS},
        "BoolIfExists": NETWORK_EXEMPTIONS,
        "ArnNotLike": {"aws:PrincipalArn": [role_arn(stack), ROOT_ARN, *SERVICE_ROLES, CFN_EXEC_ROLE]},
    }


def test_role_only_matches_aws_user_id_with_role_match_user_id_and_a_dict_of_imported_role_ids():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")
    created = allowed_role(stack)
    imported_arn = f"arn:aws:iam::{ACCOUNT}:role/Imported"
    imported = iam.Role.from_role_arn(stack, "Imported", imported_arn)

    bucket.with_(RoleOnly(roles=[created, imported], match_by=RoleMatch.user_id(imported_role_ids={imported_arn: "AROAABCDEFGHIJKLMNOP"})))

    [statement] = restriction_statements(Template.from_stack(stack), bucket)
    assert statement["Condition"]["StringNotLike"] == {"aws:userId": [
        {"Fn::Join": ["", [{"Fn::GetAtt": [logical_id(created), "RoleId"]}, ":*"]]},
        "AROAABCDEFGHIJKLMNOP:*",
    ]}
    # The roles are matched by id only; the exemptions keep their ARNs.
    assert statement["Condition"]["ArnNotLike"] == {"aws:PrincipalArn": [ROOT_ARN, *SERVICE_ROLES, CFN_EXEC_ROLE]}
    assert RoleMatch.PRINCIPAL_ARN.kind == "PrincipalArn"


def test_admin_only_changes_denies_object_acls_to_everyone():
    stack = new_stack()
    bucket = SecureBucket(stack, "Data", access_restrictions=[AdminOnlyChanges(administrator_arns=["PlatformAdmin"])])

    statements = policy_statements(Template.from_stack(stack), bucket)

    [deny] = [s for s in statements if s.get("Sid", "").startswith("DenyToEveryone")]
    assert deny["Action"] == ["s3:PutObjectAcl", "s3:PutObjectVersionAcl"]
    assert deny["Resource"] == objects_arn(bucket)
    assert "Condition" not in deny
    # A role name is pinned to the bucket's account.
    [admin] = restriction_statements(Template.from_stack(stack), bucket)
    assert admin["Condition"]["ArnNotLike"]["aws:PrincipalArn"][0] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{ACCOUNT}:role/PlatformAdmin"]],
    }


def test_exemptions_are_switched_off_by_python_keyword_arguments():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")

    bucket.with_(SourceIpOnly(
        cidrs=CIDRS, exempt_aws_services=False, exempt_services_acting_for_caller=False, exempt_account_root=False,
        exempt_deployment_role=False, exempt_bucket_service_roles=False,
    ))

    [statement] = restriction_statements(Template.from_stack(stack), bucket)
    assert statement["Condition"] == {"NotIpAddress": {"aws:SourceIp": CIDRS}}


# ---------------------------------------------------------------------------
# AND, OR and the warning
# ---------------------------------------------------------------------------

def test_restrictions_applied_separately_are_separate_statements_and():
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")

    bucket.with_(VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID]), RoleOnly(roles=[allowed_role(stack)]))
    bucket.with_(AdminOnlyChanges(administrator_arns=[ADMIN_ARN]))

    statements = restriction_statements(Template.from_stack(stack), bucket)
    assert [s["Sid"] for s in statements] == ["RestrictVpcEndpointOnly1", "RestrictRoleOnly2", "RestrictAdminOnlyChanges3"]
    assert "aws:SourceVpce" not in str(statements[1]) and "aws:SourceVpce" not in str(statements[2])


def test_vpc_endpoint_only_and_source_ip_only_applied_separately_warn_that_they_are_anded():
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")

    bucket.with_(VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID]))
    bucket.with_(SourceIpOnly(cidrs=["203.0.113.0/24"]))

    annotations = Annotations.from_stack(stack)
    annotations.has_warning("/Stack/Data", Match.string_like_regexp("aws:SourceIp is absent on requests that arrive through a VPC endpoint"))
    annotations.has_warning("/Stack/Data", Match.string_like_regexp(re.escape(f"[ack: {ENDPOINT_AND_IP_ANDED}]")))
    found = [(path, message) for path, id_, message in warnings(stack) if id_ == ENDPOINT_AND_IP_ANDED]
    assert len(found) == 1
    assert "AccessRestriction.anyOf" in found[0][1]


def test_any_of_vpc_endpoint_only_and_source_ip_only_raises_no_warning():
    stack = new_stack()
    SecureBucket(stack, "Data", access_restrictions=[
        AccessRestriction.any_of(VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID]), SourceIpOnly(cidrs=["203.0.113.0/24"])),
    ])

    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


def test_the_anded_warning_can_be_acknowledged_on_the_bucket():
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")
    reason = "Only the log shipper from the office uses this bucket; endpoint traffic is meant to be denied."

    cdk.Validations.of(bucket).acknowledge(cdk.Acknowledgment(id=ENDPOINT_AND_IP_ANDED, reason=reason))
    bucket.with_(VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID]), SourceIpOnly(cidrs=["203.0.113.0/24"]))

    assert ENDPOINT_AND_IP_ANDED not in [id_ for _, id_, _ in warnings(stack)]
    assert {f"Annotation::{ENDPOINT_AND_IP_ANDED}": reason} in [
        m.data for m in bucket.node.metadata if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    ]


def test_a_private_cidr_warns_instead_of_failing():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")

    bucket.with_(SourceIpOnly(cidrs=["203.0.113.0/24", "10.0.0.0/8"]))

    assert [(path, id_) for path, id_, _ in warnings(stack)] == [("/Stack/Data", PRIVATE_CIDR)]


# ---------------------------------------------------------------------------
# Bad input: RuntimeError naming the class, the argument (TypeScript name), the value and the fix
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: VpcEndpointOnly(vpc_endpoint_ids=[]),
     "[VpcEndpointOnly] 'vpcEndpointIds' cannot be an empty list (got []). Give at least one value, or omit 'vpcEndpointIds'."),
    (lambda: VpcEndpointOnly(vpc_ids=[]),
     "[VpcEndpointOnly] 'vpcIds' cannot be an empty list (got []). Give at least one value, or omit 'vpcIds'."),
    (lambda: VpcEndpointOnly(),
     "[VpcEndpointOnly] 'vpcEndpointIds' and vpcIds cannot both be missing (got undefined). Give the VPC endpoint ids, the VPC ids, or both."),
    (lambda: SourceIpOnly(cidrs=[]),
     "[SourceIpOnly] 'cidrs' cannot be an empty list (got []). Give at least one value, or omit 'cidrs'."),
    (lambda: RoleOnly(roles=[]),
     "[RoleOnly] 'roles' cannot be an empty list (got []). Give at least one role."),
    (lambda: AdminOnlyChanges(administrator_arns=[]),
     "[AdminOnlyChanges] 'administratorArns' cannot be an empty list (got []). Give at least one value, or omit 'administratorArns'."),
], ids=["vpcEndpointIds", "vpcIds", "neither", "cidrs", "roles", "administratorArns"])
def test_fails_with_an_empty_list(make, message):
    with pytest.raises(RuntimeError) as raised:
        make()
    assert str(raised.value) == message


@pytest.mark.parametrize("endpoint_id", ["vpce-12", "vpce-XYZ", "VPCE-1a2b3c4d", "vpc-0a1b2c3d4e5f60718"])
def test_fails_with_a_malformed_vpc_endpoint_id(endpoint_id):
    with pytest.raises(RuntimeError, match=re.escape("[VpcEndpointOnly] 'vpcEndpointIds[1]' ") + r".*" + re.escape(f"(got \"{endpoint_id}\"). A VPC endpoint id is vpce- followed by")):
        VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID, endpoint_id])


@pytest.mark.parametrize("cidr, problem", [
    ("10.0.0.0", "a CIDR block is an address followed by one /prefix length"),
    ("10.0.0.0/33", "an IPv4 prefix length is /0 to /32, not /33"),
    ("256.1.1.1/8", "'256.1.1.1' is not an IPv4 address"),
    ("2001:db8::/129", "an IPv6 prefix length is /0 to /128, not /129"),
    ("2001:db8::1::/64", "is not an IPv6 address"),
])
def test_fails_with_a_malformed_cidr(cidr, problem):
    with pytest.raises(RuntimeError) as raised:
        SourceIpOnly(cidrs=["203.0.113.0/24", cidr])
    message = str(raised.value)
    assert message.startswith("[SourceIpOnly] 'cidrs[1]' ")
    assert problem in message
    assert message.endswith(f"(got \"{cidr}\"). Use CIDR blocks such as 203.0.113.0/24 (IPv4 /0-/32) or 2001:db8::/32 (IPv6 /0-/128).")


@pytest.mark.parametrize("principal, reason", [
    ("arn:aws:sts::111111111111:assumed-role/Admin/alice", "it is a role session (assumed-role) ARN"),
    ("arn:aws:iam::111111111111:group/admins", "it is an IAM group"),
    ("*", "a bare wildcard would exempt every role of the account"),
])
def test_fails_with_a_principal_aws_principal_arn_never_equals(principal, reason):
    with pytest.raises(RuntimeError, match=re.escape(f"[VpcEndpointOnly] 'exemptPrincipalArns[0]' is malformed: {reason}")):
        VpcEndpointOnly(vpc_endpoint_ids=[ENDPOINT_ID], exempt_principal_arns=[principal])


def test_fails_with_any_of_one_restriction():
    with pytest.raises(RuntimeError, match=re.escape("[AccessRestriction.anyOf] 'restrictions' needs at least two restrictions to choose between (got 1).")):
        AccessRestriction.any_of(VpcEndpointOnly(vpc_ids=[VPC_ID]))


def test_fails_with_any_of_containing_admin_only_changes():
    with pytest.raises(RuntimeError, match=re.escape("[AccessRestriction.anyOf] 'restrictions[1]' cannot be combined with OR")):
        AccessRestriction.any_of(VpcEndpointOnly(vpc_ids=[VPC_ID]), AdminOnlyChanges(administrator_arns=["Admin"]))


def test_fails_to_apply_to_an_imported_bucket():
    stack = new_stack()
    imported = s3.Bucket.from_bucket_name(stack, "Imported", "imported-bucket")

    with pytest.raises(RuntimeError, match=re.escape("[Stack/Imported] 'construct' is not a bucket defined in this app (got \"Stack/Imported\").")):
        SourceIpOnly(cidrs=CIDRS).apply_to(imported)
