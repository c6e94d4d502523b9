#!/usr/bin/env bash
# Installs what Sweep needs on Debian 12 (Debian packages, npm packages) and checks the Rust
# toolchain. Safe to run again: when everything is there it only checks, in a second or two.
# Works as root and as a normal user (who needs sudo only when a package is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# PostgreSQL + PostGIS for the embedded database; Chromium and its driver for browser tests;
# aiosmtpd as the loopback SMTP server in tests; venv for the test tools from PyPI; a C compiler
# for crates with C parts.
packages=(postgresql-15 postgresql-15-postgis-3 chromium chromium-driver python3-aiosmtpd python3-venv
          ca-certificates gcc libc6-dev pkg-config util-linux)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    die "these Debian packages are missing and there is no sudo to install them: ${missing[*]}"
  fi
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# Rust: Debian's own cargo is too old for Sweep's dependencies, so a rustup toolchain is used.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || die "Rust is not installed: install it with rustup (https://rustup.rs), then run this again"
rust_version=$(rustc --version | awk '{print $2}')
rust_minor=$(echo "$rust_version" | cut -d. -f2)
[ "$(echo "$rust_version" | cut -d. -f1)" -gt 1 ] || [ "$rust_minor" -ge 85 ] \
  || die "Rust $rust_version is too old: Sweep needs 1.85 or newer (rustup update)"

# Front-end packages (Leaflet) from the npm registry, as locked in web/package-lock.json.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  say "installing npm packages in web/"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
