#!/usr/bin/env bash
# Sets up a fresh Debian machine that has Node 20: the Debian packages Tanu and its tests
# use (installed only when missing), then the npm packages from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package. Chromium renders documents; poppler, openssl, zbar, qpdf and
# certutil are the independent checkers the tests use (unzip unpacks an archive package as
# an archivist would); the ledger tests start a private
# PostgreSQL cluster with Debian's server binaries (docs/deploy.md), which are not on PATH.
# SoftHSM2 is the PKCS#11 token the signing tests use; g++, make and python3 build
# pkcs11js's native module from the npm registry (node-gyp downloads nothing else).
declare -A NEEDS=(
  [softhsm2-util]=softhsm2
  [g++]=g++
  [make]=make
  [python3]=python3
  [chromium]=chromium
  [pdfsig]=poppler-utils
  [pdftotext]=poppler-utils
  [openssl]=openssl
  [zbarimg]=zbar-tools
  [qpdf]=qpdf
  [certutil]=libnss3-tools
  [unzip]=unzip
)
missing=()
for cmd in "${!NEEDS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDS[$cmd]}")
done
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if ((${#missing[@]} > 0)); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Puppeteer must not download a browser of its own (it cannot here): Debian's chromium is used.
export PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  # Not `npm ci`: npm 11 leaves other platforms' optional packages (rollup's) out of the
  # lock file and then refuses it as out of sync. `npm install` installs the same locked
  # versions and leaves the lock file as it is.
  npm install --no-audit --no-fund --loglevel=error
fi
