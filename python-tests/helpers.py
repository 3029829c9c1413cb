"""Helpers shared by the test modules: apps and stacks, the jsii assembly, Python names, JavaScript errors."""
import functools
import gzip
import importlib
import inspect
import json
import keyword
import re
import tarfile
from contextlib import contextmanager
from pathlib import Path

import aws_cdk as cdk
import jsii
import pytest
from aws_cdk.assertions import Annotations, Match

ACCOUNT = "111111111111"
REGION = "us-east-1"
REPO = Path(__file__).resolve().parent.parent
REPORT_JSON = "secure-bucket-report.json"
REPORT_MD = "secure-bucket-report.md"


def new_app(**kwargs) -> cdk.App:
    """An App without the slow built-in CloudFormation validation, where aws-cdk-lib has that switch."""
    if "builtin_cloud_formation_validation" in inspect.signature(cdk.App.__init__).parameters:
        kwargs.setdefault("builtin_cloud_formation_validation", False)
    return cdk.App(**kwargs)


def new_stack(app: cdk.App | None = None, stack_id: str = "Stack") -> cdk.Stack:
    """A stack in account 111111111111, us-east-1, in its own app unless one is given."""
    return cdk.Stack(app or new_app(), stack_id, env=cdk.Environment(account=ACCOUNT, region=REGION))


def logical_id(construct) -> str:
    """Logical id of the L1 resource behind an L2 construct (or of an L1 itself)."""
    element = construct.node.default_child or construct
    return cdk.Stack.of(element).get_logical_id(element)


def bucket_policy_statements(template, bucket) -> list:
    """The statements of the one bucket policy attached to `bucket`."""
    [policy] = template.find_resources("AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": logical_id(bucket)}}}).values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def warning_ids(stack: cdk.Stack) -> list[tuple[str, str]]:
    """(construct path, acknowledgeable id) of every warning of the stack: the id is the `[ack: ...]` of the message."""
    found = []
    for entry in Annotations.from_stack(stack).find_warning("*", Match.any_value()):
        ack = re.search(r"\[ack: ([^\]]+)\]", str(entry.entry.data))
        found.append((entry.id, ack.group(1) if ack else ""))
    return sorted(found)


# ---------------------------------------------------------------------------
# Errors thrown in JavaScript
# ---------------------------------------------------------------------------

@contextmanager
def raises_js_error(message: str, code: str):
    """Expects the JavaScript error `message` with its stable `code` (the message ends with " [code]"), raised in
    Python as a RuntimeError caused by a JavaScriptError.

    jsii prefixes the error's name ("SecureBucketError: ") to the message of an error thrown by a method, not by a
    constructor: both are accepted.
    """
    with pytest.raises(RuntimeError) as raised:
        yield raised
    assert isinstance(raised.value.__cause__, jsii.errors.JavaScriptError), "not an error of the JavaScript code"
    text = str(raised.value)
    assert text.removeprefix("SecureBucketError: ").removeprefix("Error: ") == f"{message} [{code}]"


# ---------------------------------------------------------------------------
# The jsii assembly and the Python names jsii-pacmak gives its members
# ---------------------------------------------------------------------------

def _read_assembly(read) -> dict:
    """An assembly from `read(name) -> bytes`, following jsii's redirect to a compressed assembly."""
    assembly = json.loads(read(".jsii"))
    if assembly.get("schema") == "jsii/file-redirect":
        data = read(assembly["filename"])
        assembly = json.loads(gzip.decompress(data) if assembly.get("compression") == "gzip" else data)
    return assembly


def wheel_assembly() -> dict:
    """The assembly inside the installed wheel (the npm tarball jsii-pacmak bundles and the runtime loads)."""
    import cdk_secure_bucket._jsii as bundled
    [tarball] = Path(bundled.__file__).parent.glob("*.jsii.tgz")
    with tarfile.open(tarball) as tar:
        return _read_assembly(lambda name: tar.extractfile(f"package/{name}").read())


@functools.cache
def assembly() -> dict:
    """The jsii assembly: `.jsii` at the repository root after `npx projen compile`, else the one in the wheel."""
    if (REPO / ".jsii").is_file():
        return _read_assembly(lambda name: (REPO / name).read_bytes())
    return wheel_assembly()


def python_name(name: str) -> str:
    """The Python name of a member or parameter: jsii-pacmak's snake_case (codemaker's decamelize), keywords get `_`."""
    snake = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name)
    snake = re.sub(r"([A-Z])([A-Z][a-z]+)", r"\1_\2", snake).lower()
    return f"{snake}_" if keyword.iskeyword(snake) else snake


def python_location(fqn: str) -> tuple[str, list[str]]:
    """The Python module of a jsii type (of this package or a dependency) and the attribute path to it there.

    A submodule without a Python name of its own is its parent's module plus the snake_case name
    (`cdk-secure-bucket.nag` is `cdk_secure_bucket.nag`), as jsii-pacmak names it.
    """
    a = assembly()
    packages = {a["name"]: a, **a.get("dependencyClosure", {})}
    package = max((p for p in packages if fqn.startswith(p + ".")), key=len)
    modules = {package: packages[package]["targets"]["python"]["module"]}
    for name, submodule in sorted(packages[package].get("submodules", {}).items()):
        parent = modules.get(name.rpartition(".")[0], modules[package])
        modules[name] = submodule.get("targets", {}).get("python", {}).get("module") or f"{parent}.{python_name(name.rpartition('.')[2])}"
    container = max((m for m in modules if fqn.startswith(m + ".")), key=len)
    return modules[container], fqn[len(container) + 1:].split(".")


def python_type(fqn: str):
    """The Python class (or enum) of a jsii type, imported from its module."""
    module, path = python_location(fqn)
    found = importlib.import_module(module)
    for name in path:
        found = getattr(found, name)
    return found


def struct_properties(fqn: str) -> list[dict]:
    """Every property of a struct of this assembly, with those of its bases of this assembly."""
    types = assembly()["types"]
    struct = types[fqn]
    inherited = [p for base in struct.get("interfaces", []) if base in types for p in struct_properties(base)]
    return struct.get("properties", []) + inherited


def is_struct(type_ref: dict) -> bool:
    t = assembly()["types"].get(type_ref.get("fqn", ""))
    return bool(t and t.get("datatype"))
