/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over the files
 * given on the command line (the seed corpus and every crash kept as a
 * regression case), so `make check` replays them with gcc and, under
 * --enable-sanitizers, with ASan and UBSan. Prints one TAP line per file;
 * a crash ends the program (the TAP driver sees the missing lines).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL, *nb;
    size_t len = 0, cap = 0, n;

    if (!f)
        return -1;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int i, bad = 0;

    printf("1..%d\n", argc - 1);
    for (i = 1; i < argc; i++) {
        int r = replay(argv[i]);

        printf("%sok %d - %s\n", r == 0 ? "" : "not ", i, argv[i]);
        fflush(stdout);
        bad |= r != 0;
    }
    return bad;
}
