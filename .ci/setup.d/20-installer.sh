#!/usr/bin/env bash
# Install-flow tests (stream-installer, cli): nginx and openssl (HTTP/HTTPS interop), e2fsprogs (mke2fs -d,
# mkfs.ext4), util-linux (losetup, mount), diffutils (cmp). Loop-device tests need root and /dev/loop-control
# and are skipped, with the reason, without them. Idempotent: installs only what is missing.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

missing=()
have nginx || missing+=(nginx-light)
have openssl || missing+=(openssl)
have mke2fs || missing+=(e2fsprogs)
have losetup || missing+=(util-linux)
have mount || missing+=(mount)
have cmp || missing+=(diffutils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "20-installer: installing ${missing[*]}"
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  # The nginx package starts a system server; the tests run their own on free loopback ports.
  $SUDO systemctl stop nginx 2>/dev/null || $SUDO service nginx stop 2>/dev/null || true
fi
for tool in nginx openssl mke2fs mkfs.ext4 losetup mount umount cmp; do
  have "$tool" || { echo "20-installer: $tool is still missing" >&2; exit 1; }
done

if [ ! -e /dev/loop-control ]; then
  $SUDO modprobe loop 2>/dev/null || true
fi
if [ "$(id -u)" != 0 ] || [ ! -e /dev/loop-control ]; then
  echo "20-installer: no root or no loop devices here; the loop-device tests will be skipped" >&2
fi
