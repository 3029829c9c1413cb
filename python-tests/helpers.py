"""Helpers shared by the test modules (the counterparts of the TypeScript tests' helpers)."""
import inspect
import re

import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match, Template
from constructs import IConstruct

ACCOUNT = "111111111111"
REGION = "us-east-1"


def new_app(**kwargs) -> cdk.App:
    """An App without the slow built-in CloudFormation validation, where aws-cdk-lib has that switch.

    One test (test_secure_bucket.py) keeps the validation on, on purpose.
    """
    if "builtin_cloud_formation_validation" in inspect.signature(cdk.App.__init__).parameters:
        kwargs.setdefault("builtin_cloud_formation_validation", False)
    return cdk.App(**kwargs)


def new_stack(app: cdk.App | None = None) -> cdk.Stack:
    """The stack `Stack` in account 111111111111, us-east-1, in its own app unless one is given."""
    return cdk.Stack(app or new_app(), "Stack", env=cdk.Environment(account=ACCOUNT, region=REGION))


def logical_id(construct: IConstruct) -> str:
    """Logical id of the L1 resource behind an L2 construct (or of an L1 itself)."""
    element = construct.node.default_child or construct
    return cdk.Stack.of(element).get_logical_id(element)


def bucket_arn(bucket: IConstruct) -> dict:
    return {"Fn::GetAtt": [logical_id(bucket), "Arn"]}


def objects_arn(bucket: IConstruct) -> dict:
    return {"Fn::Join": ["", [bucket_arn(bucket), "/*"]]}


def key_arn(key: IConstruct) -> dict:
    return {"Fn::GetAtt": [logical_id(key), "Arn"]}


def logical_id_of(template: Template, type_: str, prefix: str) -> str:
    """The one logical id of a resource type that starts with `prefix`."""
    ids = [i for i in template.find_resources(type_) if i.startswith(prefix)]
    assert len(ids) == 1, f"expected one {type_} starting with {prefix}, found {ids}"
    return ids[0]


def only(template: Template, type_: str) -> dict:
    """The one resource of `type_` in the template."""
    resources = list(template.find_resources(type_).values())
    assert len(resources) == 1, f"expected one {type_}, found {len(resources)}"
    return resources[0]


def find_resource(template: Template, type_: str, construct: IConstruct) -> dict:
    """The one resource of `type_` behind `construct` in the template (all of it: Properties, DeletionPolicy, ...)."""
    resources = template.find_resources(type_)
    lid = logical_id(construct)
    assert lid in resources, f"no {type_} {lid} in {sorted(resources)}"
    return resources[lid]


def bucket_properties(template: Template, bucket: IConstruct) -> dict:
    return find_resource(template, "AWS::S3::Bucket", bucket)["Properties"]


def policy_statements(template: Template, bucket: IConstruct) -> list:
    """The statements of the one bucket policy attached to `bucket`."""
    policies = template.find_resources("AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": logical_id(bucket)}}})
    assert len(policies) == 1, f"expected one bucket policy for {bucket.node.path}, found {len(policies)}"
    return next(iter(policies.values()))["Properties"]["PolicyDocument"]["Statement"]


def restriction_statements(template: Template, bucket: IConstruct) -> list:
    """The statements that access restrictions added (`Restrict...` Sids), in order."""
    return [s for s in policy_statements(template, bucket) if str(s.get("Sid", "")).startswith("Restrict")]


def warnings(stack: cdk.Stack) -> list[tuple[str, str, str]]:
    """(path, id, message) of every warning in the stack; the id is the `[ack: ...]` of the message."""
    found = []
    for entry in Annotations.from_stack(stack).find_warning("*", Match.any_value()):
        message = str(entry.entry.data)
        ack = re.search(r"\[ack: ([^\]]+)\]", message)
        found.append((entry.id, ack.group(1) if ack else "", message))
    return found
