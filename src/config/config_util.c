/*
 * config_util.c - what every step of loading a config shares, and nothing
 * else: copying strings, the marks (where each value stood in the file),
 * and turning a mark into an error or a warning at FILE:LINE:COL; and the
 * lookup of a provider by name, used by the checks and at run time.
 *
 * It calls no other config_*.c file, so the steps form a line without a
 * circle (DESIGN.md section 2):
 *   config.c -> config_walk.c, config_provider.c, config_check.c,
 *               config_warn.c -> config_util.c
 *   config_check.c -> config_provider.c -> config_env.c -> config_util.c
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

char *oa_cfg_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void oa_cfg_strlist_free(struct oa_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

enum oa_err oa_cfg_mark_add(struct oa_cfg_load *ld, const void *slot, unsigned line, unsigned col)
{
    if (ld->nmarks == ld->capmarks) {
        size_t cap = ld->capmarks ? ld->capmarks * 2 : 64;
        struct oa_cfg_mark *m = realloc(ld->marks, cap * sizeof(*m));
        if (!m)
            return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
        ld->marks = m;
        ld->capmarks = cap;
    }
    ld->marks[ld->nmarks].slot = slot;
    ld->marks[ld->nmarks].line = line;
    ld->marks[ld->nmarks].col = col;
    ld->nmarks++;
    return OA_OK;
}

static bool find_one(const struct oa_cfg_load *ld, const void *slot, unsigned *line, unsigned *col)
{
    if (!slot)
        return false;
    /* Newest first: an entry and its first field share an address (a provider
     * and its name), and the field, marked later, is the more precise place. */
    for (size_t i = ld->nmarks; i-- > 0;) {
        if (ld->marks[i].slot == slot) {
            *line = ld->marks[i].line;
            *col = ld->marks[i].col;
            return true;
        }
    }
    return false;
}

bool oa_cfg_mark_find(const struct oa_cfg_load *ld, const void *slot, const void *fallback,
                      unsigned *line, unsigned *col)
{
    if (find_one(ld, slot, line, col))
        return true;
    if (!find_one(ld, fallback, line, col)) {
        *line = ld->top_line ? ld->top_line : 1;
        *col = ld->top_col ? ld->top_col : 1;
    }
    return false;
}

/* An error's or a warning's text into msg, and where it points (see
 * oa_cfg_mark_find). */
static void at_mark(const struct oa_cfg_load *ld, const void *slot, const void *fallback,
                    char msg[OA_ERROR_MSG_MAX], unsigned *line, unsigned *col, const char *fmt,
                    va_list ap) OA_PRINTF(7, 0);

static void at_mark(const struct oa_cfg_load *ld, const void *slot, const void *fallback,
                    char msg[OA_ERROR_MSG_MAX], unsigned *line, unsigned *col, const char *fmt,
                    va_list ap)
{
    vsnprintf(msg, OA_ERROR_MSG_MAX, fmt, ap);
    oa_cfg_mark_find(ld, slot, fallback, line, col);
}

enum oa_err oa_cfg_fail(struct oa_cfg_load *ld, const void *slot, const void *fallback,
                        const char *fmt, ...)
{
    char msg[OA_ERROR_MSG_MAX];
    unsigned line, col;
    va_list ap;

    va_start(ap, fmt);
    at_mark(ld, slot, fallback, msg, &line, &col, fmt, ap);
    va_end(ap);
    return oa_error_at(ld->err, OA_ERR_CONFIG, ld->name, line, col, "%s", msg);
}

enum oa_err oa_cfg_warn(struct oa_cfg_load *ld, const void *slot, const void *fallback,
                        const char *fmt, ...)
{
    struct oa_strlist *w = &ld->cfg->warnings;
    char msg[OA_ERROR_MSG_MAX], *line = NULL, **v;
    unsigned l, c;
    va_list ap;

    va_start(ap, fmt);
    at_mark(ld, slot, fallback, msg, &l, &c, fmt, ap);
    va_end(ap);
    if (!(v = realloc(w->v, (w->n + 2) * sizeof(*v))))
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    w->v = v;
    if (asprintf(&line, "%s:%u:%u: warning: %s", ld->name, l, c, msg) < 0)
        return oa_error_set(ld->err, OA_ERR_NOMEM, "out of memory");
    w->v[w->n++] = line;
    w->v[w->n] = NULL;
    return OA_OK;
}

enum oa_err oa_config_warn_first(struct oa_config *cfg, const char *file, const char *msg)
{
    struct oa_strlist *w = &cfg->warnings;
    char *line = NULL, **v;

    if (!(v = realloc(w->v, (w->n + 2) * sizeof(*v))))
        return OA_ERR_NOMEM;
    w->v = v;
    if (asprintf(&line, "%s: warning: %s", file, msg) < 0)
        return OA_ERR_NOMEM;
    memmove(w->v + 1, w->v, w->n * sizeof(*v));
    w->v[0] = line;
    w->n++;
    w->v[w->n] = NULL;
    return OA_OK;
}

size_t oa_config_provider_index(const struct oa_config *cfg, const struct oa_provider *p)
{
    for (size_t i = 0; cfg && i < cfg->nproviders; i++)
        if (&cfg->providers[i] == p)
            return i;
    return cfg ? cfg->nproviders : 0;
}

const struct oa_provider *oa_config_provider(const struct oa_config *cfg, const char *name,
                                             size_t len)
{
    for (size_t i = 0; cfg && name && i < cfg->nproviders; i++) {
        const char *n = cfg->providers[i].name;
        if (n && strlen(n) == len && !memcmp(n, name, len))
            return &cfg->providers[i];
    }
    return NULL;
}
