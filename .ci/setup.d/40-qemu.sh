#!/usr/bin/env bash
# hardware-tests (issue 6): QEMU, firmware, bootloaders and the guest kernels for the real-boot scenarios.
#
# Installs the emulators and bootloader packages, then fetches Debian's amd64 and arm64 kernels and the arm64
# busybox WITHOUT installing them (`apt-get download` + `dpkg-deb -x`): installing linux-image-amd64 would run
# update-initramfs and fill /boot for nothing, and the arm64 packages cannot be installed on amd64 at all.
# Everything fetched lands in a fixed cache dir; a rerun that finds both trees there only checks the installed
# packages (about 3 s; TANDEM_QEMU_REFRESH=1 re-resolves the kernel versions and fetches newer ones):
#
#   $TANDEM_QEMU_CACHE (default /var/cache/tandem-qemu)
#     amd64/   boot/vmlinuz-<kver>, lib/modules/<kver>/...       (linux-image-<kver>-amd64)
#     arm64/   boot/vmlinuz-<kver>, lib/modules/<kver>/..., bin/busybox  (linux-image-<kver>-arm64, busybox-static)
#     debs/    the downloaded .deb files
#     */.done  the package versions that were extracted
#
# The tests (hardware-tests/README.md) look there, or where -Dtandem.qemu.cache / TANDEM_QEMU_CACHE point.
set -euo pipefail

CACHE=${TANDEM_QEMU_CACHE:-/var/cache/tandem-qemu}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
APT=($SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)

log() { printf '40-qemu: %s\n' "$*" >&2; }

packages=(
  qemu-system-x86 qemu-system-arm
  u-boot-qemu grub-pc-bin grub-efi-amd64-bin grub-common ovmf
  busybox-static u-boot-tools libubootenv-tool
  mtools dosfstools e2fsprogs fdisk cpio util-linux gzip
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
lists_fresh=0
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  "${APT[@]}" update
  lists_fresh=1
  "${APT[@]}" install -y --no-install-recommends "${missing[@]}"
fi

# Any kernel boots the scenarios, so once both trees are extracted they are kept (apt-cache queries take seconds
# each on a loaded machine); TANDEM_QEMU_REFRESH=1 re-resolves the versions and fetches newer ones.
if [ "${TANDEM_QEMU_REFRESH:-0}" != 1 ] && [ -f "$CACHE/amd64/.done" ] && [ -f "$CACHE/arm64/.done" ] \
   && ls "$CACHE"/amd64/boot/vmlinuz-* "$CACHE"/arm64/boot/vmlinuz-* "$CACHE"/arm64/bin/busybox >/dev/null 2>&1; then
  log "kernels already in $CACHE: $(cat "$CACHE/amd64/.done")$(cat "$CACHE/arm64/.done")"
  exit 0
fi

# The arm64 kernel and busybox come from the arm64 package lists.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "adding the arm64 architecture (package lists only; nothing arm64 is installed)"
  $SUDO dpkg --add-architecture arm64
  lists_fresh=0
fi

# kernel_pkg ARCH -> linux-image-<kver>-<flavour> that the meta package depends on
kernel_pkg() {
  apt-cache depends "linux-image-$1:$1" 2>/dev/null \
    | sed -n 's/.*Depends: \(linux-image-[0-9][^: ]*\).*/\1/p' | head -1
}
candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -1; }

if [ -z "$(kernel_pkg arm64)" ] && [ "$lists_fresh" = 0 ]; then
  "${APT[@]}" update
  lists_fresh=1
fi

# fetch DIR PKG:ARCH... : extract the packages into DIR unless exactly these versions are there already;
# .debs already in $CACHE/debs are not downloaded again
fetch() {
  local dir=$1; shift
  local want="" spec v
  for spec in "$@"; do
    v=$(candidate "$spec")
    [ -n "$v" ] && [ "$v" != "(none)" ] || { log "no candidate for $spec"; exit 1; }
    want+="$spec=$v "
  done
  if [ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$want" ]; then
    log "$dir is up to date ($want)"
    return
  fi
  $SUDO mkdir -p "$CACHE/debs"
  local debs=() name
  for name in $(apt-get download --print-uris "$@" | awk '{print $2}'); do
    if [ ! -s "$CACHE/debs/$name" ]; then
      log "downloading $name"
      local tmp
      tmp=$(mktemp -d)
      chmod 777 "$tmp"   # apt-get download drops privileges to _apt where it can
      (cd "$tmp" && apt-get -q download "$@" >&2)
      $SUDO cp "$tmp"/*.deb "$CACHE/debs/"
      rm -rf "$tmp"
    fi
    [ -s "$CACHE/debs/$name" ] || { log "download of $name failed"; exit 1; }
    debs+=("$CACHE/debs/$name")
  done
  log "extracting ${debs[*]##*/} into $dir"
  $SUDO rm -rf "$dir"
  $SUDO mkdir -p "$dir"
  local deb
  for deb in "${debs[@]}"; do
    $SUDO dpkg-deb -x "$deb" "$dir"
  done
  printf '%s' "$want" | $SUDO tee "$dir/.done" >/dev/null
}

amd64_kernel=$(kernel_pkg amd64)
arm64_kernel=$(kernel_pkg arm64)
[ -n "$amd64_kernel" ] || { log "cannot find the amd64 kernel package (apt-cache depends linux-image-amd64)"; exit 1; }
[ -n "$arm64_kernel" ] || { log "cannot find the arm64 kernel package (apt-cache depends linux-image-arm64:arm64)"; exit 1; }
fetch "$CACHE/amd64" "$amd64_kernel:amd64"
fetch "$CACHE/arm64" "$arm64_kernel:arm64" "busybox-static:arm64"

# Fail loudly here rather than with a skipped test later.
ls "$CACHE"/amd64/boot/vmlinuz-* "$CACHE"/arm64/boot/vmlinuz-* "$CACHE"/arm64/bin/busybox >/dev/null
for f in /usr/lib/u-boot/qemu_arm64/u-boot.bin /usr/lib/grub/i386-pc/boot.img /usr/share/OVMF/OVMF_CODE.fd \
         /bin/busybox; do
  [ -e "$f" ] || { log "missing $f"; exit 1; }
done
for t in qemu-system-x86_64 qemu-system-aarch64 grub-mkimage mkimage mkenvimage fw_printenv mcopy mkfs.ext4 sfdisk \
         losetup cpio unshare; do
  command -v "$t" >/dev/null || { log "missing tool $t"; exit 1; }
done
log "ok: $(basename "$CACHE"/amd64/boot/vmlinuz-*) $(basename "$CACHE"/arm64/boot/vmlinuz-*) in $CACHE"
