/*
 * file_mode.c - the permissions a secret file may have.
 *
 * The config names the providers, the client secrets and the access rules;
 * the key file seals every session; Apple's .p8 key signs our client
 * secret. Whoever may write one of them decides who gets in, so a file
 * that group or others may write is refused at start-up (a config error
 * naming the file and its mode). One that others may read leaks secrets to
 * every local account: a warning (start-up and --check-config), since some
 * setups keep the secrets elsewhere (the environment) on purpose.
 *
 * Always fstat on the descriptor that is read: a stat() of the name
 * followed by an open() can be raced by a rename.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "oa/file_mode.h"

static void readable_msg(unsigned mode, char *msg, size_t cap)
{
    snprintf(msg, cap,
             "readable by others (mode %04o): every local account can read its secrets; "
             "chmod o-r it",
             mode);
}

enum oa_err oa_file_mode_check(int fd, bool *others_read, char *msg, size_t cap)
{
    struct stat st;
    unsigned mode;

    *others_read = false;
    if (fstat(fd, &st) != 0) {
        snprintf(msg, cap, "not readable (fstat failed)");
        return OA_ERR_CONFIG;
    }
    if (!S_ISREG(st.st_mode)) /* a pipe (-c <(...)): nobody else can swap its text */
        return OA_OK;
    mode = (unsigned)st.st_mode & 07777;
    if (mode & (S_IWGRP | S_IWOTH)) {
        snprintf(msg, cap,
                 "writable by %s (mode %04o): whoever can change it decides who gets in; "
                 "chmod go-w it",
                 (mode & S_IWGRP) && (mode & S_IWOTH) ? "group and others"
                 : (mode & S_IWGRP)                   ? "its group"
                                                      : "others",
                 mode);
        return OA_ERR_CONFIG;
    }
    *others_read = (mode & S_IROTH) != 0;
    if (*others_read)
        readable_msg(mode, msg, cap);
    return OA_OK;
}
