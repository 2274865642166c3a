#!/usr/bin/env bash
# Make Debian's Chromium and ChromeDriver available for the browser tests:
# /usr/bin/chromium and /usr/bin/chromedriver. Does nothing when both are there.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "ensure-chromium: installing chromium needs root, and sudo is not available." >&2
    echo "ensure-chromium: run as root: apt-get install chromium chromium-driver" >&2
    exit 1
fi

echo "ensure-chromium: installing Debian's chromium and chromium-driver..."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends chromium chromium-driver
} >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-chromium: apt-get failed (output above)." >&2
    exit 1
fi

for binary in /usr/bin/chromium /usr/bin/chromedriver; do
    if [ ! -x "$binary" ]; then
        echo "ensure-chromium: $binary is still missing after the install." >&2
        exit 1
    fi
done
