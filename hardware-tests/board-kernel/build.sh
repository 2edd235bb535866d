#!/usr/bin/env bash
# Builds the kernel of the emulated 128 MiB board that DeviceScenariosTest#managedUpdateIn128MiB boots
# (hardware-tests/README.md, "128 MiB"): Debian's kernel source (linux-source-6.1, downloaded with apt-get, not
# installed), `make tinyconfig` plus board.config, one bzImage. About 11 minutes on 2 idle cores (22 CPU-minutes);
# not part of .ci/run, which does not run the device-slow tests. Made once and cached, and made again when
# board.config changes or with TANDEM_DEVICE_REFRESH=1:
#
#   $TANDEM_DEVICE_CACHE (default /var/cache/tandem-device)
#     board-kernel/vmlinuz   the kernel
#     board-kernel/config    its configuration
#     board-kernel/.done     written last, so a half-made kernel is never used; names board.config's checksum
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CACHE=${TANDEM_DEVICE_CACHE:-/var/cache/tandem-device}
out="$CACHE/board-kernel"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { printf 'board-kernel: %s\n' "$*" >&2; }

stamp="board.config $(cksum <"$here/board.config" | cut -d' ' -f1)"
if [ "${TANDEM_DEVICE_REFRESH:-0}" != 1 ] && grep -qF "$stamp" "$out/.done" 2>/dev/null; then
  log "already in $out ($(cat "$out/.done"))"
  exit 0
fi

$SUDO apt-get install -y -q --no-install-recommends build-essential bc bison flex libelf-dev libssl-dev xz-utils \
  >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download linux-source-6.1 >/dev/null 2>&1 || $SUDO apt-get download linux-source-6.1 >/dev/null
dpkg-deb -x linux-source-6.1_*.deb deb
version=$(dpkg-deb -f linux-source-6.1_*.deb Version)
tar -xaf deb/usr/src/linux-source-6.1.tar.xz
src="$work/linux-source-6.1"
build="$work/build"
log "linux-source-6.1 $version: tinyconfig + board.config"
make -s -C "$src" O="$build" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$here/board.config" >/dev/null
make -s -C "$src" O="$build" olddefconfig >/dev/null
# Every option board.config turns on or sets must have survived olddefconfig (a dependency it lacks would drop
# it). The =n lines are not checked: tinyconfig's EXPERT selects DEBUG_KERNEL whatever board.config says.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=[y"0-9]' "$here/board.config" | while IFS= read -r line; do
  grep -qxF "$line" "$build/.config" || echo "$line"
done)
[ -z "$missing" ] || { log "options dropped by olddefconfig: $missing"; exit 1; }
log "make bzImage (about 11 minutes on 2 idle cores)"
make -s -C "$src" O="$build" -j"$(nproc)" bzImage >"$work/make.log" 2>&1 || { tail -30 "$work/make.log" >&2; exit 1; }

$SUDO rm -rf "$out.tmp"
$SUDO mkdir -p "$out.tmp"
$SUDO cp "$build/arch/x86/boot/bzImage" "$out.tmp/vmlinuz"
$SUDO cp "$build/.config" "$out.tmp/config"
echo "linux-source-6.1 $version, $stamp, $(stat -c %s "$build/arch/x86/boot/bzImage") bytes, $(date -u +%F)" \
  | $SUDO tee "$out.tmp/.done.tmp" >/dev/null
$SUDO rm -rf "$out"
$SUDO mv "$out.tmp" "$out"
$SUDO mv "$out/.done.tmp" "$out/.done"
log "done: $out ($(cat "$out/.done"))"
