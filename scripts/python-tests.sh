#!/usr/bin/env bash
# Runs the pytest suite in python-tests/ against the Python package built by jsii-pacmak.
#
#   npx projen package:python && bash scripts/python-tests.sh
#
# Uses the virtual environment .venv (created when missing), installs the pinned aws-cdk-lib,
# constructs and pytest from python-tests/requirements.txt (pip skips them when the pinned
# versions are already there, so the ~100 MB aws-cdk-lib is downloaded once per venv), then
# reinstalls the freshly built wheel from dist/python without touching its dependencies.
# Writes test-reports/pytest.xml (JUnit) and exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
requirements=python-tests/requirements.txt

shopt -s nullglob
wheels=(dist/python/cdk_secure_bucket-*.whl)
shopt -u nullglob
if [ "${#wheels[@]}" -ne 1 ]; then
  echo "python-tests: expected exactly one wheel in dist/python, found ${#wheels[@]}: run 'npx projen package:python' first" >&2
  exit 1
fi
wheel="${wheels[0]}"
if [ .jsii -nt "$wheel" ]; then
  echo "python-tests: $wheel is older than .jsii: run 'npx projen package:python' to test the current code" >&2
  exit 1
fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)

# The pinned dependencies, resolved together with the wheel's own requirements (a conflict fails here).
"${pip[@]}" install -r "$requirements" "$wheel"
# The wheel's version is always 0.0.0: force the freshly built one in, without reinstalling its deps.
"${pip[@]}" install --force-reinstall --no-deps --no-cache-dir "$wheel"

echo "python-tests: $("$venv/bin/python" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("cdk-secure-bucket", "aws-cdk-lib", "constructs", "jsii", "pytest")))')"

mkdir -p test-reports
exec "$venv/bin/python" -m pytest python-tests --junitxml=test-reports/pytest.xml -q -p no:cacheprovider
