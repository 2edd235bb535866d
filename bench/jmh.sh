#!/usr/bin/env bash
# bench/jmh.sh: the JMH micro-benchmarks of tandem's hot paths (module bench/, tandem-bench):
#   Sha256Bench        the JDK's SHA-256 over 64 KiB, in one update and in 4 KiB blocks (the yardstick)
#   ChunkHasherBench   ChunkHasher.hash of a 64 KiB chunk (16 block hashes + the chunk hash), the zero check
#   ChunkDecoderBench  ChunkDecoder.decode of a zstd chunk (checks, decompression, hash), bare zstd decompression,
#                      zstd -3 compression of the same 64 KiB (what bundle create does per chunk)
#   IndexLookupBench   the reuse planner's per-chunk lookup in a saved table of 16,384 / 131,072 chunks
# It builds the module (mvn package; the first build downloads JMH), runs short iterations (3 x 1 s warm-up,
# 5 x 1 s measurement, one fork) and prints a Markdown table with MiB/s where a benchmark moves bytes.
#
# Usage: bash bench/jmh.sh [JMH regexp, e.g. ChunkHasher]      JMH_ARGS="-f 2 -i 10" bash bench/jmh.sh
# Knobs: JMH_ARGS (extra JMH options), SKIP_BUILD=1, JAVA (java binary).
#
# On the 2-core build machine these figures are noisy: other jobs share the cores, and JMH's own threads compete
# with the benchmark thread. Compare runs made in the same minute, look at the error column, and trust
# bench/run.sh's end-to-end figures over any single micro-benchmark.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
java=${JAVA:-java}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$here" && mvn -B -q package -DskipTests -Dtandem.cds.skip=true -pl bench -am) >&2
fi
cp="$here/bench/target/classes:$here/bench/target/lib/*"
[ -f "$here/bench/target/classes/META-INF/BenchmarkList" ] || { echo "jmh.sh: no benchmarks built" >&2; exit 1; }
out=$(mktemp "${TMPDIR:-/tmp}/tandem-jmh.XXXXXX.json")
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086
"$java" -cp "$cp" org.openjdk.jmh.Main -rf json -rff "$out" ${JMH_ARGS:-} "${1:-dev.tandem}" >&2
python3 - "$out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
# bytes moved per operation, by benchmark class
per_op = {"Sha256Bench": 65536, "ChunkHasherBench": 65536, "ChunkDecoderBench": 65536}
print(f"| benchmark | params | score | error | unit | MiB/s |")
print("|---|---|---:|---:|---|---:|")
for r in rows:
    name = r["benchmark"].rsplit(".", 2)
    cls, method = name[-2], name[-1]
    m = r["primaryMetric"]
    score, err, unit = m["score"], m["scoreError"], m["scoreUnit"]
    params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
    rate = ""
    if cls in per_op and unit in ("us/op", "ns/op"):
        seconds = score / (1e6 if unit == "us/op" else 1e9)
        rate = f"{per_op[cls] / seconds / 1048576:.0f}"
    print(f"| {cls}.{method} | {params} | {score:.3f} | ±{err:.3f} | {unit} | {rate} |")
PY
