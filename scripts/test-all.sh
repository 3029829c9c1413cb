#!/usr/bin/env bash
# Runs everything that proves the project and prints one closing line: "N passed, N failed".
#
#   npx projen test:all
#
# Steps (each also counted as one check): jsii compile with README examples compiled by
# jsii-rosetta (strict), the generated files up to date, jest (every TypeScript test) and eslint
# (checking, never fixing), the example app synthesizes, the independent checkers, the Python
# package builds with jsii-pacmak and its tests pass, and finally: the run changed no file of the
# tree (a generated file out of date, or a step that writes into the tree, fails the run).
set -uo pipefail
cd "$(dirname "$0")/.."

rm -rf test-reports && mkdir -p test-reports

# Every temporary directory of the run (each test app's cloud assembly: aws-cdk-lib makes one per App
# without an outdir, and the tests' own) goes under one directory, removed when the run ends: a run
# used to leave over a thousand directories in /tmp (measured: 1,500 cdk.out* and 450 sb-* after two jest runs).
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/cdk-secure-bucket-test-all.XXXXXX")"
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR="$run_tmp"
steps=test-reports/steps.tsv
: > "$steps"

# The tree as the run found it (a clean clone in CI; a developer's uncommitted work locally).
tree_state() { git status --porcelain=v1 --untracked-files=all && git diff --binary; }
tree_before="$(tree_state | sha256sum)"

step() {
  local name="$1"; shift
  echo "::: ${name}"
  local started=$SECONDS
  if "$@"; then
    printf '%s\tpassed\t%s\n' "$name" "$((SECONDS - started))" >> "$steps"
  else
    printf '%s\tfailed\t%s\n' "$name" "$((SECONDS - started))" >> "$steps"
  fi
}

python_env() {
  # The Python build needs setuptools, build and twine (from PyPI) in a virtual environment.
  [ -x .venv/bin/python ] || python3 -m venv .venv || return 1
  .venv/bin/pip install --quiet --disable-pip-version-check setuptools build twine
}

generated_files_up_to_date() {
  # projen's files (package.json, .projen/, .eslintrc.json, tsconfig files), API.md and RULES.md are generated:
  # regenerating them must change nothing.
  # The compile step before this one wrote API.md.
  npx projen && npx projen rules-md || return 1
  [ "$(tree_state | sha256sum)" = "$tree_before" ] || {
    git status --short --untracked-files=all
    echo "Generated files are out of date: run 'npx projen', 'npx projen compile' (API.md) and 'npx projen rules-md' (RULES.md), and commit them."
    return 1
  }
}

tree_unchanged() {
  [ "$(tree_state | sha256sum)" = "$tree_before" ] && return 0
  echo "The run changed the tree (a step wrote into it, or a generated file was out of date):"
  git status --short --untracked-files=all
  return 1
}

python_package() {
  PATH="$PWD/.venv/bin:$PATH" npx projen package:python && ls dist/python/*.whl
}

run_checkers() {
  # checkov and cfn-lint (PyPI) get a virtual environment of their own: checkov pins packaging<24
  # and boto3, which would break build and twine in .venv.
  [ -x .venv/checkers/bin/python ] || python3 -m venv .venv/checkers || return 1
  .venv/checkers/bin/pip install --quiet --disable-pip-version-check checkov==3.3.30 cfn-lint==1.58.0 || return 1
  npx ts-node --project scripts/tsconfig.json scripts/check-assembly.ts examples/cdk.out
}

compile() { npx projen compile && npx projen post-compile; }
step "jsii compile, README examples compiled by jsii-rosetta (strict), API.md generated" compile
step "generated files (projen's, API.md, RULES.md) match the code" generated_files_up_to_date
step "type-check of the tests (ts-jest runs them without type-checking)" npx tsc --noEmit -p test/tsconfig.json
step "jest and eslint" npx projen test
step "example app synthesizes" npx projen example
step "independent checkers on the example app (cdk-nag, Control Tower, checkov, cfn-lint)" run_checkers
step "Python virtual environment" python_env
step "Python package builds (jsii-pacmak)" python_package
step "Python tests (pytest, the built wheel with aws-cdk-lib from PyPI)" bash scripts/python-tests.sh
step "the run changed no file of the tree" tree_unchanged

node scripts/summarize-tests.js test-reports
