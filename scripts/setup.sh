#!/usr/bin/env bash
# Installs the Debian packages lfhost's build, tests and tools need. Idempotent, and fast
# when everything is already there (one dpkg-query, no apt-get update).
set -euo pipefail

packages=(
  build-essential cmake pkg-config  # toolchain
  libyaml-dev                       # bundle loader
  libcunit1-dev                     # unit tests
  clang libclang-rt-14-dev          # libFuzzer targets (tests/fuzz)
  zlib1g-dev libsnappy-dev          # Avro codecs (deflate, snappy)
  libjansson-dev                    # Iceberg metadata JSON
  libssl-dev                        # sha2/md5 in SQL expressions, HMAC pseudonyms, Shared Key
  libcurl4-openssl-dev libexpat1-dev  # Azure Blob REST and managed identity; Blob listings
  openssl                           # test certificates for Azurite over HTTPS
  libavro-dev                       # bench/: the Avro C baseline the codec is measured against
  python3 python3-avro python3-snappy  # independent Avro reader in the storage tests
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Node.js and npm run Azurite (tests) and DuckDB (bench); any Node >= 18 will do, so a
# machine that already has one (e.g. from NodeSource) keeps it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "setup: all packages present"
