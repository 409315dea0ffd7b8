#!/usr/bin/env bash
# The demo: set up, then the whole flow on the shipped examples: validate, plan, render,
# sign and publish to outbox/, and check every signature that was published.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== tanu standards list"
node bin/tanu.js standards list
echo
echo "== tanu run examples/*"
set +e
# Progress: a bar on a terminal, JSON log lines on stderr otherwise; the summary on stdout.
node bin/tanu.js run examples/*
rc=$?
set -e
# Exit 1 means "some rows are invalid": the examples carry such rows on purpose.
if [ "$rc" -gt 1 ]; then exit "$rc"; fi
echo
echo "== tanu verify outbox/"
node bin/tanu.js verify outbox/ | cut -c1-110
echo
echo "== tanu registry export"
node bin/tanu.js registry export --format xlsx --out var/registry.xlsx
echo
echo "== tanu export --out var/archive.zip, then tanu verify var/archive.zip"
node bin/tanu.js export --out var/archive.zip
node bin/tanu.js verify var/archive.zip
echo
echo "Signed documents are in outbox/<centre>/<date>/<batch>/ (certificates/, protocols/, contracts/),"
echo "each PDF with its .p7s beside it, report.json and manifest.json with manifest.json.p7s per batch;"
echo "var/archive.zip is the archive package of all of them (see README.txt inside it)."
echo "Running the demo again publishes nothing new: every file was handled once."
