#!/bin/sh
# bench/create.sh: how long `tandem bundle create` takes on a 1 GiB image, next to the tools that do
# the same kind of work: `zstd -3 -T2` (compression) and `sha256sum` / `openssl sha256` (hashing).
# ARCHITECTURE.md §3: bundle create hashes each byte once for chunks and blocks and once for the image sha256,
# and compresses every chunk, so zstd and a SHA-256 pass or two are the yardsticks.
#
# Usage, from anywhere, after `mvn -B -q package -DskipTests` in the repository root:
#   bench/create.sh
#   RUNS=5 SIZE_MIB=256 bench/create.sh
#
# Environment:
#   RUNS         repetitions of each command (default 3); the table shows median, min and max
#   SIZE_MIB     image size in MiB, a multiple of 16 (default 1024)
#   SCRATCH      where to make the scratch directory (default ${TMPDIR:-/tmp}); the script makes a new
#                directory there and removes it at the end unless KEEP=1. It needs about 2.7 x SIZE_MIB
#                of free space
#   SKIP_TANDEM=1  time only zstd and the hashers (while the CLI does not build, say)
#
# The test image is the same on every host. It is 16 equal segments in the order
#   R R Z T   R R Z T   R R Z T   R R Z T
#   R  random bytes (an AES-128-CTR keystream): incompressible, stored raw   1/2 of the image
#   Z  zeros (unused filesystem space): zero chunks, nothing stored           1/4
#   T  log-like text from a fixed seed, different in every segment:
#      zstd -3 makes it about 3 times smaller                                 1/4
# Segments are 64 MiB for the default size, far larger than zstd's window, so the whole-file zstd gains
# nothing from repetition that tandem's independent 64 KiB chunks could not use.
#
# Timings are taken with the image in the page cache (it is read once before the first run), so they
# measure CPU work, not the disk. Wall time and peak RSS come from `/usr/bin/time -f '%e %M'`.
# The tandem CLI runs with JAVA_OPTS=-Xmx64m, the heap a device-class JVM gets.

set -eu

RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-1024}
KEEP=${KEEP:-0}
SKIP_TANDEM=${SKIP_TANDEM:-0}

die() {
    echo "bench/create.sh: $*" >&2
    exit 1
}

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/text-log.sh"

case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer, not '$RUNS'" ;; esac
case $SIZE_MIB in ''|*[!0-9]*|0) die "SIZE_MIB must be a positive integer, not '$SIZE_MIB'" ;; esac
[ $((SIZE_MIB % 16)) -eq 0 ] || die "SIZE_MIB must be a multiple of 16, not $SIZE_MIB"

for tool in /usr/bin/time zstd sha256sum openssl awk head; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
if [ "$SKIP_TANDEM" != 1 ]; then
    [ -f "$repo/cli/target/tandem.jar" ] || die "$repo/cli/target/tandem.jar is missing: build the CLI first with
  (cd $repo && mvn -B -q package -DskipTests)
or run with SKIP_TANDEM=1 to time only zstd and the hashers"
    command -v "${JAVA:-java}" >/dev/null 2>&1 || die "java is not installed (set JAVA to the java binary)"
fi

parent=${SCRATCH:-${TMPDIR:-/tmp}}
[ -d "$parent" ] || die "$parent is not a directory"
scratch=$(mktemp -d "$parent/tandem-bench.XXXXXX")
cleanup() {
    if [ "$KEEP" = 1 ]; then
        echo "bench/create.sh: kept $scratch" >&2
    else
        rm -rf "$scratch"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_mib=$(df -Pm "$scratch" | awk 'NR == 2 { print $4 }')
need_mib=$((SIZE_MIB * 27 / 10 + 64))
[ "$free_mib" -ge "$need_mib" ] || die "$scratch has $free_mib MiB free, the benchmark needs about $need_mib MiB"

image=$scratch/rootfs.img
segment_mib=$((SIZE_MIB / 16))
segment_bytes=$((segment_mib * 1024 * 1024))

# One random segment: the AES-128-CTR keystream of a fixed key, a different IV per segment.
random_segment() {
    head -c "$segment_bytes" /dev/zero \
        | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv "$(printf '%032x' "$1")"
}

# One text segment: syslog-like lines of words and numbers from awk's generator, seeded per segment.
text_segment() {
    text_log "$1" "$segment_bytes"
}

zero_segment() {
    head -c "$segment_bytes" /dev/zero
}

echo "bench/create.sh: making a $SIZE_MIB MiB image in $scratch" >&2
: >"$image"
s=0
for kind in R R Z T R R Z T R R Z T R R Z T; do
    s=$((s + 1))
    case $kind in
        R) random_segment "$s" >>"$image" ;;
        Z) zero_segment >>"$image" ;;
        T) text_segment "$s" >>"$image" ;;
    esac
done
actual=$(wc -c <"$image")
[ "$actual" -eq $((SIZE_MIB * 1024 * 1024)) ] || die "made $actual bytes, expected $((SIZE_MIB * 1024 * 1024))"
cat "$image" >/dev/null # into the page cache

if [ "$SKIP_TANDEM" != 1 ]; then
    "$repo/tandem" pki dev-ca --out "$scratch/pki" >"$scratch/dev-ca.log" 2>&1 \
        || { cat "$scratch/dev-ca.log" >&2; die "tandem pki dev-ca failed"; }
fi

# measure NAME COMMAND...: runs COMMAND once under /usr/bin/time and appends "seconds kib" to NAME.times.
measure() {
    name=$1
    shift
    if ! /usr/bin/time -f '%e %M' -o "$scratch/time.out" "$@" >/dev/null 2>"$scratch/command.err"; then
        cat "$scratch/command.err" >&2
        die "$name failed: $*"
    fi
    tail -n 1 "$scratch/time.out" >>"$scratch/$name.times"
}

r=0
while [ "$r" -lt "$RUNS" ]; do
    r=$((r + 1))
    echo "bench/create.sh: run $r of $RUNS" >&2
    # Interleaved, so that a slow moment of the host spreads over all commands.
    if [ "$SKIP_TANDEM" != 1 ]; then
        rm -f "$scratch/out.tandem"
        measure tandem env JAVA_OPTS=-Xmx64m "$repo/tandem" bundle create --image "rootfs=$image" \
            --compatible bench --version 1.0.0 --cert "$scratch/pki/signer.pem" --key "$scratch/pki/signer.key" \
            -o "$scratch/out.tandem"
    fi
    rm -f "$scratch/out.zst"
    measure zstd zstd -3 -T2 -q -f "$image" -o "$scratch/out.zst"
    measure sha256sum sha256sum "$image"
    measure openssl openssl sha256 "$image"
done

# stats FILE COLUMN: "median min max" of one column of a .times file.
stats() {
    awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '
        { v[NR] = $1 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s %s %s\n", m, v[1], v[NR]
        }'
}

median_of() {
    stats "$scratch/$1.times" 1 | awk '{ print $1 }'
}

tandem_median=
[ "$SKIP_TANDEM" = 1 ] || tandem_median=$(median_of tandem)

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
sha_ni=no
grep -qw sha_ni /proc/cpuinfo 2>/dev/null && sha_ni=yes
echo
echo "## bundle create on a $SIZE_MIB MiB image ($RUNS runs)"
echo
echo "Host: $(nproc) CPUs, ${cpu:-unknown CPU}, SHA-NI: $sha_ni; image in the page cache."
echo "Image: 1/2 random, 1/4 zeros, 1/4 log-like text (bench/create.sh says how it is made)."
echo
echo "| command | median s | min s | max s | MiB/s | peak RSS MiB | tandem ÷ this |"
echo "|---|---:|---:|---:|---:|---:|---:|"
row() {
    name=$1
    label=$2
    set -- $(stats "$scratch/$name.times" 1)
    median=$1 min=$2 max=$3
    rss_kib=$(stats "$scratch/$name.times" 2 | awk '{ print $3 }')
    awk -v label="$label" -v med="$median" -v min="$min" -v max="$max" -v rss="$rss_kib" -v size="$SIZE_MIB" \
        -v tandem="$tandem_median" 'BEGIN {
            rate = med > 0 ? sprintf("%.0f", size / med) : "-"
            ratio = (tandem != "" && med > 0) ? sprintf("%.2f", tandem / med) : "-"
            printf "| %s | %.2f | %.2f | %.2f | %s | %.0f | %s |\n", label, med, min, max, rate, rss / 1024, ratio
        }'
}
[ "$SKIP_TANDEM" = 1 ] || row tandem '`tandem bundle create` (JAVA_OPTS=-Xmx64m)'
row zstd '`zstd -3 -T2`'
row sha256sum '`sha256sum`'
row openssl '`openssl sha256`'
echo
sizes=$(wc -c <"$scratch/out.zst")
line="Output: zstd $(awk -v b="$sizes" -v s="$SIZE_MIB" 'BEGIN { printf "%.0f MiB (%.1f%% of the image)", b / 1048576, 100 * b / (s * 1048576) }')"
if [ "$SKIP_TANDEM" != 1 ]; then
    bundle=$(wc -c <"$scratch/out.tandem")
    line="$line, bundle $(awk -v b="$bundle" -v s="$SIZE_MIB" 'BEGIN { printf "%.0f MiB (%.1f%% of the image)", b / 1048576, 100 * b / (s * 1048576) }')"
fi
echo "$line."
[ "$SKIP_TANDEM" != 1 ] || echo "tandem was not run (SKIP_TANDEM=1)."
