#!/bin/sh
# tests/fuzz/replay.sh - `make check` replays every fuzz target's seed corpus
# (tests/fuzz/corpus/fuzz_<target>/, including each crash the fuzzer found,
# kept as a regression case) through the gcc-built replay_<target>
# programs (tests/fuzz/replay.c). No fuzzing here: tests/fuzz/build.sh and
# tests/fuzz/RESULTS.md say how the targets are fuzzed. TAP, one line per
# target.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
targets="authorizer config form jwt path provider redirect session state revfile claims bearer"
n=0
echo "1..$(echo "$targets" | wc -w)"
for t in $targets; do
    n=$((n + 1))
    prog="$top_builddir/tests/fuzz/replay_$t"
    dir="$top_srcdir/tests/fuzz/corpus/fuzz_$t"
    if [ ! -x "$prog" ]; then
        echo "not ok $n - fuzz_$t: $prog not built"
        continue
    fi
    # shellcheck disable=SC2012 # a count; corpus file names are hashes
    files=$(ls "$dir" 2>/dev/null | wc -l)
    out=$("$prog" "$dir"/* 2>&1)
    rc=$?
    passed=$(printf '%s\n' "$out" | grep -c '^ok ')
    if [ "$rc" -eq 0 ] && [ "$files" -gt 0 ] && [ "$passed" -eq "$files" ]; then
        echo "ok $n - fuzz_$t: $files corpus files replayed"
    else
        echo "not ok $n - fuzz_$t: $passed of $files corpus files replayed (exit $rc)"
        printf '%s\n' "$out" | grep -v '^ok ' | tail -20 | sed 's/^/# /'
    fi
done
