#!/bin/sh
# Builds the distribution from the reactor's output (run by dist's pom at `package`, after Docs has written the
# man pages and completion into TARGET/docs):
#
#   TARGET/tandem-VERSION-linux-ARCH/            the relocatable tree (also what the .deb installs)
#     bin/tandem                                 the launcher (./tandem of the source tree)
#     lib/tandem.jar, lib/*.jar                  the CLI and its libraries (Class-Path flattened to lib/)
#     lib/tandem.jvm                             the measured JVM options
#     lib/native/libjnidispatch.so               JNA's native library (else unpacked into ~/.cache by each run)
#     lib/runtime/                               jlink'd Java runtime: only the modules tandem uses
#     lib/tandem.classlist                       what lib/make-class-data-archive puts in lib/tandem.jsa
#     share/man, share/bash-completion, share/zsh, share/systemd, doc/
#   TARGET/tandem-VERSION-linux-ARCH.tar.gz
#   TARGET/tandem_DEBVERSION_ARCH.deb            made with dpkg-deb (see deb.sh)
#
# Usage: dist.sh TARGET VERSION SOURCE_ROOT JDK_HOME
# Each step is skipped when its output is newer than its inputs, so a `mvn package` that changed nothing here
# costs a few seconds: jlink (~10 s) and the class-data training run (~30-60 s) only run when their inputs change.
set -eu
target=$1
version=$2
src=$3
jdk=$4
cli="$src/cli/target"
log() { echo "dist: $*" >&2; }
fail() { echo "dist: $*" >&2; exit 1; }

arch=$(dpkg --print-architecture 2>/dev/null) || case $(uname -m) in
    x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; armv7l) arch=armhf ;; *) arch=$(uname -m) ;;
esac
name="tandem-$version-linux-$arch"
tree="$target/$name"
[ -f "$cli/tandem.jar" ] || fail "$cli/tandem.jar is missing (the cli module builds it)"
mkdir -p "$tree/bin" "$tree/lib" "$tree/share" "$tree/doc"

# --- the Java runtime: java.base plus what tandem loads at run time (jdeps on tandem's jars finds java.base and
# jdk.unsupported; the rest come in through services and reflection: EC keys and TLS groups, PKCS#11 keys,
# java.util.logging; jdk.net: the local API's SO_PEERCRED, which names a client's user). The libraries' optional dependencies (java.desktop, java.sql, jdk.jfr: java.beans in
# commons-lang3, java.sql.Date in Jackson, JFR events in Netty) are never loaded by tandem and stay out.
modules=java.base,java.logging,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.net
stamp="$modules $(cksum <"$jdk/release")"
if [ ! -x "$tree/lib/runtime/bin/java" ] || [ "$(cat "$target/runtime.stamp" 2>/dev/null)" != "$stamp" ]; then
    if [ ! -d "$jdk/jmods" ]; then
        # The README's first command must keep working on any JDK: no distribution, said loudly (dist's tests are
        # then skipped with this reason).
        log "WARNING: $jdk has no jmods/, which jlink needs (Debian: openjdk-17-jdk-headless; Fedora: java-17-openjdk-jmods): no tarball, no .deb"
        rm -rf "$tree"
        exit 0
    fi
    log "jlink $modules"
    rm -rf "$tree/lib/runtime" "$tree/lib/tandem.classlist"
    "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
        --output "$tree/lib/runtime"
    # The JDK's binaries keep their symbol tables (Debian's libjvm.so: 24 MB, 20 MB stripped). keytool is not
    # needed (the keyring is PEM). jlink leaves some files read-only; Debian wants 0644/0755.
    rm -f "$tree/lib/runtime/bin/keytool"
    if command -v strip >/dev/null; then
        find "$tree/lib/runtime" -type f \( -name '*.so' -o -perm -u+x \) -exec strip --strip-unneeded {} +
    fi
    chmod -R u+w,go-w "$tree/lib/runtime"
    echo "$stamp" >"$target/runtime.stamp"
fi

# --- jars: copied when changed (cp -p keeps their times; the class-data archive records them). zstd-jni and JNA
# carry native libraries for every platform; the tree is for one, so the others are left out (7 MB).
case $arch in
    amd64) zstd_native=linux/amd64 jna_native=linux-x86-64 ;;
    arm64) zstd_native=linux/aarch64 jna_native=linux-aarch64 ;;
    armhf) zstd_native=linux/arm jna_native=linux-arm ;;
    *) zstd_native= jna_native= ;;
esac
# main_manifest JAR: JAR's manifest without its per-entry sections ("Name:" and a digest for every class), which
# only jar signing reads. The JVM parses the whole manifest of a jar at every start once it defines a package from
# it, and keeps the result: bcprov's lists 5,933 entries in 855 KB. Without them (here and in bcpkix and bcutil) a
# small install took 0.08 s less wall time and 10 MiB less peak RSS. A signed jar keeps them (none here is, and a
# class-data archive leaves a signed jar's classes out).
main_manifest() {
    case $1 in /*) ;; *) set -- "$PWD/$1" ;; esac
    ! unzip -Z1 "$1" | grep -qiE '^META-INF/[^/]+\.(SF|RSA|DSA|EC)$' || return 0
    unzip -p "$1" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r' | grep -q '^Name:' || return 0
    rm -rf "$target/manifest.main"
    mkdir -p "$target/manifest.main/META-INF"
    unzip -p "$1" META-INF/MANIFEST.MF | tr -d '\r' | awk 'NF == 0 { exit } { print }' \
        >"$target/manifest.main/META-INF/MANIFEST.MF"
    touch -r "$1" "$target/manifest.main/META-INF/MANIFEST.MF"
    (cd "$target/manifest.main" && zip -q -X "$1" META-INF/MANIFEST.MF)
    rm -rf "$target/manifest.main"
}
changed=
for jar in "$cli"/lib/*.jar; do
    out="$tree/lib/${jar##*/}"
    if [ ! -f "$out" ] || [ "$jar" -nt "$out" ]; then
        cp -p "$jar" "$out"
        case ${jar##*/} in
            zstd-jni-*) [ -z "$zstd_native" ] || zip -q -d "$out" $(unzip -Z1 "$out" | grep -E '\.(so|dll|dylib)$' | grep -v "^$zstd_native/") ;;
            jna-*) [ -z "$jna_native" ] || zip -q -d "$out" $(unzip -Z1 "$out" | grep -E '^com/sun/jna/[^/]+/libjnidispatch' | grep -v "/$jna_native/") ;;
        esac
        main_manifest "$out"
        touch -r "$jar" "$out"
        changed=1
    fi
done
for old in "$tree"/lib/*.jar; do # a library the CLI no longer uses
    case ${old##*/} in tandem.jar) continue ;; esac
    [ -f "$cli/lib/${old##*/}" ] || { rm -f "$old"; changed=1; }
done
# tandem.jar's manifest names its libraries as lib/x.jar (the source tree's layout); here they sit beside it.
if [ ! -f "$tree/lib/tandem.jar" ] || [ "$cli/tandem.jar" -nt "$tree/lib/tandem.jar" ]; then
    cp "$cli/tandem.jar" "$tree/lib/tandem.jar.tmp"
    cp=$(unzip -p "$cli/tandem.jar" META-INF/MANIFEST.MF | tr -d '\r' \
        | awk '/^ /{v=v substr($0,2); next} {if(v!="")print v; v=$0} END{print v}' \
        | sed -n 's/^Class-Path: //p' | sed 's#\(^\| \)lib/#\1#g')
    echo "Class-Path: $cp" | fold -w 70 | sed '2,$s/^/ /' >"$target/manifest.txt"
    "$jdk/bin/jar" --update --file "$tree/lib/tandem.jar.tmp" --manifest "$target/manifest.txt"
    mv "$tree/lib/tandem.jar.tmp" "$tree/lib/tandem.jar"
    changed=1
fi

# JNA's native library for this platform, unpacked once here (the launcher points JNA at it) instead of into
# ~/.cache/JNA by every run.
if [ -n "$jna_native" ] && [ -n "$changed" -o ! -f "$tree/lib/native/libjnidispatch.so" ]; then
    rm -rf "$tree/lib/native"
    mkdir -p "$tree/lib/native"
    unzip -q -j -o "$tree"/lib/jna-*.jar "com/sun/jna/$jna_native/libjnidispatch.so" -d "$tree/lib/native"
    chmod 644 "$tree/lib/native/libjnidispatch.so"
    ! command -v strip >/dev/null || strip --strip-unneeded "$tree/lib/native/libjnidispatch.so"
fi

# --- launcher, options, docs
cp -p "$src/tandem" "$tree/bin/tandem"
cp -p "$src/dist/src/main/tree/lib/tandem.jvm" "$tree/lib/tandem.jvm"
chmod 755 "$tree/bin/tandem"
rm -rf "$tree/share"
mkdir -p "$tree/share/systemd" "$tree/doc/examples"
cp -pR "$target/docs/man" "$target/docs/bash-completion" "$target/docs/zsh" "$tree/share/"
cp -p "$src"/contrib/systemd/*.service "$tree/share/systemd/"
cp -p "$src/README.md" "$src/SECURITY.md" "$src/slot-manager/CONFIG.md" "$src/bundle-format/FORMAT.md" \
    "$src/device-agent/DDI.md" "$tree/doc/"
cp -p "$src/contrib/system.toml.example" "$src/contrib/boot.cmd" "$src/contrib/grub.cfg" "$tree/doc/examples/"
[ ! -f "$src/docs/integration.md" ] || cp -p "$src/docs/integration.md" "$tree/doc/"

# --- the class list for the class-data archive: cli's training run, by the bundled runtime on the tree's jars.
# The archive itself is not shipped: a Java 17 archive with application classes is valid only at the path it was
# made at. lib/make-class-data-archive makes it where the tree is installed (the .deb's postinst runs it).
if [ ! -f "$tree/lib/tandem.classlist" ] || [ "$tree/lib/tandem.jar" -nt "$tree/lib/tandem.classlist" ] \
        || [ "$src/cli/src/build/cds-archive.sh" -nt "$tree/lib/tandem.classlist" ] || [ -n "$changed" ]; then
    log "class list for the class-data archive (training run with the bundled runtime)"
    rm -f "$tree/lib/tandem.classlist" "$tree/lib/tandem.jsa" # (the training script skips when its archive is newer)
    JAVA="$tree/lib/runtime/bin/java" TMPDIR="$target" CDS_CLASSLIST="$tree/lib/tandem.classlist" \
        sh "$src/cli/src/build/cds-archive.sh" "$tree/lib" >&2 || true
    rm -f "$tree/lib/tandem.jsa" # valid only here
    [ -f "$tree/lib/tandem.classlist" ] || fail "the training run made no class list (see above)"
fi
cp -p "$src/dist/src/main/tree/lib/make-class-data-archive" "$tree/lib/"

# --- the tarball (times kept: the archive checks the jars' times)
tarball="$target/$name.tar.gz"
if [ ! -f "$tarball" ] || [ -n "$(find "$tree" ! -type d -newer "$tarball" | head -1)" ]; then
    log "$tarball"
    tar -C "$target" --owner=0 --group=0 --numeric-owner --sort=name -czf "$tarball.tmp" "$name"
    mv "$tarball.tmp" "$tarball"
fi

# --- the .deb
if command -v dpkg-deb >/dev/null; then
    sh "$src/dist/src/build/deb.sh" "$target" "$tree" "$version" "$arch" "$src"
else
    log "no dpkg-deb on this host: no .deb (the tarball is complete)"
fi
