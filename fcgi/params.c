/*
 * params.c - one pass over a request's NAME=value list (params.h).
 */
#include <pthread.h>
#include <string.h>

#include "params.h"

struct param_name {
    const char *name;
    unsigned char len;
};

static const struct param_name names[OA_P_COUNT] = {
#define OA_PARAM_NAME(name) {#name, (unsigned char)(sizeof(#name) - 1)},
    OA_PARAMS(OA_PARAM_NAME)
#undef OA_PARAM_NAME
};

/* The slots by the length of their names: by_len[n] .. by_len[n + 1] - 1
 * index order[] at the names n bytes long. Apache sends 50 and more params:
 * each is compared with the two or three names of its length, not all 30. */
#define NAME_MAX_LEN 31
#define OA_PARAM_FITS(name)                                                                        \
    _Static_assert(sizeof(#name) - 1 <= NAME_MAX_LEN, #name " is too long for by_len");
OA_PARAMS(OA_PARAM_FITS)
#undef OA_PARAM_FITS
static unsigned char order[OA_P_COUNT];
static unsigned char by_len[NAME_MAX_LEN + 2];
static pthread_once_t by_len_once = PTHREAD_ONCE_INIT;

static void by_len_build(void)
{
    unsigned char count[NAME_MAX_LEN + 1] = {0}, next[NAME_MAX_LEN + 1];
    int n, i;

    for (i = 0; i < OA_P_COUNT; i++)
        count[names[i].len]++;
    by_len[0] = 0;
    for (n = 0; n <= NAME_MAX_LEN; n++) {
        by_len[n + 1] = (unsigned char)(by_len[n] + count[n]);
        next[n] = by_len[n];
    }
    for (i = 0; i < OA_P_COUNT; i++)
        order[next[names[i].len]++] = (unsigned char)i;
}

/* The slot of the name e[0..len), or -1 when the edge does not read it. */
static int slot_of(const char *e, size_t len)
{
    if (len > NAME_MAX_LEN)
        return -1;
    for (int k = by_len[len]; k < by_len[len + 1]; k++)
        if (memcmp(names[order[k]].name, e, len) == 0)
            return order[k];
    return -1;
}

void oa_params_read(struct oa_params *p, char *const *envp)
{
    pthread_once(&by_len_once, by_len_build);
    memset(p, 0, sizeof(*p));
    for (; envp && *envp; envp++) {
        const char *e = *envp, *eq = strchr(e, '=');
        int i;

        if (!eq)
            continue;
        i = slot_of(e, (size_t)(eq - e));
        if (i >= 0 && !p->v[i])
            p->v[i] = eq + 1;
    }
}
