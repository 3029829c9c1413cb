"""The pytest suite proves the Python package built by jsii-pacmak works from Python.

The TypeScript tests prove the templates, policies and rules in depth. These tests prove what only
Python can: the Python names of every type and member, constructs instantiated with Python values,
errors arriving as Python exceptions, enums, structs, lists, dicts and callbacks crossing the jsii
boundary, the Aspect's report read from a Python app, and the Python examples of the docs.

Run with `bash scripts/python-tests.sh`: it installs the wheel with aws-cdk-lib and constructs from PyPI.
"""
import aws_cdk as cdk
import pytest

# Plain `assert`s in helpers.py (raises_js_error) show both sides when they fail, as in the test modules.
pytest.register_assert_rewrite("helpers")

from helpers import new_app, new_stack  # noqa: E402


@pytest.fixture
def app(tmp_path) -> cdk.App:
    """An App writing its cloud assembly into the test's temporary directory."""
    return new_app(outdir=str(tmp_path / "cdk.out"))


@pytest.fixture
def stack(app: cdk.App) -> cdk.Stack:
    """The stack `Stack` of `app`, in account 111111111111, us-east-1."""
    return new_stack(app)
