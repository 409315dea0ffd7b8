#!/usr/bin/env bash
# The demo: set up, check the standards library, validate the shipped example files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== tanu standards list"
node bin/tanu.js standards list
echo
echo "== tanu validate examples/*"
set +e
node bin/tanu.js validate examples/*
rc=$?
set -e
# Exit 1 means "some rows are invalid": the examples carry such rows on purpose.
if [ "$rc" -gt 1 ]; then exit "$rc"; fi
echo
echo "The example files are valid except for the rows reported above; fix those and run again."
