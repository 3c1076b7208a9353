/*
 * fuzz.h - what the fuzz targets share: the stand-in config and provider
 * of the flow tests (tests/unit/flow_fixture.c, declared in fixture.h:
 * fixed key 0x07..., public URL https://app.example.com), a pinned clock,
 * and a NUL-terminated copy of the input. Each target is one LLVMFuzzerTestOneInput; built with
 * clang -fsanitize=fuzzer by tests/fuzz/build.sh, and with gcc plus
 * tests/fuzz/replay.c for `make check` (replays the seed corpus).
 */
#ifndef OA_FUZZ_H
#define OA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* each target uses a part of these helpers */
#pragma GCC diagnostic ignored "-Wunused-function"

/* The fixed "now" of every target: sessions, states and tokens are made
 * for it, so a run that lasts hours sees the same answers. */
#define FZ_NOW ((int64_t)1900000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t fz_clock(void)
{
    return FZ_NOW;
}

/* A NUL-terminated copy of n bytes (new; aborts on no memory). */
static char *fz_str(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);

    if (!s)
        abort();
    if (n)
        memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* Splits the input at FZ_SEP bytes: part i of at most max (pointer and
 * length into data). Returns the number of parts found. */
#define FZ_SEP 0x1e
static size_t fz_split(const uint8_t *data, size_t size, const uint8_t **part, size_t *len,
                       size_t max)
{
    size_t n = 0, start = 0, i;

    for (i = 0; i <= size && n < max; i++) {
        if (i == size || (data[i] == FZ_SEP && n + 1 < max)) {
            part[n] = data + start;
            len[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

#endif
