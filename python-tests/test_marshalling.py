"""Values cross the jsii boundary both ways.

Enums (every member of this package's, and aws-cdk-lib's passed in and read back), structs given as
classes or as dicts, lists of structs, maps, numbers, Durations, variadic arguments, objects made in
Python and returned by JavaScript, and Python code that JavaScript calls back.
"""
import json

import aws_cdk as cdk
import aws_cdk.aws_cloudtrail as cloudtrail
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_s3_notifications as s3n
import aws_cdk.aws_sns as sns
import jsii
import pytest
from aws_cdk.assertions import Template

from cdk_secure_bucket import (
    AccessLogsBucket, AccessRestriction, BucketSecurityMonitor, FindingLevel, IBucketMonitor, MacieJobFrequency,
    MacieOptions, ObjectLockOptions, PolicyGranteeCheckOptions, RemediationMode, ReplicationDestinationOptions, RoleMatch,
    RoleOnly, SecureBucket, SecureBucketAspect, SourceIpOnly, VpcEndpointOnly,
)
from helpers import ACCOUNT, bucket_policy_statements, logical_id, new_stack


def bucket_properties(stack: cdk.Stack, bucket) -> dict:
    return Template.from_stack(stack).find_resources("AWS::S3::Bucket")[logical_id(bucket)]["Properties"]


# ---------------------------------------------------------------------------
# Enums: every member of this package's enums goes in and changes what it should
# ---------------------------------------------------------------------------

MACIE_SCHEDULES = {"ONE_TIME": None, "DAILY": "dailySchedule", "WEEKLY": "weeklySchedule", "MONTHLY": "monthlySchedule"}
REMEDIATION_AUTOMATIC = {"NONE": None, "MANUAL": False, "AUTOMATIC": True}
LEVEL_FAILS_SYNTH = {"WARNING": False, "ERROR": True}


@pytest.mark.parametrize("enum, table", [
    (MacieJobFrequency, MACIE_SCHEDULES), (RemediationMode, REMEDIATION_AUTOMATIC), (FindingLevel, LEVEL_FAILS_SYNTH),
], ids=lambda x: getattr(x, "__name__", ""))
def test_the_tables_below_cover_every_member(enum, table):
    assert list(table) == [m.name for m in enum]


@pytest.mark.parametrize("frequency", list(MacieJobFrequency), ids=lambda m: m.name)
def test_every_macie_job_frequency(stack, frequency):
    BucketSecurityMonitor(stack, "Monitor", buckets=[SecureBucket(stack, "Data")], macie=MacieOptions(frequency=frequency))

    [job] = Template.from_stack(stack).find_resources("Custom::MacieClassificationJob").values()
    create = json.dumps(job["Properties"]["Create"])
    schedule = MACIE_SCHEDULES[frequency.name]
    assert ('\\"jobType\\":\\"SCHEDULED\\"' if schedule else '\\"jobType\\":\\"ONE_TIME\\"') in create
    assert [s for s in MACIE_SCHEDULES.values() if s and s in create] == ([schedule] if schedule else [])


@pytest.mark.parametrize("mode", list(RemediationMode), ids=lambda m: m.name)
def test_every_remediation_mode(stack, mode):
    BucketSecurityMonitor(stack, "Monitor", buckets=[SecureBucket(stack, "Data")], config_rules=True, remediation=mode)

    remediations = Template.from_stack(stack).find_resources("AWS::Config::RemediationConfiguration").values()
    automatic = REMEDIATION_AUTOMATIC[mode.name]
    assert {r["Properties"]["Automatic"] for r in remediations} == (set() if automatic is None else {automatic})


@pytest.mark.parametrize("level", list(FindingLevel), ids=lambda m: m.name)
def test_every_finding_level(app, stack, level):
    s3.Bucket(stack, "Plain")
    SecureBucketAspect.apply_to(app, level=level, report=False)

    if LEVEL_FAILS_SYNTH[level.name]:
        with pytest.raises(RuntimeError, match=r"\[SB-S3-3\] Stack/Plain/Resource"):
            app.synth()
    else:
        app.synth()


def test_aws_cdk_lib_enums_go_in_and_come_back_as_the_same_members(stack):
    replica = SecureBucket(stack, "Replica", object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=1))
    data = SecureBucket(stack, "Data", object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=1),
                        replication=ReplicationDestinationOptions(destination=replica, storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL))
    monitor = BucketSecurityMonitor(stack, "Monitor", buckets=[data], data_events=cloudtrail.ReadWriteType.ALL)

    assert monitor.data_events is cloudtrail.ReadWriteType.ALL
    assert BucketSecurityMonitor(stack, "Default", all_buckets=True).data_events is cloudtrail.ReadWriteType.WRITE_ONLY
    properties = bucket_properties(stack, data)
    assert properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"
    assert properties["ReplicationConfiguration"]["Rules"][0]["Destination"]["StorageClass"] == "GLACIER_IR"


def test_role_match_constants_and_factory(stack):
    imported_arn = f"arn:aws:iam::{ACCOUNT}:role/Partner"
    match = RoleMatch.user_id(imported_role_ids={imported_arn: "AROAABCDEFGHIJKLMNOP"})

    bucket = SecureBucket(stack, "Data", access_restrictions=[RoleOnly(
        roles=[iam.Role.from_role_arn(stack, "Partner", imported_arn)], match_by=match)])

    assert (RoleMatch.PRINCIPAL_ARN.kind, match.kind) == ("PrincipalArn", "UserId")
    assert match.imported_role_ids == {imported_arn: "AROAABCDEFGHIJKLMNOP"}
    [statement] = [s for s in bucket_policy_statements(Template.from_stack(stack), bucket) if s.get("Sid") == "RestrictRoleOnly1"]
    assert statement["Condition"]["StringNotLike"] == {"aws:userId": ["AROAABCDEFGHIJKLMNOP:*"]}


# ---------------------------------------------------------------------------
# Structs: as classes or dicts; lists of structs; numbers and Durations inside them
# ---------------------------------------------------------------------------

def test_a_struct_is_a_python_value_and_a_dict_with_snake_case_keys_is_the_same_struct():
    lock = ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=30)
    assert lock == ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=30)
    assert (lock.mode, lock.default_retention_days, lock.default_retention_years) == (s3.ObjectLockMode.GOVERNANCE, 30, None)
    assert "default_retention_days=30" in repr(lock)

    as_class, as_dict = new_stack(), new_stack()
    a = SecureBucket(as_class, "Data", object_lock=lock)
    b = SecureBucket(as_dict, "Data", object_lock={"mode": s3.ObjectLockMode.GOVERNANCE, "default_retention_days": 30})
    assert bucket_properties(as_class, a) == bucket_properties(as_dict, b)


def test_a_struct_without_a_required_field_is_a_type_error():
    with pytest.raises(TypeError, match="mode"):
        ObjectLockOptions(default_retention_days=30)


def test_lists_of_structs_with_nested_lists_enums_and_durations(stack):
    bucket = SecureBucket(
        stack, "Data",
        noncurrent_version_expiration=cdk.Duration.days(30),
        noncurrent_versions_to_retain=3,
        lifecycle_rules=[
            s3.LifecycleRule(id="Archive", transitions=[
                s3.Transition(storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transition_after=cdk.Duration.days(90)),
                s3.Transition(storage_class=s3.StorageClass.DEEP_ARCHIVE, transition_after=cdk.Duration.days(365)),
            ]),
            {"id": "Tmp", "prefix": "tmp/", "expiration": cdk.Duration.days(7)},
        ],
        cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.HEAD], allowed_origins=["https://example.com"])],
    )

    properties = bucket_properties(stack, bucket)
    rules = properties["LifecycleConfiguration"]["Rules"]
    assert [r["Id"] for r in rules] == ["SecureBucketDefaults", "Archive", "Tmp"]
    assert rules[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30, "NewerNoncurrentVersions": 3}
    assert rules[1]["Transitions"] == [
        {"StorageClass": "GLACIER_IR", "TransitionInDays": 90}, {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 365}]
    assert (rules[2]["Prefix"], rules[2]["ExpirationInDays"]) == ("tmp/", 7)
    assert properties["CorsConfiguration"]["CorsRules"] == [{"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["https://example.com"]}]


def test_replication_destinations_given_as_a_struct_and_as_keyword_arguments(stack):
    a, b = SecureBucket(stack, "ReplicaA"), SecureBucket(stack, "ReplicaB")

    data = SecureBucket(stack, "Data", replication=ReplicationDestinationOptions(destination=a, prefix="reports/", replication_time=True))
    data.add_replication_destination(destination=b, rule_id="Critical", prefix="critical/", delete_marker_replication=True)

    rules = bucket_properties(stack, data)["ReplicationConfiguration"]["Rules"]
    assert [(r["Id"], r["Priority"], r["Filter"]["Prefix"], r["DeleteMarkerReplication"]["Status"]) for r in rules] == [
        ("ReplicateTo1", 1, "reports/", "Disabled"), ("Critical", 2, "critical/", "Enabled")]
    assert rules[0]["Destination"]["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
    assert type(data.replication_role) is iam.Role


def test_lists_of_strings_in_exemptions_and_grantee_options(stack):
    bucket = s3.Bucket(stack, "Data")
    bucket.with_(VpcEndpointOnly(vpc_ids=["vpc-0a1b2c3d"], exempt_principal_arns=["BreakGlass", f"arn:aws:iam::{ACCOUNT}:role/ops/*"],
                                 exempt_deployment_role=False))
    BucketSecurityMonitor(stack, "Monitor", buckets=[bucket], config_rules=True, policy_grantees=PolicyGranteeCheckOptions(
        aws_principals=[f"arn:aws:iam::{ACCOUNT}:role/App"], ip_addresses=["192.0.2.0/24", "2001:db8::/32"]))

    template = Template.from_stack(stack)
    [statement] = [s for s in bucket_policy_statements(template, bucket) if s.get("Sid", "").startswith("Restrict")]
    exempt = json.dumps(statement["Condition"]["ArnNotLike"])
    assert f":iam::{ACCOUNT}:role/BreakGlass" in exempt and f"arn:aws:iam::{ACCOUNT}:role/ops/*" in exempt
    assert "cfn-exec-role" not in exempt
    [grantees] = [r for r in template.find_resources("AWS::Config::ConfigRule").values()
                  if r["Properties"]["Source"]["SourceIdentifier"] == "S3_BUCKET_POLICY_GRANTEE_CHECK"]
    assert grantees["Properties"]["InputParameters"] == {
        "awsPrincipals": f"arn:aws:iam::{ACCOUNT}:role/App", "ipAddresses": "192.0.2.0/24,2001:db8::/32", "vpcIds": "vpc-0a1b2c3d"}


def test_numbers_keep_their_python_type(stack):
    bucket = SecureBucket(stack, "Data", minimum_tls_version=1.3,
                          object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.GOVERNANCE, default_retention_years=7))

    assert bucket.minimum_tls_version == 1.3
    properties = bucket_properties(stack, bucket)
    years = properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Years"]
    assert years == 7 and type(years) is int
    assert '"s3:TlsVersion": 1.3' in json.dumps(bucket_policy_statements(Template.from_stack(stack), bucket))


# ---------------------------------------------------------------------------
# Variadic arguments
# ---------------------------------------------------------------------------

def test_any_of_takes_any_number_of_restrictions(stack):
    role = iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())
    restrictions = [VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"]), SourceIpOnly(cidrs=["203.0.113.0/24"]), RoleOnly(roles=[role])]

    bucket = SecureBucket(stack, "Data", access_restrictions=[AccessRestriction.any_of(*restrictions)])

    sids = [s.get("Sid") for s in bucket_policy_statements(Template.from_stack(stack), bucket)]
    assert "RestrictAnyOfVpcEndpointOnlyOrSourceIpOnlyOrRoleOnly1" in sids


def test_add_event_notification_takes_any_number_of_key_filters(stack):
    bucket = SecureBucket(stack, "Data")

    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SnsDestination(sns.Topic(stack, "Topic")),
                                  s3.NotificationKeyFilter(prefix="in/"), s3.NotificationKeyFilter(suffix=".csv"))

    [notifications] = Template.from_stack(stack).find_resources("Custom::S3BucketNotifications").values()
    [topic] = notifications["Properties"]["NotificationConfiguration"]["TopicConfigurations"]
    assert topic["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".csv"}]


# ---------------------------------------------------------------------------
# Objects: made in Python and returned, made in JavaScript and proxied, Python called back
# ---------------------------------------------------------------------------

def test_an_object_made_in_python_comes_back_as_the_same_object(stack):
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    logs = AccessLogsBucket(stack, "Logs")

    bucket = SecureBucket(stack, "Data", encryption_key=key, server_access_logs_bucket=logs)

    assert bucket.key is key and bucket.encryption_key is key
    assert bucket.server_access_logs_bucket is logs


def test_an_object_made_in_javascript_comes_back_as_its_python_class(stack):
    bucket = SecureBucket(stack, "Data")
    monitor = BucketSecurityMonitor(stack, "Monitor", buckets=[bucket])

    assert type(bucket.key) is kms.Key and bucket.key.node.path == "Stack/Data/Key"
    assert type(bucket.server_access_logs_bucket) is AccessLogsBucket
    assert type(monitor.trail_bucket) is SecureBucket
    assert type(stack.node.find_child("Data")) is SecureBucket


def test_static_methods_return_policy_statements_python_can_use(stack):
    replica = SecureBucket(stack, "Replica")
    role_arn = "arn:aws:iam::222222222222:role/replication"

    statements = SecureBucket.replication_destination_statements(
        destination_bucket_arn=replica.bucket_arn, replication_role_arn=role_arn, source_account="222222222222")
    key_statement = SecureBucket.replication_destination_key_statement(
        destination_bucket_arn=replica.bucket_arn, destination_region="us-east-1", replication_role_arn=role_arn, source_account="222222222222")
    macie_statement = BucketSecurityMonitor.macie_key_policy_statement(stack)

    assert len(statements) >= 2 and all(isinstance(s, iam.PolicyStatement) for s in statements)
    for statement in statements:
        replica.add_to_resource_policy(statement)
    assert "kms:Encrypt" in key_statement.actions and "kms:Decrypt" in macie_statement.actions
    assert role_arn in json.dumps(bucket_policy_statements(Template.from_stack(stack), replica))


def test_a_python_class_implementing_ibucket_monitor_is_called_back(stack):
    @jsii.implements(IBucketMonitor)
    class Inventory:
        def __init__(self):
            self.buckets = []

        def add_bucket(self, bucket):
            self.buckets.append(bucket)

    inventory = Inventory()
    bucket = SecureBucket(stack, "Data")

    assert bucket.monitor_with(inventory) is bucket
    assert inventory.buckets == [bucket]


def test_a_python_subclass_of_secure_bucket_is_a_secure_bucket(stack):
    class StrictBucket(SecureBucket):
        """A team's own bucket: TLS 1.3 and a VPC endpoint, always."""

        def __init__(self, scope, construct_id, **kwargs):
            super().__init__(scope, construct_id, minimum_tls_version=1.3,
                             access_restrictions=[VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"])], **kwargs)

    bucket = StrictBucket(stack, "Data", bucket_name="strict-bucket-0123")

    assert SecureBucket.is_secure_bucket(bucket) and stack.node.find_child("Data") is bucket
    properties = bucket_properties(stack, bucket)
    assert properties["BucketName"] == "strict-bucket-0123"
    assert "RestrictVpcEndpointOnly1" in [s.get("Sid") for s in bucket_policy_statements(Template.from_stack(stack), bucket)]
