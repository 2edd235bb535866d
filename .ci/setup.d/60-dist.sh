#!/usr/bin/env bash
# dist (issue 14): lintian for the .deb, and a plain Debian 12 root (debootstrap --variant=minbase: no JDK, no
# systemd) that dist's DebInstallTest copies and installs the .deb into, in a chroot. The root is made once and
# cached; a rerun that finds it only checks the packages (TANDEM_DEBOOTSTRAP_REFRESH=1 makes it again):
#
#   $TANDEM_DEBOOTSTRAP_CACHE (default /var/cache/tandem-debootstrap)
#     bookworm/        the root
#     bookworm/.done   written last, so a half-made root is never used
#
# The test looks there, or where -Dtandem.debootstrap.cache / TANDEM_DEBOOTSTRAP_CACHE point.
set -euo pipefail

CACHE=${TANDEM_DEBOOTSTRAP_CACHE:-/var/cache/tandem-debootstrap}
MIRROR=${TANDEM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { printf '60-dist: %s\n' "$*" >&2; }

missing=()
for p in debootstrap lintian dpkg-dev fakeroot; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
fi

root="$CACHE/bookworm"
if [ "${TANDEM_DEBOOTSTRAP_REFRESH:-0}" != 1 ] && [ -f "$root/.done" ]; then
  log "Debian 12 root already in $root ($(cat "$root/.done"))"
  exit 0
fi
log "making a Debian 12 root in $root (debootstrap --variant=minbase, from $MIRROR)"
$SUDO rm -rf "$root"
$SUDO mkdir -p "$CACHE"
$SUDO debootstrap --variant=minbase bookworm "$root" "$MIRROR" >&2
# apt's package lists and downloaded .debs are not needed in the copies the test makes
$SUDO rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
date -u +%Y-%m-%dT%H:%M:%SZ | $SUDO tee "$root/.done" >/dev/null
if [ -e "$root/usr/bin/java" ]; then log "unexpected: java in the root"; exit 1; fi
log "ok: $(du -sh "$root" | cut -f1) in $root"
