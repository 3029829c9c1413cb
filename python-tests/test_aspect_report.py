"""SecureBucketAspect in a Python app: findings, acknowledgements made in Python, and the report files.

The rules and the report's every field are proved in test/; here a Python app adds the Aspect,
synthesizes, reads `secure-bucket-report.json` and `.md` from its cloud assembly, and acknowledges
findings with `cdk.Validations.of(x).acknowledge(cdk.Acknowledgment(id=..., reason=...))`.
"""
import json
import re
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_s3 as s3
import pytest

from cdk_secure_bucket import FindingLevel, SecureBucket, SecureBucketAspect
from helpers import REPORT_JSON, REPORT_MD, new_app, new_stack, warning_ids

SCRATCH_REASON = "Scratch space, emptied and deleted with the stack."
EXCLUDED = {"SB-S3-8": "TLS 1.2 is enforced by an SCP."}
FINDING = re.compile(r"\[(SB-(?:S3|KMS|IAM)-\d+)\] ([^\s:]+): ")


def build(app: cdk.App) -> tuple[cdk.Stack, s3.Bucket]:
    """A compliant SecureBucket, a plain s3.Bucket with findings, and a SecureBucket with one finding acknowledged."""
    stack = new_stack(app)
    SecureBucket(stack, "Data")
    plain = s3.Bucket(stack, "Plain", versioned=True)
    scratch = SecureBucket(stack, "Scratch", removal_policy=cdk.RemovalPolicy.DESTROY, auto_delete_objects=True)
    cdk.Validations.of(scratch).acknowledge(cdk.Acknowledgment(id="SB-S3-11", reason=SCRATCH_REASON))
    return stack, plain


def bucket_entry(report: dict, path: str) -> dict:
    [entry] = [b for b in report["buckets"] if b["path"] == path]
    return entry


class Synthesized:
    def __init__(self, outdir: Path):
        self.app = new_app(outdir=str(outdir))
        self.stack, self.plain = build(self.app)
        SecureBucketAspect.apply_to(self.app, level=FindingLevel.WARNING, excluded_rules=EXCLUDED)
        self.directory = Path(self.app.synth().directory)
        self.report = json.loads((self.directory / REPORT_JSON).read_text())
        self.markdown = (self.directory / REPORT_MD).read_text()


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> Synthesized:
    return Synthesized(tmp_path_factory.mktemp("report") / "cdk.out")


class TestReportMode:
    def test_the_report_files_are_in_the_cloud_assembly(self, synthesized):
        assert synthesized.directory.samefile(synthesized.app.outdir)
        assert [b["path"] for b in synthesized.report["buckets"]] == [
            "Stack/Data/Resource", "Stack/Plain/Resource", "Stack/Scratch/Resource", "Stack/SecureBucketAccessLogs/Resource"]
        assert synthesized.report["excludedRules"] == EXCLUDED

    def test_each_open_finding_is_a_warning_with_the_rule_id_to_acknowledge(self, synthesized):
        plain = bucket_entry(synthesized.report, "Stack/Plain/Resource")["findings"]
        assert plain and all(f["status"] == "fail" and "acknowledged" not in f for f in plain)
        assert warning_ids(synthesized.stack) == sorted(("/Stack/Plain/Resource", f["ruleId"]) for f in plain)
        assert synthesized.report["summary"]["openFindings"] == len(plain)
        assert bucket_entry(synthesized.report, "Stack/Data/Resource")["findings"] == []

    def test_the_acknowledgement_made_in_python_is_reported_with_its_reason(self, synthesized):
        [finding] = bucket_entry(synthesized.report, "Stack/Scratch/Resource")["findings"]
        assert (finding["ruleId"], finding["acknowledged"]) == ("SB-S3-11", {"reason": SCRATCH_REASON, "on": "Stack/Scratch"})
        assert synthesized.report["summary"]["acknowledged"] == 1

    def test_the_markdown_says_the_same(self, synthesized):
        summary = synthesized.report["summary"]
        md = synthesized.markdown
        assert md.startswith(f"# Secure bucket report\n\n{summary['buckets']} bucket(s) in 1 stack(s): "
                             f"{summary['openFindings']} open finding(s)")
        assert "| `Plain` | data |" in md
        assert (f"- **SB-S3-11** fails on `Stack/Scratch/Resource`: DeletionPolicy is Delete; UpdateReplacePolicy is Delete. "
                f"Acknowledged on `Stack/Scratch`: {SCRATCH_REASON}") in md
        assert "## Rules not evaluated\n\n- SB-S3-8: TLS 1.2 is enforced by an SCP." in md

    def test_added_with_aspects_of_it_finds_the_same(self, synthesized, tmp_path):
        app = new_app(outdir=str(tmp_path))
        stack, _ = build(app)

        cdk.Aspects.of(app).add(SecureBucketAspect(level=FindingLevel.WARNING, excluded_rules=EXCLUDED))
        app.synth()

        assert warning_ids(stack) == warning_ids(synthesized.stack)
        assert json.loads((tmp_path / REPORT_JSON).read_text()) == synthesized.report

    def test_report_false_writes_no_files(self, tmp_path):
        app = new_app(outdir=str(tmp_path))
        build(app)
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING, report=False)
        app.synth()
        assert not (tmp_path / REPORT_JSON).exists() and not (tmp_path / REPORT_MD).exists()


class TestEnforceMode:
    def test_fails_synth_then_acknowledged_in_python_synthesizes_and_reports_the_acknowledgements(self, app):
        # GIVEN the app, enforced
        stack, plain = build(app)
        SecureBucketAspect.apply_to(app, level=FindingLevel.ERROR)

        # WHEN it is synthesized, THEN it fails naming each rule and the construct path
        with pytest.raises(RuntimeError) as raised:
            app.synth()
        found = FINDING.findall(str(raised.value))
        assert found and {path for _, path in found} == {"Stack/Plain/Resource"}
        assert "Acknowledge with Validations.of(construct).acknowledge(" in str(raised.value)

        # WHEN every finding is acknowledged on the stack, in one variadic call, and the app synthesized again
        reason = "Legacy bucket, migrated in ticket SEC-42."
        cdk.Validations.of(stack).acknowledge(*[cdk.Acknowledgment(id=rule, reason=reason) for rule, _ in found])
        directory = Path(app.synth().directory)

        # THEN it synthesizes, and the report holds each acknowledgement and where it was made; the advisories
        # (settings S3 applies by default that the template does not declare) were warnings, and stay open
        report = json.loads((directory / REPORT_JSON).read_text())
        findings = bucket_entry(report, "Stack/Plain/Resource")["findings"]
        errors = [f for f in findings if not f.get("advisory")]
        assert sorted(f["ruleId"] for f in errors) == sorted(rule for rule, _ in found)
        assert {json.dumps(f["acknowledged"]) for f in errors} == {json.dumps({"reason": reason, "on": "Stack"})}
        assert sorted(f["ruleId"] for f in findings if f.get("advisory")) == ["SB-S3-5", "SB-S3-6"]
        assert report["summary"]["openFindings"] == report["summary"]["advisory"] == 2

    def test_an_acknowledgement_without_a_reason_fails_synth(self, app):
        _, plain = build(app)
        cdk.Validations.of(plain).acknowledge(cdk.Acknowledgment(id="SB-S3-4", reason=" "))
        SecureBucketAspect.apply_to(app, level=FindingLevel.WARNING)

        with pytest.raises(RuntimeError, match=re.escape("[SB-S3-4] the acknowledgement on Stack/Plain has no reason")):
            app.synth()
