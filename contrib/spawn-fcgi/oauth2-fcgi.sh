#!/bin/sh
# Start oauth2-fcgi under spawn-fcgi for nginx or Apache mod_authnz_fcgi.
# ALWAYS bind to loopback (-a 127.0.0.1) or a unix socket: spawn-fcgi's
# default address is every interface, which would let anyone on the network
# ask the authorizer questions directly.
#
#   -n        stay in the foreground (for a supervisor: runit, daemontools,
#             systemd); spawn-fcgi then execs the program itself, so its
#             -F (children to fork) does nothing - the program's -w does it
#   -u/-g     an unprivileged user that can read the config and the key file
#   -w 2 -t 2 two worker processes of two threads (one per core measured
#             best on 2 cores; see bench/) under a master that holds the
#             socket and starts a new worker the moment one dies. If the
#             master itself is killed, the workers keep serving the socket
#             (nothing else holds it here); restart the whole service later.
#             Measured with tests/load/kill-spawn-fcgi.sh (RESULTS.md there).
exec spawn-fcgi -n -a 127.0.0.1 -p 9000 -u oauth2-fcgi -g oauth2-fcgi \
    -- /usr/local/sbin/oauth2-fcgi -c /etc/oauth2-fcgi/oauth.yml -w 2 -t 2
# Unix socket instead (lighttpd/nginx on the same host):
#   spawn-fcgi -n -s /run/oauth2-fcgi/sock -M 0660 -U www-data -G www-data ...
