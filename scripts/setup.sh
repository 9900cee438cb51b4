#!/usr/bin/env bash
# One-time set-up for a new machine (developer or CI): Debian packages the tests need, then npm packages.
# Safe to run again. Needs root (or sudo) for apt-get; skips apt when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export DEBIAN_FRONTEND=noninteractive

# chromium: renderer end-to-end tests; xvfb: headed windows; gnome-keyring + dbus: a real Secret Service
# for the keychain adapter; libsecret-1-dev: keytar's native build; build-essential/python3: node-gyp;
# postgresql: the relay's storage tests start a throwaway PostgreSQL cluster (the package's own cluster is not used);
# squid: the proxy tests start their own squid as the firm's only route out (the package's own service is not used);
# openssl: the private-CA tests make a root CA and a server certificate.
DEB_PACKAGES=(chromium xvfb xauth gnome-keyring dbus dbus-x11 libsecret-1-dev build-essential python3 postgresql squid openssl)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: installing npm packages"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
