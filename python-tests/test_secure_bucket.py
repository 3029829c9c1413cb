"""SecureBucket from Python: the guarantees of a default bucket, its options and its errors.

The same properties as test/secure-bucket.test.ts, asserted on the template synthesized from Python.
"""
import inspect
import json
import os
import re

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from cdk_secure_bucket import AccessLogsBucket, SecureBucket
from helpers import (
    bucket_arn, bucket_properties, find_resource, key_arn, logical_id, new_stack, objects_arn, policy_statements,
)

SSE_HEADER = "s3:x-amz-server-side-encryption"
SSE_KEY_HEADER = "s3:x-amz-server-side-encryption-aws-kms-key-id"
BUILTIN_VALIDATION = "builtin_cloud_formation_validation" in inspect.signature(cdk.App.__init__).parameters


class Fixture:
    def __init__(self, **props):
        self.stack = new_stack()
        self.bucket = SecureBucket(self.stack, "Data", **props)
        self.template = Template.from_stack(self.stack)

    @property
    def properties(self) -> dict:
        return bucket_properties(self.template, self.bucket)

    @property
    def statements(self) -> list:
        return policy_statements(self.template, self.bucket)


@pytest.fixture(scope="module")
def default() -> Fixture:
    """One default SecureBucket, synthesized once for the tests of its guarantees."""
    return Fixture()


# ---------------------------------------------------------------------------
# The guarantees of a default SecureBucket
# ---------------------------------------------------------------------------

class TestDefaults:
    def test_encrypts_with_sse_kms_under_its_own_key_with_an_s3_bucket_key(self, default):
        [rule] = default.properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["BucketKeyEnabled"] is True
        assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn(default.bucket.key)}

    def test_blocks_sse_c_uploads(self, default):
        [rule] = default.properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}

    def test_creates_one_kms_key_with_rotation_on_retained(self, default):
        default.template.resource_count_is("AWS::KMS::Key", 1)
        key = find_resource(default.template, "AWS::KMS::Key", default.bucket.key)
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["DeletionPolicy"] == "Retain"
        assert key["UpdateReplacePolicy"] == "Retain"

    def test_versions_objects(self, default):
        assert default.properties["VersioningConfiguration"] == {"Status": "Enabled"}

    def test_blocks_all_public_access(self, default):
        assert default.properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }

    def test_disables_acls_and_sets_no_canned_acl(self, default):
        assert default.properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        assert "AccessControl" not in default.properties

    def test_denies_requests_without_tls_on_the_bucket_and_its_objects(self, default):
        assert {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [bucket_arn(default.bucket), objects_arn(default.bucket)],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        } in default.statements

    def test_denies_tls_versions_below_1_2_on_the_bucket_and_its_objects(self, default):
        assert {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [bucket_arn(default.bucket), objects_arn(default.bucket)],
            "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
        } in default.statements

    @pytest.mark.parametrize("sid, condition", [
        ("DenyEncryptionWithoutThisKey", lambda key: {"Null": {SSE_HEADER: "false"}, "StringNotEquals": {SSE_KEY_HEADER: key}}),
        ("DenyKeyIdWithOtherEncryption", lambda key: {"Null": {SSE_KEY_HEADER: "false"}, "StringNotEquals": {SSE_HEADER: "aws:kms"}}),
    ])
    def test_denies_uploads_with_another_encryption(self, default, sid, condition):
        assert {
            "Sid": sid,
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutObject",
            "Resource": objects_arn(default.bucket),
            "Condition": condition(key_arn(default.bucket.key)),
        } in default.statements

    def test_logs_to_the_stacks_shared_access_logs_bucket_partitioned_by_event_time(self, default):
        logs = default.stack.node.find_child("SecureBucketAccessLogs")
        assert AccessLogsBucket.STACK_DEFAULT_ID == "SecureBucketAccessLogs"
        assert isinstance(logs, AccessLogsBucket)
        assert default.properties["LoggingConfiguration"] == {
            "DestinationBucketName": {"Ref": logical_id(logs)},
            "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
        }

    def test_expires_noncurrent_versions_aborts_multipart_uploads_and_removes_expired_delete_markers(self, default):
        assert default.properties["LifecycleConfiguration"] == {"Rules": [{
            "Id": "SecureBucketDefaults",
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
            "ExpiredObjectDeleteMarker": True,
        }]}

    def test_sends_events_to_eventbridge_through_the_bucket_property_without_a_custom_resource(self, default):
        assert default.properties["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
        default.template.resource_count_is("Custom::S3BucketNotifications", 0)
        default.template.resource_count_is("AWS::Lambda::Function", 0)

    def test_retains_the_bucket(self, default):
        bucket = find_resource(default.template, "AWS::S3::Bucket", default.bucket)
        assert bucket["DeletionPolicy"] == "Retain"
        assert bucket["UpdateReplacePolicy"] == "Retain"

    def test_uses_stable_child_ids(self, default):
        bucket = default.bucket
        assert isinstance(bucket.node.find_child("Resource"), s3.CfnBucket)
        assert isinstance(bucket.node.find_child("Key"), kms.Key)
        assert isinstance(bucket.node.find_child("Policy"), s3.BucketPolicy)
        # An object created in JavaScript comes back as a new Python proxy on every access: compare paths, not `is`.
        assert bucket.node.find_child("Key").node.path == bucket.key.node.path == "Stack/Data/Key"
        assert bucket.server_access_logs_bucket.node.path == "Stack/SecureBucketAccessLogs"

    def test_is_an_s3_bucket_and_exposes_its_key_and_minimum_tls_version(self, default):
        assert isinstance(default.bucket, s3.Bucket)
        assert SecureBucket.is_secure_bucket(default.bucket)
        assert not SecureBucket.is_secure_bucket(default.bucket.server_access_logs_bucket)
        assert default.bucket.key.node.path == default.bucket.encryption_key.node.path
        assert default.bucket.minimum_tls_version == 1.2

    def test_raises_no_warning_and_no_error(self, default):
        annotations = Annotations.from_stack(default.stack)
        annotations.has_no_warning("*", Match.any_value())
        annotations.has_no_error("*", Match.any_value())


def builtin_validation_violations(weaken=None) -> list:
    """Synthesizes a default SecureBucket with the built-in CloudFormation validation on (the default)."""
    app = cdk.App()
    bucket = SecureBucket(new_stack(app), "Data")
    if weaken:
        weaken(bucket)
    assembly = app.synth()
    report = json.loads(open(os.path.join(assembly.directory, "validation-report.json")).read())
    return [v for r in report["pluginReports"] for v in r["violations"]]


@pytest.mark.skipif(not BUILTIN_VALIDATION, reason="this aws-cdk-lib has no built-in CloudFormation validation")
class TestBuiltinCloudFormationValidation:
    def test_finds_no_issue_in_a_default_secure_bucket(self):
        assert builtin_validation_violations() == []

    def test_does_report_an_invalid_bucket(self):
        # A control for the test above: the report is not empty by construction.
        violations = builtin_validation_violations(
            lambda bucket: bucket.node.default_child.add_property_override("VersioningConfiguration.Status", "Sometimes"))
        assert len(violations) == 1
        assert "VersioningConfiguration.Status" in json.dumps(violations)


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

class TestOptions:
    def test_minimum_tls_version_1_3_denies_tls_versions_below_1_3_and_no_longer_mentions_1_2(self):
        f = Fixture(minimum_tls_version=1.3)
        assert {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [bucket_arn(f.bucket), objects_arn(f.bucket)],
            "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.3}},
        } in f.statements
        assert '"s3:TlsVersion": 1.2' not in json.dumps(f.statements)
        assert f.bucket.minimum_tls_version == 1.3

    def test_two_secure_buckets_of_a_stack_share_one_log_bucket(self):
        stack = new_stack()
        a = SecureBucket(stack, "A")
        b = SecureBucket(stack, "B")
        template = Template.from_stack(stack)

        template.resource_count_is("AWS::S3::Bucket", 3)
        assert a.server_access_logs_bucket.node.path == b.server_access_logs_bucket.node.path == "Stack/SecureBucketAccessLogs"
        logs_ref = {"Ref": logical_id(a.server_access_logs_bucket)}
        for bucket in (a, b):
            assert bucket_properties(template, bucket)["LoggingConfiguration"]["DestinationBucketName"] == logs_ref

    def test_takes_python_values_for_its_options(self):
        # GIVEN a key, a log bucket, Durations and a lifecycle rule struct made in Python
        stack = new_stack()
        key = kms.Key(stack, "SharedKey", enable_key_rotation=True)
        logs = AccessLogsBucket(stack, "CentralLogs", log_retention=cdk.Duration.days(730))

        # WHEN
        bucket = SecureBucket(
            stack, "Reports",
            encryption_key=key,
            server_access_logs_bucket=logs,
            server_access_logs_prefix="reports/",
            noncurrent_version_expiration=cdk.Duration.days(30),
            noncurrent_versions_to_retain=3,
            lifecycle_rules=[s3.LifecycleRule(
                id="Archive",
                transitions=[s3.Transition(storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transition_after=cdk.Duration.days(90))],
            )],
        )

        # THEN
        template = Template.from_stack(stack)
        template.resource_count_is("AWS::KMS::Key", 1)
        # An object created in Python comes back as the same Python object.
        assert bucket.key is key
        assert bucket.server_access_logs_bucket is logs
        properties = bucket_properties(template, bucket)
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key_arn(key)
        assert properties["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logical_id(logs)}
        assert properties["LoggingConfiguration"]["LogFilePrefix"] == "reports/"
        assert [r["Id"] for r in properties["LifecycleConfiguration"]["Rules"]] == ["SecureBucketDefaults", "Archive"]
        assert properties["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30, "NewerNoncurrentVersions": 3}
        assert properties["LifecycleConfiguration"]["Rules"][1]["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}]
        # The stack's shared log bucket is not created when another target is given.
        assert stack.node.try_find_child("SecureBucketAccessLogs") is None


# ---------------------------------------------------------------------------
# Errors: JavaScript errors reach Python as RuntimeError, with the TypeScript prop name
# ---------------------------------------------------------------------------

class TestErrors:
    def test_fails_with_versioned_false_naming_the_prop_the_value_and_the_fix(self):
        stack = new_stack()
        with pytest.raises(RuntimeError) as raised:
            SecureBucket(stack, "Data", versioned=False)
        assert str(raised.value) == (
            "[Stack/Data] 'versioned' cannot be false: SecureBucket always versions objects (got false). Remove the prop."
        )

    @pytest.mark.parametrize("version", [1.1, 1.0, 1.4])
    def test_fails_with_a_minimum_tls_version_other_than_1_2_or_1_3(self, version):
        stack = new_stack()
        with pytest.raises(RuntimeError, match=re.escape(
                f"[Stack/Data] 'minimumTLSVersion' must be 1.2 or 1.3: AWS endpoints require TLS 1.2 or later (got {version:g}). "
                "Use 1.2 (the default) or 1.3.")):
            SecureBucket(stack, "Data", minimum_tls_version=version)

    @pytest.mark.parametrize("props, prop", [
        ({"enforce_ssl": False}, "enforceSSL"),
        ({"bucket_key_enabled": False}, "bucketKeyEnabled"),
        ({"public_read_access": True}, "publicReadAccess"),
        ({"event_bridge_enabled": False}, "eventBridgeEnabled"),
        ({"encryption": s3.BucketEncryption.S3_MANAGED}, "encryption"),
        ({"object_ownership": s3.ObjectOwnership.OBJECT_WRITER}, "objectOwnership"),
        ({"block_public_access": s3.BlockPublicAccess.BLOCK_ACLS_ONLY}, "blockPublicAccess"),
        ({"access_control": s3.BucketAccessControl.PRIVATE}, "accessControl"),
        ({"auto_delete_objects": True}, "autoDeleteObjects"),
        ({"noncurrent_versions_to_retain": 0}, "noncurrentVersionsToRetain"),
        ({"noncurrent_version_expiration": cdk.Duration.hours(12)}, "noncurrentVersionExpiration"),
        ({"bucket_name": "Not_A_Bucket"}, "bucketName"),
    ])
    def test_fails_on_every_prop_that_would_weaken_a_guarantee(self, props, prop):
        stack = new_stack()
        with pytest.raises(RuntimeError, match=rf"^\[Stack/Data\] '{prop}' .* \(got .+\)\. \S"):
            SecureBucket(stack, "Data", **props)
        # Nothing was added to the stack.
        assert stack.node.try_find_child("Data") is None

    def test_fails_to_synthesize_when_a_mixin_weakens_a_guarantee_after_construction(self):
        # GIVEN a SecureBucket
        stack = new_stack()
        bucket = SecureBucket(stack, "Data")

        # WHEN a core mixin suspends versioning
        bucket.with_(s3.mixins.BucketVersioning(False))

        # THEN synthesis fails, naming the guarantee and the fix
        with pytest.raises(RuntimeError, match=r"SecureBucket Stack/Data: versioning is not Enabled\..*remove that change"):
            Template.from_stack(stack)

    def test_a_mixin_that_keeps_the_guarantees_synthesizes(self):
        stack = new_stack()
        bucket = SecureBucket(stack, "Data")

        bucket.with_(s3.mixins.BucketVersioning(True))

        assert bucket_properties(Template.from_stack(stack), bucket)["VersioningConfiguration"] == {"Status": "Enabled"}

    def test_a_wrong_python_type_is_a_type_error_before_reaching_javascript(self):
        stack = new_stack()
        with pytest.raises(TypeError, match="versioned"):
            SecureBucket(stack, "Data", versioned="no")
