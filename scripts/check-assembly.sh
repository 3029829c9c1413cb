#!/usr/bin/env bash
# Runs the independent checkers (cdk-nag, AWS Control Tower, checkov, cfn-lint) over a synthesized
# cloud assembly, without projen. Same arguments as scripts/check-assembly.ts:
#
#   scripts/check-assembly.sh <cloud-assembly-dir> [--allowlist <file> | --no-allowlist] [--checkers <list>] [--report <file>]
#
# Needs `npm ci` in this repository (cdk-nag, the cfn-guard rules, ts-node), and checkov and cfn-lint
# from PyPI (see the README). Relative paths are taken from the current directory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -x "$here/../node_modules/.bin/ts-node" ]; then
  echo "check-assembly: ts-node is not installed: run 'npm ci' in $(cd "$here/.." && pwd)" >&2
  exit 2
fi
# Type-checking is the job of the build; transpile-only starts in a second instead of ten.
exec "$here/../node_modules/.bin/ts-node" --transpile-only --project "$here/tsconfig.json" "$here/check-assembly.ts" "$@"
