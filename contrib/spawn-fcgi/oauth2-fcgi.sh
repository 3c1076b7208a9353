#!/bin/sh
# Start oauth2-fcgi under spawn-fcgi for nginx or Apache mod_authnz_fcgi.
# ALWAYS bind to loopback (-a 127.0.0.1) or a unix socket: spawn-fcgi's
# default address is every interface, which would let anyone on the network
# ask the authorizer questions directly.
#
#   -w 2      two worker processes (one per core measured best on 2 cores; see
#             bench/) under oauth2-fcgi's supervisor, which restarts a worker
#             that dies at once; spawn-fcgi's own -F would start two processes
#             nobody restarts
#   -u/-g     an unprivileged user that can read the config and the key file:
#             oauth2-fcgi, the Debian package's user (its postinst makes the
#             key 0600 for it and the config root:oauth2-fcgi 0640)
#   -t 4      threads per worker (the default): the authorizer and the
#             endpoints share this socket; at most half the threads wait on
#             a provider, so a slow sign-in never holds the authorizer's
#             thread (-t 1 logs a warning: do not)
#   -n        spawn-fcgi execs oauth2-fcgi itself, so the program's stderr
#             (why it cannot start: "FILE:LINE:COL: ...") is this script's:
#             run it under a supervisor that logs it, or
#               setsid oauth2-fcgi.sh </dev/null >>/var/log/oauth2-fcgi.log 2>&1 &
#             (without -n spawn-fcgi sends it to /dev/null and says only
#             "child exited with: 2"). This script's pid is the
#             master's; a changed config or key file is read within a
#             second (or at once: kill -HUP that pid); to upgrade to a new
#             binary without losing a request: install it, then kill -USR2 that pid.
#             If the master itself is killed, its workers keep serving the
#             socket (nothing else holds it here); restart the script later.
#             A worker or the master SIGKILLed under load: tests/load/kill-spawn-fcgi.sh
#             and kill-authnz.sh (figures in tests/load/RESULTS.md).
exec spawn-fcgi -n -a 127.0.0.1 -p 9000 -u oauth2-fcgi -g oauth2-fcgi \
    -- /usr/sbin/oauth2-fcgi -c /etc/oauth2-fcgi/oauth.yml -w 2 -t 4
# Unix socket instead (lighttpd/nginx on the same host):
#   spawn-fcgi -n -s /run/oauth2-fcgi.sock -M 0660 -U www-data -G www-data ...
# (-U/-G/-M: the web server's user may connect; the socket is made by root)
