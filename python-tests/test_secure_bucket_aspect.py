"""SecureBucketAspect, SecureBucketDefaults and the cdk-nag pack from Python (issue 7).

The behaviour of test/compliance/aspect.test.ts, test/compliance/report.test.ts,
test/compliance/defaults.test.ts and test/nag/secure-bucket-checks.test.ts, asserted from a Python
CDK app: enforce mode (a finding fails synthesis with a RuntimeError naming the rule id and the
construct path), report mode (warnings), acknowledgements (`cdk.Validations.of(x).acknowledge(
cdk.Acknowledgment(id=..., reason=...))`, variadic), the report files of the cloud assembly, a
stack of SecureBuckets without findings, SecureBucketDefaults as a core Mixin, and
`nag.SecureBucketChecks`.
"""
import json
import os
import re
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_s3_notifications as s3n
import aws_cdk.aws_sns as sns
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from cdk_secure_bucket import (
    AccessLogsBucket, AccessRestriction, AdminOnlyChanges, FindingLevel, RoleMatch, RoleOnly, SecureBucket,
    SecureBucketAspect, SecureBucketDefaults, SourceIpOnly, VpcEndpointOnly, nag,
)
from helpers import ACCOUNT, REGION, bucket_properties, logical_id, new_app, new_stack, policy_statements, warnings

REPORT_JSON = "secure-bucket-report.json"
REPORT_MD = "secure-bucket-report.md"

# What a plain `s3.Bucket` (retained by default) fails, and a raw `s3.CfnBucket` (deleted with its stack) on top.
PLAIN_BUCKET_RULES = ["SB-S3-1", "SB-S3-3", "SB-S3-4", "SB-S3-5", "SB-S3-6", "SB-S3-7", "SB-S3-8", "SB-S3-9"]
RAW_BUCKET_RULES = PLAIN_BUCKET_RULES + ["SB-S3-11"]
# SecureBucketDefaults: what it fixes, and what it leaves to a decision (key, access logs, TLS minimum,
# noncurrent expiry, retention).
FIXABLE = ["SB-S3-3", "SB-S3-5", "SB-S3-6", "SB-S3-7", "SB-S3-9"]
DECISIONS = ["SB-S3-1", "SB-S3-4"]
NOT_FIXED = ["SB-S3-1", "SB-S3-4", "SB-S3-8", "SB-S3-10", "SB-S3-11"]

# "[SB-S3-3] Stack/Plain/Resource: Versioning is not enabled ..." in an error or warning message.
FINDING = re.compile(r"\[(SB-(?:S3|KMS|IAM)-\d+)\] ([^\s:]+): ")


def rule_order(rule_id: str) -> tuple:
    kind, number = rule_id.rsplit("-", 1)
    return kind, int(number)


def findings_in(message: str) -> list[str]:
    """`rule id  construct path` of every finding named in a synthesis error, sorted."""
    return sorted({f"{rule}  {path}" for rule, path in FINDING.findall(message)})


def aspect_findings(stack: cdk.Stack) -> list[str]:
    """`rule id  construct path` of every finding the Aspect reported as a warning on the stack, sorted."""
    found = []
    for path, _, message in warnings(stack):
        match = FINDING.match(message)
        if match:
            assert path == "/" + match.group(2), f"warning on {path} names {match.group(2)}"
            found.append(f"{match.group(1)}  {match.group(2)}")
    return sorted(found)


def pack_findings(report) -> list[str]:
    """`rule id  construct path` of every violating resource of a SecureBucketChecks report, sorted."""
    return sorted(f"{v.rule_name}  {r.construct_path}" for v in report.violations for r in v.violating_resources)


def expected(rules: list[str], path: str) -> list[str]:
    return sorted(f"{rule}  {path}" for rule in rules)


def read_report(app: cdk.App) -> dict:
    return json.loads(Path(app.outdir, REPORT_JSON).read_text())


def report_bucket(report: dict, path: str) -> dict:
    [bucket] = [b for b in report["buckets"] if b["path"] == path]
    return bucket


def synth_error(app: cdk.App) -> str:
    """The message of the RuntimeError that synthesis raises (fails the test if it does not)."""
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    return str(raised.value)


def ack(rule_id: str, reason: str) -> cdk.Acknowledgment:
    return cdk.Acknowledgment(id=rule_id, reason=reason)


def scratch_bucket(stack: cdk.Stack) -> SecureBucket:
    """A SecureBucket whose only finding is SB-S3-11 (it is deleted with its stack)."""
    return SecureBucket(stack, "Scratch", removal_policy=cdk.RemovalPolicy.DESTROY)


# ---------------------------------------------------------------------------
# Enforce mode: a finding fails synthesis
# ---------------------------------------------------------------------------

class TestEnforceMode:
    def test_a_plain_s3_bucket_fails_synth_with_each_rule_id_and_the_construct_path(self, app, stack):
        # GIVEN a plain s3.Bucket next to a compliant SecureBucket
        s3.Bucket(stack, "Plain")
        SecureBucket(stack, "Secure")

        # WHEN
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)

        # THEN synthesis fails naming every rule the plain bucket breaks, and nothing else
        message = synth_error(app)
        assert findings_in(message) == expected(PLAIN_BUCKET_RULES, "Stack/Plain/Resource")
        assert "[SB-S3-3] Stack/Plain/Resource: Versioning is not enabled (versioning is not configured)." in message
        assert "[SB-S3-5] Stack/Plain/Resource: Not all four public access block settings are on" in message
        assert "Acknowledge with Validations.of(construct).acknowledge({ id: 'SB-S3-3', reason })" in message
        assert "Stack/Secure" not in message

    def test_a_raw_cfn_bucket_fails_template_from_stack(self, app, stack):
        s3.CfnBucket(stack, "Raw")
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)

        with pytest.raises(RuntimeError) as raised:
            Template.from_stack(stack)

        assert findings_in(str(raised.value)) == expected(RAW_BUCKET_RULES, "Stack/Raw")
        assert "[SB-S3-11] Stack/Raw: The bucket is deleted with its stack" in str(raised.value)

    def test_error_is_the_default_level(self, app, stack):
        s3.Bucket(stack, "Plain", versioned=False)
        SecureBucketAspect.apply_to(app)
        assert "[SB-S3-3] Stack/Plain/Resource: Versioning is not enabled" in synth_error(app)

    def test_judges_a_bucket_changed_by_an_escape_hatch_as_it_will_be_deployed(self, app, stack):
        bucket = s3.Bucket(stack, "Plain", versioned=True)
        bucket.node.default_child.add_property_override("VersioningConfiguration.Status", "Suspended")
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        assert "[SB-S3-3] Stack/Plain/Resource: Versioning is not enabled (versioning is Suspended)" in synth_error(app)

    def test_apply_to_reaches_the_stacks_inside_a_stage(self, app):
        stack = cdk.Stack(cdk.Stage(app, "Prod"), "Stack", env=cdk.Environment(account=ACCOUNT, region=REGION))
        s3.Bucket(stack, "Plain")
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        assert findings_in(synth_error(app)) == expected(PLAIN_BUCKET_RULES, "Prod/Stack/Plain/Resource")

    def test_is_read_only_the_template_is_the_same_with_and_without_it(self):
        def build(app: cdk.App) -> cdk.Stack:
            stack = new_stack(app)
            SecureBucket(stack, "Secure", access_restrictions=[VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"])])
            s3.Bucket(stack, "Plain")
            s3.CfnBucket(stack, "Raw")
            return stack

        without = build(new_app())
        with_aspect_app = new_app()
        with_aspect = build(with_aspect_app)
        SecureBucketAspect.apply_to(with_aspect_app, level=FindingLevel.WARNING)

        assert Template.from_stack(with_aspect).to_json() == Template.from_stack(without).to_json()
        assert aspect_findings(with_aspect) != []

    def test_fails_on_invalid_options_before_synth(self):
        with pytest.raises(RuntimeError, match=r"'excludedRules' names no rule \(got \"SB-S3-99\"\)"):
            SecureBucketAspect(excluded_rules={"SB-S3-99": "no such rule"})
        with pytest.raises(RuntimeError, match=r"'trustedAccounts\[0\]' is not a 12-digit AWS account id \(got \"1234\"\)"):
            SecureBucketAspect(trusted_accounts=["1234"])


# ---------------------------------------------------------------------------
# Report mode: findings are warnings, synthesis succeeds
# ---------------------------------------------------------------------------

class TestReportMode:
    def test_synth_succeeds_and_each_finding_is_a_warning_on_the_bucket(self, app, stack):
        # GIVEN
        s3.Bucket(stack, "Plain")
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)

        # WHEN
        assembly = app.synth()

        # THEN
        assert "Resources" in assembly.get_stack_artifact(stack.artifact_id).template
        annotations = Annotations.from_stack(stack)
        annotations.has_warning("/Stack/Plain/Resource", Match.string_like_regexp(r"\[SB-S3-3\]"))
        annotations.has_warning("/Stack/Plain/Resource", Match.string_like_regexp(r"\[SB-S3-5\]"))
        annotations.has_no_error("*", Match.any_value())
        assert aspect_findings(stack) == expected(PLAIN_BUCKET_RULES, "Stack/Plain/Resource")

    def test_the_warning_id_is_the_rule_id_to_acknowledge(self, app, stack):
        s3.Bucket(stack, "Plain")
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)
        app.synth()
        ids = [ack_id for path, ack_id, _ in warnings(stack) if path == "/Stack/Plain/Resource"]
        assert sorted(ids, key=rule_order) == PLAIN_BUCKET_RULES

    def test_a_raw_cfn_bucket_is_judged_too(self, app, stack):
        s3.CfnBucket(stack, "Raw")
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)
        Annotations.from_stack(stack).has_warning("/Stack/Raw", Match.string_like_regexp(r"\[SB-S3-11\]"))
        assert aspect_findings(stack) == expected(RAW_BUCKET_RULES, "Stack/Raw")


# ---------------------------------------------------------------------------
# Acknowledgements
# ---------------------------------------------------------------------------

class TestAcknowledgements:
    @pytest.mark.parametrize("rule_id", ["SB-S3-11", "annotation::SB-S3-11"])
    def test_an_acknowledged_finding_does_not_fail_synth_and_is_reported_with_its_reason(self, app, stack, rule_id):
        # GIVEN a bucket deleted with its stack, acknowledged (plain id, or the id CDK qualifies)
        scratch = scratch_bucket(stack)
        cdk.Validations.of(scratch).acknowledge(ack(rule_id, "Scratch data, rebuilt every night."))

        # WHEN
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        app.synth()

        # THEN
        Annotations.from_stack(stack).has_no_warning("*", Match.any_value())
        report = read_report(app)
        assert report_bucket(report, "Stack/Scratch/Resource")["findings"] == [{
            "ruleId": "SB-S3-11",
            "status": "fail",
            "resource": "Stack/Scratch/Resource",
            "logicalId": logical_id(scratch),
            "detail": "DeletionPolicy is Delete; UpdateReplacePolicy is Delete",
            "acknowledged": {"reason": "Scratch data, rebuilt every night.", "on": "Stack/Scratch"},
        }]
        assert report["summary"]["openFindings"] == 0
        assert report["summary"]["acknowledged"] == 1

    def test_without_the_acknowledgement_the_same_bucket_fails(self, app, stack):
        # The control for the test above.
        scratch_bucket(stack)
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        assert findings_in(synth_error(app)) == ["SB-S3-11  Stack/Scratch/Resource"]

    def test_silences_the_one_rule_on_the_one_bucket_only(self, app, stack):
        # GIVEN two plain buckets, one acknowledged for versioning on its L2 (an ancestor of the CfnBucket)
        scratch = s3.Bucket(stack, "Scratch")
        s3.Bucket(stack, "Other")
        cdk.Validations.of(scratch).acknowledge(ack("SB-S3-3", "Rewritten every night."))

        # WHEN
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)
        app.synth()

        # THEN
        annotations = Annotations.from_stack(stack)
        annotations.has_no_warning("/Stack/Scratch/Resource", Match.string_like_regexp(r"\[SB-S3-3\]"))
        annotations.has_warning("/Stack/Scratch/Resource", Match.string_like_regexp(r"\[SB-S3-5\]"))
        annotations.has_warning("/Stack/Other/Resource", Match.string_like_regexp(r"\[SB-S3-3\]"))
        findings = report_bucket(read_report(app), "Stack/Scratch/Resource")["findings"]
        assert [f["ruleId"] for f in findings if "acknowledged" in f] == ["SB-S3-3"]
        [versioning] = [f for f in findings if f["ruleId"] == "SB-S3-3"]
        assert versioning["acknowledged"] == {"reason": "Rewritten every night.", "on": "Stack/Scratch"}

    def test_several_acknowledgements_in_one_call_on_the_stack(self, app, stack):
        # GIVEN every finding of a plain bucket acknowledged on the stack, in one variadic call
        s3.Bucket(stack, "Legacy")
        reason = "Legacy stack, migrated in ticket SEC-42."
        cdk.Validations.of(stack).acknowledge(*[ack(rule, reason) for rule in PLAIN_BUCKET_RULES])

        # WHEN
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        app.synth()

        # THEN
        report = read_report(app)
        findings = report_bucket(report, "Stack/Legacy/Resource")["findings"]
        assert [f["ruleId"] for f in findings] == PLAIN_BUCKET_RULES
        assert {json.dumps(f["acknowledged"]) for f in findings} == {json.dumps({"reason": reason, "on": "Stack"})}
        assert report["summary"]["openFindings"] == 0
        assert report["summary"]["acknowledged"] == len(PLAIN_BUCKET_RULES)

    @pytest.mark.parametrize("level", [FindingLevel.ERROR, FindingLevel.WARNING])
    @pytest.mark.parametrize("reason", ["", " "])
    def test_an_acknowledgement_without_a_reason_is_an_error_at_either_level(self, app, stack, level, reason):
        scratch = scratch_bucket(stack)
        cdk.Validations.of(scratch).acknowledge(ack("SB-S3-11", reason))
        SecureBucketAspect.apply_to(app, level=level)
        assert "[SB-S3-11] the acknowledgement on Stack/Scratch has no reason" in synth_error(app)

    def test_excluded_rules_are_not_evaluated_and_the_report_says_why(self, app, stack):
        s3.Bucket(stack, "Plain", versioned=True)
        excluded = {rule: "Enforced by an SCP." for rule in PLAIN_BUCKET_RULES if rule != "SB-S3-3"}
        excluded["SB-S3-10"] = "Enforced by an SCP."
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR, excluded_rules=excluded)
        app.synth()
        report = read_report(app)
        assert report["excludedRules"] == excluded
        assert report_bucket(report, "Stack/Plain/Resource")["findings"] == []


# ---------------------------------------------------------------------------
# The report files
# ---------------------------------------------------------------------------

def build_report_app(outdir: Path) -> cdk.App:
    """The app of report.test.ts: a compliant, a non-compliant and an acknowledged bucket, and an IAM finding."""
    app = new_app(outdir=str(outdir))
    stack = cdk.Stack(app, "Stack")
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal(), role_name="reader")
    SecureBucket(stack, "Compliant", access_restrictions=[
        VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"], exempt_principal_arns=["BreakGlass"]),
        RoleOnly(roles=[reader]),
        AdminOnlyChanges(administrator_arns=["Admin"]),
    ])
    s3.Bucket(stack, "NonCompliant", versioned=True)
    scratch = SecureBucket(stack, "Scratch", removal_policy=cdk.RemovalPolicy.DESTROY, auto_delete_objects=True)
    cdk.Validations.of(scratch).acknowledge(ack("SB-S3-11", "Scratch space, emptied and deleted with the stack."))
    reader.add_to_policy(iam.PolicyStatement(actions=["s3:PutBucketPolicy"], resources=["*"]))
    SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING, excluded_rules={"SB-S3-8": "TLS 1.2 is enforced by an SCP."})
    return app


class ReportFixture:
    def __init__(self, outdir: Path):
        self.app = build_report_app(outdir)
        self.directory = self.app.synth().directory
        self.json_text = Path(self.directory, REPORT_JSON).read_text()
        self.markdown = Path(self.directory, REPORT_MD).read_text()
        self.report = json.loads(self.json_text)

    def bucket(self, name: str) -> dict:
        return report_bucket(self.report, f"Stack/{name}/Resource")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> ReportFixture:
    return ReportFixture(tmp_path_factory.mktemp("report"))


class TestReportFiles:
    def test_are_written_into_the_cloud_assembly_directory_given_as_outdir(self, report):
        assert os.path.samefile(report.directory, report.app.outdir)
        assert Path(report.app.outdir, REPORT_JSON).is_file()
        assert Path(report.app.outdir, REPORT_MD).is_file()

    def test_summarise_the_app(self, report):
        assert report.report["summary"] == {
            "stacks": 1, "buckets": 4, "openFindings": 8, "failing": 8, "cannotVerify": 0, "acknowledged": 1,
        }
        assert report.report["excludedRules"] == {"SB-S3-8": "TLS 1.2 is enforced by an SCP."}
        assert [b["path"] for b in report.report["buckets"]] == [
            "Stack/Compliant/Resource", "Stack/NonCompliant/Resource", "Stack/Scratch/Resource", "Stack/SecureBucketAccessLogs/Resource",
        ]

    def test_a_compliant_bucket_its_posture_its_access_restrictions_and_no_findings(self, report):
        bucket = report.bucket("Compliant")
        assert re.fullmatch(r"Compliant[0-9A-F]{8}", bucket.pop("logicalId"))
        exemptions = ["AWS services", "account root", "deployment role", "role/BreakGlass", "services acting for a caller"]
        assert bucket == {
            "stack": "Stack",
            "path": "Stack/Compliant/Resource",
            "kind": "data",
            "posture": {
                "encryption": "SSE-KMS",
                "key": "Stack/Compliant/Key",
                "bucketKey": True,
                "versioning": "Enabled",
                "logTarget": "Stack/SecureBucketAccessLogs",
                "publicAccessBlock": "all four",
                "ownership": "BucketOwnerEnforced",
                "tls": "TLS only, >= 1.2",
                "lifecycle": "abort uploads 7d, noncurrent 90d, delete markers",
                "deletionPolicy": "Retain",
                "replication": [],
                "objectLock": "off",
                "access": {
                    "summary": "VPC endpoint vpce-1a2b3c4d; principals Stack/Reader; admin-only changes by role/Admin; "
                               "exempt: " + ", ".join(exemptions),
                    "statements": ["VPC endpoint", "principal", "admin-only changes"],
                    "vpcEndpoints": ["vpce-1a2b3c4d"],
                    "vpcs": [],
                    "sourceIps": [],
                    "principals": ["Stack/Reader"],
                    "administrators": ["role/Admin"],
                    "exemptions": exemptions,
                    "networkRules": ["VPC endpoint vpce-1a2b3c4d"],
                },
            },
            "findings": [],
        }

    def test_a_non_compliant_bucket_its_findings_with_rule_ids_in_registry_order(self, report):
        bucket = report.bucket("NonCompliant")
        posture = bucket["posture"]
        assert (posture["encryption"], posture["key"], posture["versioning"], posture["logTarget"], posture["tls"]) == (
            "default (SSE-S3)", "-", "Enabled", "none", "not enforced")
        assert [f["ruleId"] for f in bucket["findings"]] == ["SB-S3-1", "SB-S3-4", "SB-S3-5", "SB-S3-6", "SB-S3-7", "SB-S3-9", "SB-S3-10"]
        assert bucket["findings"][0] == {
            "ruleId": "SB-S3-1",
            "status": "fail",
            "resource": "Stack/NonCompliant/Resource",
            "logicalId": bucket["logicalId"],
            "detail": "no default encryption configuration: S3 applies SSE-S3 (AES256)",
        }
        assert all("acknowledged" not in f for f in bucket["findings"])

    def test_an_acknowledged_finding_with_its_reason_and_where_it_was_made(self, report):
        [finding] = report.bucket("Scratch")["findings"]
        assert finding["ruleId"] == "SB-S3-11"
        assert finding["status"] == "fail"
        assert finding["acknowledged"] == {"reason": "Scratch space, emptied and deleted with the stack.", "on": "Stack/Scratch"}
        logs = report.bucket("SecureBucketAccessLogs")
        assert logs["kind"] == "log"
        assert (logs["posture"]["encryption"], logs["posture"]["logTarget"]) == ("SSE-S3", "none (log bucket)")
        assert logs["findings"] == []

    def test_the_iam_findings(self, report):
        [finding] = report.report["identityFindings"]
        assert finding.pop("logicalId").startswith("ReaderDefaultPolicy")
        assert finding == {
            "ruleId": "SB-IAM-1",
            "status": "fail",
            "resource": "Stack/Reader/DefaultPolicy/Resource",
            "detail": "grants s3:PutBucketPolicy to role/reader, not on the administrators allow-list",
        }

    def test_the_markdown_holds_a_row_per_bucket_and_a_line_per_finding(self, report):
        md = report.markdown
        assert re.match(r"# Secure bucket report\n\n4 bucket\(s\) in 1 stack\(s\): 8 open finding\(s\) "
                        r"\(8 failing, 0 cannot be verified\), 1 acknowledged\.", md)
        assert "## Stack Stack" in md
        assert ("| `NonCompliant` | data | default (SSE-S3) | Enabled | none | block: none, ownership: not set | not enforced "
                "| none | Retain | - | IAM only | SB-S3-1, SB-S3-4, SB-S3-5, SB-S3-6, SB-S3-7, SB-S3-9, SB-S3-10 |") in md
        assert ("- **SB-S3-11** fails on `Stack/Scratch/Resource`: DeletionPolicy is Delete; UpdateReplacePolicy is Delete. "
                "Acknowledged on `Stack/Scratch`: Scratch space, emptied and deleted with the stack.") in md
        assert "## IAM identity policies\n\n- **SB-IAM-1** fails on `Stack/Reader/DefaultPolicy/Resource`" in md
        assert "## Rules not evaluated\n\n- SB-S3-8: TLS 1.2 is enforced by an SCP." in md

    def test_show_no_cloudformation_syntax_no_absolute_paths_and_no_timestamps(self, report):
        for text in (report.json_text, report.markdown):
            assert not re.search(r'\$\{AWS::|Fn::|"Ref"', text)
            assert str(report.app.outdir) not in text
            assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)

    def test_are_deterministic_the_same_app_gives_byte_identical_reports(self, report, tmp_path):
        again = ReportFixture(tmp_path)
        assert again.json_text == report.json_text
        assert again.markdown == report.markdown

    def test_report_false_writes_no_report(self, tmp_path):
        app = new_app(outdir=str(tmp_path))
        s3.Bucket(new_stack(app), "Plain")
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING, report=False)
        app.synth()
        assert not Path(tmp_path, REPORT_JSON).exists()
        assert not Path(tmp_path, REPORT_MD).exists()


# ---------------------------------------------------------------------------
# A stack of SecureBuckets has zero findings at ERROR level
# ---------------------------------------------------------------------------

def secure_buckets(stack: cdk.Stack) -> None:
    """Every kind of SecureBucket of aspect.test.ts: default, restricted, own log bucket, own key, granted, nested."""
    SecureBucket(stack, "Data")
    app_role = iam.Role(stack, "AppRole", assumed_by=iam.AccountRootPrincipal(), role_name="app")
    worker = iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    SecureBucket(
        stack, "Restricted",
        minimum_tls_version=1.3,
        access_restrictions=[
            AccessRestriction.any_of(
                VpcEndpointOnly(vpc_endpoint_ids=["vpce-1a2b3c4d"], vpc_ids=["vpc-0a1b2c3d"]),
                SourceIpOnly(cidrs=["203.0.113.0/24", "2001:db8::/32"]),
            ),
            RoleOnly(roles=[app_role, worker], exempt_principal_arns=["BreakGlass"]),
            RoleOnly(roles=[app_role], match_by=RoleMatch.user_id()),
            AdminOnlyChanges(administrator_arns=[
                "Admin", f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*",
            ]),
        ],
    )
    SecureBucket(stack, "SeparateLogs", server_access_logs_bucket=AccessLogsBucket(stack, "Logs"), server_access_logs_prefix="data/")
    SecureBucket(stack, "OwnKey", encryption_key=kms.Key(stack, "Key", enable_key_rotation=True))
    granted = SecureBucket(stack, "Granted", bucket_name="granted-bucket-0123")
    granted.grant_read_write(app_role)
    granted.grant_read(worker)
    granted.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SnsDestination(sns.Topic(stack, "Topic")))
    SecureBucket(cdk.NestedStack(stack, "Nested"), "InNested")


class TestOnlySecureBuckets:
    @pytest.mark.parametrize("env", [None, cdk.Environment(account=ACCOUNT, region="eu-west-1")],
                             ids=["environment-agnostic", "with-an-environment"])
    def test_zero_findings_at_error_level(self, app, env):
        # GIVEN
        stack = cdk.Stack(app, "Stack", env=env)
        secure_buckets(stack)

        # WHEN
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        app.synth()

        # THEN
        assert aspect_findings(stack) == []
        Annotations.from_stack(stack).has_no_error("*", Match.any_value())
        summary = read_report(app)["summary"]
        assert (summary["buckets"], summary["openFindings"], summary["acknowledged"]) == (9, 0, 0)

    def test_zero_findings_in_the_cdk_nag_pack_either(self, app, stack):
        secure_buckets(stack)
        report = nag.SecureBucketChecks(app).validate_scope(app)
        assert pack_findings(report) == []
        assert report.success is True

    def test_with_an_access_logs_bucket_in_another_stack(self, app):
        logs = AccessLogsBucket(cdk.Stack(app, "Logs"), "Logs")
        SecureBucket(cdk.Stack(app, "Data"), "Data", bucket_name="data-bucket-0123", server_access_logs_bucket=logs)
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        app.synth()
        report = read_report(app)
        assert (report["summary"]["buckets"], report["summary"]["openFindings"]) == (2, 0)
        assert report_bucket(report, "Data/Data/Resource")["posture"]["logTarget"] == "Logs/Logs"


# ---------------------------------------------------------------------------
# SecureBucketDefaults: fixes what needs no decision
# ---------------------------------------------------------------------------

class TestSecureBucketDefaults:
    @pytest.mark.parametrize("make, path, left", [
        (lambda stack: s3.Bucket(stack, "Plain"), "Stack/Plain/Resource", ["SB-S3-1", "SB-S3-4", "SB-S3-8", "SB-S3-10"]),
        (lambda stack: s3.CfnBucket(stack, "Raw"), "Stack/Raw", ["SB-S3-1", "SB-S3-4", "SB-S3-8", "SB-S3-10", "SB-S3-11"]),
    ], ids=["s3.Bucket", "s3.CfnBucket"])
    def test_a_plain_bucket_passes_the_fixable_rules_and_keeps_the_decisions(self, app, stack, make, path, left):
        # GIVEN a bucket that fails the fixable rules and the decisions
        make(stack)

        # WHEN
        cdk.Mixins.of(stack).apply(SecureBucketDefaults())
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)

        # THEN
        found = [f.split("  ")[0] for f in aspect_findings(stack)]
        assert [rule for rule in FIXABLE if rule in found] == []
        assert set(DECISIONS) <= set(found) <= set(NOT_FIXED)
        assert sorted(found, key=rule_order) == left
        assert aspect_findings(stack) == expected(left, path)

    def test_without_the_mixin_the_same_bucket_fails_the_fixable_rules(self, app, stack):
        # The control for the test above.
        s3.Bucket(stack, "Plain")
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)
        found = [f.split("  ")[0] for f in aspect_findings(stack)]
        assert set(FIXABLE + DECISIONS) <= set(found)

    def test_writes_the_fixes_into_the_template(self, stack):
        bucket = s3.Bucket(stack, "Plain")
        cdk.Mixins.of(stack).apply(SecureBucketDefaults())

        template = Template.from_stack(stack)

        properties = bucket_properties(template, bucket)
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }
        assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        assert {"Id": "AbortIncompleteMultipartUploads", "Status": "Enabled",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}} in properties["LifecycleConfiguration"]["Rules"]
        arn = {"Fn::GetAtt": [logical_id(bucket), "Arn"]}
        assert policy_statements(template, bucket) == [{
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [arn, {"Fn::Join": ["", [arn, "/*"]]}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }]

    def test_in_enforce_mode_only_the_decisions_fail_synth(self, app, stack):
        s3.Bucket(stack, "Plain")
        cdk.Mixins.of(stack).apply(SecureBucketDefaults())
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)
        assert findings_in(synth_error(app)) == expected(["SB-S3-1", "SB-S3-4", "SB-S3-8", "SB-S3-10"], "Stack/Plain/Resource")

    def test_never_overrides_a_value_someone_set(self, app, stack):
        raw = s3.CfnBucket(stack, "Raw", versioning_configuration=s3.CfnBucket.VersioningConfigurationProperty(status="Suspended"))
        cdk.Mixins.of(stack).apply(SecureBucketDefaults())
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)

        assert bucket_properties(Template.from_stack(stack), raw)["VersioningConfiguration"] == {"Status": "Suspended"}
        assert "SB-S3-3  Stack/Raw" in aspect_findings(stack)

    def test_leaves_a_secure_bucket_as_it_is(self):
        def template(with_defaults: bool) -> dict:
            stack = new_stack()
            SecureBucket(stack, "Data")
            if with_defaults:
                cdk.Mixins.of(stack).apply(SecureBucketDefaults())
            return Template.from_stack(stack).to_json()

        assert template(True) == template(False)


# ---------------------------------------------------------------------------
# The cdk-nag pack: nag.SecureBucketChecks
# ---------------------------------------------------------------------------

def rule_causes() -> dict[str, str]:
    """Rule id -> cause, from the table of RULES.md (generated from the rule registry)."""
    table = Path(__file__).resolve().parent.parent.joinpath("RULES.md").read_text()
    return dict(re.findall(r"^\| \[(SB-[A-Z0-9]+-\d+)\]\(#[^)]+\) \| [^|]+ \| ([^|]+?) \|", table, re.MULTILINE))


def mixed_stack(app: cdk.App) -> tuple[cdk.Stack, s3.Bucket]:
    """A SecureBucket, a plain s3.Bucket, a raw CfnBucket, a bucket with a token, and a role granted s3:*."""
    stack = new_stack(app)
    SecureBucket(stack, "Secure")
    plain = s3.Bucket(stack, "Plain")
    s3.CfnBucket(stack, "Raw")
    status = cdk.CfnParameter(stack, "VersioningStatus", default="Enabled")
    s3.CfnBucket(stack, "Tokened", versioning_configuration=s3.CfnBucket.VersioningConfigurationProperty(status=status.value_as_string))
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal(), role_name="data-admin")
    role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    return stack, plain


class TestCdkNagPack:
    def test_gives_the_same_findings_as_the_aspect_on_a_mixed_stack(self, app):
        # GIVEN
        stack, _ = mixed_stack(app)
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING, report=False)

        # WHEN
        pack = pack_findings(nag.SecureBucketChecks(app).validate_scope(app))

        # THEN
        assert pack == aspect_findings(stack)
        for finding in ["SB-S3-3  Stack/Plain/Resource", "SB-S3-7  Stack/Raw", "SB-S3-3  Stack/Tokened",
                        "SB-IAM-1  Stack/Role/DefaultPolicy/Resource"]:
            assert finding in pack
        assert [f for f in pack if "Stack/Secure" in f] == []

    def test_on_a_plain_bucket_its_rule_ids_are_those_of_the_aspect(self, app, stack):
        s3.Bucket(stack, "Plain")
        report = nag.SecureBucketChecks(app).validate_scope(app)
        assert pack_findings(report) == expected(PLAIN_BUCKET_RULES, "Stack/Plain/Resource")
        assert report.success is False

    def test_works_without_a_scope_as_the_readme_shows(self, app, stack):
        s3.Bucket(stack, "Plain")
        assert pack_findings(nag.SecureBucketChecks().validate_scope(app)) == expected(PLAIN_BUCKET_RULES, "Stack/Plain/Resource")

    def test_violations_carry_the_rule_id_its_cause_what_was_found_and_the_severity(self, app):
        mixed_stack(app)
        pack = nag.SecureBucketChecks(app)
        causes = rule_causes()
        assert len(causes) == 19
        assert pack.name == "SecureBucketChecks"
        violations = pack.validate_scope(app).violations
        assert violations
        for violation in violations:
            assert violation.rule_name in causes
            # "Versioning is not enabled (versioning is not configured).", or "Cannot verify: ..." for a value not known at synth.
            cause = causes[violation.rule_name].rstrip(".")
            assert re.match(rf"^(Cannot verify: )?{re.escape(cause)} \(.+\)\.$", violation.description), violation.description
            assert violation.severity == "error"

    def test_warning_level_reports_without_failing(self, app):
        mixed_stack(app)
        report = nag.SecureBucketChecks(app, level=FindingLevel.WARNING).validate_scope(app)
        assert report.violations
        assert {v.severity for v in report.violations} == {"warning"}
        assert report.success is True

    def test_one_acknowledgement_silences_the_pack_and_the_aspect(self, app):
        # GIVEN
        stack, plain = mixed_stack(app)
        cdk.Validations.of(plain).acknowledge(ack("SB-S3-4", "Access logs are collected by CloudTrail data events."))
        cdk.Validations.of(stack).acknowledge(ack("SB-IAM-1", "The data-admin role administers the buckets."))
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING, report=False)

        # WHEN
        pack = pack_findings(nag.SecureBucketChecks(app).validate_scope(app))

        # THEN
        assert "SB-S3-4  Stack/Plain/Resource" not in pack
        assert "SB-S3-4  Stack/Raw" in pack
        assert "SB-S3-3  Stack/Plain/Resource" in pack
        assert [f for f in pack if f.startswith("SB-IAM-1")] == []
        assert pack == aspect_findings(stack)

    def test_an_acknowledgement_without_a_reason_is_a_violation(self, app):
        _, plain = mixed_stack(app)
        cdk.Validations.of(plain).acknowledge(ack("SB-S3-4", ""))

        report = nag.SecureBucketChecks(app).validate_scope(app)

        [no_reason] = [v for v in report.violations if v.rule_name == "SB-S3-4[AcknowledgementWithoutReason]"]
        assert [r.construct_path for r in no_reason.violating_resources] == ["Stack/Plain/Resource"]
        assert "has no reason" in no_reason.description
        assert report.success is False

    def test_administrator_arns_and_trusted_accounts_are_honoured(self, app):
        _, plain = mixed_stack(app)
        plain.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ArnPrincipal("arn:aws:iam::222222222222:role/reader")],
            actions=["s3:GetObject"], resources=[plain.arn_for_objects("*")],
        ))

        def rules(**props) -> list[str]:
            return [f for f in pack_findings(nag.SecureBucketChecks(app, **props).validate_scope(app))
                    if f.startswith(("SB-IAM-1 ", "SB-S3-14 "))]

        assert rules() == ["SB-IAM-1  Stack/Role/DefaultPolicy/Resource", "SB-S3-14  Stack/Plain/Resource"]
        assert rules(administrator_arns=["data-admin"], trusted_accounts=["222222222222"]) == []

    def test_as_a_validation_plugin_it_fails_synth_and_writes_the_validation_report(self, tmp_path):
        app = new_app(outdir=str(tmp_path))
        mixed_stack(app)
        cdk.Validations.of(app).add_plugins(nag.SecureBucketChecks(app))

        # The report is in the exception of an in-memory app, and printed otherwise: the file has it either way.
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()

        report = json.loads(Path(tmp_path, "validation-report.json").read_text())
        [plugin] = report["pluginReports"]
        assert plugin["pluginName"] == "SecureBucketChecks"
        assert plugin["conclusion"] == "failure"
        paths = {(v["ruleName"], c["constructPath"]) for v in plugin["violations"] for c in v["violatingConstructs"]}
        assert ("SB-S3-3", "Stack/Raw") in paths
        assert ("SB-IAM-1", "Stack/Role/DefaultPolicy/Resource") in paths

    def test_as_a_validation_plugin_a_compliant_app_synthesizes(self, tmp_path):
        app = new_app(outdir=str(tmp_path))
        SecureBucket(new_stack(app), "Data")
        cdk.Validations.of(app).add_plugins(nag.SecureBucketChecks(app))
        app.synth()
        assert Path(tmp_path, "Stack.template.json").is_file()
