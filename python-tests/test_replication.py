"""Replication to a SecureBucket of the same stack, and Object Lock, from Python.

The same properties as test/replication/replication.test.ts, test/replication/replication.checkers.test.ts
and test/object-lock.test.ts, asserted on the template synthesized from Python; plus the acknowledgements
that SecureBucket writes into the cloud assembly for scripts/check-assembly.ts.
"""
import json
import re

import aws_cdk as cdk
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Match, Template

from cdk_secure_bucket import ObjectLockOptions, ReplicationDestinationOptions, SecureBucket
from helpers import bucket_arn, bucket_properties, key_arn, logical_id, new_app, new_stack, objects_arn

REPLICATION_RULES = [
    "HIPAA.Security-S3BucketReplicationEnabled",
    "NIST.800.53.R5-S3BucketReplicationEnabled",
    "PCI.DSS.321-S3BucketReplicationEnabled",
]


def role_statements(template: Template) -> list:
    """The statements of the one replication role policy."""
    policies = list(template.find_resources("AWS::IAM::ManagedPolicy").values())
    assert len(policies) == 1
    return policies[0]["Properties"]["PolicyDocument"]["Statement"]


def acknowledged_ids(construct) -> list[str]:
    """The rule ids acknowledged on a construct's L1 resource (without CDK's 'Annotation::' prefix)."""
    cfn = construct.node.default_child
    return sorted(re.sub(r"^annotation::", "", rule_id, flags=re.I)
                  for entry in cfn.node.metadata if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
                  for rule_id in entry.data)


class Replicated:
    """A SecureBucket replicating to another SecureBucket of the same stack."""

    def __init__(self, **options):
        self.stack = new_stack()
        self.replica = SecureBucket(self.stack, "Replica")
        self.data = SecureBucket(self.stack, "Data", replication=ReplicationDestinationOptions(destination=self.replica, **options))
        self.template = Template.from_stack(self.stack)


@pytest.fixture(scope="module")
def replicated() -> Replicated:
    return Replicated()


class TestReplication:
    def test_replicates_sse_kms_objects_re_encrypted_with_the_destination_key_delete_markers_not_replicated(self, replicated):
        config = bucket_properties(replicated.template, replicated.data)["ReplicationConfiguration"]
        role_id = logical_id(replicated.data.replication_role)
        assert config["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
        assert config["Rules"] == [{
            "Id": "ReplicateTo1",
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
            "Destination": {
                "Bucket": bucket_arn(replicated.replica),
                "EncryptionConfiguration": {"ReplicaKmsKeyID": key_arn(replicated.replica.key)},
            },
        }]
        replicated.template.has_resource_properties("AWS::IAM::Role", {
            "AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}}]},
        })

    def test_the_role_has_exactly_the_documented_least_privilege_statements(self, replicated):
        statements = role_statements(replicated.template)
        assert [(s["Sid"], s["Effect"], s["Action"]) for s in statements] == [
            ("SourceBucket", "Allow", ["s3:GetReplicationConfiguration", "s3:ListBucket"]),
            ("SourceObjects", "Allow", ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]),
            ("DecryptSource", "Allow", "kms:Decrypt"),
            ("ReplicateTo1", "Allow", ["s3:ReplicateObject", "s3:ReplicateTags"]),
            ("EncryptReplicas1", "Allow", ["kms:Encrypt", "kms:Decrypt"]),
        ]
        by_sid = {s["Sid"]: s for s in statements}
        assert by_sid["SourceBucket"]["Resource"] == bucket_arn(replicated.data)
        assert by_sid["SourceObjects"]["Resource"] == objects_arn(replicated.data)
        assert by_sid["DecryptSource"]["Resource"] == key_arn(replicated.data.key)
        assert by_sid["ReplicateTo1"]["Resource"] == objects_arn(replicated.replica)
        assert by_sid["EncryptReplicas1"]["Resource"] == key_arn(replicated.replica.key)
        for sid in ("DecryptSource", "EncryptReplicas1"):
            assert by_sid[sid]["Condition"]["StringLike"]["kms:ViaService"] == {"Fn::Join": ["", ["s3.us-east-1.", {"Ref": "AWS::URLSuffix"}]]}

    def test_the_destination_allows_the_role_denies_other_replicators_and_its_key_lets_the_role_encrypt(self, replicated):
        role = {"Fn::GetAtt": [logical_id(replicated.data.replication_role), "Arn"]}
        replicated.template.has_resource_properties("AWS::S3::BucketPolicy", {
            "Bucket": {"Ref": logical_id(replicated.replica)},
            "PolicyDocument": {"Statement": Match.array_with([
                Match.object_like({"Sid": "DenyReplicationExceptReplicationRoles", "Effect": "Deny", "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [role]}}}),
                Match.object_like({"Sid": "AllowReplicationFromSource1", "Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateTags"]}),
            ])},
        })
        replicated.template.has_resource_properties("AWS::KMS::Key", {
            "KeyPolicy": {"Statement": Match.array_with([Match.object_like({
                "Sid": "AllowReplicaEncryption1",
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Condition": {"StringLike": {"kms:ViaService": Match.any_value()}, "ArnEquals": {"aws:PrincipalArn": role}},
            })])},
        })

    def test_delete_marker_replication_adds_s3_replicate_delete_and_nothing_else(self):
        fixture = Replicated(delete_marker_replication=True)
        statement = next(s for s in role_statements(fixture.template) if s["Sid"] == "ReplicateTo1")
        assert statement["Action"] == ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
        rule = bucket_properties(fixture.template, fixture.data)["ReplicationConfiguration"]["Rules"][0]
        assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}

    def test_replication_time_comes_with_metrics_storage_class_and_prefix_are_rendered(self):
        fixture = Replicated(replication_time=True, storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, prefix="reports/")
        rule = bucket_properties(fixture.template, fixture.data)["ReplicationConfiguration"]["Rules"][0]
        assert rule["Filter"] == {"Prefix": "reports/"}
        assert rule["Destination"]["StorageClass"] == "GLACIER_IR"
        assert rule["Destination"]["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
        assert rule["Destination"]["Metrics"] == {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}

    def test_several_destinations_get_their_own_rules_and_statements(self):
        stack = new_stack()
        a = SecureBucket(stack, "ReplicaA")
        b = SecureBucket(stack, "ReplicaB")
        source = SecureBucket(stack, "Data", replication=ReplicationDestinationOptions(destination=a))
        source.add_replication_destination(destination=b, prefix="critical/", rule_id="Critical")
        template = Template.from_stack(stack)
        rules = bucket_properties(template, source)["ReplicationConfiguration"]["Rules"]
        assert [(r["Id"], r["Priority"], r["Filter"]["Prefix"]) for r in rules] == [("ReplicateTo1", 1, ""), ("Critical", 2, "critical/")]
        assert [s["Sid"] for s in role_statements(template)] == [
            "SourceBucket", "SourceObjects", "DecryptSource", "ReplicateTo1", "EncryptReplicas1", "ReplicateTo2", "EncryptReplicas2",
        ]

    def test_the_source_no_longer_acknowledges_the_replication_rules_the_replica_still_does(self, replicated):
        assert [i for i in acknowledged_ids(replicated.data) if i.endswith("S3BucketReplicationEnabled")] == []
        assert [i for i in acknowledged_ids(replicated.replica) if i.endswith("S3BucketReplicationEnabled")] == REPLICATION_RULES

    def test_fails_to_replicate_to_itself(self):
        stack = new_stack()
        data = SecureBucket(stack, "Data")
        with pytest.raises(RuntimeError, match=r"'replication\.destination' is the bucket itself"):
            data.add_replication_destination(destination=data)

    def test_fails_when_the_destination_is_not_versioned(self):
        stack = new_stack()
        unversioned = s3.Bucket(stack, "Plain", encryption=s3.BucketEncryption.KMS)
        with pytest.raises(RuntimeError, match=r"'replication\.destination' is not versioned: S3 replicates only into a bucket with versioning Enabled"):
            SecureBucket(stack, "Data", replication=ReplicationDestinationOptions(destination=unversioned))


# ---------------------------------------------------------------------------
# Object Lock
# ---------------------------------------------------------------------------

class TestObjectLock:
    def test_governance_mode_with_a_retention_in_days(self):
        stack = new_stack()
        bucket = SecureBucket(stack, "Data", object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=30))
        properties = bucket_properties(Template.from_stack(stack), bucket)
        assert properties["ObjectLockEnabled"] is True
        assert properties["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}}
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert bucket.object_lock_enabled is True

    def test_compliance_mode_with_a_retention_in_years_when_confirmed(self):
        stack = new_stack()
        bucket = SecureBucket(stack, "Data", object_lock=ObjectLockOptions(
            mode=s3.ObjectLockMode.COMPLIANCE, default_retention_years=7, confirm_compliance_mode=True))
        assert bucket_properties(Template.from_stack(stack), bucket)["ObjectLockConfiguration"]["Rule"] == {
            "DefaultRetention": {"Mode": "COMPLIANCE", "Years": 7},
        }

    def test_no_object_lock_by_default(self):
        stack = new_stack()
        bucket = SecureBucket(stack, "Data")
        properties = bucket_properties(Template.from_stack(stack), bucket)
        assert "ObjectLockEnabled" not in properties and "ObjectLockConfiguration" not in properties
        assert bucket.object_lock_enabled is False

    def test_fails_in_compliance_mode_without_confirmation(self):
        with pytest.raises(RuntimeError, match=r"'objectLock\.confirmComplianceMode' must be true with COMPLIANCE mode"):
            SecureBucket(new_stack(), "Data", object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.COMPLIANCE, default_retention_days=1))

    @pytest.mark.parametrize("retention, message", [
        ({"default_retention_days": 0}, r"'objectLock\.defaultRetentionDays' must be a whole number from 1 to 36500 \(got 0\)"),
        ({"default_retention_years": 101}, r"'objectLock\.defaultRetentionYears' must be a whole number from 1 to 100"),
        ({}, r"needs exactly one of defaultRetentionDays and defaultRetentionYears"),
        ({"default_retention_days": 1, "default_retention_years": 1}, r"needs exactly one of"),
    ])
    def test_fails_with_an_invalid_retention(self, retention, message):
        with pytest.raises(RuntimeError, match=message):
            SecureBucket(new_stack(), "Data", object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, **retention))

    def test_fails_with_removal_policy_destroy(self):
        with pytest.raises(RuntimeError, match=r"'objectLock' cannot be combined with removalPolicy DESTROY"):
            SecureBucket(new_stack(), "Data", removal_policy=cdk.RemovalPolicy.DESTROY,
                         object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=1))

    def test_replication_from_a_locked_bucket_needs_a_locked_destination_and_reads_retention_and_legal_holds(self):
        lock = ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=30)
        other = new_stack()
        unlocked = SecureBucket(other, "Unlocked")
        with pytest.raises(RuntimeError, match=r"has no Object Lock, but the source has"):
            SecureBucket(other, "Bad", object_lock=lock, replication=ReplicationDestinationOptions(destination=unlocked))
        stack = new_stack()
        replica = SecureBucket(stack, "Replica", object_lock=lock)
        SecureBucket(stack, "Data", object_lock=lock, replication=ReplicationDestinationOptions(destination=replica))
        source_objects = next(s for s in role_statements(Template.from_stack(stack)) if s["Sid"] == "SourceObjects")
        assert source_objects["Action"] == [
            "s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging",
            "s3:GetObjectRetention", "s3:GetObjectLegalHold",
        ]


# ---------------------------------------------------------------------------
# What the independent checkers read: acknowledgements in the cloud assembly, never in the template
# ---------------------------------------------------------------------------

class TestCheckerAcknowledgements:
    def test_a_bucket_without_object_lock_acknowledges_control_tower_ct_s3_pr_9_in_the_cloud_assembly_only(self, tmp_path):
        # GIVEN a SecureBucket without Object Lock and one with it
        app = new_app(outdir=str(tmp_path))
        stack = new_stack(app)
        SecureBucket(stack, "Data")
        SecureBucket(stack, "Locked", object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=1))

        # WHEN the app is synthesized
        app.synth()

        # THEN the stack's metadata in the cloud assembly (what scripts/check-assembly.ts reads) records
        # CT.S3.PR.9 with the reason on the unlocked bucket only, and on the log target
        artifact = json.loads((tmp_path / "manifest.json").read_text())["artifacts"][stack.artifact_id]
        metadata = dict(artifact.get("metadata", {}))
        if "additionalMetadataFile" in artifact:
            metadata.update(json.loads((tmp_path / artifact["additionalMetadataFile"]).read_text()))
        acks = {}
        for path, entries in metadata.items():
            for entry in entries:
                if entry["type"] == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    for rule_id, reason in entry["data"].items():
                        acks.setdefault(rule_id.replace("Annotation::", ""), {})[path] = reason
        assert sorted(acks["CT.S3.PR.9"]) == ["/Stack/Data/Resource", "/Stack/SecureBucketAccessLogs/Resource"]
        assert "Object Lock cannot be turned off once enabled" in acks["CT.S3.PR.9"]["/Stack/Data/Resource"]
        assert sorted(acks["CT.S3.PR.10"]) == ["/Stack/SecureBucketAccessLogs/Resource"]
        # and the template holds no suppression that Control Tower's hooks would obey
        template = (tmp_path / artifact["properties"]["templateFile"]).read_text()
        assert "SuppressedRules" not in template and "CT.S3.PR" not in template
