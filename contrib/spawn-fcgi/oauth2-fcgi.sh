#!/bin/sh
# Start oauth2-fcgi under spawn-fcgi for nginx or Apache mod_authnz_fcgi.
# ALWAYS bind to loopback (-a 127.0.0.1) or a unix socket: spawn-fcgi's
# default address is every interface, which would let anyone on the network
# ask the authorizer questions directly.
#
#   -F 2      two processes (one per core measured best on 2 cores; see bench/)
#   -u/-g     an unprivileged user that can read the config and the key file
#   -t 4      threads per process (the default): the authorizer and the
#             endpoints share this socket; at most half the threads wait on
#             a provider, so a slow sign-in never holds the authorizer's
#             thread (-t 1 logs a warning: do not)
exec spawn-fcgi -n -a 127.0.0.1 -p 9000 -F 2 -u oauth2-fcgi -g oauth2-fcgi \
    -- /usr/local/sbin/oauth2-fcgi -c /etc/oauth2-fcgi/oauth.yml -t 4
# Unix socket instead (lighttpd/nginx on the same host):
#   spawn-fcgi -n -s /run/oauth2-fcgi/sock -M 0660 -U www-data -G www-data ...
