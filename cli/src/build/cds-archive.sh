#!/bin/sh
# Builds target/tandem.jsa, the AppCDS archive the ./tandem launcher maps at start-up (run by `mvn package`).
#
# Why: a tandem command spends most of its first second loading, verifying and linking about 3,500 classes and
# compiling the code that does it; on a 2-core device that is CPU the install needs for hashing. An archive of
# the parsed and verified classes (the JDK's and tandem's) cuts that: a 4 MiB install went from 3.4 s to 1.5 s
# on the benchmark machine. The archive belongs to the JDK that made it; another JDK ignores it (and the
# launcher then runs without).
#
# How: the commands of an update (dev PKI, bundle create, serve, install from a file and over HTTP into file
# slots, status, boot-check, mark-good, bundle info/verify) run once each with -XX:DumpLoadedClassList; the union
# of their class lists becomes a static archive. picocli's classes stay out (class file version 49, too old
# for CDS). Bouncy Castle's are in: the cli build removes their jars' signatures (signed jars cannot be archived).
#
# Usage: cds-archive.sh TARGET_DIR   (TARGET_DIR holds tandem.jar and lib/; JAVA picks the java binary)
# A failure only means no archive: the launcher works without one, so this script never fails the build.
set -u
target=$(cd "$1" && pwd)
java=${JAVA:-java}
jar="$target/tandem.jar"
out="$target/tandem.jsa"
work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-cds.XXXXXX") || exit 0
server=
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
# Up to date: nothing to do (the jar plugin leaves an unchanged jar alone).
if [ -f "$out" ] && [ "$out" -nt "$jar" ] && [ -z "$(find "$target/lib" -newer "$out" -name '*.jar' 2>/dev/null)" ]; then
    exit 0
fi
rm -f "$out"
n=0
device= # the runs of the device's commands that need no network (CDS_CLASSLIST below)
t() { # runs one tandem command and keeps its class list
    n=$((n + 1))
    "$java" -XX:DumpLoadedClassList="$work/classes.$n" -Xshare:auto -jar "$jar" "$@" >"$work/out.$n" 2>&1
}
fail() {
    echo "cds-archive.sh: no class-data archive ($*); tandem starts without one" >&2
    exit 0
}
command -v "$java" >/dev/null 2>&1 || fail "no $java"
cd "$work" || fail "no scratch directory"
# A small image: random, zero and text parts, as a rootfs has.
{ head -c 3145728 /dev/urandom && head -c 2097152 /dev/zero \
    && yes "a line of a log file for the tandem class-data training run" | head -c 3145728; } >image.img \
    || fail "cannot make a test image"
t pki dev-ca --out pki || fail "pki dev-ca: $(tail -1 out.$n)"
mkdir www
t bundle create --image rootfs="$work/image.img" --compatible cds --version 1.0.0 --cert pki/signer.pem \
    --key pki/signer.key -o www/b.tandem || fail "bundle create: $(tail -1 out.$n)"
t bundle info www/b.tandem >/dev/null || fail "bundle info"
t bundle verify --keyring pki/keyring.pem www/b.tandem || true
truncate -s 16M slot-a.img slot-b.img
cat >system.toml <<TOML
compatible = "cds"
bootloader = "file"
data-dir   = "$work/data"
keyring    = "$work/pki/keyring.pem"
[slots."rootfs.0"]
device   = "$work/slot-a.img"
class    = "rootfs"
bootname = "A"
[slots."rootfs.1"]
device   = "$work/slot-b.img"
class    = "rootfs"
bootname = "B"
TOML
t --config system.toml --booted rootfs.0 install --no-activate --force --reinstall www/b.tandem \
    || fail "install from a file: $(tail -1 out.$n)"
device="$device $n"
n=$((n + 1))
"$java" -XX:DumpLoadedClassList="$work/classes.$n" -Xshare:auto -jar "$jar" serve www --bind 127.0.0.1:0 \
    >"$work/serve.out" 2>&1 &
server=$!
port=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    port=$(sed -n 's|.*http://[^:]*:\([0-9]*\)/.*|\1|p' serve.out)
    [ -n "$port" ] && break
    sleep 0.5
done
[ -n "$port" ] || fail "tandem serve did not start"
t --config system.toml --booted rootfs.0 --progress=json install --no-activate --force --reinstall \
    "http://127.0.0.1:$port/b.tandem" || fail "install over HTTP: $(tail -1 out.$n)"
device="$device $n"
t --config system.toml --booted rootfs.0 status >/dev/null || true
device="$device $n"
t --config system.toml --booted rootfs.0 boot-check >/dev/null || true
device="$device $n"
t --config system.toml --booted rootfs.0 mark-good >/dev/null || true
device="$device $n"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
server=
cat classes.* | sort -u >classes.lst
# CDS_CLASSLIST=FILE keeps the class list of the device's commands only: install from a file and over HTTP, status,
# boot-check, mark-good (dist ships it; its archive is made where the tree is installed). The build host's commands
# (pki, bundle create, serve) and Netty's 520 classes (serve, the web page) stay out: each archived class costs
# about 6.5 KiB, and the whole list made a 34 MiB archive, over the installed tree's budget (README, Packaging).
if [ -n "${CDS_CLASSLIST:-}" ]; then
    for i in $device; do cat "classes.$i"; done | sort -u >device.lst
    cp device.lst "$CDS_CLASSLIST" || fail "cannot write $CDS_CLASSLIST"
fi
"$java" -Xshare:dump -XX:SharedClassListFile=classes.lst -XX:SharedArchiveFile="$out.tmp" -cp "$jar" \
    >dump.out 2>&1 || fail "java -Xshare:dump: $(grep -i error dump.out | head -1)"
mv "$out.tmp" "$out" || fail "cannot write $out"
echo "cds-archive.sh: $out ($(wc -l <classes.lst) classes listed)"
