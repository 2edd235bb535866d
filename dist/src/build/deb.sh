#!/bin/sh
# Builds tandem_DEBVERSION_ARCH.deb from the distribution tree, with dpkg-deb (called by dist.sh).
#
# Why dpkg-deb and not a Maven plugin (jdeb): it is Debian's own tool, every .deb is checked against it anyway
# (lintian, dpkg -i), the package needs nothing it cannot do, and it costs no new build dependency. The price:
# the .deb is built only on hosts that have dpkg-deb (Debian, Ubuntu; elsewhere the build says so and makes the
# tarball only).
#
# Layout: /usr/lib/tandem/{bin,lib} (the tree), /usr/bin/tandem -> ../lib/tandem/bin/tandem, the units in
# /lib/systemd/system, /etc/tandem/system.toml.example, man pages, completion, /usr/share/doc/tandem.
# Compression: gzip -9 (xz -6 saved 5 MB of 45 but took three minutes on the 2-core build machine).
# Usage: deb.sh TARGET TREE VERSION ARCH SOURCE_ROOT
set -eu
target=$1
tree=$2
version=$3
arch=$4
src=$5
log() { echo "dist: $*" >&2; }
fail() { echo "dist: $*" >&2; exit 1; }

# 0.1.0-SNAPSHOT -> 0.1.0~SNAPSHOT: a snapshot sorts before its release, and a native package has no "-revision".
debversion=$(echo "$version" | sed 's/-/~/g')
deb="$target/tandem_${debversion}_$arch.deb"
if [ -f "$deb" ] && [ -z "$(find "$tree" "$src/dist/src/deb" ! -type d -newer "$deb" | head -1)" ]; then
    exit 0
fi
log "$deb"
root="$target/deb"
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/lib/tandem" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/tandem" \
    "$root/usr/share/doc/tandem/examples" "$root/usr/share/man" "$root/usr/share/bash-completion/completions" \
    "$root/usr/share/zsh/vendor-completions" "$root/usr/share/lintian/overrides"
cp -pR "$tree/bin" "$tree/lib" "$root/usr/lib/tandem/"
ln -s ../lib/tandem/bin/tandem "$root/usr/bin/tandem"
cp -p "$tree"/share/systemd/*.service "$root/lib/systemd/system/"
cp -p "$tree/doc/examples/system.toml.example" "$root/etc/tandem/system.toml.example"
cp -pR "$tree/share/man/"* "$root/usr/share/man/"
find "$root/usr/share/man" -type f -exec gzip -9n {} +
cp -p "$tree/share/bash-completion/completions/tandem" "$root/usr/share/bash-completion/completions/tandem"
cp -p "$tree/share/zsh/vendor-completions/_tandem" "$root/usr/share/zsh/vendor-completions/_tandem"
doc="$root/usr/share/doc/tandem"
for f in "$tree"/doc/*.md; do
    cp -p "$f" "$doc/"
done
cp -p "$tree"/doc/examples/* "$doc/examples/"
cp "$src/dist/src/deb/copyright" "$doc/copyright"
commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
date=$(git -C "$src" log -1 --format=%cD 2>/dev/null || date -R)
printf 'tandem (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
    "$debversion" "$commit" "$(sed -n 's/^Maintainer: //p' "$src/dist/src/deb/control")" "$date" \
    | gzip -9n >"$doc/changelog.gz"
cp "$src/dist/src/deb/lintian-overrides" "$root/usr/share/lintian/overrides/tandem"
for script in postinst prerm postrm; do
    install -m 755 "$src/dist/src/deb/$script" "$root/DEBIAN/$script"
done
echo /etc/tandem/system.toml.example >"$root/DEBIAN/conffiles"

# Depends: the packages of the shared libraries the runtime links (Debian's libjvm.so needs libstdc++ and libgcc;
# a JDK that links them statically needs only libc6 and zlib1g).
depends=$(find "$root/usr/lib/tandem/lib/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec objdump -p {} + 2>/dev/null \
    | awk '/NEEDED/{print $2}' | sort -u | while read -r so; do
        case $so in
            libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|ld-linux*) echo libc6 ;;
            libz.so.1) echo zlib1g ;;
            libstdc++.so.6) echo libstdc++6 ;;
            libgcc_s.so.1) echo libgcc-s1 ;;
            libjava.so|libjvm.so|libjli.so|libnet.so|libnio.so|libverify.so|libzip.so|libjimage.so) ;;
            *) echo "UNKNOWN:$so" ;;
        esac
    done | sort -u | paste -sd, - | sed 's/,/, /g')
case $depends in *UNKNOWN:*) fail "a runtime library links something deb.sh does not map to a package: $depends" ;; esac
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$debversion/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" -e "s/@SIZE@/$size/" \
    "$src/dist/src/deb/control" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) >"$root/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zgzip -z9 --build "$root" "$deb.tmp" >/dev/null
mv "$deb.tmp" "$deb"
