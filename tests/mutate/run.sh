#!/usr/bin/env bash
# tests/mutate/run.sh - mutation testing of the security core (`make mutate`).
#
# Each line of tests/mutate/mutants.txt is a realistic one-line bug:
#     FILE @@ ORIGINAL @@ REPLACEMENT @@ DESCRIPTION
# ORIGINAL is a fragment that occurs exactly once in FILE (or a line number:
# then REPLACEMENT is the whole new line). For every mutant this script
# applies it to a COPY of the source tree (never the working tree), rebuilds
# incrementally in that copy's own configured build directory, and runs the
# non-e2e suite: the unit test named after FILE first (most mutants die
# there, before the rest is even linked), then every other unit test, the
# fuzz corpora replay, tests/cgi.sh, tests/http.sh and tests/spawn-fcgi.sh.
# The slow web-server e2e tests are left out. A mutant is KILLED when any of
# them fails (a crash or a timeout counts), SURVIVED when all pass. Each
# worker first runs the whole suite on the unmutated copy: a test that fails
# there is left out (with a warning) rather than counted as a kill; a script
# (tests/*.sh, timing-sensitive on a loaded machine) that fails on a mutant
# is run again, and kills only when it fails twice.
#
# It prints `mutation score: K killed of N (P%)` and every survivor, and
# exits non-zero when P is below the threshold, or when an entry is stale
# (its fragment is gone or no longer unique) or does not build - the list
# must be kept in step with the code.
#
# Options:
#   -j N      parallel workers (default 2; each has its own tree copy)
#   -t PCT    threshold (default 90)
#   -m TEXT   only the mutants whose line contains TEXT (e.g. -m src/flow/jwt.c)
#   -s        survivors only: rerun what did not die in the last run, and
#             count the last run's kills (the loop while writing tests)
#   -f        fresh: forget the results of an interrupted run of this tree
#   -l FILE   the list (default tests/mutate/mutants.txt)
#   -w DIR    work directory (default $top_builddir/tests/mutate/work)
#   -n        check the list only (every fragment found once), build nothing
#
# Resumable: results are kept per tree fingerprint (a hash of every file of
# the source tree but tests/mutate/) and per mutant (a hash of its line), so
# an interrupted run started again on the same tree skips what it already
# did, and editing the list reruns only the new or changed lines. The output
# of the test that killed a mutant is kept in WORK/results/<tree>/<id>.out. Parallel-safe: workers claim
# mutants atomically (mkdir); one run at a time per work directory (flock).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=${top_builddir:-$top_srcdir}
top_builddir=$(cd "$top_builddir" && pwd)
JOBS=${MUTATE_JOBS:-2}
THRESHOLD=${MUTATE_THRESHOLD:-90}
MATCH=
SURVIVORS_ONLY=
FRESH=
CHECK_ONLY=
LIST=$top_srcdir/tests/mutate/mutants.txt
WORK=$top_builddir/tests/mutate/work
TEST_TIMEOUT=${MUTATE_TEST_TIMEOUT:-120}

while getopts 'j:t:m:sfl:w:n' opt; do
    case $opt in
    j) JOBS=$OPTARG ;;
    t) THRESHOLD=$OPTARG ;;
    m) MATCH=$OPTARG ;;
    s) SURVIVORS_ONLY=1 ;;
    f) FRESH=1 ;;
    l) LIST=$OPTARG ;;
    w) WORK=$OPTARG ;;
    n) CHECK_ONLY=1 ;;
    *) sed -n '2,40p' "$0"; exit 2 ;;
    esac
done
case $JOBS in '' | *[!0-9]* | 0) echo "run.sh: -j needs a number >= 1" >&2; exit 2 ;; esac
case $THRESHOLD in '' | *[!0-9]*) echo "run.sh: -t needs a whole percentage" >&2; exit 2 ;; esac
[ -r "$LIST" ] || { echo "run.sh: no list $LIST" >&2; exit 2; }
for tool in perl flock timeout make sha1sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: $tool is needed" >&2; exit 2; }
done

# The unit tests (from the Makefile, MUTATE_UNIT_TESTS, when run by make).
if [ -n "${MUTATE_UNIT_TESTS:-}" ]; then
    UNIT=$MUTATE_UNIT_TESTS
else
    # shellcheck disable=SC2012 # test_<name>.c: plain names
    UNIT=$(cd "$top_srcdir" && ls tests/unit/test_*.c | sed 's/\.c$//' | grep -v '/test_http$')
fi
SCRIPTS="tests/fuzz/replay.sh tests/cgi.sh tests/http.sh tests/spawn-fcgi.sh"

mkdir -p "$WORK" || exit 2
exec 9>"$WORK/lock"
flock -n 9 || { echo "run.sh: another mutation run holds $WORK/lock" >&2; exit 2; }

# ---- the list -------------------------------------------------------

# Parsed into parallel arrays; ID is a hash of the line (stable across
# reorderings and unrelated edits of the list).
M_FILE=() M_ORIG=() M_REPL=() M_DESC=() M_ID=() M_LINE=()
n_lines=0
while IFS= read -r line || [ -n "$line" ]; do
    n_lines=$((n_lines + 1))
    case $line in '' | '#'*) continue ;; esac
    if [ -n "$MATCH" ] && [[ $line != *"$MATCH"* ]]; then
        continue
    fi
    rest=$line
    f=${rest%% @@ *}; rest=${rest#* @@ }
    o=${rest%% @@ *}; rest=${rest#* @@ }
    r=${rest%% @@ *}; d=${rest#* @@ }
    if [ "$f" = "$line" ] || [ "$o @@ $r @@ $d" != "${line#* @@ }" ] || [ -z "$o" ] || [ "$r" = "$d" ]; then
        echo "run.sh: $LIST:$n_lines: not FILE @@ ORIGINAL @@ REPLACEMENT @@ DESCRIPTION" >&2
        exit 2
    fi
    M_FILE+=("$f") M_ORIG+=("$o") M_REPL+=("$r") M_DESC+=("$d") M_LINE+=("$n_lines")
    M_ID+=("$(printf '%s' "$line" | sha1sum | cut -c1-10)")
done <"$LIST"
N=${#M_ID[@]}
[ "$N" -gt 0 ] || { echo "run.sh: no mutant selected" >&2; exit 2; }

# Occurrences of fragment $2 in file $1 (a line number: 1 when it exists).
occurrences() {
    case $2 in
    *[!0-9]*) FRAG=$2 perl -0777 -ne '$c = () = /\Q$ENV{FRAG}\E/g; print $c' "$1" ;;
    *) [ "$2" -ge 1 ] && [ "$2" -le "$(wc -l <"$1")" ] && echo 1 || echo 0 ;;
    esac
}

# Applies mutant $1 to the tree under $2 (in place).
apply() {
    local i=$1 f=$2/${M_FILE[$1]}
    case ${M_ORIG[$i]} in
    *[!0-9]*) FRAG=${M_ORIG[$i]} REPL=${M_REPL[$i]} perl -0777 -pi -e 's/\Q$ENV{FRAG}\E/$ENV{REPL}/' "$f" ;;
    *) LINE=${M_ORIG[$i]} REPL=${M_REPL[$i]} perl -pi -e '$_ = "$ENV{REPL}\n" if $. == $ENV{LINE}' "$f" ;;
    esac
}

stale=0
STALE_MSG=()
for ((i = 0; i < N; i++)); do
    src=$top_srcdir/${M_FILE[$i]}
    if [ ! -f "$src" ]; then
        STALE_MSG+=("STALE ${M_FILE[$i]} (list line ${M_LINE[$i]}): no such file")
        M_ID[i]=stale; stale=$((stale + 1)); continue
    fi
    c=$(occurrences "$src" "${M_ORIG[$i]}")
    if [ "$c" != 1 ]; then
        STALE_MSG+=("STALE ${M_FILE[$i]} (list line ${M_LINE[$i]}): '${M_ORIG[$i]}' found $c times, not once")
        M_ID[i]=stale; stale=$((stale + 1))
    fi
done
for m in ${STALE_MSG[@]+"${STALE_MSG[@]}"}; do echo "$m"; done
if [ -n "$CHECK_ONLY" ]; then
    echo "mutant list: $N entries, $stale stale"
    [ "$stale" -eq 0 ]
    exit
fi

# ---- the tree copies ------------------------------------------------

# The source tree's files: tracked and untracked-but-not-ignored, so what is
# tested is the working tree as it is now (uncommitted tests included).
tree_files() {
    if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$top_srcdir" ls-files -co --exclude-standard
    else
        (cd "$top_srcdir" && find . -type f ! -path './build*' ! -path './node_modules/*' \
            ! -path './.git/*' | sed 's|^\./||')
    fi | grep -v -e '^tests/mutate/work/' -e '^node_modules$' | LC_ALL=C sort
}
FILES=$(tree_files)
FP=$(cd "$top_srcdir" && printf '%s\n' "$FILES" | grep -v '^tests/mutate/' | tr '\n' '\0' |
    xargs -0 sha1sum | sha1sum | cut -c1-16)
RES=$WORK/results/$FP
[ -n "$FRESH" ] && rm -rf "$RES"
mkdir -p "$RES"
rm -rf "$WORK/claims"
mkdir -p "$WORK/claims"
LAST=
[ -f "$WORK/last" ] && LAST=$WORK/results/$(cat "$WORK/last")
echo "$FP" >"$WORK/last"

# Brings the copy $1 in step with the source tree: changed files only, so
# the copy's build stays incremental.
sync_copy() {
    local dst=$1 f
    while IFS= read -r f; do
        [ -f "$top_srcdir/$f" ] || continue
        if ! cmp -s "$top_srcdir/$f" "$dst/$f"; then
            mkdir -p "$dst/$(dirname "$f")"
            cp "$top_srcdir/$f" "$dst/$f"
        fi
    done <<<"$FILES"
    if [ -e "$top_srcdir/node_modules" ] && [ ! -e "$dst/node_modules" ]; then
        ln -s "$top_srcdir/node_modules" "$dst/node_modules"
    fi
}

# Creates or refreshes worker $1's copy and configured build directory.
prepare_worker() {
    local w=$WORK/w$1
    mkdir -p "$w/src" "$w/build"
    sync_copy "$w/src"
    if [ ! -x "$w/src/configure" ]; then
        (cd "$w/src" && autoreconf -fi) >"$w/setup.log" 2>&1 || return 1
    fi
    if [ ! -f "$w/build/Makefile" ]; then
        (cd "$w/build" && ../src/configure -q --disable-e2e CFLAGS='-O0 -g0') \
            >>"$w/setup.log" 2>&1 || return 1
    fi
    (cd "$w/build" && make -s -j1 all >/dev/null 2>>"$w/setup.log" &&
        make -s -j1 check TESTS= >/dev/null 2>>"$w/setup.log") || return 1
}

# The suite on the unmutated copy of worker $1: sets SUITE to the tests
# that pass there (a test that fails without a mutant cannot tell one).
baseline() {
    local w=$WORK/w$1 t
    SUITE=
    for t in $UNIT $SCRIPTS; do
        if run_test "$t" "$w" || run_test "$t" "$w"; then
            SUITE="$SUITE $t"
        else
            echo "[w$1] WARNING: $t fails on the unmutated tree: left out (see $w/baseline-$(basename "$t").out)" >&2
            cp "$w/test.out" "$w/baseline-$(basename "$t").out"
        fi
    done
}

# ---- one mutant -----------------------------------------------------

# Runs test $1 (a program or a script) in worker dir $2. 0: passed.
run_test() {
    local t=$1 w=$2
    (
        cd "$w/build" || exit 99
        export top_srcdir=$w/src top_builddir=$w/build OA_BIN=$w/build/oauth2-fcgi
        case $t in
        *.sh) timeout -k 5 "$TEST_TIMEOUT" sh "$w/src/$t" ;;
        *) timeout -k 5 "$TEST_TIMEOUT" "./$t" ;;
        esac >"$w/test.out" 2>&1 || exit 1
        # TAP: a plan and no failure (a script may exit 0 after `not ok`)
        ! grep -q '^not ok' "$w/test.out" && grep -q '^1\.\.' "$w/test.out"
    )
}

# The unit test that covers file $1 best, or nothing.
first_test() {
    local base t
    base=$(basename "$1" .c)
    for t in $UNIT; do
        [ "$t" = "tests/unit/test_$base" ] && { echo "$t"; return; }
    done
}

record() { # id status text
    printf '%s\t%s\n' "$2" "$3" >"$RES/$1.tmp" && mv "$RES/$1.tmp" "$RES/$1"
}

mutate_one() {
    local i=$1 w=$WORK/w$2 id=${M_ID[$1]} f=${M_FILE[$1]} first t start status=SURVIVED by='' 
    start=$(date +%s)
    cp "$w/src/$f" "$w/orig"
    apply "$i" "$w/src"
    if cmp -s "$w/src/$f" "$w/orig"; then
        record "$id" BUILD-ERROR "the replacement changed nothing"
        return
    fi
    first=$(first_test "$f")
    case " $SUITE " in *" $first "*) ;; *) first= ;; esac
    # shellcheck disable=SC2086 # $first: a test program or nothing
    if ! (cd "$w/build" && make -s -j1 liboa.a oauth2-fcgi $first) >"$w/build.log" 2>&1; then
        status=BUILD-ERROR by="does not compile: $(grep -m1 'error' "$w/build.log")"
    elif [ -n "$first" ] && ! run_test "$first" "$w"; then
        status=KILLED by=$first
        cp "$w/test.out" "$RES/$id.out"
    elif ! (cd "$w/build" && make -s -j1 check TESTS=) >"$w/build.log" 2>&1; then
        status=BUILD-ERROR by="the tests do not build: $(grep -m1 'error' "$w/build.log")"
    else
        for t in $SUITE; do
            [ "$t" = "$first" ] && continue
            if ! run_test "$t" "$w"; then
                cp "$w/test.out" "$RES/$id.out"
                # a script may be timing-sensitive: it kills when it fails twice
                case $t in *.sh) run_test "$t" "$w" && continue ;; esac
                status=KILLED by=$t
                break
            fi
        done
    fi
    [ "$status" = SURVIVED ] && rm -f "$RES/$id.out"
    # restored with a new mtime: the next build compiles the original again
    cat "$w/orig" >"$w/src/$f"
    record "$id" "$status" "$by ($(($(date +%s) - start)) s)"
    printf '[w%s] %-9s %s: %s%s\n' "$2" "$status" "$f" "${M_DESC[$i]}" "${by:+ - $by}"
}

worker() {
    local k=$1 i id
    for ((i = 0; i < N; i++)); do
        id=${M_ID[$i]}
        [ "$id" = stale ] && continue
        [ -f "$RES/$id" ] && continue
        mkdir "$WORK/claims/$id" 2>/dev/null || continue
        mutate_one "$i" "$k"
    done
}

# Survivors-only: the last run's kills count without a rerun.
if [ -n "$SURVIVORS_ONLY" ] && [ -n "$LAST" ] && [ "$LAST" != "$RES" ] && [ -d "$LAST" ]; then
    for ((i = 0; i < N; i++)); do
        id=${M_ID[$i]}
        [ "$id" = stale ] && continue
        if [ ! -f "$RES/$id" ] && [ -f "$LAST/$id" ] && grep -q '^KILLED' "$LAST/$id"; then
            cp "$LAST/$id" "$RES/$id"
        fi
    done
fi

todo=0
for ((i = 0; i < N; i++)); do
    [ "${M_ID[$i]}" != stale ] && [ ! -f "$RES/${M_ID[$i]}" ] && todo=$((todo + 1))
done
echo "mutation testing: $N mutants ($stale stale), $todo to run, $JOBS workers, work dir $WORK"
t0=$(date +%s)
if [ "$todo" -gt 0 ]; then
    pids=()
    for ((k = 1; k <= JOBS; k++)); do
        (
            if ! prepare_worker "$k"; then
                echo "[w$k] cannot set up the copy: see $WORK/w$k/setup.log" >&2
                exit 1
            fi
            baseline "$k"
            worker "$k"
        ) &
        pids+=($!)
    done
    trap 'kill "${pids[@]}" 2>/dev/null; exit 130' INT TERM
    for p in "${pids[@]}"; do wait "$p"; done
    trap - INT TERM
fi

# ---- the score ------------------------------------------------------

killed=0 survived=0 broken=0 missing=0
SURV=() BROKEN=()
for ((i = 0; i < N; i++)); do
    id=${M_ID[$i]}
    [ "$id" = stale ] && continue
    if [ ! -f "$RES/$id" ]; then
        missing=$((missing + 1))
        continue
    fi
    IFS=$'\t' read -r st why <"$RES/$id"
    case $st in
    KILLED) killed=$((killed + 1)) ;;
    SURVIVED) survived=$((survived + 1)); SURV+=("  ${M_FILE[$i]} (list line ${M_LINE[$i]}): ${M_DESC[$i]}") ;;
    *) broken=$((broken + 1)); BROKEN+=("  ${M_FILE[$i]} (list line ${M_LINE[$i]}): ${M_DESC[$i]} - $why") ;;
    esac
done
total=$((killed + survived))
pct=0
[ "$total" -gt 0 ] && pct=$((killed * 100 / total))
echo "mutation score: $killed killed of $total ($pct%)"
echo "run time: $(($(date +%s) - t0)) s with $JOBS workers"
if [ "$survived" -gt 0 ]; then
    echo "survivors (no test failed with this bug in place):"
    printf '%s\n' "${SURV[@]}"
fi
if [ "$broken" -gt 0 ]; then
    echo "entries that do not build (fix the list):"
    printf '%s\n' "${BROKEN[@]}"
fi
[ "$stale" -gt 0 ] && echo "$stale stale entries (fix the list): see STALE lines above"
[ "$missing" -gt 0 ] && echo "$missing mutants not run (interrupted? run again to resume)"
rc=0
if [ "$pct" -lt "$THRESHOLD" ]; then
    echo "FAIL: score $pct% is below the threshold $THRESHOLD%"
    rc=1
fi
if [ "$stale" -gt 0 ] || [ "$broken" -gt 0 ] || [ "$missing" -gt 0 ]; then
    rc=1
fi
exit $rc
