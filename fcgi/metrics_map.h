/*
 * metrics_map.h - where this process's counters live (DESIGN.md section 13).
 */
#ifndef OA_METRICS_MAP_H
#define OA_METRICS_MAP_H

#include <stddef.h>

#include "oa/config.h"

/* When metrics are on (metrics.listen, metrics.allow or metrics.dir),
 * gives the core a shared counter block (oa_metrics_use): the file
 * <metrics.dir>/oauth2-fcgi.metrics, mapped MAP_SHARED by every process of
 * the set-up, or without metrics.dir an anonymous MAP_SHARED mapping that
 * -w's workers inherit. Call before forking or starting threads. OA_OK, or
 * OA_ERR_CONFIG (a metrics.dir that cannot be used) / OA_ERR_NOMEM with err
 * saying why. */
enum oa_err oa_metrics_map(const struct oa_config *cfg, struct oa_error *err) OA_WUR;

#endif
