"""Errors reach Python as exceptions that name the prop, the value and the fix; tokens pass the checks.

An error thrown by the JavaScript code arrives as a RuntimeError (caused by jsii's JavaScriptError)
with the library's message, which names the TypeScript prop (`minimumTLSVersion`). A value of the
wrong Python type, or a keyword that does not exist, is a TypeError raised by the Python package
itself, before anything reaches JavaScript.
"""
import json

import aws_cdk as cdk
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Template

from cdk_secure_bucket import (
    AccessLogsBucket, AccessRestriction, AdminOnlyChanges, BucketSecurityMonitor, MacieOptions,
    ObjectLockOptions, RoleOnly, SecureBucket, SecureBucketAspect, SecureBucketDefaults, SourceIpOnly, VpcEndpointOnly,
    nag,
)
from helpers import new_stack, raises_js_error


class TestSecureBucket:
    def test_fails_with_versioned_false_and_leaves_the_id_free(self, stack):
        with raises_js_error("[Stack/Data] 'versioned' cannot be false: SecureBucket always versions objects (got false). Remove the prop.", code="SecureBucket.VersioningRequired"):
            SecureBucket(stack, "Data", versioned=False)

        # Nothing was added: the same id can be used again, as in a notebook after a mistake.
        assert stack.node.try_find_child("Data") is None
        SecureBucket(stack, "Data")

    def test_fails_with_a_minimum_tls_version_naming_the_typescript_prop(self, stack):
        with raises_js_error("[Stack/Data] 'minimumTLSVersion' must be 1.2 or 1.3: AWS endpoints require TLS 1.2 or later (got 1.1). "
                             "Use 1.2 (the default) or 1.3.", code="SecureBucket.MinimumTlsVersionInvalid"):
            SecureBucket(stack, "Data", minimum_tls_version=1.1)

    def test_fails_with_compliance_mode_object_lock_unconfirmed(self, stack):
        with raises_js_error("[Stack/Data] 'objectLock.confirmComplianceMode' must be true with COMPLIANCE mode: no one, not even the "
                             "root user, can delete a locked version or shorten its retention, and it cannot be undone (got undefined). "
                             "Set confirmComplianceMode: true if that is what you want, or use ObjectLockMode.GOVERNANCE.", code="SecureBucket.ObjectLockComplianceNotConfirmed"):
            SecureBucket(stack, "Data", object_lock=ObjectLockOptions(mode=s3.ObjectLockMode.COMPLIANCE, default_retention_days=1))

    def test_fails_from_a_method_replicating_to_itself(self, stack):
        data = SecureBucket(stack, "Data")
        with raises_js_error("[Stack/Data] 'replication.destination' is the bucket itself: a bucket cannot replicate to itself "
                             "(got \"Stack/Data\"). Replicate to a second bucket, ideally in another region or account.", code="Replication.DestinationIsSelf"):
            data.add_replication_destination(destination=data)

    def test_fails_at_synth_when_a_mixin_weakens_a_guarantee_after_construction(self, stack):
        SecureBucket(stack, "Data").with_(s3.mixins.BucketVersioning(False))
        with pytest.raises(RuntimeError, match=r"SecureBucket Stack/Data: versioning is not Enabled\..*remove that change"):
            Template.from_stack(stack)


def test_access_logs_bucket_fails_with_a_retention_under_a_day(stack):
    with raises_js_error("[Stack/Logs] 'logRetention' must be at least 1 day (got \"12 hours\"). Use Duration.days(n) with n >= 1.", code="AccessLogsBucket.LogRetentionTooShort"):
        AccessLogsBucket(stack, "Logs", log_retention=cdk.Duration.hours(12))


class TestAccessRestrictions:
    def test_fails_with_a_malformed_cidr(self):
        with raises_js_error("[SourceIpOnly] 'cidrs[1]' is malformed: a CIDR block is an address followed by one /prefix length, "
                             "e.g. 203.0.113.0/24 or 2001:db8::/32 (got \"10.0.0.0\"). "
                             "Use CIDR blocks such as 203.0.113.0/24 (IPv4 /0-/32) or 2001:db8::/32 (IPv6 /0-/128).", code="SourceIpOnly.CidrMalformed"):
            SourceIpOnly(cidrs=["203.0.113.0/24", "10.0.0.0"])

    def test_fails_with_any_of_one_restriction(self):
        with raises_js_error("[AccessRestriction.anyOf] 'restrictions' needs at least two restrictions to choose between (got 1). "
                             "Apply a single restriction directly with bucket.with(restriction).", code="AccessRestriction.AnyOfTooFew"):
            AccessRestriction.any_of(VpcEndpointOnly(vpc_ids=["vpc-0a1b2c3d"]))

    def test_fails_with_no_role(self):
        with raises_js_error("[RoleOnly] 'roles' cannot be an empty list (got []). Give at least one role.", code="RoleOnly.RolesEmpty"):
            RoleOnly(roles=[])


class TestBucketSecurityMonitor:
    def test_fails_on_an_email_that_is_not_an_address(self, stack):
        with raises_js_error("[Stack/Monitor] 'alertEmails[0]' is not an email address (got \"security.example.com\"). "
                             "Give addresses such as \"security@example.com\".", code="BucketSecurityMonitor.EmailInvalid"):
            BucketSecurityMonitor(stack, "Monitor", all_buckets=True, alert_emails=["security.example.com"])

    def test_fails_at_synth_when_it_watches_nothing(self, app, stack):
        BucketSecurityMonitor(stack, "Monitor")
        with pytest.raises(RuntimeError, match=r"\[Stack/Monitor\] 'buckets' is empty and 'allBuckets' is not true"):
            app.synth()


class TestChecks:
    def test_the_aspect_fails_on_a_rule_that_does_not_exist(self):
        with raises_js_error("[SecureBucketAspect] 'excludedRules' names no rule (got \"SB-S3-99\"). "
                             "Use a rule id from RULES.md, such as SB-S3-11.", code="SecureBucketAspect.ExcludedRuleUnknown"):
            SecureBucketAspect(excluded_rules={"SB-S3-99": "no such rule"})

    def test_the_nag_pack_fails_on_a_malformed_account(self):
        with raises_js_error("[SecureBucketChecks] 'trustedAccounts[0]' is not a 12-digit AWS account id (got \"1234\"). "
                             "Use an account id such as 111111111111.", code="SecureBucketChecks.TrustedAccountMalformed"):
            nag.SecureBucketChecks(trusted_accounts=["1234"])

    def test_secure_bucket_defaults_fails_on_an_imported_bucket(self, stack):
        imported = s3.Bucket.from_bucket_name(stack, "Imported", "imported-bucket")
        with raises_js_error("[Stack/Imported] 'construct' is not a bucket defined in this app (got \"Stack/Imported\"). "
                             "Apply SecureBucketDefaults to an s3.CfnBucket, an s3.Bucket, or a scope that holds them (Mixins.of(scope)).", code="SecureBucketDefaults.TargetNotABucket"):
            SecureBucketDefaults().apply_to(imported)


class TestPythonTypeErrors:
    """Raised by the Python package's own type checks: JavaScript is never called."""

    @pytest.mark.parametrize("make, argument", [
        (lambda stack: SecureBucket(stack, "Data", versioned="no"), "versioned"),
        (lambda stack: SecureBucketAspect(level="ERROR"), "level"),
        (lambda stack: SecureBucket(stack, "Data", lifecycle_rules=s3.LifecycleRule(id="Archive")), "lifecycle_rules"),
    ], ids=["bool", "enum", "struct-for-a-list"])
    def test_a_value_of_the_wrong_type(self, stack, make, argument):
        with pytest.raises(TypeError, match=argument):
            make(stack)
        assert stack.node.try_find_child("Data") is None

    def test_a_string_for_a_list_of_strings_passes_python_and_is_refused_by_the_jsii_kernel(self):
        # A str is a Sequence[str] to Python's type checks: the kernel refuses it before the library's code runs.
        with pytest.raises(RuntimeError, match=r"Key 'cidrs': Unable to deserialize value as array<string>"):
            SourceIpOnly(cidrs="203.0.113.0/24")

    def test_a_typescript_prop_name_is_an_unexpected_keyword(self, stack):
        with pytest.raises(TypeError, match="unexpected keyword argument 'minimumTLSVersion'"):
            SecureBucket(stack, "Data", minimumTLSVersion=1.3)


# ---------------------------------------------------------------------------
# Tokens: a value not known at synth passes the checks and reaches the template
# ---------------------------------------------------------------------------

def param(stack: cdk.Stack, type_: str = "String") -> cdk.CfnParameter:
    return cdk.CfnParameter(stack, "Param", type=type_)


TOKENS = {
    "bucket_name": lambda stack: SecureBucket(stack, "Data", bucket_name=param(stack).value_as_string),
    "minimum_tls_version": lambda stack: SecureBucket(stack, "Data", minimum_tls_version=param(stack, "Number").value_as_number),
    "noncurrent_versions_to_retain": lambda stack: SecureBucket(
        stack, "Data", noncurrent_versions_to_retain=param(stack, "Number").value_as_number),
    "object_lock.default_retention_days": lambda stack: SecureBucket(stack, "Data", object_lock=ObjectLockOptions(
        mode=s3.ObjectLockMode.GOVERNANCE, default_retention_days=param(stack, "Number").value_as_number)),
    "cidrs (a list token)": lambda stack: s3.Bucket(stack, "Data").with_(
        SourceIpOnly(cidrs=param(stack, "CommaDelimitedList").value_as_list)),
    "cidrs[0]": lambda stack: s3.Bucket(stack, "Data").with_(SourceIpOnly(cidrs=[param(stack).value_as_string])),
    "vpc_endpoint_ids[0]": lambda stack: s3.Bucket(stack, "Data").with_(VpcEndpointOnly(vpc_endpoint_ids=[param(stack).value_as_string])),
    "administrator_arns[0]": lambda stack: s3.Bucket(stack, "Data").with_(AdminOnlyChanges(administrator_arns=[param(stack).value_as_string])),
    "alert_emails[0]": lambda stack: BucketSecurityMonitor(stack, "Monitor", all_buckets=True, alert_emails=[param(stack).value_as_string]),
    "macie.sampling_percentage": lambda stack: BucketSecurityMonitor(stack, "Monitor", buckets=[SecureBucket(stack, "Data")], macie=MacieOptions(
        sampling_percentage=param(stack, "Number").value_as_number)),
}


@pytest.mark.parametrize("prop", TOKENS)
def test_a_token_from_python_passes_and_reaches_the_template(prop):
    stack = new_stack()

    TOKENS[prop](stack)

    assert json.dumps({"Ref": "Param"}) in json.dumps(Template.from_stack(stack).to_json())


def test_the_aspect_refuses_a_token_for_an_account_it_must_compare(stack):
    # The one place a token is refused, on purpose: no principal could be checked against it.
    with raises_js_error("[SecureBucketAspect] 'trustedAccounts[0]' is not known at synth, so no principal can be checked against it "
                         "(got <unresolved token>). Give a literal value.", code="SecureBucketAspect.OptionValueUnresolved"):
        SecureBucketAspect(trusted_accounts=[param(stack).value_as_string])
