#!/usr/bin/env bash
# Runs the fault soak (soak/soak.ts) the way the app runs on a desk: secrets in a real keychain. The soak gets its
# own D-Bus session and a gnome-keyring over a throwaway home folder, never the user's own keyring. It mounts a
# small tmpfs for the disk-full fault: run it as root or with passwordless sudo.
#   bash scripts/soak.sh [--matters N] [--live-seconds N] [--report FILE] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in dbus-run-session gnome-keyring-daemon fallocate mount; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is missing (bash scripts/setup.sh installs it)" >&2; exit 2; }
done
keyring_home="$(mktemp -d /tmp/css-soak-keyring-XXXXXX)"
trap 'rm -rf "$keyring_home"' EXIT
mkdir -m 700 "$keyring_home/run"
export HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/data" XDG_CONFIG_HOME="$keyring_home/config" \
  XDG_CACHE_HOME="$keyring_home/cache" XDG_RUNTIME_DIR="$keyring_home/run"
unset DBUS_SESSION_BUS_ADDRESS DISPLAY
repo="$(pwd)"
exec dbus-run-session -- sh -c 'echo -n soak | gnome-keyring-daemon --unlock --components=secrets >/dev/null && cd "$0" && exec node --import tsx soak/soak.ts "$@"' "$repo" "$@"
