#!/usr/bin/env bash
# hardware-tests (issue 18): the root file system of the emulated x86_64 device that runs tandem inside QEMU.
#
# Starts from 60-dist.sh's debootstrap minbase root and adds, in a chroot: systemd as init, udev, kmod,
# initramfs-tools and 40-qemu.sh's cached Debian kernel (its initramfs is made here, with the few modules a
# virtio disk needs), systemd-networkd with DHCP for QEMU's user-mode network, a serial console that carries the
# journal (so each boot's console log shows what tandem did inside the guest), and a small probe that prints the
# memory tandem's units use. No JDK: the project's .deb brings its own runtime, and is installed per test run
# by the rig (hardware-tests/.../rig/DeviceImage.java), because the .deb is built by the same `mvn verify`.
# Made once and cached; TANDEM_DEVICE_REFRESH=1 makes it again:
#
#   $TANDEM_DEVICE_CACHE (default /var/cache/tandem-device)
#     root-amd64/        the root (kernel and initrd in boot/)
#     root-amd64/.done   written last, so a half-made root is never used
set -euo pipefail

CACHE=${TANDEM_DEVICE_CACHE:-/var/cache/tandem-device}
QEMU_CACHE=${TANDEM_QEMU_CACHE:-/var/cache/tandem-qemu}
DEBOOTSTRAP=${TANDEM_DEBOOTSTRAP_CACHE:-/var/cache/tandem-debootstrap}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { printf '65-device-image: %s\n' "$*" >&2; }

root="$CACHE/root-amd64"
if [ "${TANDEM_DEVICE_REFRESH:-0}" != 1 ] && [ -f "$root/.done" ]; then
  log "device root already in $root ($(cat "$root/.done"))"
  exit 0
fi
[ -f "$DEBOOTSTRAP/bookworm/.done" ] || { log "no Debian root in $DEBOOTSTRAP/bookworm (60-dist.sh makes it)"; exit 1; }
kernel_deb=$(ls "$QEMU_CACHE"/debs/linux-image-*-amd64_*.deb 2>/dev/null | sort -V | tail -1)
[ -n "$kernel_deb" ] || { log "no amd64 kernel .deb in $QEMU_CACHE/debs (40-qemu.sh fetches it)"; exit 1; }

work="$root.tmp"
$SUDO rm -rf "$work" "$root"
$SUDO mkdir -p "$CACHE"
$SUDO cp -a "$DEBOOTSTRAP/bookworm" "$work"
$SUDO rm -f "$work/.done"

mounts=()
cleanup() {
  local m
  for ((i=${#mounts[@]}-1; i>=0; i--)); do $SUDO umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do
  $SUDO mount --bind "/$m" "$work/$m"
  mounts+=("$work/$m")
done
in_root() { $SUDO env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C chroot "$work" "$@"; }

# No service may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$work/usr/sbin/policy-rc.d" >/dev/null
$SUDO chmod 755 "$work/usr/sbin/policy-rc.d"
$SUDO cp /etc/resolv.conf "$work/etc/resolv.conf"

# The initramfs needs only the modules of a virtio disk with ext4 (MODULES=list keeps it small).
$SUDO mkdir -p "$work/etc/initramfs-tools/conf.d"
echo 'MODULES=list' | $SUDO tee "$work/etc/initramfs-tools/conf.d/tandem-device.conf" >/dev/null
$SUDO mkdir -p "$work/etc/initramfs-tools"
printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod ahci ext4 crc32c_generic \
  | $SUDO tee "$work/etc/initramfs-tools/modules" >/dev/null

log "installing systemd, udev, kmod, initramfs-tools in the chroot"
in_root apt-get -q update >&2
in_root apt-get -q install -y --no-install-recommends \
  systemd-sysv udev kmod initramfs-tools e2fsprogs util-linux procps iproute2 libgcc-s1 libstdc++6 zlib1g >&2
log "installing ${kernel_deb##*/}"
$SUDO cp "$kernel_deb" "$work/tmp/kernel.deb"
in_root apt-get -q install -y --no-install-recommends /tmp/kernel.deb >&2
$SUDO rm -f "$work/tmp/kernel.deb"

# Only the modules a virtio/USB guest loads: the full tree is ~400 MB, and every byte of the root is streamed by
# the update scenarios under TCG.
kver=$(ls "$work/lib/modules" | head -1)
mods="$work/lib/modules/$kver/kernel"
keep='^(fs/(ext4|jbd2|mbcache|vfat|fat|nls|isofs)|lib/|crypto/|block/|drivers/(block|virtio|scsi/(sd_mod|scsi_mod|virtio_scsi|scsi_common|sr_mod)|ata/(ahci|libahci|libata)|usb/(storage|host|core|common)|net/(virtio_net|net_failover)|hid|input|char)|net/(core|ipv4|ipv6|packet|unix|core))'
(cd "$mods" && $SUDO find . -name '*.ko*' | sed 's|^\./||' | grep -Ev "$keep" | $SUDO xargs -r rm -f)
$SUDO find "$mods" -type d -empty -delete
in_root depmod "$kver"
in_root update-initramfs -u -k "$kver" >&2

# Network: DHCP on the virtio NIC from QEMU's user-mode network (host at 10.0.2.2).
$SUDO tee "$work/etc/systemd/network/20-wired.network" >/dev/null <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
EOF
in_root systemctl enable systemd-networkd.service >&2
in_root systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer fstrim.timer systemd-timesyncd.service 2>/dev/null >&2 || true

# The journal goes to the serial console too: each boot's console log shows the tandem units' output.
$SUDO mkdir -p "$work/etc/systemd/journald.conf.d"
$SUDO tee "$work/etc/systemd/journald.conf.d/tandem-device.conf" >/dev/null <<'EOF'
[Journal]
Storage=volatile
ForwardToConsole=yes
TTYPath=/dev/ttyS0
MaxLevelConsole=info
EOF
in_root passwd -d root >&2
echo tandem-device | $SUDO tee "$work/etc/hostname" >/dev/null

# The probe prints what tandem's units use (memory.peak of their cgroups, the agent's RSS) to the console,
# where the rig reads it: the device has no other channel to the host the tests could rely on.
$SUDO tee "$work/usr/local/sbin/tandem-probe" >/dev/null <<'EOF'
#!/bin/sh
# tandem-probe UNIT: one line "PROBE unit=... key=value ..." on the console
unit=$1
cg=/sys/fs/cgroup/system.slice/$unit
peak=$(cat "$cg/memory.peak" 2>/dev/null || echo -)
cur=$(cat "$cg/memory.current" 2>/dev/null || echo -)
pid=$(systemctl show -p MainPID --value "$unit" 2>/dev/null)
rss=-
if [ -n "$pid" ] && [ "$pid" != 0 ]; then rss=$(awk '/^VmRSS/{print $2}' /proc/$pid/status 2>/dev/null); fi
hwm=-
if [ -n "$pid" ] && [ "$pid" != 0 ]; then hwm=$(awk '/^VmHWM/{print $2}' /proc/$pid/status 2>/dev/null); fi
up=$(cut -d' ' -f1 /proc/uptime)
memfree=$(awk '/^MemAvailable/{print $2}' /proc/meminfo)
echo "PROBE unit=$unit uptime_s=$up cgroup_peak_bytes=$peak cgroup_current_bytes=$cur rss_kib=${rss:--} hwm_kib=${hwm:--} mem_available_kib=$memfree" >/dev/ttyS0
EOF
$SUDO chmod 755 "$work/usr/local/sbin/tandem-probe"
$SUDO tee "$work/etc/systemd/system/tandem-probe.service" >/dev/null <<'EOF'
[Unit]
Description=print tandem's memory use to the console (test device only)

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/tandem-probe tandem-agent.service
EOF
$SUDO tee "$work/etc/systemd/system/tandem-probe.timer" >/dev/null <<'EOF'
[Unit]
Description=print tandem's memory use every 20 s (test device only)

[Timer]
OnBootSec=20
OnUnitActiveSec=20
AccuracySec=1

[Install]
WantedBy=timers.target
EOF
in_root systemctl enable tandem-probe.timer >&2

$SUDO rm -f "$work/usr/sbin/policy-rc.d" "$work/etc/resolv.conf"
$SUDO rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/lib/apt/lists/*_Packages "$work"/usr/share/doc/* \
  "$work"/usr/share/man/* "$work"/usr/share/locale/* "$work"/var/cache/apt/*.bin "$work"/var/cache/debconf/*-old \
  "$work"/var/lib/apt/lists/*
cleanup
mounts=()
[ -e "$work/boot/vmlinuz-$kver" ] && [ -e "$work/boot/initrd.img-$kver" ] || { log "no kernel or initrd in $work/boot"; exit 1; }
if [ -e "$work/usr/bin/java" ]; then log "unexpected: java in the root"; exit 1; fi
date -u +%Y-%m-%dT%H:%M:%SZ | $SUDO tee "$work/.done" >/dev/null
$SUDO mv "$work" "$root"
log "ok: $(du -sh "$root" | cut -f1) in $root (kernel $kver)"
