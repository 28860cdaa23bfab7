#!/usr/bin/env bash
# Installs what the tests need besides the Rust toolchain:
#   zbarimg (Debian/Ubuntu package zbar-tools) to prove rendered barcodes scan.
# On other systems it says what to install and fails.
set -euo pipefail

if command -v zbarimg >/dev/null 2>&1; then
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  echo "Installing zbar-tools (zbarimg) for the barcode round-trip tests..."
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo"; else
      echo "error: zbarimg is missing and installing it needs root: run 'apt-get install zbar-tools' as root" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq >/dev/null || true
  if $sudo_cmd apt-get install -y -qq zbar-tools >/dev/null; then
    command -v zbarimg >/dev/null && exit 0
  fi
fi

cat >&2 <<'MSG'
error: zbarimg is needed by the barcode round-trip tests and could not be installed.
  Debian/Ubuntu: apt-get install zbar-tools
  Fedora:        dnf install zbar
  macOS:         brew install zbar
MSG
exit 1
