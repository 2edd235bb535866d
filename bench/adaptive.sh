#!/usr/bin/env bash
# bench/adaptive.sh: bytes downloaded by adaptive updates of ext4 rootfs images (ARCHITECTURE.md §9), side by side:
#   tandem  - install over HTTP from nginx into file slots, old image on the booted slot (A); the figure is
#             tandem's own "downloaded" (body bytes received: index, hints, chunks, retries); beside it, what
#             nginx sent (`$bytes_sent`: headers and bodies, also of responses tandem abandoned), which must stay
#             within tandem's count + 64 KiB (issue 16: the server sends what the client reads; the run fails
#             otherwise);
#   casync  - `casync make` (default chunking, ~64 KiB average), `casync extract --seed=old.img` over HTTP
#             from nginx; the figure is the body bytes nginx logged (index + chunks);
#   zsync   - `zsyncmake`, `zsync -i old.img` from nginx; body bytes nginx logged (control file + blocks);
#   full    - the whole tandem bundle.
# Image pairs, from a tree of real files (a copy of part of /usr, TREE_MIB MiB):
#   a  one package (PKG_MIB MiB of files) added in place with debugfs (no mkfs: blocks stay where they were)
#   b  the same tree plus that package, rebuilt with a fresh mke2fs -d (file data moves to other blocks)
#   b0 the same tree rebuilt with a fresh mke2fs -d, nothing added
#   c  a larger change: every 4th file rewritten and the package added, fresh mke2fs -d
#   0  nothing changed (the old image again): what any install costs (index, and what the first GET of the
#      HTTP source reads ahead before the installer turns to range requests)
# Needs: root is not required; e2fsprogs, casync, zsync, nginx-light, a built ./tandem
# (mvn -B -q package -DskipTests). Knobs: TREE_MIB (300), PKG_MIB (4), CHUNKS ("64K 16K": one tandem column
# each), LEVEL (3), PAIRS ("0 a b b0 c"),
# WORK (/tmp/tandem-bench-adaptive), KEEP=1 keeps WORK, ADAPTIVE_TSV (also write the raw byte counts there, one
# line per pair and chunk size: pair, chunk, tandem, casync, zsync, full bundle, nginx sent for tandem;
# bench/run.sh reads it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tandem="$here/tandem"
TREE_MIB=${TREE_MIB:-300}
PKG_MIB=${PKG_MIB:-4}
CHUNKS=${CHUNKS:-"64K 16K"}
LEVEL=${LEVEL:-3}
PAIRS=${PAIRS:-"0 a b b0 c"}
work=${WORK:-/tmp/tandem-bench-adaptive}

for tool in mke2fs debugfs casync zsync zsyncmake nginx cmp; do
    command -v "$tool" >/dev/null || { echo "adaptive.sh: $tool is missing (apt-get install e2fsprogs casync zsync nginx-light)" >&2; exit 2; }
done
[ -f "$here/cli/target/tandem.jar" ] || { echo "adaptive.sh: build tandem first: mvn -B -q package -DskipTests" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work"/{www,nginx/tmp}
cd "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

log() { echo "# $*" >&2; }

# ---- the tree and the package -----------------------------------------------------------------------------
log "tree: ${TREE_MIB} MiB of files from /usr/lib and /usr/share"
limit=$((TREE_MIB * 1024 * 1024))
find /usr/lib /usr/share -xdev -type f -size -8M -not -path '*/jvm/*' -printf '%s %p\n' 2>/dev/null \
    | sort -k2 | awk -v limit="$limit" '{t += $1; if (t <= limit) print $2}' > tree.list
mkdir tree
tar -cf - -T tree.list 2>/dev/null | tar -xf - -C tree
pkglimit=$((PKG_MIB * 1024 * 1024))
find /usr/bin -xdev -type f -size +16k -printf '%s %p\n' | sort -k2 \
    | awk -v limit="$pkglimit" '{if (t + $1 <= limit) {t += $1; print $2}}' > pkg.list
mkdir -p pkg
while read -r f; do cp "$f" pkg/; done < pkg.list
tree_bytes=$(du -sb tree | cut -f1)
pkg_bytes=$(du -sb pkg | cut -f1)
size_mib=$(( (tree_bytes * 5 / 4 + 64 * 1024 * 1024) / 1024 / 1024 ))
log "tree $((tree_bytes / 1024 / 1024)) MiB, package $((pkg_bytes / 1024)) KiB, image ${size_mib} MiB"

mkfs() { # tree image
    rm -f "$2"
    mke2fs -q -F -t ext4 -b 4096 -d "$1" "$2" "${size_mib}M" >/dev/null
}

mkfs tree old.img
for pair in $PAIRS; do
    case $pair in
    0)
        cp --sparse=always old.img 0.img
        ;;
    a)
        cp --sparse=always old.img a.img
        { echo "mkdir /opt"; echo "mkdir /opt/pkg"; echo "cd /opt/pkg"
          for f in pkg/*; do echo "write $f $(basename "$f")"; done; } > debugfs.cmd
        debugfs -w -f debugfs.cmd a.img >/dev/null 2>&1
        e2fsck -fn a.img >/dev/null 2>&1 || { echo "adaptive.sh: debugfs left a.img inconsistent" >&2; exit 1; }
        ;;
    b)
        rm -rf tree-b && cp -a tree tree-b && mkdir -p tree-b/opt && cp -a pkg tree-b/opt/pkg
        mkfs tree-b b.img && rm -rf tree-b
        ;;
    b0)
        mkfs tree b0.img
        ;;
    c)
        rm -rf tree-c && cp -a tree tree-c && mkdir -p tree-c/opt && cp -a pkg tree-c/opt/pkg
        # A new build of every 4th file: a changed header, the rest shifted by 1000 bytes.
        python3 - tree-c <<'PY'
import os, sys
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs)
for n, path in enumerate(files, 1):
    if n % 4 == 0 and not os.path.islink(path):
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(os.urandom(1000) + data)
PY
        mkfs tree-c c.img && rm -rf tree-c
        ;;
    *) echo "adaptive.sh: unknown pair $pair" >&2; exit 2 ;;
    esac
done

# ---- servers ------------------------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nport=$(free_port)
cat > nginx/nginx.conf <<EOF
daemon off;
master_process off;
worker_processes 1;
user root;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 128; }
http {
    log_format bytes '\$status \$body_bytes_sent \$request_uri \$bytes_sent';
    access_log $work/nginx/access.log bytes;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    server { listen 127.0.0.1:$nport; root $work/www; }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
for _ in $(seq 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$nport/"; then break; fi
    sleep 0.2
done
served() { awk '{s += $2} END {print s + 0}' "$work/nginx/access.log"; }
# sent: what nginx wrote to its sockets, headers included; nginx logs an abandoned response only once it notices
# the closed connection, so the log is read until it stops growing (at most 5 s).
sent() {
    local last=-1 now
    for _ in $(seq 17); do
        now=$(awk '{s += $4} END {print s + 0}' "$work/nginx/access.log")
        [ "$now" = "$last" ] && break
        last=$now; sleep 0.3
    done
    echo "$now"
}
WIRE_SLACK=65536
: > "$work/nginx/access.log"

"$tandem" pki dev-ca --out "$work/pki" >/dev/null

# ---- one pair -------------------------------------------------------------------------------------------------
human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MB", b / 1048576; else printf "%.0f KB", b / 1024 }'; }

results=()
wire_over=0
[ -z "${ADAPTIVE_TSV:-}" ] || : > "$ADAPTIVE_TSV"
for pair in $PAIRS; do
    new="$pair.img"
    size=$(stat -c %s "$new")
    row="| $pair |"
    raw=()
    for chunk in $CHUNKS; do
    log "pair $pair: tandem, chunk size $chunk"
    "$tandem" bundle create --image "rootfs=$work/$new" --compatible bench --version 2.0.0 --chunk-size "$chunk" \
        --level "$LEVEL" --cert "$work/pki/signer.pem" --key "$work/pki/signer.key" -o "www/$pair.tandem" >/dev/null
    full=$(stat -c %s "www/$pair.tandem")
    rm -rf dev && mkdir -p dev
    cp --sparse=always old.img dev/slot-a.img
    truncate -s "$(stat -c %s old.img)" dev/slot-b.img
    cat > dev/system.toml <<EOF
compatible = "bench"
bootloader = "file"
data-dir   = "$work/dev/data"
keyring    = "$work/pki/keyring.pem"
[slots."rootfs.0"]
device   = "$work/dev/slot-a.img"
class    = "rootfs"
bootname = "A"
[slots."rootfs.1"]
device   = "$work/dev/slot-b.img"
class    = "rootfs"
bootname = "B"
EOF
    : > "$work/nginx/access.log"
    "$tandem" --config dev/system.toml --booted rootfs.0 --progress=json install --no-activate --force --reinstall \
        "http://127.0.0.1:$nport/$pair.tandem" > dev/install.json
    t_down=$(grep '"event":"done"' dev/install.json | sed 's/.*"downloaded":\([0-9]*\).*/\1/')
    t_sent=$(sent)
    log "pair $pair, $chunk: nginx sent $t_sent bytes, tandem counted $t_down"
    if [ "$t_sent" -gt $((t_down + WIRE_SLACK)) ]; then
        echo "adaptive.sh: nginx sent $t_sent bytes, more than tandem's $t_down + 64 KiB ($pair, $chunk)" >&2
        wire_over=1
    fi
    cmp -n "$size" "$new" dev/slot-b.img >/dev/null || { echo "adaptive.sh: tandem wrote a different slot B ($pair)" >&2; exit 1; }
    grep '"event":"note"' dev/install.json | sed 's/.*"message":"\(.*\)"}/#   \1/' >&2 || true
    row="$row $(human "$t_down") (sent $(human "$t_sent")) |"
    raw+=("$chunk $t_down $full $t_sent")
    rm -f "www/$pair.tandem"
    done

    log "pair $pair: casync"
    rm -rf www/store && casync make --store="www/store" "www/$pair.caibx" "$new" >/dev/null
    rm -f out.img
    : > "$work/nginx/access.log"
    casync extract --seed=old.img --store="http://127.0.0.1:$nport/store" "http://127.0.0.1:$nport/$pair.caibx" out.img \
        >/dev/null 2>&1
    c_down=$(served)
    cmp -n "$size" "$new" out.img >/dev/null || { echo "adaptive.sh: casync extracted something else ($pair)" >&2; exit 1; }

    log "pair $pair: zsync"
    (cd www && zsyncmake -u "$pair.img" -o "$pair.zsync" "../$new" >/dev/null 2>&1) && ln -sf "../$new" "www/$pair.img"
    rm -f out.img
    : > "$work/nginx/access.log"
    zsync -q -i old.img -o out.img "http://127.0.0.1:$nport/$pair.zsync" >/dev/null 2>&1
    z_down=$(served)
    cmp -n "$size" "$new" out.img >/dev/null || { echo "adaptive.sh: zsync produced something else ($pair)" >&2; exit 1; }
    rm -f out.img

    results+=("$row $(human "$c_down") | $(human "$z_down") | $(human "$full") |")
    if [ -n "${ADAPTIVE_TSV:-}" ]; then
        for x in "${raw[@]}"; do
            set -- $x
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pair" "$1" "$2" "$c_down" "$z_down" "$3" "$4" >> "$ADAPTIVE_TSV"
        done
    fi
    rm -rf www/store "www/$pair.caibx" "www/$pair.zsync" "www/$pair.img"
done

echo
echo "Image ${size_mib} MiB ext4 (tree $((tree_bytes / 1024 / 1024)) MiB, package $((pkg_bytes / 1024)) KiB); tandem --level $LEVEL; bytes downloaded"
echo
header="| pair |"; rule="|---|"
for chunk in $CHUNKS; do header="$header tandem $chunk |"; rule="$rule---|"; done
echo "$header casync | zsync | full bundle (${CHUNKS##* }) |"
echo "$rule---|---|---|"
printf '%s\n' "${results[@]}"
echo
echo "tandem: downloaded as counted by tandem; (sent) as nginx's \$bytes_sent, headers included, bound: counted + 64 KiB."
[ "$wire_over" = 0 ] || { echo "adaptive.sh: nginx sent more than tandem counted + 64 KiB (see above)" >&2; exit 3; }
