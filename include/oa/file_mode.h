/*
 * file_mode.h - who besides the owner may change or read a file that
 * decides who gets in (the config, the session key file, Apple's .p8 key).
 */
#ifndef OA_FILE_MODE_H
#define OA_FILE_MODE_H

#include <stdbool.h>
#include <stddef.h>

#include "oa/err.h"

/* Judges the file open on fd by fstat (the file that is read, not one
 * swapped in after a stat of its name). OA_ERR_CONFIG when group or others
 * may write a regular file: a message naming the mode and the fix goes
 * into msg (a pipe or device passes: callers that need a regular file
 * check that themselves). Otherwise OA_OK, and *others_read tells
 * whether others may read it (a warning, the caller's to give). */
enum oa_err oa_file_mode_check(int fd, bool *others_read, char *msg, size_t cap) OA_WUR;

#endif
