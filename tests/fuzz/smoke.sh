#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# `make fuzz-smoke`: runs every libFuzzer target of a build configured with
# --enable-fuzzing (CC=clang) for a bounded time under an RSS limit,
# seeded with its corpus (tests/fuzz/corpus/<target>/, read only; new
# inputs go to a scratch directory). Targets run JOBS at a time. Exits
# non-zero if any target crashed, leaked, timed out or passed the RSS
# limit; the input that did it is left in OUT/<target>/ (libFuzzer's
# crash-*, leak-*, timeout-*, oom-* files): once the bug is fixed, it goes
# into tests/fuzz/corpus/<target>/ so that `make check` replays it forever.
#
# usage: smoke.sh SRCDIR OUT SECONDS RSS_MB JOBS TARGET...
set -eu
src=$1 out=$2 secs=$3 rss=$4 jobs=$5
shift 5
rm -rf "$out"
mkdir -p "$out"

run_one() {
        t=$1
        name=$(basename "$t")
        mkdir -p "$out/$name/corpus"
        seeds="$src/tests/fuzz/corpus/$name"
        [ -d "$seeds" ] || seeds=
        if "$t" -max_total_time="$secs" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -timeout=10 \
                -print_final_stats=1 -artifact_prefix="$out/$name/" "$out/$name/corpus" $seeds \
                >"$out/$name/log" 2>&1; then
                runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name/log")
                peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$out/$name/log")
                echo "ok $name: ${runs:-?} runs in ${secs}s, peak RSS ${peak:-?} MB"
        else
                echo "FAIL $name: see $out/$name/log; input: $(ls "$out/$name" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -1)"
                tail -n 30 "$out/$name/log" | sed 's/^/    /'
                return 1
        fi
}

fails=0
running=0
for t in "$@"; do
        run_one "$t" >"$out/$(basename "$t").result" 2>&1 &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
                wait -n || true
                running=$((running - 1))
        fi
done
wait
for t in "$@"; do
        cat "$out/$(basename "$t").result"
        grep -q '^FAIL' "$out/$(basename "$t").result" && fails=$((fails + 1))
done
echo "fuzz-smoke: $# targets, $fails failed"
[ "$fails" -eq 0 ]
