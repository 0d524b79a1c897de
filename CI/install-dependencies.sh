#!/usr/bin/env bash
# Installs what CrossCheck needs beyond Swift: MPFR (and GMP) with their headers.
# Debian/Ubuntu: apt-get (with sudo when not root); macOS: Homebrew. Does nothing if already there.
set -euo pipefail

if pkg-config --exists mpfr 2>/dev/null && [ -f "$(pkg-config --variable=includedir mpfr)/mpfr.h" ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y libmpfr-dev libgmp-dev pkg-config
elif command -v brew >/dev/null 2>&1; then
  brew install mpfr pkg-config
else
  echo "install-dependencies: install MPFR and GMP development files (libmpfr-dev, libgmp-dev) yourself" >&2
  exit 1
fi
