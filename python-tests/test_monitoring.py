"""BucketSecurityMonitor from Python: trail, alerts, detective controls, remediation and their errors.

The same properties as test/monitoring/bucket-security-monitor.test.ts and
test/monitoring/detective-controls.test.ts, asserted on the template synthesized from Python.
"""
import json

import aws_cdk as cdk
import aws_cdk.aws_cloudtrail as cloudtrail
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from cdk_secure_bucket import (
    BucketSecurityMonitor, FindingLevel, MacieJobFrequency, MacieOptions, PolicyGranteeCheckOptions, RemediationMode,
    SecureBucket, SecureBucketAspect, VpcEndpointOnly,
)
from helpers import ACCOUNT, REGION, logical_id, logical_id_of, new_app, new_stack, only

BUCKET_EVENTS = [
    "CreateBucket", "DeleteBucket", "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl",
    "PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock", "PutBucketEncryption", "DeleteBucketEncryption",
    "PutBucketVersioning", "PutBucketLifecycle", "DeleteBucketLifecycle", "PutBucketLogging",
    "PutBucketOwnershipControls", "DeleteBucketOwnershipControls", "PutBucketReplication", "DeleteBucketReplication",
    "PutObjectAcl",
]

CONFIG_RULES = sorted([
    "S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "S3_BUCKET_SSL_REQUESTS_ONLY",
    "S3_DEFAULT_ENCRYPTION_KMS", "S3_BUCKET_VERSIONING_ENABLED", "S3_BUCKET_LOGGING_ENABLED",
    "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "S3_BUCKET_ACL_PROHIBITED", "S3_BUCKET_POLICY_GRANTEE_CHECK",
])

PARTITION = {"Ref": "AWS::Partition"}


class DefaultMonitor:
    """A SecureBucket monitored with one alert email: the monitor's defaults."""

    def __init__(self):
        self.app = new_app()
        self.stack = new_stack(self.app)
        self.data = SecureBucket(self.stack, "Data")
        self.monitor = BucketSecurityMonitor(self.stack, "Monitor", buckets=[self.data], alert_emails=["security@example.com"])
        self.template = Template.from_stack(self.stack)


@pytest.fixture(scope="module")
def default() -> DefaultMonitor:
    return DefaultMonitor()


# ---------------------------------------------------------------------------
# The trail
# ---------------------------------------------------------------------------

class TestTrail:
    def test_creates_a_multi_region_validated_kms_encrypted_trail_logging_to_a_secure_bucket_and_cloudwatch_logs(self, default):
        template = default.template
        key_id = logical_id_of(template, "AWS::KMS::Key", "MonitorTrailKey")
        bucket_id = logical_id_of(template, "AWS::S3::Bucket", "MonitorTrailBucket")
        template.resource_count_is("AWS::CloudTrail::Trail", 1)
        template.has_resource_properties("AWS::CloudTrail::Trail", {
            "IsLogging": True,
            "IsMultiRegionTrail": True,
            "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True,
            "KMSKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            "S3BucketName": {"Ref": bucket_id},
            "CloudWatchLogsLogGroupArn": Match.any_value(),
            "CloudWatchLogsRoleArn": Match.any_value(),
            "EventSelectors": Match.absent(),
        })
        # The trail bucket is a SecureBucket, encrypted with the trail key.
        assert isinstance(default.monitor.trail_bucket, SecureBucket)
        encryption = template.find_resources("AWS::S3::Bucket")[bucket_id]["Properties"]["BucketEncryption"]
        assert encryption["ServerSideEncryptionConfiguration"][0]["BucketKeyEnabled"] is True
        assert encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
        }
        template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}, "RetentionInDays": 365})

    def test_logs_management_events_and_write_data_events_of_the_monitored_buckets_only(self, default):
        selectors = only(default.template, "AWS::CloudTrail::Trail")["Properties"]["AdvancedEventSelectors"]
        assert selectors == [
            {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            {
                "Name": "S3 data events of the monitored buckets",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "resources.ARN", "StartsWith": [{"Fn::Join": ["", [{"Fn::GetAtt": [logical_id(default.data), "Arn"]}, "/"]]}]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            },
        ]

    @pytest.mark.parametrize("data_events, read_only", [
        (cloudtrail.ReadWriteType.READ_ONLY, [{"Field": "readOnly", "Equals": ["true"]}]),
        (cloudtrail.ReadWriteType.ALL, []),
    ])
    def test_data_events_select_the_matching_data_events(self, data_events, read_only):
        stack = new_stack()
        BucketSecurityMonitor(stack, "Monitor", buckets=[SecureBucket(stack, "Data")], data_events=data_events)
        selectors = only(Template.from_stack(stack), "AWS::CloudTrail::Trail")["Properties"]["AdvancedEventSelectors"]
        assert selectors[1]["FieldSelectors"][3:] == read_only

    def test_all_buckets_without_buckets_logs_management_events_only(self):
        stack = new_stack()
        monitor = BucketSecurityMonitor(stack, "Monitor", all_buckets=True)
        assert monitor.all_buckets is True
        assert only(Template.from_stack(stack), "AWS::CloudTrail::Trail")["Properties"]["AdvancedEventSelectors"] == [
            {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        ]

    def test_uses_an_existing_trail_of_the_stack_and_creates_no_trail_bucket(self):
        stack = new_stack()
        trail = cloudtrail.Trail(stack, "OrgTrail")
        monitor = BucketSecurityMonitor(stack, "Monitor", trail=trail, buckets=[SecureBucket(stack, "Data")])
        template = Template.from_stack(stack)
        template.resource_count_is("AWS::CloudTrail::Trail", 1)
        assert monitor.trail_bucket is None
        selectors = only(template, "AWS::CloudTrail::Trail")["Properties"]["AdvancedEventSelectors"]
        assert "S3 data events of the monitored buckets" in [s["Name"] for s in selectors]

    def test_the_trail_bucket_is_never_a_data_event_source(self):
        stack = new_stack()
        monitor = BucketSecurityMonitor(stack, "Monitor", all_buckets=True, data_events=cloudtrail.ReadWriteType.ALL)
        with pytest.raises(RuntimeError, match=r"'buckets' holds the trail's own bucket"):
            monitor.add_bucket(monitor.trail_bucket)


# ---------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------

def bucket_rule_pattern(template: Template) -> dict:
    patterns = [r["Properties"]["EventPattern"] for r in template.find_resources("AWS::Events::Rule").values()]
    return next(p for p in patterns if p["detail"]["eventName"] == BUCKET_EVENTS)


class TestAlerts:
    def test_one_rule_on_the_s3_calls_that_change_exposure_or_protection_scoped_to_the_monitored_buckets(self, default):
        assert bucket_rule_pattern(default.template) == {
            "source": ["aws.s3"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["s3.amazonaws.com"],
                "eventName": BUCKET_EVENTS,
                "requestParameters": {"bucketName": [{"Ref": logical_id(default.data)}]},
            },
        }
        default.template.has_resource_properties("AWS::Events::Rule", {
            "EventPattern": {
                "source": ["aws.s3"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": ["PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"]},
            },
            "State": "ENABLED",
        })

    def test_all_buckets_drops_the_bucket_filter(self):
        stack = new_stack()
        BucketSecurityMonitor(stack, "Monitor", all_buckets=True, buckets=[SecureBucket(stack, "Data")])
        assert "requestParameters" not in bucket_rule_pattern(Template.from_stack(stack))["detail"]

    def test_targets_the_topic_without_a_role_with_a_message_saying_who_what_and_which_bucket(self, default):
        topic_id = logical_id_of(default.template, "AWS::SNS::Topic", "MonitorAlerts")
        rules = default.template.find_resources("AWS::Events::Rule")
        assert len(rules) == 2
        for rule in rules.values():
            [target] = rule["Properties"]["Targets"]
            assert target["Arn"] == {"Ref": topic_id}
            assert "RoleArn" not in target
            paths = target["InputTransformer"]["InputPathsMap"]
            assert paths["detail-userIdentity-arn"] == "$.detail.userIdentity.arn"
            assert paths["detail-requestParameters-bucketName"] == "$.detail.requestParameters.bucketName"
            assert "who: <detail-userIdentity-arn>" in target["InputTransformer"]["InputTemplate"]

    def test_the_topic_is_kms_encrypted_with_its_own_rotating_key_and_has_one_email_subscription_per_address(self):
        stack = new_stack()
        BucketSecurityMonitor(stack, "Monitor", all_buckets=True, alert_emails=["a@example.com", "b@example.org"])
        template = Template.from_stack(stack)
        key_id = logical_id_of(template, "AWS::KMS::Key", "MonitorAlertKey")
        template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}})
        assert template.find_resources("AWS::KMS::Key")[key_id]["Properties"]["EnableKeyRotation"] is True
        subscriptions = sorted(s["Properties"]["Endpoint"] for s in template.find_resources("AWS::SNS::Subscription").values())
        assert subscriptions == ["a@example.com", "b@example.org"]
        template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "b@example.org"})

    def test_the_alert_key_lets_eventbridge_use_it_for_the_alert_topic_only(self, default):
        template = default.template
        key_id = logical_id_of(template, "AWS::KMS::Key", "MonitorAlertKey")
        topic_name = only(template, "AWS::SNS::Topic")["Properties"]["TopicName"]
        statements = template.find_resources("AWS::KMS::Key")[key_id]["Properties"]["KeyPolicy"]["Statement"]
        by_sid = {s.get("Sid"): s for s in statements if s.get("Principal", {}).get("Service") == "events.amazonaws.com"}
        # Two grants to EventBridge: the topic's, and the alert dead-letter queue's (as in the TypeScript tests).
        assert sorted(by_sid) == ["AllowEventBridgeToPublishToTheAlertTopic", "AllowEventBridgeToUseTheAlertDeadLetterQueue"]
        assert by_sid["AllowEventBridgeToUseTheAlertDeadLetterQueue"]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
        assert list(by_sid["AllowEventBridgeToUseTheAlertDeadLetterQueue"]["Condition"]["StringEquals"]) == ["kms:EncryptionContext:aws:sqs:arn"]
        events = by_sid["AllowEventBridgeToPublishToTheAlertTopic"]
        # The undelivered-alerts alarm's grant, for the topic only.
        [cloudwatch] = [s for s in statements if s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"]
        assert list(cloudwatch["Condition"]["StringEquals"]) == ["kms:EncryptionContext:aws:sns:topicArn"]
        assert events["Effect"] == "Allow"
        assert events["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
        assert events["Condition"] == {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": {
            "Fn::Join": ["", ["arn:", PARTITION, f":sns:{REGION}:{ACCOUNT}:{topic_name}"]],
        }}}


# ---------------------------------------------------------------------------
# SecureBucket.monitor_with and add_bucket
# ---------------------------------------------------------------------------

class TestAddingBuckets:
    def test_secure_bucket_monitor_with_adds_the_bucket_in_one_line_and_returns_it(self):
        stack = new_stack()
        monitor = BucketSecurityMonitor(stack, "Monitor")
        data = SecureBucket(stack, "Data", bucket_name="data-bucket-one").monitor_with(monitor)
        assert isinstance(data, SecureBucket)
        assert [b.node.path for b in monitor.buckets] == ["Stack/Data"]
        assert bucket_rule_pattern(Template.from_stack(stack))["detail"]["requestParameters"] == {"bucketName": [{"Ref": logical_id(data)}]}

    def test_add_bucket_is_idempotent(self):
        stack = new_stack()
        monitor = BucketSecurityMonitor(stack, "Monitor")
        data = SecureBucket(stack, "Data")
        monitor.add_bucket(data)
        monitor.add_bucket(data)
        assert len(monitor.buckets) == 1
        assert len(bucket_rule_pattern(Template.from_stack(stack))["detail"]["requestParameters"]["bucketName"]) == 1


# ---------------------------------------------------------------------------
# Detective controls: AWS Config rules and remediation
# ---------------------------------------------------------------------------

def with_config(**props):
    stack = new_stack()
    data = SecureBucket(stack, "Data")
    monitor = BucketSecurityMonitor(stack, "Monitor", buckets=[data], config_rules=True, **props)
    return stack, data, monitor, Template.from_stack(stack)


class TestConfigRules:
    def test_one_managed_rule_per_check_scoped_to_the_monitored_bucket(self):
        _, data, monitor, template = with_config()
        rules = list(template.find_resources("AWS::Config::ConfigRule").values())
        assert sorted(r["Properties"]["Source"]["SourceIdentifier"] for r in rules) == CONFIG_RULES
        assert len(monitor.config_rules) == len(CONFIG_RULES)
        for rule in rules:
            assert rule["Properties"]["Source"]["Owner"] == "AWS"
            assert rule["Properties"]["Scope"] == {"ComplianceResourceId": {"Ref": logical_id(data)}, "ComplianceResourceTypes": ["AWS::S3::Bucket"]}

    def test_kms_encryption_is_checked_against_the_buckets_key_and_grantees_of_a_plain_secure_bucket_are_its_account_only(self):
        _, data, _, template = with_config()
        template.has_resource_properties("AWS::Config::ConfigRule", {
            "Source": {"SourceIdentifier": "S3_DEFAULT_ENCRYPTION_KMS"},
            "InputParameters": {"kmsKeyArns": {"Fn::GetAtt": [logical_id(data.key), "Arn"]}},
        })
        [grantees] = [r for r in template.find_resources("AWS::Config::ConfigRule").values()
                      if r["Properties"]["Source"]["SourceIdentifier"] == "S3_BUCKET_POLICY_GRANTEE_CHECK"]
        assert grantees["Properties"]["InputParameters"] == {"awsPrincipals": ACCOUNT}

    def test_all_buckets_grantees_are_the_account_and_the_log_services(self):
        stack = new_stack()
        BucketSecurityMonitor(stack, "Monitor", all_buckets=True, config_rules=True)
        Template.from_stack(stack).has_resource_properties("AWS::Config::ConfigRule", {
            "Source": {"SourceIdentifier": "S3_BUCKET_POLICY_GRANTEE_CHECK"},
            "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
            "InputParameters": {"awsPrincipals": ACCOUNT, "servicePrincipals": "cloudtrail.amazonaws.com,logging.s3.amazonaws.com,config.amazonaws.com"},
        })

    def test_the_grantee_check_takes_principals_ip_ranges_and_vpcs_given_as_a_python_struct(self):
        _, _, _, template = with_config(policy_grantees=PolicyGranteeCheckOptions(
            aws_principals=[f"arn:aws:iam::{ACCOUNT}:role/App"], ip_addresses=["192.0.2.0/24", "2001:db8::/32"], vpc_ids=["vpc-1234abcd"],
        ))
        template.has_resource_properties("AWS::Config::ConfigRule", {
            "Source": {"SourceIdentifier": "S3_BUCKET_POLICY_GRANTEE_CHECK"},
            "InputParameters": {"awsPrincipals": f"arn:aws:iam::{ACCOUNT}:role/App", "ipAddresses": "192.0.2.0/24,2001:db8::/32", "vpcIds": "vpc-1234abcd"},
        })

    def test_all_buckets_scopes_each_rule_to_every_bucket(self):
        stack = new_stack()
        monitor = BucketSecurityMonitor(stack, "Monitor", all_buckets=True, config_rules=True)
        monitor.add_bucket(SecureBucket(stack, "Data"))
        rules = list(Template.from_stack(stack).find_resources("AWS::Config::ConfigRule").values())
        assert len(rules) == len(CONFIG_RULES)
        for rule in rules:
            assert rule["Properties"]["Scope"] == {"ComplianceResourceTypes": ["AWS::S3::Bucket"]}

    def test_buckets_scope_gives_each_bucket_rules_of_its_own(self):
        stack = new_stack()
        monitor = BucketSecurityMonitor(stack, "Monitor", config_rules=True, buckets=[SecureBucket(stack, "A")])
        monitor.add_bucket(SecureBucket(stack, "B"))
        Template.from_stack(stack).resource_count_is("AWS::Config::ConfigRule", 2 * len(CONFIG_RULES))

    def test_no_recorder_unless_asked_and_the_recorder_records_buckets_and_keys(self):
        with_config()[3].resource_count_is("AWS::Config::ConfigurationRecorder", 0)
        template = with_config(config_recorder=True)[3]
        template.has_resource_properties("AWS::Config::ConfigurationRecorder", {
            "RoleARN": {"Fn::Join": ["", ["arn:", PARTITION, f":iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"]]},
            "RecordingGroup": {"AllSupported": False, "IncludeGlobalResourceTypes": False, "ResourceTypes": ["AWS::S3::Bucket", "AWS::KMS::Key"]},
        })
        template.resource_count_is("AWS::Config::DeliveryChannel", 1)


class TestRemediation:
    @pytest.mark.parametrize("mode", [RemediationMode.AUTOMATIC, RemediationMode.MANUAL])
    def test_runs_aws_disable_s3_bucket_public_read_write_on_the_public_access_rules(self, mode):
        _, _, _, template = with_config(remediation=mode)
        remediations = list(template.find_resources("AWS::Config::RemediationConfiguration").values())
        assert len(remediations) == 3
        role_id = logical_id_of(template, "AWS::IAM::Role", "MonitorConfigRemediationRole")
        for r in remediations:
            p = r["Properties"]
            assert (p["TargetType"], p["TargetId"], p["ResourceType"]) == ("SSM_DOCUMENT", "AWS-DisableS3BucketPublicReadWrite", "AWS::S3::Bucket")
            assert p["Automatic"] is (mode == RemediationMode.AUTOMATIC)
            assert p["Parameters"] == {
                "AutomationAssumeRole": {"StaticValue": {"Values": [{"Fn::GetAtt": [role_id, "Arn"]}]}},
                "S3BucketName": {"ResourceValue": {"Value": "RESOURCE_ID"}},
            }

    def test_the_role_may_only_put_and_read_the_public_access_block_of_the_monitored_buckets(self):
        _, data, _, template = with_config(remediation=RemediationMode.AUTOMATIC)
        template.has_resource_properties("AWS::IAM::ManagedPolicy", {
            "PolicyDocument": {"Statement": [{
                "Effect": "Allow",
                "Action": ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
                "Resource": [{"Fn::GetAtt": [logical_id(data), "Arn"]}],
            }]},
        })
        template.has_resource_properties("AWS::IAM::Role", {
            "AssumeRolePolicyDocument": {"Statement": [{
                "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }]},
        })

    def test_every_option_on_zero_secure_bucket_aspect_findings(self):
        app = new_app()
        stack = new_stack(app)
        BucketSecurityMonitor(stack, "Monitor", buckets=[SecureBucket(stack, "Data")], config_rules=True, config_recorder=True,
                              remediation=RemediationMode.AUTOMATIC, alert_emails=["security@example.com"])
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)
        app.synth()
        assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(r"\[SB-(S3|KMS|IAM)-\d+\]")) == []


# ---------------------------------------------------------------------------
# Alerts that could not be delivered (test/monitoring/alert-dlq.test.ts)
# ---------------------------------------------------------------------------

def test_an_alarm_goes_off_when_an_alert_lands_in_the_dead_letter_queue(default):
    template = default.template
    queue_id = logical_id_of(template, "AWS::SQS::Queue", "MonitorAlertsDeadLetterQueue")
    topic_id = logical_id_of(template, "AWS::SNS::Topic", "MonitorAlerts")
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}],
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "AlarmActions": [{"Ref": topic_id}],
    })
    assert logical_id(default.monitor.undelivered_alerts_alarm) == logical_id_of(template, "AWS::CloudWatch::Alarm", "MonitorAlertsNotDelivered")


# ---------------------------------------------------------------------------
# Macie (test/monitoring/macie.test.ts)

MACIE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"


def sdk_call(value) -> dict:
    """A custom resource's SDK call (a JSON string, or a Fn::Join around bucket references kept as <Ref>)."""
    if isinstance(value, str):
        return json.loads(value)
    parts = [p if isinstance(p, str) else f"<{p.get('Ref', json.dumps(p))}>" for p in value["Fn::Join"][1]]
    return json.loads("".join(parts))


class TestMacie:
    def test_enables_macie_and_creates_a_weekly_sampled_job_over_the_monitored_buckets(self):
        stack = new_stack()
        data = SecureBucket(stack, "Data")
        BucketSecurityMonitor(stack, "Monitor", buckets=[data],
                              macie=MacieOptions(frequency=MacieJobFrequency.WEEKLY, sampling_percentage=10))
        template = Template.from_stack(stack)
        template.has_resource_properties("AWS::Macie::Session", {"Status": "ENABLED", "FindingPublishingFrequency": "FIFTEEN_MINUTES"})
        job = only(template, "Custom::MacieClassificationJob")
        create = sdk_call(job["Properties"]["Create"])
        assert (create["service"], create["action"]) == ("Macie2", "createClassificationJob")
        parameters = create["parameters"]
        assert parameters["jobType"] == "SCHEDULED"
        assert parameters["scheduleFrequency"] == {"weeklySchedule": {"dayOfWeek": "MONDAY"}}
        assert parameters["samplingPercentage"] == 10
        data_id = logical_id_of(template, "AWS::S3::Bucket", "Data")
        assert parameters["s3JobDefinition"] == {"bucketDefinitions": [{"accountId": ACCOUNT, "buckets": [f"<{data_id}>"]}]}
        assert sdk_call(job["Properties"]["Delete"])["parameters"]["jobStatus"] == "CANCELLED"
        assert logical_id_of(template, "AWS::Macie::Session", "MonitorMacieSession") in job["DependsOn"]

    def test_the_secure_bucket_key_lets_macie_decrypt_and_waits_for_the_session(self):
        stack = new_stack()
        data = SecureBucket(stack, "Data")
        BucketSecurityMonitor(stack, "Monitor", buckets=[data], macie=MacieOptions())
        template = Template.from_stack(stack)
        key_id = logical_id_of(template, "AWS::KMS::Key", "DataKey")
        key = template.find_resources("AWS::KMS::Key")[key_id]
        [statement] = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowTheMacieServiceLinkedRoleToUseTheKey"]
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "kms:Decrypt"
        assert json.dumps(statement["Principal"]).count("AWSServiceRoleForAmazonMacie") == 1
        assert logical_id_of(template, "AWS::Macie::Session", "MonitorMacieSession") in key["DependsOn"]

    def test_a_restricted_bucket_exempts_macies_role(self):
        stack = new_stack()
        data = SecureBucket(stack, "Data", access_restrictions=[VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"])])
        BucketSecurityMonitor(stack, "Monitor", buckets=[data], macie=MacieOptions())
        template = Template.from_stack(stack)
        data_id = logical_id_of(template, "AWS::S3::Bucket", "Data")
        [policy] = [p for p in template.find_resources("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": data_id}]
        [restriction] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid", "").startswith("RestrictVpcEndpointOnly")]
        # Macie's role is among the principals the restriction lets through.
        assert "aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie" in json.dumps(restriction["Condition"])

    @pytest.mark.parametrize("sampling", [0, 101, 12.5])
    def test_fails_on_a_sampling_percentage_that_is_not_a_whole_number_from_1_to_100(self, sampling):
        stack = new_stack()
        with pytest.raises(RuntimeError, match=r"'macie.samplingPercentage' must be a whole number from 1 to 100"):
            BucketSecurityMonitor(stack, "Monitor", buckets=[SecureBucket(stack, "Data")], macie=MacieOptions(sampling_percentage=sampling))

    def test_fails_at_synth_with_all_buckets_and_no_bucket_to_classify(self):
        app = new_app()
        BucketSecurityMonitor(new_stack(app), "Monitor", all_buckets=True, macie=MacieOptions())
        with pytest.raises(RuntimeError, match=r"'macie' has no bucket to classify"):
            app.synth()


# ---------------------------------------------------------------------------
# Errors: raised in Python with the TypeScript prop name
# ---------------------------------------------------------------------------

class TestErrors:
    def test_fails_on_an_email_that_is_not_an_address_naming_the_prop_and_the_value(self):
        stack = new_stack()
        with pytest.raises(RuntimeError, match=r"\[Stack/Monitor\] 'alertEmails\[0\]' is not an email address \(got \"security\.example\.com\"\)"):
            BucketSecurityMonitor(stack, "Monitor", all_buckets=True, alert_emails=["security.example.com"])

    def test_fails_on_a_duplicate_email(self):
        with pytest.raises(RuntimeError, match=r"'alertEmails\[1\]' is a duplicate"):
            BucketSecurityMonitor(new_stack(), "Monitor", all_buckets=True, alert_emails=["a@example.com", "a@example.com"])

    def test_a_token_email_passes(self):
        stack = new_stack()
        email = cdk.CfnParameter(stack, "Email").value_as_string
        BucketSecurityMonitor(stack, "Monitor", all_buckets=True, alert_emails=[email])
        Template.from_stack(stack).has_resource_properties("AWS::SNS::Subscription", {"Endpoint": {"Ref": "Email"}})

    def test_fails_at_synth_with_no_bucket_and_no_all_buckets(self):
        app = new_app()
        BucketSecurityMonitor(new_stack(app), "Monitor")
        with pytest.raises(RuntimeError, match=r"'buckets' is empty and 'allBuckets' is not true"):
            app.synth()

    @pytest.mark.parametrize("props, message", [
        ({"remediation": RemediationMode.AUTOMATIC}, r"'remediation' needs configRules: true"),
        ({"config_recorder": True}, r"'configRecorder' needs configRules: true"),
        ({"policy_grantees": PolicyGranteeCheckOptions()}, r"'policyGrantees' needs configRules: true"),
    ])
    def test_fails_on_a_detective_control_option_without_config_rules(self, props, message):
        with pytest.raises(RuntimeError, match=message):
            BucketSecurityMonitor(new_stack(), "Monitor", all_buckets=True, **props)

    @pytest.mark.parametrize("attributes, warning, message", [
        ({"bucket_name": "eu-bucket", "region": "eu-west-1"}, "bucketInAnotherRegion", "is in region eu-west-1, but the monitor is in us-east-1"),
        ({"bucket_name": "their-bucket", "account": "222222222222"}, "bucketInAnotherAccount", "is in account 222222222222"),
    ])
    def test_warns_on_a_bucket_of_another_region_or_account(self, attributes, warning, message):
        stack = new_stack()
        elsewhere = s3.Bucket.from_bucket_attributes(stack, "Elsewhere", **attributes)
        BucketSecurityMonitor(stack, "Monitor", buckets=[elsewhere])
        found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(f"BucketSecurityMonitor\\.{warning}"))
        assert [w.id for w in found] == ["/Stack/Monitor"]
        assert message in str(found[0].entry.data)

    def test_a_wrong_python_type_is_a_type_error_before_reaching_javascript(self):
        with pytest.raises(TypeError, match="all_buckets"):
            BucketSecurityMonitor(new_stack(), "Monitor", all_buckets="yes")

    def test_many_buckets_get_more_bucket_rules_each_pattern_within_2048_characters(self):
        stack = new_stack()
        buckets = [SecureBucket(stack, f"Data{i}") for i in range(40)]
        monitor = BucketSecurityMonitor(stack, "Monitor", buckets=buckets)
        rules = [r for r in Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
                 if "requestParameters" in r["Properties"]["EventPattern"]["detail"]]
        assert len(rules) > 1 and len(monitor.rules) == len(rules) + 1
        names = [n["Ref"] for r in rules for n in r["Properties"]["EventPattern"]["detail"]["requestParameters"]["bucketName"]]
        assert sorted(names) == sorted(logical_id(b) for b in buckets)
        def deployed(value):
            # A reference deploys as a bucket name of at most 63 characters.
            if isinstance(value, dict):
                return "x" * 63 if "Ref" in value else {k: deployed(v) for k, v in value.items()}
            return [deployed(v) for v in value] if isinstance(value, list) else value
        for rule in rules:
            assert len(json.dumps(deployed(rule["Properties"]["EventPattern"]), separators=(",", ":"))) <= 2048

    def test_an_s3_bucket_that_is_not_a_secure_bucket_is_monitored_too(self):
        stack = new_stack()
        plain = s3.Bucket(stack, "Plain")
        BucketSecurityMonitor(stack, "Monitor", buckets=[plain])
        assert bucket_rule_pattern(Template.from_stack(stack))["detail"]["requestParameters"] == {"bucketName": [{"Ref": logical_id(plain)}]}
