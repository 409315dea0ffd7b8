#!/usr/bin/env bash
# Refreshes the sample renders the README shows (docs/*.png): `tanu preview` prints each
# document as a sample, and pdftoppm rasterizes its first page at 96 dpi (A4 = 794 × 1123),
# so the pictures show the printed page, margins and running headers included.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for document in certificate protocol contract attestation-protocol violation-act; do
  for language in kk ru; do
    node bin/tanu.js preview --document "$document" --document-language "$language" --out "$out" >/dev/null
    pdftoppm -png -r 96 -f 1 -l 1 -singlefile "$out/$document-$language.pdf" "docs/$document-$language"
  done
done
