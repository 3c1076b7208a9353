#!/bin/sh
# callgrind.sh - instruction count of one authorizer decision (repeatable,
# unlike a timing): runs bench/decision with 1000 and 2000 calls and prints
# the difference / 1000, which cancels the set-up cost.
set -eu
bin=${1:-./bench/decision}
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" 1 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
a=$(count 1000)
b=$(count 2000)
echo "callgrind: $(( (b - a) / 1000 )) instructions per decision"
