#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up, type-check, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

npx tsc -p .
mkdir -p var
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=var/test-results.json || status=$?
# One plain closing line that any CI reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync("var/test-results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
