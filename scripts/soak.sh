#!/usr/bin/env bash
# Runs the fault soak (soak/soak.ts) the way the app runs on two desks: each install of the firm keeps its secrets in
# a real keychain of its own. The soak starts every install in its own D-Bus session with a gnome-keyring over a
# throwaway home folder in its work folder (soak/app-process.ts), never the user's own keyring. It mounts a small
# tmpfs per install for the disk-full fault: run it as root or with passwordless sudo.
#   bash scripts/soak.sh [--matters N] [--live-seconds N] [--lease-ttl-seconds N] [--report FILE] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in dbus-run-session gnome-keyring-daemon fallocate mount; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is missing (bash scripts/setup.sh installs it)" >&2; exit 2; }
done
unset DBUS_SESSION_BUS_ADDRESS DISPLAY
exec node --import tsx soak/soak.ts "$@"
