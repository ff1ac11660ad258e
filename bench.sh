#!/usr/bin/env bash
# Scale and speed: the benchmarks of bench_test.go and the release binary's
# size. Each benchmark starts its own simulated portal on 127.0.0.1.
#
#   ./bench.sh                     everything (about 6 minutes on 2 cores)
#   ./bench.sh [go test flags]     e.g. ./bench.sh -bench 'Run/users=50000' -benchtime 3x
#
# The machine's load is printed before and after: wall times mean little on
# a busy machine.
set -euo pipefail
cd "$(dirname "$0")"

bench() { go test -run '^$' -count 1 -timeout 30m "$@" .; }

echo "load before: $(uptime)"
if [ $# -gt 0 ]; then
  bench "$@"
else
  # A run against 50,000 users takes seconds; one against the slow portal
  # (1 s a page) tens of seconds, so it runs once; a start-up takes
  # milliseconds and needs many to see past the noise.
  bench -bench 'Run|Job|Memory|State' -benchtime 3x
  echo "load now:    $(uptime)"
  bench -bench 'SlowPortal' -benchtime 1x
  echo "load now:    $(uptime)"
  bench -bench 'VersionStartup' -benchtime 200x
fi
echo "load after:  $(uptime)"

bin=$(mktemp -d)/lm-user-hygiene
trap 'rm -rf "$(dirname "$bin")"' EXIT
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w" -o "$bin" .
size=$(stat -c %s "$bin")
echo "binary size (linux/amd64, -trimpath -ldflags \"-s -w\"): $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f MB, %.2f MiB", s / 1e6, s / 1048576 }'))"
