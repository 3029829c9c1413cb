"""SecureBucketAspect from Python: the place for its tests (issue 7), once the Aspect lands.

What belongs here, asserted like test_secure_bucket.py (helpers.new_stack, Template, Annotations):
- enforce mode over a non-compliant bucket (e.g. a plain `s3.Bucket`): synthesis fails with a
  RuntimeError whose message holds the rule id;
- report mode over the same bucket: the finding is a warning (Annotations.from_stack(...).has_warning),
  synthesis succeeds;
- an acknowledgement (`cdk.Validations.of(bucket).acknowledge(cdk.Acknowledgment(id=..., reason=...))`)
  silences the finding on that one bucket only;
- the report file written to the cloud assembly (app.synth().directory).
"""
