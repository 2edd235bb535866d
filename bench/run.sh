#!/usr/bin/env bash
# bench/run.sh: tandem side by side with RAUC, Mender and SWUpdate on one machine, one image, the same loop-device
# slots, in one run (ARCHITECTURE.md §9, issue 8). Prints ONE Markdown table and writes it to bench/RESULTS.md together with
# the machine, the versions and the date.
#
# Usage (root: loop devices, mount namespaces, apt-get), after `mvn -B -q package -DskipTests`:
#   bash bench/run.sh                         # everything, about 20 min on the 2-core benchmark VM
#   RUNS=1 IMG_MIB=256 SKIP_SCALING=1 SKIP_ADAPTIVE=1 bash bench/run.sh   # a 3-minute smoke run
#   BASELINE=/path/to/older/checkout/tandem bash bench/run.sh   # adds "before" rows, run interleaved with "after"
#
# What is measured (wall seconds: median, min, max over RUNS; CPU = user + system seconds, median; peak RSS
# in MiB, median; every install writes into slot B while A is "booted"):
#   floor    `openssl sha256` of the image; `dd bs=4M conv=fsync` of the image onto slot B; both at once.
#            floor = max(sha256, dd) (ARCHITECTURE.md §9); the ratio columns divide by it.
#   tandem   `tandem bundle create`; `tandem install` from the local bundle file; `tandem install` over HTTP
#            from nginx on 127.0.0.1, the peers' server. The launcher's shipped JVM options (dist's tandem.jvm; add
#            TANDEM_JAVA_OPTS, e.g. -Xmx64m, to try others) and a GC log, from which the peak heap is read (the
#            largest heap occupancy before a collection or at exit).
#            The data dir persists between runs, as on a device: slot A's saved tables exist (it holds an "old"
#            image of other random bytes, so nothing is reused); slot B's are deleted before every run, so
#            every chunk is downloaded and written.
#   RAUC     1.8 (Debian): `rauc bundle` (plain format, default mksquashfs compression), `rauc install` of the
#            local bundle and of an http:// URL (1.8 downloads to a temp file first), through a private
#            system D-Bus and `rauc service --override-boot-slot=A`; CPU and RSS are those of the client plus
#            the service (RSS is the service's VmHWM, which includes the bundle it mmap()s).
#   Mender   client 3.4 standalone: `mender-artifact write rootfs-image` (gzip, RSA-3072 signature),
#            `mender install` of the file and of an http:// URL (streamed), then an untimed `mender rollback`.
#   SWUpdate 2022.12: `swupdate -i file.swu` and `swupdate -d "-u URL"` of a CMS-signed .swu whose image is
#            `installed-directly` into slot B (`-e stable,copy2`); the CLI polls its status once a second, so
#            up to 1 s of each figure is waiting (as a user sees it).
#   Mender and SWUpdate run in a private mount namespace whose /etc holds their configuration and whose /dev
#   holds the two slots as /dev/mmcblk0p2 (A) and /dev/mmcblk0p3 (B) (see device_ns below); a redundant U-Boot
#   environment in a plain file stands in for the bootloader. The HTTP server of every row is nginx (sendfile).
#   Before every install slot B gets a different 4 KiB block in every MiB (so Mender, which skips 1 MiB frames
#   that already match, writes everything too), untimed.
#   incompressible  the same floor (plus `dd oflag=direct`, for information: no page cache), tandem and peer
#            rows for an image of IMG_MIB MiB of random bytes, RUNS_RANDOM rounds; `tandem bundle create` and
#            `mender-artifact write` of it are timed too (`rauc bundle` of it is made once, untimed: 20 s a GiB).
#   fixed cost  tandem installs a TINY_MIB (1) MiB image from the file and over HTTP: start-up, manifest,
#            keyring, index and planning (against slot A's saved tables of the full image).
#   factory-flashed  the same HTTP installs (TINY_MIB and IMG_MIB) with slot A's saved tables removed, so tandem
#            hashes slot A first; minus the row with tables, that is what hashing slot A costs (it must follow the
#            image's size, not the partition's). The tables are put back after each run.
#   start-up `tandem boot-check` with a slot in its trial (it commits it), `boot-check` with nothing to do and
#            `tandem status`, on a device of two 64 MiB file slots (an untimed install with activation before
#            each round); the idle agent (`agent --standalone` watching an empty directory): RSS and peak RSS
#            after IDLE_WAIT (45) seconds.
#   targets  each of issue 16's targets against the figure that measures it (met / missed).
#   scaling  tandem over HTTP at 256 MiB (RUNS runs), 1 GiB (the row above) and 4 GiB (one run), each into a slot
#            prepared as slot B is: seconds per GiB, peak RSS and heap must
#            stay flat; and an 8 GiB sparse image (64 MiB of data) for ARCHITECTURE.md §4's RSS target.
#   adaptive bench/adaptive.sh's image pairs: bytes downloaded by tandem (index and hints included) against
#            casync, zsync and the full bundle; and what nginx sent for tandem (`$bytes_sent`), which must stay
#            within tandem's count + 64 KiB.
# The image is IMG_MIB MiB in 16 equal segments R R Z T ...: R random bytes (AES-CTR keystream, 1/2), Z zeros
# (1/4), T log-like text (1/4, zstd -3 makes it about 3x smaller) - a rootfs has all three.
#
# Knobs: RUNS (3), IMG_MIB (1024), SKIP_PEERS=1, SKIP_RAUC=1, SKIP_MENDER=1, SKIP_SWUPDATE=1, SKIP_SCALING=1,
# SKIP_ADAPTIVE=1, SCALE_MIB ("256 4096"), SPARSE_GIB (8, 0 skips), ADAPTIVE_CHUNKS ("64K 16K"),
# SKIP_RANDOM=1 (no incompressible rows), RUNS_RANDOM (RUNS), SKIP_STARTUP=1, IDLE_WAIT (45), TINY_MIB (1),
# TANDEM_JAVA_OPTS (JVM options added to the shipped ones for every tandem row; empty),
# BASELINE (another tandem launcher: rows "tandem (before)"), TANDEM (the launcher measured; default: dist's
# tree with its class-data archive, as a device installs it; ./tandem without a dist build),
# SCRATCH (/var/tmp: the disk, not tmpfs), KEEP=1 (keep the scratch dir), INSTALL_DEPS=0 (never apt-get),
# RESULTS (bench/RESULTS.md; empty: do not write it).
# Everything the script starts (servers, D-Bus, loop devices, mounts, scratch dir) is removed at the end, also on
# failure or Ctrl-C; it kills only PIDs it started and detaches only loop devices it attached.
set -uo pipefail

RUNS=${RUNS:-3}
IMG_MIB=${IMG_MIB:-1024}
SKIP_PEERS=${SKIP_PEERS:-0}
SKIP_RAUC=${SKIP_RAUC:-$SKIP_PEERS}
SKIP_MENDER=${SKIP_MENDER:-$SKIP_PEERS}
SKIP_SWUPDATE=${SKIP_SWUPDATE:-$SKIP_PEERS}
SKIP_SCALING=${SKIP_SCALING:-0}
SKIP_ADAPTIVE=${SKIP_ADAPTIVE:-0}
SCALE_MIB=${SCALE_MIB:-"256 4096"}
SPARSE_GIB=${SPARSE_GIB:-8}
SKIP_RANDOM=${SKIP_RANDOM:-0}
RUNS_RANDOM=${RUNS_RANDOM:-$RUNS}
SKIP_STARTUP=${SKIP_STARTUP:-0}
IDLE_WAIT=${IDLE_WAIT:-45}
TINY_MIB=${TINY_MIB:-1}
TANDEM_JAVA_OPTS=${TANDEM_JAVA_OPTS-}
ADAPTIVE_CHUNKS=${ADAPTIVE_CHUNKS:-"64K 16K"}
BASELINE=${BASELINE:-}
INSTALL_DEPS=${INSTALL_DEPS:-1}
KEEP=${KEEP:-0}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/text-log.sh"
TANDEM_SET=${TANDEM:+1}
TANDEM=${TANDEM:-$here/tandem}
RESULTS=${RESULTS-$here/bench/RESULTS.md}
started=$(date +%s)

say() { printf '%s\n' "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (loop devices, mount namespaces, apt-get)"
case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer" ;; esac
case $IMG_MIB in ''|*[!0-9]*|0) die "IMG_MIB must be a positive integer" ;; esac
case $RUNS_RANDOM in ''|*[!0-9]*|0) die "RUNS_RANDOM must be a positive integer" ;; esac
case $IDLE_WAIT in ''|*[!0-9]*) die "IDLE_WAIT must be a number of seconds" ;; esac
case $TINY_MIB in ''|*[!0-9]*|0) die "TINY_MIB must be a positive integer" ;; esac
[ $((IMG_MIB % 16)) = 0 ] || die "IMG_MIB must be a multiple of 16"
[ -x "$TANDEM" ] || die "$TANDEM is missing"
[ -f "$here/cli/target/tandem.jar" ] || [ -n "$TANDEM_SET" ] \
    || die "build tandem first: (cd $here && mvn -B -q package -DskipTests)"
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || die "BASELINE=$BASELINE is not an executable tandem launcher"
[ "$SKIP_RAUC$SKIP_MENDER$SKIP_SWUPDATE" = 111 ] && SKIP_PEERS=1

# ---------------------------------------------------------------- packages
need=()
for t in openssl:openssl losetup:mount cmp:diffutils /usr/bin/time:time zstd:zstd python3:python3 curl:curl \
         nginx:nginx-light unshare:util-linux; do
    command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
if [ "$SKIP_RAUC" != 1 ]; then
    for t in rauc:rauc mksquashfs:squashfs-tools dbus-daemon:dbus-daemon dbus-send:dbus-bin; do
        command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
    done
fi
if [ "$SKIP_MENDER" != 1 ] || [ "$SKIP_SWUPDATE" != 1 ]; then
    for t in mkenvimage:u-boot-tools fw_printenv:libubootenv-tool cpio:cpio; do
        command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
    done
fi
if [ "$SKIP_MENDER" != 1 ]; then
    for t in mender:mender-client mender-artifact:mender-artifact; do
        command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
    done
fi
[ "$SKIP_SWUPDATE" = 1 ] || command -v swupdate >/dev/null 2>&1 || need+=(swupdate)
if [ "$SKIP_ADAPTIVE" != 1 ]; then
    for t in casync:casync zsync:zsync mke2fs:e2fsprogs debugfs:e2fsprogs; do
        command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
    done
fi
if [ ${#need[@]} -gt 0 ]; then
    [ "$INSTALL_DEPS" = 1 ] || die "missing packages: ${need[*]} (INSTALL_DEPS=0)"
    say "# apt-get install ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# ---------------------------------------------------------------- scratch and teardown
parent=${SCRATCH:-/var/tmp}
W=$(mktemp -d "$parent/tandem-run.XXXXXX") || die "cannot make a scratch dir in $parent"
PIDS=(); LOOPS=(); LOCK_PREEXISTED=0
[ -e /run/lock/fw_printenv.lock ] && LOCK_PREEXISTED=1
cleanup() {
    set +e
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    # RAUC mounts bundles under its mount prefix; a killed service may leave one behind.
    if [ -d "$W/rauc/mnt" ]; then
        grep -o " $W/rauc/mnt[^ ]*" /proc/mounts | while read -r m; do umount -l "$m"; done
    fi
    for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
    [ "$LOCK_PREEXISTED" = 1 ] || rm -f /run/lock/fw_printenv.lock
    if [ "$KEEP" = 1 ]; then say "# kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$W" || die "cd $W"
mkdir -p img www pki tmp log
RES="$W/results.tsv"     # name run rc wall cpu rss_kib heap_mib bytes
: >"$RES"
export TMPDIR="$W/tmp"

# What ships is what is measured: without TANDEM=, the tree dist builds (its jlinked runtime, and the class-data
# archive of the device's commands that lib/make-class-data-archive makes where the tree is installed), copied
# here. ./tandem of the source tree maps an archive of every command's classes, the build host's too (39 MiB
# against 27), which a device never has.
tree=$(ls -d "$here"/dist/target/tandem-*-linux-*/ 2>/dev/null | head -1)
if [ -z "$TANDEM_SET" ] && [ -n "$tree" ] && [ -x "$tree/bin/tandem" ]; then
    cp -a "$tree" "$W/tree" && "$W/tree/lib/make-class-data-archive" || die "cannot install dist's tree in $W/tree"
    TANDEM=$W/tree/bin/tandem
fi
say "# tandem measured: $TANDEM"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; return 1; }

# ---------------------------------------------------------------- images
# mkimage FILE MIB: the R R Z T pattern; the same bytes on every host.
mkimage() {
    local file=$1 mib=$2 seg kind s=0
    seg=$((mib * 1048576 / 16))
    : >"$file"
    for kind in R R Z T R R Z T R R Z T R R Z T; do
        s=$((s + 1))
        case $kind in
            R) head -c "$seg" /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
                   -iv "$(printf '%032x' "$s")" >>"$file" ;;
            Z) head -c "$seg" /dev/zero >>"$file" ;;
            T) text_log "$s" "$seg" >>"$file" ;;
        esac
    done
    [ "$(stat -c %s "$file")" = $((mib * 1048576)) ] || die "made a wrong image $file"
}
say "# image: $IMG_MIB MiB (R R Z T pattern) in $W"
IMG=$W/img/image.img
mkimage "$IMG" "$IMG_MIB"
openssl enc -aes-128-ctr -nosalt -K 0f0e0d0c0b0a09080706050403020100 -iv 0 -in /dev/zero 2>/dev/null \
    | head -c $((IMG_MIB * 1048576)) >img/old.img
# random_image FILE MIB KEY: incompressible bytes (an AES-CTR keystream), the same on every host.
random_image() {
    openssl enc -aes-128-ctr -nosalt -K "$3" -iv 0 -in /dev/zero 2>/dev/null | head -c $(($2 * 1048576)) >"$1"
    [ "$(stat -c %s "$1")" = $(($2 * 1048576)) ] || die "made a wrong image $1"
}
RND=$W/img/random.img
if [ "$SKIP_RANDOM" != 1 ]; then
    say "# incompressible image: $IMG_MIB MiB of random bytes"
    random_image "$RND" "$IMG_MIB" 1f1e1d1c1b1a19181716151413121110
fi
TINY=$W/img/tiny.img
random_image "$TINY" "$TINY_MIB" 2f2e2d2c2b2a29282726252423222120

# ---------------------------------------------------------------- slots
SLOT_MIB=$((IMG_MIB + IMG_MIB / 16 + 16))
truncate -s "${SLOT_MIB}M" img/slot-a.bin img/slot-b.bin
LA=$(losetup --find --show img/slot-a.bin) || die "losetup A"; LOOPS+=("$LA")
LB=$(losetup --find --show img/slot-b.bin) || die "losetup B"; LOOPS+=("$LB")
dd if=img/old.img of="$LA" bs=4M conv=fsync status=none || die "cannot fill slot A"
say "# slots: A=$LA (booted, old image) B=$LB (target), $SLOT_MIB MiB each"

# dirty_b: a different 4 KiB block in every MiB of slot B (every 1 MiB frame differs from the image), fsynced.
dirty_b() { dirty "$LB" "$IMG_MIB"; }
# dirty DEV MIB: a different 4 KiB block in every MiB of DEV's first MIB MiB, fsynced.
dirty() {
    "$PY" - "$1" "$2" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
block = os.urandom(4096)
for m in range(int(sys.argv[2])):
    os.pwrite(fd, block, m * 1048576 + 8192)
os.fsync(fd)
os.close(fd)
PY
}
warm() { cat "$@" >/dev/null; sync; }

# ---------------------------------------------------------------- measuring
# record NAME RUN RC WALL CPU RSS_KIB [HEAP_MIB] [BYTES]
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}" "${8:-}" >>"$RES"
    printf '#   %-22s run %s: rc=%s wall=%ss cpu=%ss rss=%sKiB%s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
        "${7:+ heap=${7}MiB}" >&2
}
# timed NAME RUN CMD...: one row from GNU time (wall, user+sys of the process tree, peak RSS of its largest
# process). The command's output goes to log/NAME.log.
timed() {
    local name=$1 run=$2 rc w u s m; shift 2
    /usr/bin/time -f '%e %U %S %M' -o "$W/time.out" "$@" >>"log/$name.log" 2>&1
    rc=$?
    read -r w u s m < <(tail -n 1 "$W/time.out")
    [ "$rc" = 0 ] || { say "#   $name failed (rc=$rc):"; tail -n 5 "log/$name.log" >&2; }
    record "$name" "$run" "$rc" "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')" "$m"
}
# peak_heap GC_LOG: the largest heap occupancy in MiB, before any collection or at exit.
peak_heap() {
    awk '/Pause|GC\(/ { if (match($0, /[0-9]+[KMG]->/)) { v = substr($0, RSTART, RLENGTH - 3); u = substr($0, RSTART + RLENGTH - 3, 1)
                               v = (u == "K") ? v / 1024 : (u == "G") ? v * 1024 : v; if (v > m) m = v } }
         /used [0-9]+K/ { if (match($0, /used [0-9]+K/)) x += substr($0, RSTART + 5, RLENGTH - 6) / 1024 }
         END { if (x > m) m = x; printf "%.1f", m }' "$1"
}
# tandem_timed NAME RUN LAUNCHER ARGS...: timed, with the shipped JVM options (+ TANDEM_JAVA_OPTS) and a GC log for
# the peak heap.
tandem_timed() {
    local name=$1 run=$2 launcher=$3; shift 3
    rm -f "$W/gc.log"
    JAVA_OPTS="$TANDEM_JAVA_OPTS -Xlog:gc:file=$W/gc.log -Xlog:gc+heap+exit:file=$W/gc.log" timed "$name" "$run" "$launcher" "$@"
    # the heap goes into the row timed just wrote
    local heap; heap=$(peak_heap "$W/gc.log")
    "$PY" - "$RES" "$heap" <<'PY'
import sys
rows = open(sys.argv[1]).read().splitlines()
f = rows[-1].split("\t"); f[6] = sys.argv[2]; rows[-1] = "\t".join(f)
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY
}

# ---------------------------------------------------------------- PKI (peers; tandem makes its own)
say "# keys"
(
    cd pki || exit 1
    openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/O=Bench/CN=bench-ca" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:3072 -nodes -keyout signer.key -out signer.csr -subj "/O=Bench/CN=bench-signer" 2>/dev/null
    # RAUC checks the S/MIME purpose by default, SWUpdate is told to check code signing: one leaf each.
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >leaf.ext
    openssl x509 -req -in signer.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out signer.crt -days 3650 \
        -extfile leaf.ext 2>/dev/null
    printf 'extendedKeyUsage=codeSigning\n' >>leaf.ext
    openssl x509 -req -in signer.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out codesign.crt -days 3650 \
        -extfile leaf.ext 2>/dev/null
    openssl genrsa -traditional -out mender.key 3072 2>/dev/null && openssl rsa -in mender.key -pubout -out mender.pub 2>/dev/null
) || die "openssl PKI"
"$TANDEM" pki dev-ca --out "$W/pki/tandem" >log/dev-ca.log 2>&1 || die "tandem pki dev-ca: $(tail -1 log/dev-ca.log)"

# ---------------------------------------------------------------- tandem device
# tandem_device DIR SLOT_B: a system.toml for slot A (booted) and the given slot B, data dir DIR/data.
tandem_device() {
    mkdir -p "$1"
    cat >"$1/system.toml" <<EOF
compatible = "bench"
bootloader = "file"
data-dir   = "$1/data"
keyring    = "$W/pki/tandem/keyring.pem"
[slots."rootfs.0"]
device   = "$LA"
class    = "rootfs"
bootname = "A"
[slots."rootfs.1"]
device   = "$2"
class    = "rootfs"
bootname = "B"
EOF
}
tandem_device "$W/dev" "$LB"
[ -z "$BASELINE" ] || tandem_device "$W/dev-before" "$LB"
# ---------------------------------------------------------------- nginx, the one HTTP server of every install row
# tandem's HTTP rows use the same server as the peers': the comparison is of installers, not servers, and a
# second JVM serving the bundle (`tandem serve`) would take CPU from the installer on a 2-core machine.
NPORT=$(free_port)
mkdir -p nginx/tmp
cat >nginx/nginx.conf <<EOF
daemon off;
master_process off;
worker_processes 1;
user root;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $W/nginx/tmp/body;
    proxy_temp_path $W/nginx/tmp/proxy;
    fastcgi_temp_path $W/nginx/tmp/fastcgi;
    uwsgi_temp_path $W/nginx/tmp/uwsgi;
    scgi_temp_path $W/nginx/tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    server { listen 127.0.0.1:$NPORT; root $W/www; }
}
EOF
nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/error.log" >log/nginx.log 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$NPORT/" || die "nginx did not start"
TPORT=$NPORT

# ---------------------------------------------------------------- RAUC setup
if [ "$SKIP_RAUC" != 1 ]; then
    say "# RAUC: private system bus, rauc service"
    mkdir -p rauc/mnt rauc/data rauc/boot rauc/content
    cat >rauc/backend.sh <<'EOF'
#!/bin/sh
# RAUC "custom" bootloader backend: slot states in files.
D="${0%/*}/boot"
case "$1" in
  get-primary) cat "$D/primary" 2>/dev/null || echo A ;;
  set-primary) echo "$2" > "$D/primary" ;;
  get-state)   cat "$D/$2.state" 2>/dev/null || echo good ;;
  set-state)   echo "$3" > "$D/$2.state" ;;
  get-current) echo A ;;
  *) exit 1 ;;
esac
EOF
    chmod +x rauc/backend.sh
    cat >rauc/system.conf <<EOF
[system]
compatible=bench-board
bootloader=custom
mountprefix=$W/rauc/mnt
data-directory=$W/rauc/data
max-bundle-download-size=17179869184

[handlers]
bootloader-custom-backend=$W/rauc/backend.sh

[keyring]
path=$W/pki/ca.crt

[slot.rootfs.0]
device=$LA
type=raw
bootname=A

[slot.rootfs.1]
device=$LB
type=raw
bootname=B
install-same=true
EOF
    cat >rauc/dbus.conf <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$W/rauc/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$W/rauc/dbus.conf" --nofork --nopidfile >log/dbus.log 2>&1 &
    PIDS+=($!)
    export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$W/rauc/bus.sock"
    for _ in $(seq 50); do [ -S "$W/rauc/bus.sock" ] && break; sleep 0.1; done
    rauc --conf="$W/rauc/system.conf" service --override-boot-slot=A >log/rauc-service.log 2>&1 &
    RAUC_PID=$!
    PIDS+=($RAUC_PID)
    for _ in $(seq 100); do
        dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:de.pengutronix.rauc 2>/dev/null | grep -q 'boolean true' && break
        kill -0 "$RAUC_PID" 2>/dev/null || die "rauc service exited: $(tail -3 log/rauc-service.log)"
        sleep 0.1
    done
    # Content dir: the image hard-linked (no copy); `rauc bundle` rewrites the manifest, so it is restored each time.
    ln -f "$IMG" rauc/content/rootfs.img
    if [ "$SKIP_RANDOM" != 1 ]; then mkdir -p rauc/content-rnd; ln -f "$RND" rauc/content-rnd/rootfs.img; fi
    printf '[update]\ncompatible=bench-board\nversion=2.0.0\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n' \
        >rauc/manifest.raucm
fi
# rauc_timed NAME RUN SOURCE: the client's wall; CPU = client + service (with its reaped children); RSS = the
# service's VmHWM (reset before the run), or the client's if larger.
rauc_timed() {
    local name=$1 run=$2 src=$3 s0 s1 w u s m rc hwm
    echo 5 >"/proc/$RAUC_PID/clear_refs" 2>/dev/null
    s0=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$RAUC_PID/stat")
    /usr/bin/time -f '%e %U %S %M' -o "$W/time.out" rauc install "$src" >>"log/$name.log" 2>&1
    rc=$?
    tail -n 3 "log/$name.log" | grep -q succeeded || rc=${rc/#0/99}
    s1=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$RAUC_PID/stat")
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$RAUC_PID/status")
    read -r w u s m < <(tail -n 1 "$W/time.out")
    [ "${hwm:-0}" -gt "$m" ] && m=$hwm
    [ "$rc" = 0 ] || { say "#   $name failed (rc=$rc):"; tail -n 5 "log/$name.log" >&2; }
    record "$name" "$run" "$rc" "$w" "$(awk -v u="$u" -v s="$s" -v a="$s0" -v b="$s1" -v t="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.2f", u + s + (b - a) / t }')" "$m"
}

# ---------------------------------------------------------------- Mender / SWUpdate device view
if [ "$SKIP_MENDER" != 1 ] || [ "$SKIP_SWUPDATE" != 1 ]; then
    say "# Mender/SWUpdate: U-Boot environment, device namespace"
    mkdir -p ns/etc-upper/mender ns/etc-work mender/data swu
    cat >ns/env.txt <<'EOF'
bootcmd=run mender_setup; run mender_try_to_recover
altbootcmd=run mender_altbootcmd; run bootcmd
bootlimit=1
bootcount=0
upgrade_available=0
mender_boot_part=2
mender_boot_part_hex=2
mender_uboot_root=mmc 0:2
mender_setup=setenv mender_uboot_root mmc 0:${mender_boot_part_hex}; setenv bootargs root=/dev/mmcblk0p${mender_boot_part} ${bootargs}
mender_check_saveenv_canary=1
mender_saveenv_canary=1
mender_altbootcmd=if test ${mender_boot_part} = 2; then setenv mender_boot_part 3; setenv mender_boot_part_hex 3; else setenv mender_boot_part 2; setenv mender_boot_part_hex 2; fi; setenv upgrade_available 0; saveenv; run mender_setup
mender_try_to_recover=if test ${upgrade_available} = 1; then reset; fi
EOF
    mkenvimage -r -s 0x4000 -o ns/env1.bin ns/env.txt || die "mkenvimage"
    cat ns/env1.bin ns/env1.bin >ns/uboot.env.orig
    cp ns/uboot.env.orig ns/uboot.env
    printf '%s 0x0000 0x4000\n%s 0x4000 0x4000\n' "$W/ns/uboot.env" "$W/ns/uboot.env" >ns/etc-upper/fw_env.config
    echo "bench-board 1.0" >ns/etc-upper/hwrevision
    echo "artifact_name=bench-v1" >ns/etc-upper/mender/artifact_info
    echo "device_type=bench-board" >mender/data/device_type
    cat >ns/etc-upper/mender/mender.conf <<EOF
{ "RootfsPartA": "/dev/mmcblk0p2", "RootfsPartB": "/dev/mmcblk0p3", "ArtifactVerifyKey": "$W/pki/mender.pub",
  "UpdatePollIntervalSeconds": 1800, "InventoryPollIntervalSeconds": 28800, "RetryPollIntervalSeconds": 300 }
EOF
    # device_ns CMD...: CMD in a private mount namespace: /etc with the peers' configuration on top, /dev with
    # the slots as mmcblk0p2/p3 and nothing else (Mender then takes the active partition from the environment).
    cat >ns/device-ns.sh <<EOF
#!/bin/bash
set -e
mount -t overlay bench-etc -o lowerdir=/etc,upperdir=$W/ns/etc-upper,workdir=$W/ns/etc-work /etc
mount -t tmpfs -o mode=755,size=64k bench-dev /dev
mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9
mknod -m 600 /dev/mmcblk0p2 b $((0x$(stat -c %t "$LA"))) $((0x$(stat -c %T "$LA")))
mknod -m 600 /dev/mmcblk0p3 b $((0x$(stat -c %t "$LB"))) $((0x$(stat -c %T "$LB")))
ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
exec "\$@"
EOF
    chmod +x ns/device-ns.sh
fi
DEV=(unshare --mount --propagation private "$W/ns/device-ns.sh")
env_reset() { cp "$W/ns/uboot.env.orig" "$W/ns/uboot.env"; }
# make_swu IMAGE OUT: a CMS-signed .swu whose image is installed directly into copy2 = slot B.
make_swu() {
    local d sha
    d=$(mktemp -d "$W/swu.XXXXXX"); sha=$(openssl sha256 -r "$1" | cut -d' ' -f1)
    cat >"$d/sw-description" <<EOF
software =
{
	version = "2.0.0";
	description = "bench image";
	hardware-compatibility = [ "1.0" ];
	stable = {
		copy1 = {
			images: ( { filename = "rootfs.img"; device = "/dev/mmcblk0p2"; type = "raw";
			            sha256 = "$sha"; installed-directly = true; } );
			bootenv: ( { name = "mender_boot_part"; value = "2"; }, { name = "upgrade_available"; value = "1"; } );
		};
		copy2 = {
			images: ( { filename = "rootfs.img"; device = "/dev/mmcblk0p3"; type = "raw";
			            sha256 = "$sha"; installed-directly = true; } );
			bootenv: ( { name = "mender_boot_part"; value = "3"; }, { name = "upgrade_available"; value = "1"; } );
		};
	};
}
EOF
    openssl cms -sign -in "$d/sw-description" -out "$d/sw-description.sig" -signer pki/codesign.crt \
        -inkey pki/signer.key -outform DER -nosmimecap -binary || die "openssl cms -sign"
    ln -f "$1" "$d/rootfs.img"
    (cd "$d" && printf 'sw-description\nsw-description.sig\nrootfs.img\n' | cpio -o -H crc --quiet >"$2") || die "cpio"
    rm -rf "$d"
}
if [ "$SKIP_SWUPDATE" != 1 ]; then
    say "# SWUpdate: signed .swu (installed-directly into copy2 = slot B)"
    make_swu "$IMG" "$W/www/bench.swu"
    [ "$SKIP_RANDOM" = 1 ] || make_swu "$RND" "$W/www/bench_rnd.swu"
fi
SWU_OPTS=(-k "$W/pki/ca.crt" --cert-purpose codeSigning -B uboot -e stable,copy2)

# ---------------------------------------------------------------- creation (interleaved)
# create_round SUFFIX IMAGE RUN: one timed round of bundle creation for one image ("" the mixed image, _rnd the
# incompressible one). `rauc bundle` (squashfs, about 20 s a GiB) is timed in the mixed rounds only; the
# incompressible RAUC bundle is made once, untimed, after its rounds.
create_round() {
    local x=$1 img=$2 r=$3
    rm -f "www/image$x.tandem"; warm "$img"
    tandem_timed "tandem_create$x" "$r" "$TANDEM" bundle create --image "rootfs=$img" --compatible bench \
        --version 2.0.0 --cert pki/tandem/signer.pem --key pki/tandem/signer.key -o "$W/www/image$x.tandem"
    if [ -n "$BASELINE" ]; then
        rm -f "www/before$x.tandem"; warm "$img"
        tandem_timed "before_create$x" "$r" "$BASELINE" bundle create --image "rootfs=$img" --compatible bench \
            --version 2.0.0 --cert pki/tandem/signer.pem --key pki/tandem/signer.key -o "$W/www/before$x.tandem"
    fi
    if [ "$SKIP_RAUC" != 1 ] && [ -z "$x" ]; then
        cp rauc/manifest.raucm rauc/content/manifest.raucm; rm -f www/bench.raucb; warm "$img"
        timed rauc_bundle "$r" rauc bundle --cert=pki/signer.crt --key=pki/signer.key rauc/content www/bench.raucb
    fi
    if [ "$SKIP_MENDER" != 1 ]; then
        rm -f "www/bench$x.mender"; warm "$img"
        timed "mender_write$x" "$r" mender-artifact write rootfs-image -t bench-board -n bench-v2 -f "$img" \
            --no-progress -k pki/mender.key -o "www/bench$x.mender"
    fi
}
say "# creation: $RUNS rounds"
for r in $(seq "$RUNS"); do
    create_round "" "$IMG" "$r"
done
[ -s www/image.tandem ] || die "tandem bundle create failed: $(tail -3 log/tandem_create.log)"
[ -z "$BASELINE" ] || cp www/image.tandem www/before.tandem 2>/dev/null
if [ "$SKIP_RANDOM" != 1 ]; then
    say "# creation, incompressible image: $RUNS_RANDOM rounds"
    for r in $(seq "$RUNS_RANDOM"); do
        create_round _rnd "$RND" "$r"
    done
    [ -s www/image_rnd.tandem ] || die "tandem bundle create (incompressible) failed: $(tail -3 log/tandem_create_rnd.log)"
    [ -z "$BASELINE" ] || cp www/image_rnd.tandem www/before_rnd.tandem 2>/dev/null
    if [ "$SKIP_RAUC" != 1 ]; then
        cp rauc/manifest.raucm rauc/content-rnd/manifest.raucm
        rauc bundle --cert=pki/signer.crt --key=pki/signer.key rauc/content-rnd www/bench_rnd.raucb \
            >log/rauc_bundle_rnd.log 2>&1 || die "rauc bundle (incompressible): $(tail -2 log/rauc_bundle_rnd.log)"
    fi
fi
# The small image of the fixed-cost rows and the start-up device, untimed.
"$TANDEM" bundle create --image "rootfs=$TINY" --compatible bench --version 2.0.0 --cert pki/tandem/signer.pem \
    --key pki/tandem/signer.key -o "$W/www/tiny.tandem" >log/tiny-create.log 2>&1 \
    || die "tandem bundle create (tiny): $(tail -2 log/tiny-create.log)"

# A first, untimed install of each tandem: slot A's saved tables (a device keeps them), the JIT's first meeting
# with the image (not kept across processes anyway) - only the tables carry over.
"$TANDEM" --config dev/system.toml --booted rootfs.0 install --no-activate --force --reinstall \
    "http://127.0.0.1:$TPORT/image.tandem" >log/tandem-first.log 2>&1 || die "first tandem install failed: $(tail -2 log/tandem-first.log)"
if [ -n "$BASELINE" ]; then
    "$BASELINE" --config dev-before/system.toml --booted rootfs.0 install --no-activate --force --reinstall \
        "http://127.0.0.1:$TPORT/image.tandem" >log/before-first.log 2>&1 || die "first baseline install failed"
fi
CUR_IMG=$IMG # the image the installs of the current row group write
check_b() { # NAME: slot B must hold the image after an install
    cmp -s -n "$(stat -c %s "$CUR_IMG")" "$CUR_IMG" "$LB" || { say "#   $1: slot B does not hold the image"; return 1; }
}
tandem_install() { # NAME RUN LAUNCHER DEVDIR SOURCE
    rm -f "$W/$4/data/slots/rootfs.1.idx" "$W/$4/data/slots/rootfs.1.blk"
    dirty_b
    tandem_timed "$1" "$2" "$3" --config "$W/$4/system.toml" --booted rootfs.0 install --no-activate --force \
        --reinstall "$5"
    check_b "$1" || sed -i '$ s/^\([^\t]*\t[^\t]*\t\)0\t/\198\t/' "$RES"
}

# ---------------------------------------------------------------- installs (interleaved)
# install_round SUFFIX IMAGE RUN: the floor, tandem and the peers, one run each, for one image.
install_round() {
    local x=$1 img=$2 r=$3 how src
    CUR_IMG=$img
    warm "$img"
    timed "floor_sha256$x" "$r" openssl sha256 "$img"
    timed "floor_dd$x" "$r" dd if="$img" of="$LB" bs=4M conv=fsync status=none
    if [ -n "$x" ]; then
        dirty_b; warm "$img"
        timed "floor_direct$x" "$r" dd if="$img" of="$LB" bs=4M oflag=direct conv=fsync status=none
    fi
    dirty_b; warm "$img"
    timed "floor_both$x" "$r" sh -c "openssl sha256 '$img' >/dev/null & dd if='$img' of='$LB' bs=4M conv=fsync status=none; wait"

    warm "www/image$x.tandem"
    tandem_install "tandem_local$x" "$r" "$TANDEM" dev "$W/www/image$x.tandem"
    tandem_install "tandem_http$x" "$r" "$TANDEM" dev "http://127.0.0.1:$TPORT/image$x.tandem"
    if [ -n "$BASELINE" ]; then
        tandem_install "before_local$x" "$r" "$BASELINE" dev-before "$W/www/before$x.tandem"
        tandem_install "before_http$x" "$r" "$BASELINE" dev-before "http://127.0.0.1:$TPORT/before$x.tandem"
    fi
    if [ "$SKIP_RAUC" != 1 ]; then
        dirty_b; warm "www/bench$x.raucb"
        rauc_timed "rauc_local$x" "$r" "$W/www/bench$x.raucb"; check_b "rauc_local$x"
        dirty_b; warm "www/bench$x.raucb"
        rauc_timed "rauc_http$x" "$r" "http://127.0.0.1:$NPORT/bench$x.raucb"; check_b "rauc_http$x"
    fi
    if [ "$SKIP_MENDER" != 1 ]; then
        for how in local http; do
            dirty_b; warm "www/bench$x.mender"
            if [ $how = local ]; then src=$W/www/bench$x.mender; else src=http://127.0.0.1:$NPORT/bench$x.mender; fi
            timed "mender_$how$x" "$r" "${DEV[@]}" /usr/bin/mender --no-syslog -d "$W/mender/data" install "$src"
            check_b "mender_$how$x"
            "${DEV[@]}" mender --no-syslog -d "$W/mender/data" rollback >>log/mender-rollback.log 2>&1 || env_reset
        done
    fi
    if [ "$SKIP_SWUPDATE" != 1 ]; then
        for how in local http; do
            dirty_b; warm "www/bench$x.swu"
            if [ $how = local ]; then src=(-i "$W/www/bench$x.swu"); else src=(-d "-u http://127.0.0.1:$NPORT/bench$x.swu"); fi
            timed "swupdate_$how$x" "$r" "${DEV[@]}" /usr/bin/swupdate "${SWU_OPTS[@]}" "${src[@]}"
            check_b "swupdate_$how$x"
            env_reset
        done
    fi
}
say "# installs and floor: $RUNS rounds"
for r in $(seq "$RUNS"); do
    install_round "" "$IMG" "$r"
done
if [ "$SKIP_RANDOM" != 1 ]; then
    say "# installs and floor, incompressible image: $RUNS_RANDOM rounds"
    for r in $(seq "$RUNS_RANDOM"); do
        install_round _rnd "$RND" "$r"
    done
fi

# ---------------------------------------------------------------- fixed cost and a factory-flashed slot A
# fixed cost: the TINY_MIB image installed from the file and over HTTP, everything else as above (slot A's saved
# tables of the full-size image are there, so planning looks them up): what start-up, manifest, keyring, index and
# planning cost. factory: the same install over HTTP with slot A's saved tables removed, as on a factory-flashed
# device, so tandem hashes slot A first (local reuse is for HTTP; a local bundle file is read instead): for the
# TINY_MIB image and for the full image. The difference to the row with tables is what hashing slot A costs; it
# must follow the image's size, not the partition's. Slot A's tables are put back after each.
say "# fixed cost and factory-flashed slot A: $RUNS rounds"
TABLES_A=$W/tables-a
mkdir -p "$TABLES_A"; cp dev/data/slots/rootfs.0.* "$TABLES_A/" || die "slot A has no saved tables"
without_tables_a() { # CMD...: CMD with slot A's saved tables gone, then put back
    rm -f dev/data/slots/rootfs.0.*
    "$@"
    rm -f dev/data/slots/rootfs.0.*; cp "$TABLES_A"/rootfs.0.* dev/data/slots/
}
for r in $(seq "$RUNS"); do
    CUR_IMG=$TINY
    warm www/tiny.tandem
    tandem_install fixed_local "$r" "$TANDEM" dev "$W/www/tiny.tandem"
    tandem_install fixed_http "$r" "$TANDEM" dev "http://127.0.0.1:$TPORT/tiny.tandem"
    without_tables_a tandem_install factory_tiny_http "$r" "$TANDEM" dev "http://127.0.0.1:$TPORT/tiny.tandem"
    CUR_IMG=$IMG
    warm www/image.tandem
    without_tables_a tandem_install factory_http "$r" "$TANDEM" dev "http://127.0.0.1:$TPORT/image.tandem"
done
grep -h 'hashing slot' log/factory_tiny_http.log log/factory_http.log 2>/dev/null | sort | uniq -c | sed 's/^/#   /' >&2

# ---------------------------------------------------------------- start-up: status, boot-check, idle agent
# A device of its own: two 64 MiB file slots, the TINY_MIB image. Each round installs into the other slot with
# activation (untimed), then, as if the device had rebooted into it: `boot-check` with the new slot in its trial
# (it commits it), `boot-check` again (nothing to do), `status`. Then the idle agent: `tandem agent --standalone`
# watching an empty directory, its RSS read after IDLE_WAIT seconds.
if [ "$SKIP_STARTUP" != 1 ]; then
    say "# start-up: $RUNS rounds, then the idle agent for $IDLE_WAIT s"
    mkdir -p "$W/start/usb"
    truncate -s 64M img/start-a.bin img/start-b.bin
    cat >"$W/start/system.toml" <<EOF
compatible = "bench"
bootloader = "file"
data-dir   = "$W/start/data"
keyring    = "$W/pki/tandem/keyring.pem"
[slots."rootfs.0"]
device   = "$W/img/start-a.bin"
class    = "rootfs"
bootname = "A"
[slots."rootfs.1"]
device   = "$W/img/start-b.bin"
class    = "rootfs"
bootname = "B"
[agent]
standalone-dirs = ["$W/start/usb"]
EOF
    booted=0
    ST=(--config "$W/start/system.toml")
    for r in $(seq "$RUNS"); do
        next=$((1 - booted))
        "$TANDEM" "${ST[@]}" --booted "rootfs.$booted" install --force --reinstall "$W/www/tiny.tandem" \
            >>log/start-install.log 2>&1 \
            || die "start-up device: install failed: $(tail -2 log/start-install.log)"
        tandem_timed bootcheck_trial "$r" "$TANDEM" "${ST[@]}" --booted "rootfs.$next" boot-check
        tandem_timed bootcheck_idle "$r" "$TANDEM" "${ST[@]}" --booted "rootfs.$next" boot-check
        tandem_timed status "$r" "$TANDEM" "${ST[@]}" --booted "rootfs.$next" status
        booted=$next
    done
    tail -n 4 log/bootcheck_trial.log log/bootcheck_idle.log | sed 's/^/#   /' >&2
    # The launcher execs java: $! is the JVM.
    JAVA_OPTS="$TANDEM_JAVA_OPTS" "$TANDEM" "${ST[@]}" --booted "rootfs.$booted" agent --standalone >log/agent.log 2>&1 &
    AGENT_PID=$!
    PIDS+=($AGENT_PID)
    sleep "$IDLE_WAIT"
    if kill -0 "$AGENT_PID" 2>/dev/null; then
        rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status")
        hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$AGENT_PID/status")
        cpu=$(awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$AGENT_PID/stat")
        record agent_idle 1 0 "$IDLE_WAIT" "$cpu" "$rss"
        record agent_idle_hwm 1 0 "$IDLE_WAIT" "$cpu" "$hwm"
        kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
    else
        say "#   the agent exited: $(tail -3 log/agent.log)"
        record agent_idle 1 1 "" "" ""
    fi
    rm -f img/start-a.bin img/start-b.bin
fi

# ---------------------------------------------------------------- scaling
if [ "$SKIP_SCALING" != 1 ]; then
    say "# scaling"
    for mib in $SCALE_MIB; do
        [ "$mib" = "$IMG_MIB" ] && continue
        mkimage img/scale.img "$mib"
        rm -f www/scale.tandem
        tandem_timed "scale_create_$mib" 1 "$TANDEM" bundle create --image "rootfs=$W/img/scale.img" --compatible bench \
            --version 3.0.0 --cert pki/tandem/signer.pem --key pki/tandem/signer.key -o "$W/www/scale.tandem"
        truncate -s $((mib + mib / 16 + 16))M img/scale-b.bin
        sl=$(losetup --find --show img/scale-b.bin) || die "losetup"; LOOPS+=("$sl")
        # As slot B of the 1 GiB rows: its blocks written once (there by the floor's dd), then made different
        # in every MiB before each install. A slot on a new sparse file would add the file system's block
        # allocation under the loop device to this row alone.
        dd if=img/scale.img of="$sl" bs=4M conv=fsync status=none || die "cannot fill the scaling slot"
        tandem_device "$W/dev-scale" "$sl"
        cp -r dev/data/slots "$W/dev-scale/data/" 2>/dev/null || mkdir -p "$W/dev-scale/data"
        runs=$RUNS; [ "$mib" -lt "$IMG_MIB" ] || runs=1
        for r in $(seq "$runs"); do
            rm -f "$W/dev-scale/data/slots/rootfs.1."*
            dirty "$sl" "$mib"; warm www/scale.tandem
            tandem_timed "scale_http_$mib" "$r" "$TANDEM" --config "$W/dev-scale/system.toml" --booted rootfs.0 \
                install --no-activate --force --reinstall "http://127.0.0.1:$TPORT/scale.tandem"
            cmp -s -n $((mib * 1048576)) img/scale.img "$sl" || { say "#   scale $mib: slot differs"; sed -i '$ s/^\([^\t]*\t[^\t]*\t\)0\t/\198\t/' "$RES"; }
        done
        losetup -d "$sl"; LOOPS=("${LOOPS[@]/$sl}")
        rm -rf img/scale.img img/scale-b.bin www/scale.tandem "$W/dev-scale"
    done
    if [ "$SPARSE_GIB" -gt 0 ]; then
        truncate -s "${SPARSE_GIB}G" img/sparse.img
        for at in 0 1000 3000 5000 8000; do
            [ $((at * 1048576)) -lt $((SPARSE_GIB * 1073741824)) ] || continue
            openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv "$(printf '%032x' "$at")" \
                -in /dev/zero 2>/dev/null | head -c $((12 * 1048576)) | dd of=img/sparse.img bs=1M seek="$at" conv=notrunc status=none
        done
        "$TANDEM" bundle create --image "rootfs=$W/img/sparse.img" --compatible bench --version 3.0.0 \
            --cert pki/tandem/signer.pem --key pki/tandem/signer.key -o www/sparse.tandem >log/sparse-create.log 2>&1 \
            || die "sparse bundle create: $(tail -2 log/sparse-create.log)"
        truncate -s "${SPARSE_GIB}G" img/sparse-b.bin
        sl=$(losetup --find --show img/sparse-b.bin) || die "losetup"; LOOPS+=("$sl")
        tandem_device "$W/dev-sparse" "$sl"
        tandem_timed sparse_http 1 "$TANDEM" --config "$W/dev-sparse/system.toml" --booted rootfs.0 install \
            --no-activate --force --reinstall "http://127.0.0.1:$TPORT/sparse.tandem"
        cmp -s img/sparse.img "$sl" || { say "#   sparse: slot differs"; sed -i '$ s/^\([^\t]*\t[^\t]*\t\)0\t/\198\t/' "$RES"; }
        losetup -d "$sl"; LOOPS=("${LOOPS[@]/$sl}")
        rm -rf img/sparse.img img/sparse-b.bin www/sparse.tandem "$W/dev-sparse"
    fi
fi

# ---------------------------------------------------------------- adaptive
if [ "$SKIP_ADAPTIVE" != 1 ]; then
    say "# adaptive (bench/adaptive.sh)"
    WORK="$W/adaptive" CHUNKS="$ADAPTIVE_CHUNKS" ADAPTIVE_TSV="$W/adaptive.tsv" bash "$here/bench/adaptive.sh" \
        >log/adaptive.log 2>&1
    rc=$?
    # 3: every install worked, but nginx sent more than tandem counted + 64 KiB (the rows say where)
    if [ "$rc" = 0 ] || [ "$rc" = 3 ]; then
        [ "$rc" = 0 ] || say "#   adaptive.sh: $(tail -1 log/adaptive.log)"
        # pair chunk tandem casync zsync full sent
        while IFS=$'\t' read -r pair chunk t c z f sent; do
            record "adaptive_${pair}_$chunk" 1 0 "" "" "" "" "$t"
            record "adaptive_${pair}_casync" 1 0 "" "" "" "" "$c"
            record "adaptive_${pair}_zsync" 1 0 "" "" "" "" "$z"
            record "adaptive_${pair}_full_$chunk" 1 0 "" "" "" "" "$f"
            record "adaptive_${pair}_sent_$chunk" 1 0 "" "" "" "" "$sent"
        done <"$W/adaptive.tsv"
    else
        say "#   adaptive.sh failed: $(tail -3 log/adaptive.log)"
    fi
fi

# ---------------------------------------------------------------- the table
versions() {
    echo "- java: $(java -version 2>&1 | head -1)"
    echo "- tandem: $("$TANDEM" --version 2>/dev/null | head -1) ($(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$here" diff --quiet 2>/dev/null || echo ', uncommitted changes')), run as $([ "$TANDEM" = "$W/tree/bin/tandem" ] && echo "dist's installed tree (jlinked runtime, the device's class-data archive)" || echo "$TANDEM")"
    [ -z "$BASELINE" ] || echo "- before: $BASELINE ($("$BASELINE" --version 2>/dev/null | head -1), $(git -C "$(dirname "$BASELINE")" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout'))"
    [ "$SKIP_RAUC" = 1 ] || echo "- rauc: $(rauc --version 2>&1 | head -1) (Debian $(dpkg-query -W -f '${Version}' rauc 2>/dev/null)), squashfs-tools $(dpkg-query -W -f '${Version}' squashfs-tools 2>/dev/null)"
    [ "$SKIP_MENDER" = 1 ] || echo "- mender: $(mender --version 2>/dev/null | head -1 | cut -c1-60) (Debian $(dpkg-query -W -f '${Version}' mender-client 2>/dev/null)), mender-artifact $(dpkg-query -W -f '${Version}' mender-artifact 2>/dev/null)"
    [ "$SKIP_SWUPDATE" = 1 ] || echo "- swupdate: Debian $(dpkg-query -W -f '${Version}' swupdate 2>/dev/null)"
    echo "- openssl: $(openssl version)"
}
machine() {
    echo "- $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), SHA-NI: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
    echo "- kernel $(uname -r); scratch on $(df -P "$W" | awk 'NR == 2 { print $1 }') ($(stat -f -c %T "$W"))"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share this machine)"
}
table=$("$PY" - "$RES" "$IMG_MIB" "$RUNS" "${BASELINE:+1}" "$TINY_MIB" <<'PY'
import sys, statistics as st
res, img_mib, runs, baseline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
tiny_mib = int(sys.argv[5])
rows = {}
failed = {}
for line in open(res):
    f = line.rstrip("\n").split("\t")
    if len(f) < 8:
        continue
    name, rc = f[0], f[2]
    if rc != "0":
        failed[name] = failed.get(name, 0) + 1
        continue
    def num(x):
        try:
            return float(x)
        except ValueError:
            return None
    rows.setdefault(name, []).append([num(f[3]), num(f[4]), num(f[5]), num(f[6]), num(f[7])])

def col(name, k):
    return [r[k] for r in rows.get(name, []) if r[k] is not None]

def med(name, k=0):
    v = col(name, k)
    return st.median(v) if v else None

def fmt(x, d=2):
    return "–" if x is None else f"{x:.{d}f}"

def ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"

gib = img_mib / 1024
def floor_of(x=""):
    a, b = med("floor_sha256" + x), med("floor_dd" + x)
    return max(a, b) if a is not None and b is not None else None
floor = floor_of()
floor_rnd = floor_of("_rnd")
best = {}
for group, names in {"create": ["rauc_bundle", "mender_write"],
                     "local": ["rauc_local", "mender_local", "swupdate_local"],
                     "http": ["rauc_http", "mender_http", "swupdate_http"],
                     "create_rnd": ["mender_write_rnd"],
                     "local_rnd": ["rauc_local_rnd", "mender_local_rnd", "swupdate_local_rnd"],
                     "http_rnd": ["rauc_http_rnd", "mender_http_rnd", "swupdate_http_rnd"]}.items():
    cands = [(med(n), n) for n in names if med(n) is not None]
    best[group] = min(cands) if cands else (None, None)

out = []
out.append("| section | measurement | median | min | max | unit | CPU s | peak RSS MiB | peak heap MiB | MiB/s | ÷ floor | tandem ÷ best peer |")
out.append("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")

def timerow(section, label, name, group=None, mib=img_mib, floor_ratio=False, vs_best=False, fl=None):
    v = col(name, 0)
    if not v and name not in failed:
        return
    if not v:
        out.append(f"| {section} | {label} | failed ({failed[name]}×) | | | s | | | | | | |")
        return
    m = st.median(v)
    rss = med(name, 2)
    heap = med(name, 3)
    bp = best.get(group, (None, None)) if group else (None, None)
    fr = ratio(m, fl if fl is not None else floor) if floor_ratio else ""
    br = ""
    if vs_best and bp[0] is not None:
        br = f"{m / bp[0]:.2f} (vs {bp[1].replace('_rnd', '').replace('_', ' ')})"
    note = f" ({failed[name]} failed)" if name in failed else ""
    out.append(f"| {section} | {label}{note} | {fmt(m)} | {fmt(min(v))} | {fmt(max(v))} | s | {fmt(med(name, 1))} | "
               f"{fmt(rss / 1024 if rss else None, 0)} | {fmt(heap, 1) if heap else '–'} | "
               f"{fmt(mib / m, 0) if m and mib else '–'} | {fr} | {br} |")

def image_groups(x, what, fl):
    """The floor, creation and install rows of one image (x: "" mixed, "_rnd" incompressible)."""
    S = f"floor ({img_mib} MiB{what})"
    timerow(S, "`openssl sha256` of the image", "floor_sha256" + x, floor_ratio=True, fl=fl)
    timerow(S, "`dd bs=4M conv=fsync` onto slot B", "floor_dd" + x, floor_ratio=True, fl=fl)
    if fl is not None:
        out.append(f"| {S} | **floor = max of the two** | **{fl:.2f}** | | | s | | | | {img_mib / fl:.0f} | 1.00 | |")
    timerow(S, "`dd bs=4M oflag=direct conv=fsync` (information: no page cache)", "floor_direct" + x,
            floor_ratio=True, fl=fl)
    timerow(S, "both at once (what an installer must do)", "floor_both" + x, floor_ratio=True, fl=fl)
    S = "bundle creation" + what
    timerow(S, "**`tandem bundle create`**", "tandem_create" + x, "create" + x, vs_best=True)
    if baseline:
        timerow(S, "`tandem bundle create` (before)", "before_create" + x, "create" + x, vs_best=True)
    timerow(S, "`rauc bundle` (squashfs, gzip)", "rauc_bundle" + x)
    timerow(S, "`mender-artifact write` (gzip)", "mender_write" + x)
    S = "install, local file" + what
    timerow(S, "**tandem**", "tandem_local" + x, "local" + x, floor_ratio=True, vs_best=True, fl=fl)
    if baseline:
        timerow(S, "tandem (before)", "before_local" + x, "local" + x, floor_ratio=True, vs_best=True, fl=fl)
    timerow(S, "RAUC", "rauc_local" + x, floor_ratio=True, fl=fl)
    timerow(S, "Mender", "mender_local" + x, floor_ratio=True, fl=fl)
    timerow(S, "SWUpdate (incl. ≤ 1 s status poll)", "swupdate_local" + x, floor_ratio=True, fl=fl)
    S = "install over HTTP (loopback)" + what
    timerow(S, "**tandem** (nginx)", "tandem_http" + x, "http" + x, floor_ratio=True, vs_best=True, fl=fl)
    if baseline:
        timerow(S, "tandem (before)", "before_http" + x, "http" + x, floor_ratio=True, vs_best=True, fl=fl)
    timerow(S, "RAUC (downloads, then installs)", "rauc_http" + x, floor_ratio=True, fl=fl)
    timerow(S, "Mender (streams)", "mender_http" + x, floor_ratio=True, fl=fl)
    timerow(S, "SWUpdate (streams; incl. ≤ 1 s status poll)", "swupdate_http" + x, floor_ratio=True, fl=fl)

image_groups("", "", floor)
image_groups("_rnd", ", incompressible", floor_rnd)

S = f"fixed cost ({tiny_mib} MiB image)"
timerow(S, "tandem install, local file", "fixed_local", mib=None)
timerow(S, "tandem install over HTTP", "fixed_http", mib=None)
timerow(S, "tandem install over HTTP, slot A without saved tables (factory-flashed)", "factory_tiny_http",
        mib=None)
S = f"factory-flashed slot A ({img_mib} MiB image)"
timerow(S, "tandem install over HTTP, slot A without saved tables (hashes slot A first)", "factory_http")
if med("factory_http") is not None and med("tandem_http") is not None:
    d, c = med("factory_http") - med("tandem_http"), (med("factory_http", 1) or 0) - (med("tandem_http", 1) or 0)
    out.append(f"| {S} | hashing slot A: the row above − the HTTP install with saved tables | {d:.2f} | | | s | "
               f"{c:.2f} | | | {img_mib / d if d > 0 else 0:.0f} | | |")
S = "start-up"
timerow(S, "`tandem boot-check`, nothing to do", "bootcheck_idle", mib=None)
timerow(S, "`tandem boot-check`, a slot in its trial (commits it)", "bootcheck_trial", mib=None)
timerow(S, "`tandem status`", "status", mib=None)
for n, what in (("agent_idle", "RSS"), ("agent_idle_hwm", "peak RSS")):
    if n in rows:
        w, rss = med(n), med(n, 2)
        out.append(f"| {S} | idle agent (`agent --standalone`, empty directory): {what} after {w:.0f} s | "
                   f"{rss / 1024:.1f} | | | MiB | {fmt(med(n, 1))} | {rss / 1024:.0f} | | | | |")
    elif n in failed:
        out.append(f"| {S} | idle agent | failed | | | | | | | | | |")

# scaling: seconds per GiB
scal = sorted({int(n.split("_")[-1]) for n in rows if n.startswith("scale_http_")} | ({img_mib} if "tandem_http" in rows else set()))
for mib in scal:
    name = "tandem_http" if mib == img_mib else f"scale_http_{mib}"
    v = med(name)
    if v is None:
        continue
    rss, heap = med(name, 2), med(name, 3)
    out.append(f"| scaling (tandem, HTTP) | {mib} MiB image | {v / (mib / 1024):.2f} | | | s per GiB | {fmt(med(name, 1))} | "
               f"{fmt(rss / 1024 if rss else None, 0)} | {fmt(heap, 1) if heap else '–'} | {mib / v:.0f} | | |")
for mib in sorted({int(n.split("_")[-1]) for n in rows if n.startswith("scale_create_")}):
    v = med(f"scale_create_{mib}")
    rss, heap = med(f"scale_create_{mib}", 2), med(f"scale_create_{mib}", 3)
    out.append(f"| scaling (tandem, create) | {mib} MiB image | {v / (mib / 1024):.2f} | | | s per GiB | "
               f"{fmt(med(f'scale_create_{mib}', 1))} | {fmt(rss / 1024 if rss else None, 0)} | {fmt(heap, 1) if heap else '–'} | {mib / v:.0f} | | |")
if "sparse_http" in rows:
    v = med("sparse_http"); rss, heap = med("sparse_http", 2), med("sparse_http", 3)
    out.append(f"| scaling (tandem, HTTP) | 8 GiB sparse image (64 MiB data) | {v:.2f} | | | s | {fmt(med('sparse_http', 1))} | "
               f"{fmt(rss / 1024 if rss else None, 0)} | {fmt(heap, 1) if heap else '–'} | | | |")

# adaptive: bytes downloaded
pairs = []
for n in rows:
    if n.startswith("adaptive_") and n.endswith("_casync"):
        pairs.append(n[len("adaptive_"):-len("_casync")])
desc = {"0": "nothing changed", "a": "a package added in place", "b": "same tree + package, fresh mkfs",
        "b0": "same tree, fresh mkfs", "c": "every 4th file rebuilt + package, fresh mkfs"}
for p in sorted(pairs, key=lambda x: ["0", "a", "b", "b0", "c"].index(x) if x in desc else 9):
    c = med(f"adaptive_{p}_casync", 4); z = med(f"adaptive_{p}_zsync", 4)
    peers = [x for x in (c, z) if x is not None]
    for n in sorted(k for k in rows if k.startswith(f"adaptive_{p}_") and k.split("_")[-1].endswith("K")
                    and "_full_" not in k and "_sent_" not in k):
        chunk = n.split("_")[-1]
        t = med(n, 4); full = med(f"adaptive_{p}_full_{chunk}", 4); sent = med(f"adaptive_{p}_sent_{chunk}", 4)
        wire = "" if sent is None else (f"; nginx sent {sent / 1e6:.3f}, "
                                         + ("within" if sent <= t + 65536 else "**over**") + " counted + 64 KiB")
        out.append(f"| adaptive: {desc.get(p, p)} | tandem, {chunk} chunks (full bundle {full / 1e6:.1f} MB{wire}) | {t / 1e6:.2f} | | | MB downloaded | | | | | "
                   f"{t / full:.3f} of full | {t / min(peers):.2f} (casync {c / 1e6:.2f}, zsync {z / 1e6:.2f}) |")
# targets (issue 16): each measured figure against its target
T = []
def target(what, value, limit, unit, fmt_=".2f"):
    if value is None:
        return
    T.append(f"| targets | {what} | {value:{fmt_}} | | | {unit} | | | | | ≤ {limit:{fmt_}} | "
             f"{'met' if value <= limit else '**missed**'} |")
def peer_ratio(name, group):
    m, b = med(name), best.get(group, (None, None))[0]
    return m / b if m is not None and b else None
for x, what in (("", "mixed"), ("_rnd", "incompressible")):
    target(f"tandem ÷ fastest peer, local file, {what}", peer_ratio("tandem_local" + x, "local" + x), 0.8, "×")
    target(f"tandem ÷ fastest peer, HTTP, {what}", peer_ratio("tandem_http" + x, "http" + x), 0.8, "×")
if floor_rnd and med("tandem_http_rnd") is not None:
    target("incompressible over HTTP ÷ floor", med("tandem_http_rnd") / floor_rnd, 1.25, "×")
if floor_rnd and med("tandem_local_rnd") is not None:
    target("incompressible from a local file ÷ floor", med("tandem_local_rnd") / floor_rnd, 1.1, "×")
for x, what in (("", "mixed"), ("_rnd", "incompressible")):
    target(f"`bundle create` ÷ `mender-artifact write`, {what}", peer_ratio("tandem_create" + x, "create" + x), 0.7, "×")
target(f"fixed cost: {tiny_mib} MiB install over HTTP", med("fixed_http"), 0.5, "s")
target(f"fixed cost: {tiny_mib} MiB install from a local file", med("fixed_local"), 0.5, "s")
if med("scale_http_256") is not None and med("tandem_http") is not None and img_mib != 256:
    target(f"256 MiB ÷ {img_mib} MiB, seconds per GiB (HTTP)",
           (med("scale_http_256") / 256) / (med("tandem_http") / img_mib), 1.3, "×")
for n, what in (("tandem_local", f"{img_mib} MiB install, local file"), ("tandem_http", f"{img_mib} MiB install, HTTP"),
                ("tandem_local_rnd", f"{img_mib} MiB incompressible install, local file"),
                ("tandem_http_rnd", f"{img_mib} MiB incompressible install, HTTP"),
                ("sparse_http", "8 GiB sparse install, HTTP")):
    if med(n, 2) is not None:
        target(f"peak RSS, {what}", med(n, 2) / 1024, 96, "MiB", ".0f")
for n, what in (("status", "`tandem status`"), ("bootcheck_idle", "`tandem boot-check`, nothing to do"),
                ("bootcheck_trial", "`tandem boot-check`, trial")):
    target(f"wall, {what}", med(n), 0.4, "s")
    if med(n, 2) is not None:
        target(f"peak RSS, {what}", med(n, 2) / 1024, 48, "MiB", ".0f")
if med("agent_idle", 2) is not None:
    target(f"RSS of the idle agent after {med('agent_idle'):.0f} s", med("agent_idle", 2) / 1024, 48, "MiB", ".0f")
if T:
    out.append("| targets (issue 16) | **measured against its target** | | | | | | | | | target | |")
    out.extend(T)
print("\n".join(out))
PY
)
elapsed=$(( $(date +%s) - started ))
report() {
    echo "# bench/run.sh results"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bash bench/run.sh\` (RUNS=$RUNS, IMG_MIB=$IMG_MIB${BASELINE:+, BASELINE}) in $((elapsed / 60)) min $((elapsed % 60)) s."
    echo
    echo "Machine:"
    echo
    machine
    echo
    echo "Versions:"
    echo
    versions
    echo
    echo "Wall seconds, median (min, max) over $RUNS runs ($RUNS_RANDOM for the incompressible image), JVM start-up"
    echo "included; CPU = user + system seconds of the process tree (RAUC: client + service); peak RSS from GNU time"
    echo "(RAUC: the service's VmHWM, which counts the bundle it mmap()s); tandem runs with the launcher's shipped JVM"
    echo "options${TANDEM_JAVA_OPTS:+ and JAVA_OPTS=$TANDEM_JAVA_OPTS}; its peak heap is read from its GC log. ÷ floor divides the median by"
    echo "max(openssl sha256, dd) of the same image; tandem ÷ best peer by the fastest peer's median of the same row"
    echo "group. Mixed image: 1/2 random, 1/4 zeros, 1/4 text; incompressible: random bytes. The idle agent's RSS is"
    echo "read ${IDLE_WAIT} s after its start. bench/run.sh's header says how every row is taken."
    echo
    echo "$table"
}
report
if [ -n "$RESULTS" ]; then
    report >"$RESULTS"
    say "# wrote $RESULTS"
fi
