#!/usr/bin/env bash
# bench/install.sh: install speed of a 1 GiB image into a loop-device slot against the floor measured in the
# same run on the same bytes (ARCHITECTURE.md §9: HTTP install <= 1.25x the floor), and an 8 GiB sparse image under
# -Xmx64m (peak RSS).
#   floor   = max(openssl sha256 of the image, dd of the image to the slot with conv=fsync); "both" runs the two
#             at once, as an installer must do both
#   tandem  = `tandem install` from the local bundle file and over HTTP from `tandem serve` on loopback,
#             wall time including JVM start-up, RUNS runs each: median (min-max), ratio of the median to the floor
# Needs root (losetup), openssl, a built ./tandem (mvn -B -q package -DskipTests).
# Knobs: TANDEM (the launcher to measure, default ./tandem), SIZE_MIB (1024), RUNS (3), SPARSE_GIB (8, 0 skips),
# PROFILE=1 writes a JFR recording of one HTTP install to $WORK/install.jfr and prints its hottest frames, WORK (/var/tmp/tandem-bench-install, on the
# disk, not tmpfs), KEEP=1 keeps WORK.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tandem=${TANDEM:-"$here/tandem"}
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
SPARSE_GIB=${SPARSE_GIB:-8}
work=${WORK:-/var/tmp/tandem-bench-install}

[ "$(id -u)" = 0 ] || { echo "install.sh: needs root (loop devices)" >&2; exit 2; }
[ -n "${TANDEM:-}" ] || [ -f "$here/cli/target/tandem.jar" ] || { echo "install.sh: build tandem first: mvn -B -q package -DskipTests" >&2; exit 2; }
for tool in openssl losetup dd /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "install.sh: $tool is missing" >&2; exit 2; }
done

rm -rf "$work"
mkdir -p "$work/www"
cd "$work"
loops=()
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
    [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
log() { echo "# $*" >&2; }

# Wall seconds of a command (its output discarded).
seconds() {
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }'
}
stats() { # values... -> "median (min-max)"
    printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END { printf "%.2f (%.2f-%.2f)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END { print v[int((NR + 1) / 2)] }'; }

log "image: ${SIZE_MIB} MiB of random bytes"
openssl rand -out image.img $((SIZE_MIB * 1024 * 1024))
"$tandem" pki dev-ca --out pki >/dev/null
"$tandem" bundle create --image "rootfs=$work/image.img" --compatible bench --version 2.0.0 \
    --cert pki/signer.pem --key pki/signer.key -o www/image.tandem >/dev/null
truncate -s $(((SIZE_MIB + 16) * 1024 * 1024)) slot-b.backing
loop=$(losetup -f --show slot-b.backing)
loops+=("$loop")
# The booted slot is a small file: the HTTP install would otherwise hash it once to find reusable data.
truncate -s 1M slot-a.img

device() { # slot-b-device -> dev/system.toml with a fresh data dir
    rm -rf dev && mkdir -p dev
    cat > dev/system.toml <<EOF
compatible = "bench"
bootloader = "file"
data-dir   = "$work/dev/data"
keyring    = "$work/pki/keyring.pem"
[slots."rootfs.0"]
device   = "$work/slot-a.img"
class    = "rootfs"
bootname = "A"
[slots."rootfs.1"]
device   = "$1"
class    = "rootfs"
bootname = "B"
EOF
}
install() { # bundle-url-or-path
    device "$loop"
    "$tandem" --config dev/system.toml --booted rootfs.0 install --no-activate --force --reinstall "$1"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$tandem" serve www --bind "127.0.0.1:$port" >/dev/null &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
url="http://127.0.0.1:$port/image.tandem"

sha=(); ddt=(); both=(); tfile=(); thttp=(); rss=()
for run in $(seq "$RUNS"); do
    log "run $run/$RUNS"
    sha+=("$(seconds openssl sha256 image.img)")
    ddt+=("$(seconds dd if=image.img of="$loop" bs=4M conv=fsync)")
    both+=("$(seconds sh -c "openssl sha256 image.img & dd if=image.img of=$loop bs=4M conv=fsync; wait")")
    tfile+=("$(seconds install "$work/www/image.tandem")")
    device "$loop"
    s=$(date +%s.%N)
    /usr/bin/time -f '%M' -o rss.txt "$tandem" --config dev/system.toml --booted rootfs.0 install --no-activate \
        --force --reinstall "$url" >/dev/null 2>&1
    e=$(date +%s.%N)
    thttp+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')")
    rss+=("$(cat rss.txt)")
    cmp -n $((SIZE_MIB * 1024 * 1024)) image.img "$loop" || { echo "install.sh: slot differs after install" >&2; exit 1; }
done
floor=$(awk -v a="$(median "${sha[@]}")" -v b="$(median "${ddt[@]}")" 'BEGIN { print (a > b ? a : b) }')
ratio() { awk -v t="$(median "$@")" -v f="$floor" 'BEGIN { printf "%.2f", t / f }'; }

echo
echo "${SIZE_MIB} MiB random image, loop-device slot (backing file on the same disk), $RUNS runs, seconds: median (min-max)"
echo
echo "| what | seconds | x floor |"
echo "|---|---|---|"
echo "| openssl sha256 | $(stats "${sha[@]}") | |"
echo "| dd bs=4M conv=fsync | $(stats "${ddt[@]}") | |"
echo "| floor = max of the two | $floor | 1.00 |"
echo "| sha256 and dd at once | $(stats "${both[@]}") | $(ratio "${both[@]}") |"
echo "| tandem install, local file | $(stats "${tfile[@]}") | $(ratio "${tfile[@]}") |"
echo "| tandem install, HTTP (tandem serve) | $(stats "${thttp[@]}") | $(ratio "${thttp[@]}") |"
echo
echo "Peak RSS of the HTTP install: $(stats "${rss[@]}" | sed 's/\.00//g') KiB"

if [ "${PROFILE:-0}" = 1 ]; then
    log "profiling one HTTP install (JFR)"
    device "$loop"
    JAVA_OPTS="-XX:StartFlightRecording=filename=$work/install.jfr,settings=profile" \
        "$tandem" --config dev/system.toml --booted rootfs.0 install --no-activate --force --reinstall "$url" \
        >/dev/null 2>&1
    echo
    echo "JFR execution samples of one HTTP install, top frames (thread: frame):"
    jfr print --events jdk.ExecutionSample install.jfr > samples.txt
    awk '/sampledThread/ { thr = $0; sub(/.*= "/, "", thr); sub(/".*/, "", thr); sub(/-[0-9]+$/, "", thr) }
        /stackTrace = \[/ { getline; f = $0; gsub(/^ +| line:.*/, "", f); n[thr ": " f]++; t[thr]++; total++ }
        END { for (k in n) printf "%6.1f%%  %s\n", 100 * n[k] / total, k
              for (k in t) printf "%6.1f%%  %s (all frames)\n", 100 * t[k] / total, k }' samples.txt \
        | sort -rn > top.txt
    head -25 top.txt
fi

if [ "$SPARSE_GIB" -gt 0 ]; then
    log "sparse image: ${SPARSE_GIB} GiB, 64 MiB of data in it, -Xmx64m"
    truncate -s "${SPARSE_GIB}G" sparse.img
    for at in 0 1000 3000 5000 8000; do
        [ $((at * 1024 * 1024)) -lt $((SPARSE_GIB * 1024 * 1024 * 1024)) ] || continue
        openssl rand $((12 * 1024 * 1024)) | dd of=sparse.img bs=1M seek="$at" conv=notrunc status=none
    done
    "$tandem" bundle create --image "rootfs=$work/sparse.img" --compatible bench --version 3.0.0 \
        --cert pki/signer.pem --key pki/signer.key -o www/sparse.tandem >/dev/null
    truncate -s "${SPARSE_GIB}G" sparse-b.backing
    sloop=$(losetup -f --show sparse-b.backing)
    loops+=("$sloop")
    device "$sloop"
    s=$(date +%s.%N)
    JAVA_OPTS="-Xmx64m" /usr/bin/time -f '%M' -o rss.txt "$tandem" --config dev/system.toml --booted rootfs.0 \
        install --no-activate --force --reinstall "http://127.0.0.1:$port/sparse.tandem" >/dev/null
    e=$(date +%s.%N)
    cmp sparse.img "$sloop" || { echo "install.sh: sparse slot differs" >&2; exit 1; }
    echo
    echo "${SPARSE_GIB} GiB sparse image over HTTP with -Xmx64m: $(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.1f", e - s }') s, bundle $(stat -c %s www/sparse.tandem) bytes, peak RSS $(cat rss.txt) KiB"
fi
