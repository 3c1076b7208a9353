#!/bin/sh
# layers.sh - the shape DESIGN.md sections 0.2 and 9 describe, checked on
# the built objects (nm) and the sources: the config units call each other
# without a circle; the core writes no file (--gen-key's file is the
# edge's); fcgi/ carries its failures in struct oa_error, not in strings of
# its own. One TAP line each.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
lib=$top_builddir/liboa.a
n=0
fail=0

check() { # check NAME OUTPUT: an empty OUTPUT passes, else it is shown
    n=$((n + 1))
    out=$2
    if [ -z "$out" ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        # shellcheck disable=SC2001 # every line of it
        echo "$out" | sed 's/^/#   /'
        fail=1
    fi
}

if ! command -v nm >/dev/null 2>&1 || ! command -v tsort >/dev/null 2>&1 || [ ! -f "$lib" ]; then
    echo "1..0 # SKIP nm, tsort or liboa.a missing"
    exit 0
fi

# Edges "caller callee" between the members of liboa.a whose name matches $1.
edges() {
    nm -A "$lib" 2>/dev/null | awk -v pat="$1" '
        { split($1, a, ":"); m = a[2]; sub(/^liboa_a-/, "", m); sub(/\.o$/, "", m) }
        m !~ pat { next }
        $2 == "U" { use[m, $3] = 1; next }
        $2 ~ /^[TDBR]$/ { def[$3] = m }
        END { for (k in use) { split(k, b, SUBSEP); t = def[b[2]];
              if (t != "" && t != b[1]) print b[1], t } }' | sort -u
}

check "the config units call each other without a circle" \
    "$(edges '^config' | tsort 2>&1 >/dev/null)"
# every config unit that fails or warns does it through config_util.c
check "no config step calls back into config.c (the loader's order)" \
    "$(edges '^config' | awk '$2 == "config"')"

# src/'s folders are layers (DESIGN.md section 9): a unit calls only units
# of its own folder or of a folder after it in this order.
layer_order="route flow gate web config net base"
folders() {
    for f in "$top_srcdir"/src/*/*.c; do
        d=${f%/*}
        echo "$(basename "$f" .c) ${d##*/}"
    done
}
check "src/'s folders call only downwards ($layer_order)" \
    "$({ folders | sed 's/^/F /'; edges '' | sed 's/^/E /'; } | awk -v order="$layer_order" '
        BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i }
        $1 == "F" { dir[$2] = $3; next }
        { a = dir[$2]; b = dir[$3]
          if (a != "" && b != "" && rank[a] > rank[b]) print $2 " (" a ") calls " $3 " (" b ")" }')"

# The core writes no file: creating or writing a file is the edge's job.
check "the core (src/) creates and writes no file" \
    "$(grep -nE 'O_CREAT|O_WRONLY|O_RDWR|fopen\([^)]*"[wa]' "$top_srcdir"/src/*/*.c)"

# fcgi/ reports a failure in struct oa_error, to the one place that prints it.
check "fcgi/ functions take struct oa_error, not a message buffer of their own" \
    "$(grep -nE 'char \*msg, size_t' "$top_srcdir"/fcgi/*.h)"

# The config is read-only once loaded: no cast takes its const away.
check "no cast drops the const of the config or a provider (run-time state is runtime.h's)" \
    "$(grep -nE '\(struct oa_(config|provider) \*\)' "$top_srcdir"/src/*/*.c "$top_srcdir"/fcgi/*.c \
        "$top_srcdir"/include/oa/*.h)"
check "the core never writes into a provider after loading (no cache pointer in the config)" \
    "$(grep -nE 'struct oa_provider_cache|http_ops' "$top_srcdir"/include/oa/config.h)"

echo "1..$n"
exit $fail
