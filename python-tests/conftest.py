"""Fixtures of the pytest suite: the Python package used from a real Python CDK app.

Run it with `bash scripts/python-tests.sh`, which installs the wheel built by jsii-pacmak together
with aws-cdk-lib and constructs from PyPI (python-tests/requirements.txt).
"""
import aws_cdk as cdk
import pytest

from helpers import new_app, new_stack


@pytest.fixture
def app() -> cdk.App:
    """An App with builtin_cloud_formation_validation=False (when the installed aws-cdk-lib has it)."""
    return new_app()


@pytest.fixture
def stack(app: cdk.App) -> cdk.Stack:
    """A Stack in account 111111111111, us-east-1."""
    return new_stack(app)
