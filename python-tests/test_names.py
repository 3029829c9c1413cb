"""Every public type and member of the package is there in Python, under its Python name.

The list comes from the jsii assembly (`.jsii`), so a new export, prop or method is covered without
touching this file: classes and their bases, enums and their members, structs and their keyword
arguments, static and instance methods with their parameters, properties and constants.
"""
import enum
import importlib
import inspect

import pytest

from helpers import (
    REPO, assembly, is_struct, python_location, python_name, python_type, struct_properties, wheel_assembly,
)

TYPES = sorted(assembly()["types"].values(), key=lambda t: t["fqn"])
P = inspect.Parameter


def test_the_assembly_read_holds_the_public_api():
    # The control for the parametrized tests below: the list they iterate over is the whole API.
    names = {t["fqn"].removeprefix("cdk-secure-bucket.") for t in TYPES}
    assert {
        "SecureBucket", "SecureBucketProps", "AccessLogsBucket", "BucketSecurityMonitor", "AccessRestriction",
        "VpcEndpointOnly", "SourceIpOnly", "RoleOnly", "AdminOnlyChanges", "RoleMatch", "SecureBucketAspect",
        "SecureBucketDefaults", "FindingLevel", "MacieJobFrequency", "RemediationMode", "nag.SecureBucketChecks",
    } <= names


def test_the_wheel_holds_the_assembly_at_the_repository_root():
    if not (REPO / ".jsii").is_file():
        pytest.skip("no .jsii at the repository root: the names are read from the wheel's own assembly")
    assert wheel_assembly()["fingerprint"] == assembly()["fingerprint"], (
        "the wheel was built from other code than .jsii: run 'npx projen package:python'")


@pytest.mark.parametrize("module", sorted({python_location(t["fqn"])[0] for t in TYPES}))
def test_each_module_exports_exactly_its_types(module):
    imported = importlib.import_module(module)
    submodules = {name for name in imported.__all__ if inspect.ismodule(getattr(imported, name))}
    expected = {t["name"] for t in TYPES if python_location(t["fqn"])[0] == module}
    assert set(imported.__all__) - submodules == expected
    assert all(getattr(imported, name).__name__ == f"{module}.{name}" for name in submodules)


def test_the_nag_submodule_imports_both_ways():
    import cdk_secure_bucket
    from cdk_secure_bucket import nag
    from cdk_secure_bucket.nag import SecureBucketChecks

    assert cdk_secure_bucket.nag is nag
    assert nag.SecureBucketChecks is SecureBucketChecks


def check_signature(function, jsii_callable: dict) -> None:
    """Parameters in snake_case; a struct as last parameter becomes keyword-only arguments, required ones without default."""
    actual = [p for p in inspect.signature(function).parameters.values() if p.name not in ("self", "cls")]
    params = jsii_callable.get("parameters", [])
    lifted = []
    if params and is_struct(params[-1]["type"]) and not params[-1].get("variadic"):
        lifted = struct_properties(params.pop()["type"]["fqn"])
    positional = [(p.name, p.kind is P.VAR_POSITIONAL) for p in actual if p.kind is not P.KEYWORD_ONLY]
    assert positional == [(python_name(p["name"]), bool(p.get("variadic"))) for p in params], function
    keywords = {p.name: p.default is P.empty for p in actual if p.kind is P.KEYWORD_ONLY}
    # Inherited props of another package's struct (cdk-nag's NagPackProps) come on top.
    assert {python_name(p["name"]): not p.get("optional") for p in lifted}.items() <= keywords.items(), function


@pytest.mark.parametrize("jsii_type", TYPES, ids=lambda t: t["fqn"])
def test_each_type_has_its_python_name_kind_and_bases(jsii_type):
    py = python_type(jsii_type["fqn"])
    assert inspect.isclass(py) and py.__name__ == jsii_type["name"]
    if jsii_type["kind"] == "enum":
        assert issubclass(py, enum.Enum)
        assert [m.name for m in py] == [m["name"] for m in jsii_type["members"]]
    elif jsii_type.get("datatype"):
        check_signature(py.__init__, {"parameters": [{"name": "props", "type": {"fqn": jsii_type["fqn"]}}]})
        for prop in struct_properties(jsii_type["fqn"]):
            assert isinstance(inspect.getattr_static(py, python_name(prop["name"])), property), prop["name"]
    else:
        if "base" in jsii_type:
            assert issubclass(py, python_type(jsii_type["base"]))
        for interface in jsii_type.get("interfaces", []):
            # jsii records `implements` on the class (jsii interfaces are not runtime-checkable protocols).
            assert python_type(interface) in getattr(py, "__jsii_ifaces__", []), interface


CALLABLE_TYPES = [t for t in TYPES if t["kind"] in ("class", "interface") and not t.get("datatype")]


@pytest.mark.parametrize("jsii_type", CALLABLE_TYPES, ids=lambda t: t["fqn"])
def test_each_member_has_its_python_name_and_parameters(jsii_type):
    py = python_type(jsii_type["fqn"])
    if "initializer" in jsii_type:
        check_signature(py.__init__, jsii_type["initializer"])
    for method in jsii_type.get("methods", []):
        name = ("_" if method.get("protected") else "") + python_name(method["name"])
        found = inspect.getattr_static(py, name)
        assert isinstance(found, (staticmethod, classmethod)) == bool(method.get("static")), name
        check_signature(getattr(py, name), method)
    for prop in jsii_type.get("properties", []):
        name = ("_" if prop.get("protected") else "") + python_name(prop["name"])
        if prop.get("const"):
            # A constant is read on the class, in UPPER_CASE.
            assert getattr(py, name.upper()) is not None, name
        elif prop.get("static"):
            assert inspect.getattr_static(py, name) is not None, name
        else:
            assert isinstance(inspect.getattr_static(py, name), property), name


def test_names_python_users_write():
    # Independent of the snake_case rule above: the names README.md and docs/python.md show.
    from cdk_secure_bucket import AccessLogsBucket, AccessRestriction, SecureBucket, SecureBucketAspect, nag

    assert {"minimum_tls_version", "enforce_ssl", "access_restrictions", "server_access_logs_bucket",
            "noncurrent_versions_to_retain"} <= set(inspect.signature(SecureBucket.__init__).parameters)
    assert isinstance(inspect.getattr_static(SecureBucket, "minimum_tls_version"), property)
    assert callable(AccessRestriction.any_of) and callable(SecureBucketAspect.apply_to)
    assert callable(SecureBucket.is_secure_bucket) and callable(SecureBucket.monitor_with)
    assert AccessLogsBucket.STACK_DEFAULT_ID == "SecureBucketAccessLogs"
    # `with` is a Python keyword: the mixin method inherited from aws-cdk-lib is `with_`.
    assert callable(SecureBucket.with_)
    checks = inspect.signature(nag.SecureBucketChecks.__init__).parameters
    assert {"level", "trusted_accounts", "administrator_arns", "excluded_rules"} <= set(checks)
