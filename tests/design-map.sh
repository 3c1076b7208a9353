#!/bin/sh
# design-map.sh - doc/DESIGN.md stays true to the tree as files come and go:
# its module map (section 9) names every source file and header, and only
# files that exist; every "DESIGN.md section N" cited in the code, the tests
# and the documents is a section it has; every source path they cite
# exists (the RESULTS.md files, records of past runs, are left out); no
# comment cites an issue number (they are not in the repository). Reads the sources only. One TAP line each.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
cd "$top_srcdir" || exit 1
design=doc/DESIGN.md
n=0
fail=0

check() { # check NAME OUTPUT: an empty OUTPUT passes, else it is shown
    n=$((n + 1))
    if [ -z "$2" ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        # shellcheck disable=SC2001 # every line of it
        echo "$2" | sed 's/^/#   /'
        fail=1
    fi
}

# The file names of the first column of the module map, as "folder/name",
# one a line: "| x.c |", "| x.c/.h |" (both), "| a.h, b.h |" (each), each
# under the heading of its folder ("### fcgi/", "#### src/gate/", ...).
map_files() {
    sed -n '/^## 9\. /,/^## 10\. /p' "$design" | awk '
        /^#+ / { dir = ""; if (match($0, /(src\/[a-z]+|fcgi|include\/oa)\//))
                     dir = substr($0, RSTART, RLENGTH) }
        dir == "" || !/^\| [a-z0-9_]+\.[ch]/ { next }
        { split($0, col, "|"); k = split(col[2], name, ",")
          for (i = 1; i <= k; i++) { f = name[i]; gsub(/[ `]/, "", f)
              if (f ~ /\.c\/\.h$/) { sub(/\/\.h$/, "", f); print dir f; sub(/\.c$/, ".h", f) }
              print dir f } }' | sort -u
}

tree_files() {
    for f in src/*/*.c src/*/*.h fcgi/*.c fcgi/*.h include/oa/*.h; do
        [ -e "$f" ] && echo "$f"
    done | sort -u
}

check "DESIGN.md section 9 names every source file and header (src/*/, fcgi/, include/oa/)" \
    "$(map_files | comm -13 - "$(tree_files >"${TMPDIR:-/tmp}/dm.$$" && echo "${TMPDIR:-/tmp}/dm.$$")" |
        sed 's/$/: not in the module map/')"
check "every file of DESIGN.md section 9 exists, in the folder it is listed under" \
    "$(map_files | comm -23 - "${TMPDIR:-/tmp}/dm.$$" | sed 's/$/: listed, but no such file/')"
rm -f "${TMPDIR:-/tmp}/dm.$$"

# Where the code and the documents cite the design and the source files.
cited_in() {
    git ls-files src fcgi include tests contrib bench scripts doc/oauth2-fcgi.8 \
        doc/oauth2-fcgi.yml.5 SECURITY.md README.md Makefile.am configure.ac 2>/dev/null |
        grep -vE '^tests/(fuzz/corpus|cases)/|RESULTS\.md$|\.(json|pem|key|p8)$'
}
if ! command -v git >/dev/null 2>&1 || [ -z "$(cited_in | head -n 1)" ]; then
    echo "1..$n # the citation checks need a git checkout"
    exit $fail
fi

# "DESIGN.md section 4.2", "DESIGN section 7", "DESIGN.md sections 3, 5, 6",
# "DESIGN.md 3, 4", "doc/DESIGN.md §0.2": each number is a heading of DESIGN.md.
sections=$(sed -n 's/^#\{2,3\} \([0-9][0-9.]*\) .*/\1/p' "$design" | sed 's/\.$//')
check "every DESIGN.md section cited is one it has" \
    "$(cited_in | xargs grep -noE 'DESIGN(\.md)?,? (sections? |§ ?)?[0-9][0-9.]*(,? (and )?[0-9][0-9.]*)*' |
        while IFS=: read -r file line text; do
            for s in $(echo "${text#*DESIGN}" | grep -oE '[0-9]+(\.[0-9]+)*'); do
                echo "$sections" | grep -qx "$s" || echo "$file:$line: section $s: no such section"
            done
        done)"

# A source path named in a comment or a document: src/..., fcgi/...,
# include/oa/..., tests/... ending in .c .h .sh .py .js. (The code blocks of
# the Markdown files are examples of files to write: left out.)
paths_in() { # paths_in FILE: "FILE:LINE:PATH" for each path cited in FILE
    awk -v f="$1" '
        f ~ /\.md$/ && /^```/ { fence = !fence; next }
        fence { next }
        { line = $0
          while (match(line, /(^|[^A-Za-z0-9_.\/-])(src|fcgi|include\/oa|tests)\/[A-Za-z0-9_.\/-]*[A-Za-z0-9_]\.(c|h|sh|py|js)([^A-Za-z0-9_]|$)/)) {
              m = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH - 1)
              sub(/^[^a-z]/, "", m); sub(/[^A-Za-z0-9_]$/, "", m)
              print f ":" NR ":" m } }' "$1"
}
check "every source path cited exists" \
    "$({ cited_in; echo doc/DESIGN.md; } | while read -r f; do paths_in "$f"; done |
        while IFS=: read -r file line path; do
            [ -e "$path" ] || echo "$file:$line: $path: no such file"
        done)"

# Issue numbers mean nothing to a reader of the repository.
check "no comment in the code or the tests cites an issue number" \
    "$(cited_in | grep -E '\.(c|h|sh|py|js|txt|am|ac)$|^bench/run$' | xargs grep -niE '\bissues? #?[0-9]+|(^|[ (])#1[0-9]\b')"

echo "1..$n"
exit $fail
