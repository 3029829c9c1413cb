"""The Python example of the README's "Python" section runs as written."""
import re
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from helpers import restriction_statements

README = Path(__file__).resolve().parent.parent / "README.md"


def python_section_examples() -> list[str]:
    text = README.read_text()
    section = re.search(r"^## Python\n(.*?)^## ", text, re.S | re.M)
    assert section, "README.md has no '## Python' section"
    return re.findall(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)


def test_the_python_section_has_an_example():
    assert len(python_section_examples()) >= 1


@pytest.mark.parametrize("source", python_section_examples())
def test_the_python_example_synthesizes_the_buckets_it_shows(source):
    # GIVEN the example (its app writes the cloud assembly to a temporary folder, as outside the CDK CLI)
    scope: dict = {}

    # WHEN it runs
    exec(compile(source, str(README), "exec"), scope)

    # THEN it built what it says: two SecureBuckets, RoleOnly on the first, any_of on the second
    stack = scope["stack"]
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 3)  # Data, Shared and the shared access logs bucket
    data = stack.node.find_child("Data")
    shared = stack.node.find_child("Shared")
    assert [s["Sid"] for s in restriction_statements(template, data)] == ["RestrictRoleOnly1"]
    assert [s["Sid"] for s in restriction_statements(template, shared)] == ["RestrictAnyOfVpcEndpointOnlyOrSourceIpOnly1"]
    # app.synth() ran: synthesizing again returns the same cloud assembly, with the template in it.
    assert Path(scope["app"].synth().directory, "Storage.template.json").exists()


def test_no_typescript_example_calls_with_which_would_translate_into_invalid_python():
    # jsii-rosetta translates `bucket.with(...)` literally, and `with` is a Python keyword (jsii names
    # the method `with_`); the examples use `Mixins.of(bucket).apply(...)`, which translates as is.
    examples = re.findall(r"^```ts\n(.*?)^```", README.read_text(), re.S | re.M)
    assert examples
    assert [e for e in examples if re.search(r"\.with\(", e)] == []
