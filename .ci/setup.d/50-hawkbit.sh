#!/usr/bin/env bash
# Builds the hawkBit 0.3.0M7 update server that device-agent's DDI tests (tag "hawkbit") run against, once, into a
# cache outside the work tree. Idempotent: a jar built from the same project files is kept (a few ms); a changed
# project (pom, Start, properties) is rebuilt. Cold build: about 2 minutes and ~105 MB of Maven Central downloads.
#
#   TANDEM_CACHE_DIR   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/tandem); the jar lands in
#                      $TANDEM_CACHE_DIR/hawkbit/hawkbit-server-0.3.0M7.jar, where the tests look for it
#   MVN                maven executable (default mvn)
set -euo pipefail
cd "$(dirname "$0")/../.."

project=device-agent/src/test/hawkbit-server
cache="${TANDEM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tandem}/hawkbit"
jar="$cache/hawkbit-server-0.3.0M7.jar"
mvn_cmd="${MVN:-mvn}"

[ -f "$project/pom.xml" ] || { echo "50-hawkbit: $project/pom.xml missing" >&2; exit 1; }
stamp=$(cd "$project" && find . -type f ! -path './target/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum \
        | sha256sum | cut -d' ' -f1)
if [ -s "$jar" ] && [ "$(cat "$jar.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "50-hawkbit: $jar is up to date"
  exit 0
fi

command -v "$mvn_cmd" >/dev/null || { echo "50-hawkbit: maven ($mvn_cmd) not found" >&2; exit 1; }
mkdir -p "$cache"
# Build in a copy, so the work tree gets no target/ directory and a half-built jar never replaces a good one.
build=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$build"' EXIT
cp -r "$project/." "$build/"
rm -rf "$build/target"
echo "50-hawkbit: building the hawkBit test server (first time: ~2 min, ~105 MB from Maven Central)"
start=$(date +%s)
if ! (cd "$build" && "$mvn_cmd" -B -q -DskipTests -Dmaven.source.skip=true -Djacoco.skip=true package) \
     > "$cache/build.log" 2>&1; then
  tail -n 40 "$cache/build.log" >&2
  echo "50-hawkbit: maven build failed (log: $cache/build.log)" >&2
  exit 1
fi
[ -s "$build/target/hawkbit-server.jar" ] || { echo "50-hawkbit: build made no jar" >&2; exit 1; }
cp "$build/target/hawkbit-server.jar" "$jar.tmp"
mv "$jar.tmp" "$jar"
echo "$stamp" > "$jar.stamp"
echo "50-hawkbit: built $jar ($(du -m "$jar" | cut -f1) MiB) in $(( $(date +%s) - start )) s"
