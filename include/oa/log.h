/*
 * log.h - log levels, shared by the config and the response's log line.
 * Only the edge (fcgi/) writes logs: oa_log_open/oa_log_write in fcgi/log.c.
 */
#ifndef OA_LOG_H
#define OA_LOG_H

enum oa_log_level { OA_LOG_ERROR = 0, OA_LOG_WARN, OA_LOG_INFO, OA_LOG_DEBUG };

#endif
