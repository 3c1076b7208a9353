#!/bin/sh
# banned.sh - the unsafe C functions of curl's list never appear in our code
# (use snprintf, memcpy with lengths, strtol with checks). One TAP line each.
src=${top_srcdir:-.}
n=0
fail=0
for fn in sprintf vsprintf strcpy strcat strncat strtok gets atoi atol atoll; do
    n=$((n + 1))
    hits=$(grep -nE "(^|[^_a-zA-Z0-9])${fn}[[:space:]]*\(" "$src"/src/*/*.c "$src"/fcgi/*.c \
        "$src"/include/oa/*.h 2>/dev/null | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)')
    if [ -z "$hits" ]; then
        echo "ok $n - no $fn()"
    else
        echo "not ok $n - $fn() is banned"
        # shellcheck disable=SC2001 # every line of it
        echo "$hits" | sed 's/^/#   /'
        fail=1
    fi
done
echo "1..$n"
exit $fail
