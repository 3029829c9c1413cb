"""Every public construct, instantiated once from Python, with a few template properties that show it works.

test/ proves the templates and policies in depth; these tests prove each construct can be built from
a Python app, through its Python names, and synthesizes what it is for.
"""
import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Match, Template

from cdk_secure_bucket import (
    AccessLogsBucket, AccessRestriction, AdminOnlyChanges, BucketSecurityMonitor, RoleOnly, SecureBucket,
    SecureBucketDefaults, SourceIpOnly, VpcEndpointOnly, nag,
)
from helpers import ACCOUNT, bucket_policy_statements, logical_id

TLS_DENY = {"Effect": "Deny", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


class TestSecureBucket:
    def test_synthesizes_a_kms_encrypted_versioned_private_bucket_that_denies_requests_without_tls(self, stack):
        bucket = SecureBucket(stack, "Data")

        template = Template.from_stack(stack)
        template.has_resource_properties("AWS::S3::Bucket", {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
                "BucketKeyEnabled": True,
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [logical_id(bucket.key), "Arn"]}},
            })]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        })
        template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
        assert any(TLS_DENY.items() <= s.items() for s in bucket_policy_statements(template, bucket))

    def test_is_an_s3_bucket_in_python_its_inherited_methods_work(self, stack):
        bucket = SecureBucket(stack, "Data")
        role = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())

        bucket.grant_read(role)

        assert isinstance(bucket, s3.Bucket) and isinstance(bucket.key, kms.Key)
        assert SecureBucket.is_secure_bucket(bucket)
        assert not SecureBucket.is_secure_bucket(s3.Bucket(stack, "Plain"))
        Template.from_stack(stack).has_resource_properties("AWS::IAM::Policy", {
            "PolicyDocument": {"Statement": Match.array_with([Match.object_like({"Action": Match.array_with(["s3:GetObject*"])})])},
        })


class TestAccessLogsBucket:
    def test_is_the_shared_sse_s3_log_target_of_the_secure_buckets_of_a_stack(self, stack):
        data = SecureBucket(stack, "Data")

        logs = AccessLogsBucket.of_stack(stack)

        assert logs.node.path == f"Stack/{AccessLogsBucket.STACK_DEFAULT_ID}" == data.server_access_logs_bucket.node.path
        assert AccessLogsBucket.is_access_logs_bucket(logs) and logs.source_count == 1
        Template.from_stack(stack).has_resource_properties("AWS::S3::Bucket", {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        })

    def test_of_its_own_with_a_retention_and_a_source_added_from_python(self, stack):
        logs = AccessLogsBucket(stack, "Logs", log_retention=cdk.Duration.days(730))
        SecureBucket(stack, "Data", server_access_logs_bucket=logs)

        logs.add_log_source(s3.Bucket(stack, "Other"))

        assert logs.source_count == 2 and stack.node.try_find_child(AccessLogsBucket.STACK_DEFAULT_ID) is None
        Template.from_stack(stack).has_resource_properties("AWS::S3::Bucket", {
            "LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({"ExpirationInDays": 730})])},
        })


# One of each restriction, and any_of: the Sid of the Deny statement each renders, and a condition key it holds.
RESTRICTIONS = {
    "VpcEndpointOnly": (lambda stack: VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"]), "aws:SourceVpce"),
    "SourceIpOnly": (lambda stack: SourceIpOnly(cidrs=["203.0.113.0/24", "2001:db8::/32"]), "aws:SourceIp"),
    "RoleOnly": (lambda stack: RoleOnly(roles=[iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())]), "aws:PrincipalArn"),
    "AdminOnlyChanges": (lambda stack: AdminOnlyChanges(administrator_arns=["Admin"]), "aws:PrincipalArn"),
    "AnyOfVpcEndpointOnlyOrSourceIpOnly": (lambda stack: AccessRestriction.any_of(
        VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"]), SourceIpOnly(cidrs=["203.0.113.0/24"])), "aws:SourceIp"),
}


def restriction_statement(template: Template, bucket, name: str) -> dict:
    [statement] = [s for s in bucket_policy_statements(template, bucket) if s.get("Sid", "").startswith(f"Restrict{name}")]
    return statement


class TestAccessRestrictions:
    @pytest.mark.parametrize("name", RESTRICTIONS)
    def test_each_renders_its_deny_statement_through_the_access_restrictions_prop(self, stack, name):
        make, condition_key = RESTRICTIONS[name]

        bucket = SecureBucket(stack, "Data", access_restrictions=[make(stack)])

        statement = restriction_statement(Template.from_stack(stack), bucket, name)
        assert statement["Effect"] == "Deny"
        assert condition_key in str(statement["Condition"])

    def test_applies_to_a_plain_bucket_with_with_(self, stack):
        bucket = s3.Bucket(stack, "Plain")
        restriction = VpcEndpointOnly(vpc_ids=["vpc-0a1b2c3d"])

        returned = bucket.with_(restriction)

        assert returned is bucket and restriction.supports(bucket) and not restriction.supports(stack)
        assert restriction_statement(Template.from_stack(stack), bucket, "VpcEndpointOnly")["Condition"]["StringNotEquals"] == {
            "aws:SourceVpc": ["vpc-0a1b2c3d"]}

    def test_applies_to_every_bucket_of_a_scope_with_mixins_of(self, stack):
        secure = SecureBucket(stack, "Secure")
        plain = s3.Bucket(stack, "Plain")

        applied = cdk.Mixins.of(stack).apply(SourceIpOnly(cidrs=["203.0.113.0/24"]))

        logs = secure.server_access_logs_bucket
        assert sorted(a.construct.node.path for a in applied.report) == sorted(b.node.path for b in (secure, plain, logs))
        template = Template.from_stack(stack)
        for bucket in (secure, plain, logs):
            assert restriction_statement(template, bucket, "SourceIpOnly")


class TestSecureBucketDefaults:
    def test_secures_a_plain_bucket_applied_with_mixins_of(self, stack):
        s3.Bucket(stack, "Plain")

        cdk.Mixins.of(stack).apply(SecureBucketDefaults())

        Template.from_stack(stack).has_resource_properties("AWS::S3::Bucket", {
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        })

    def test_supports_buckets_only(self, stack):
        defaults = SecureBucketDefaults()
        assert defaults.supports(s3.Bucket(stack, "Plain")) is True
        assert defaults.supports(kms.Key(stack, "Key")) is False


class TestBucketSecurityMonitor:
    def test_creates_a_trail_an_alert_topic_with_its_email_and_a_rule_on_the_monitored_bucket(self, stack):
        data = SecureBucket(stack, "Data")

        monitor = BucketSecurityMonitor(stack, "Monitor", alert_emails=["security@example.com"])
        returned = data.monitor_with(monitor)

        assert returned is data and [b.node.path for b in monitor.buckets] == ["Stack/Data"]
        assert SecureBucket.is_secure_bucket(monitor.trail_bucket)
        template = Template.from_stack(stack)
        template.has_resource_properties("AWS::CloudTrail::Trail", {"IsMultiRegionTrail": True, "EnableLogFileValidation": True})
        template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "security@example.com"})
        template.has_resource_properties("AWS::Events::Rule", {
            "EventPattern": Match.object_like({"detail": Match.object_like({"requestParameters": {"bucketName": [{"Ref": logical_id(data)}]}})}),
        })

    def test_all_buckets_with_config_rules(self, stack):
        monitor = BucketSecurityMonitor(stack, "Monitor", all_buckets=True, config_rules=True)

        assert monitor.all_buckets is True and len(monitor.config_rules) > 0
        Template.from_stack(stack).resource_count_is("AWS::Config::ConfigRule", len(monitor.config_rules))


class TestSecureBucketChecks:
    def test_the_cdk_nag_pack_judges_a_scope_from_python(self, app, stack):
        SecureBucket(stack, "Secure")
        s3.Bucket(stack, "Plain")

        report = nag.SecureBucketChecks(app).validate_scope(app)

        paths = {r.construct_path for v in report.violations for r in v.violating_resources}
        assert paths == {"Stack/Plain/Resource"}
        assert "SB-S3-3" in {v.rule_name for v in report.violations}
        assert report.success is False

    def test_as_a_validation_plugin_it_fails_synth(self, app, stack):
        s3.Bucket(stack, "Plain")
        cdk.Validations.of(app).add_plugins(nag.SecureBucketChecks(app, trusted_accounts=[ACCOUNT]))

        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
