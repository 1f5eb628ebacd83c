#!/usr/bin/env bash
# Installs the Debian packages libbaton needs to build, test and document itself.
# Idempotent: packages already installed are left alone, and apt's package lists are refreshed only
# when something is missing. Run as root, or as a user with sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libsqlite3-dev sqlite3 libzstd-dev zstd
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev libyaml-dev libxml2-dev
  libcmocka-dev
  libmicrohttpd-dev chromium curl
  libldap-dev slapd ldap-utils
  doxygen
)

# Optional sets, never needed by the main build: --fuzz (scripts/fuzz.sh: clang and its libFuzzer
# runtime), --valgrind (scripts/valgrind.sh).
for arg in "$@"; do
  case "$arg" in
    --fuzz) packages+=(clang libclang-rt-dev) ;;
    --valgrind) packages+=(valgrind) ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
