#!/usr/bin/env bash
# Runs the demo behind `make run`: the emulators on loopback and the collector between them,
# until Ctrl-C. Everything it writes lives in .run/ and is wiped at each start.
set -euo pipefail
cd "$(dirname "$0")/.."

run_dir=.run
rm -rf "$run_dir"
mkdir -p "$run_dir/emulator" "$run_dir/storage"

./bin/emulator -dir "$run_dir/emulator" -summary-interval 5s "$@" &
emulator_pid=$!
collector_pid=""

stop() {
	trap - INT TERM EXIT
	if [ -n "$collector_pid" ]; then
		kill -TERM "$collector_pid" 2>/dev/null || true
		wait "$collector_pid" 2>/dev/null || true
	fi
	kill -TERM "$emulator_pid" 2>/dev/null || true
	wait "$emulator_pid" 2>/dev/null || true
	echo
	echo "Rows that arrived are in $run_dir/emulator/*.jsonl; the collector's log is $run_dir/collector.log"
}
# Ctrl-C reaches the whole process group; stop both, print the summary, and end cleanly.
trap 'stop; exit 0' INT TERM
trap stop EXIT

for _ in $(seq 1 100); do
	[ -s "$run_dir/emulator/ca.pem" ] && break
	sleep 0.1
done
[ -s "$run_dir/emulator/ca.pem" ] || { echo "the emulator did not start" >&2; exit 1; }

./dist/otelcol-sophos --config config/demo.yaml >"$run_dir/collector.log" 2>&1 &
collector_pid=$!
echo "otelcol-sophos running (pid $collector_pid) with config/demo.yaml; log in $run_dir/collector.log"
echo "Press Ctrl-C to stop."
status=0
wait "$collector_pid" || status=$?
collector_pid=""
echo "the collector exited (status $status); last lines of its log:" >&2
tail -20 "$run_dir/collector.log" >&2
exit 1
