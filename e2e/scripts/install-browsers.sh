#!/usr/bin/env bash
# Installs the Debian packages the browser suite drives (see shared notes on browsers): Chromium, Firefox ESR,
# WebKitGTK's WebDriver + MiniBrowser, and Xvfb for MiniBrowser, which has no headless mode.
# Idempotent and silent when everything is already there; `apt-get update` runs only if a first install fails,
# because a fresh machine's package lists may be missing or stale.
set -uo pipefail

packages=(chromium firefox-esr webkit2gtk-driver xvfb xauth)
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = 'install ok installed' ] || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "[e2e] missing ${missing[*]}, and no apt-get to install them with (these machines run Debian)" >&2
  exit 1
fi
# -n: fail at once rather than wait for a password nobody will type (CI has no standard input).
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)

echo "[e2e] installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
install() { "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/e2e-apt.log 2>&1; }
if ! install; then
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1
  if ! install; then
    echo "[e2e] apt-get install failed (log: /tmp/e2e-apt.log):" >&2
    tail -n 20 /tmp/e2e-apt.log >&2
    exit 1
  fi
fi
echo "[e2e] installed: ${missing[*]}"
