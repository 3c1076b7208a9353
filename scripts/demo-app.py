#!/usr/bin/env python3
"""demo-app.py - the demo's protected application (a CGI program behind
lighttpd, scripts/demo.sh): a page that shows who is signed in - name,
email, provider, groups, workspaces - from what the web server passes on
after the authorizer said yes (REMOTE_USER, OAUTH2_*), and a sign-out
button (a POST to the logout endpoint from our own page: no confirmation).
Only those variables are shown, never the whole environment (it holds the
request's Cookie header, the session itself). Every value is HTML-escaped.
Environment: OAUTH2_FCGI_BASE_PATH, the endpoints' prefix (default /oauth).
"""
import html
import os
import sys

SHOWN = ("REMOTE_USER", "OAUTH2_USER", "OAUTH2_NAME", "OAUTH2_EMAIL", "OAUTH2_SUB",
         "OAUTH2_PROVIDER", "OAUTH2_GROUPS", "OAUTH2_WORKSPACES")


def env(name):
    return os.environ.get(name, "")


def items(value):
    """A comma-separated list as <li> items, or a dash."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts:
        return "<p class=\"none\">none</p>"
    return "<ul>" + "".join("<li>%s</li>" % html.escape(p) for p in parts) + "</ul>"


def main():
    e = html.escape
    base = env("OAUTH2_FCGI_BASE_PATH") or "/oauth"
    user = env("OAUTH2_USER") or env("REMOTE_USER")
    name = env("OAUTH2_NAME") or user
    rows = "".join("<tr><th>%s</th><td>%s</td></tr>" % (e(k), e(env(k))) for k in SHOWN)
    body = """<!doctype html>
<html><head><meta charset="utf-8"><title>Signed in - oauth2-fcgi demo</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}
th{{text-align:left;padding-right:1em}} .none{{color:#777}}</style></head>
<body>
<h1>Signed in as <span id="name">{name}</span></h1>
<dl>
<dt>Email</dt><dd id="email">{email}</dd>
<dt>User</dt><dd id="user">{user}</dd>
<dt>Provider</dt><dd id="provider">{provider}</dd>
<dt>Groups</dt><dd id="groups">{groups}</dd>
<dt>Workspaces</dt><dd id="workspaces">{workspaces}</dd>
</dl>
<form method="post" action="{logout}">
<input type="hidden" name="rd" value="/">
<button type="submit" id="sign-out">Sign out</button>
</form>
<details><summary>What the application receives</summary>
<table>{rows}</table></details>
<p><a href="/">Back to the start page</a></p>
</body></html>
""".format(name=e(name) or "(no name)", email=e(env("OAUTH2_EMAIL")) or "(none)",
           user=e(user), provider=e(env("OAUTH2_PROVIDER")),
           groups=items(env("OAUTH2_GROUPS")), workspaces=items(env("OAUTH2_WORKSPACES")),
           logout=e(base.rstrip("/") + "/logout", quote=True), rows=rows)
    out = body.encode("utf-8")
    sys.stdout.buffer.write(b"Content-Type: text/html; charset=utf-8\r\n"
                            b"Cache-Control: no-store\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(out) + out)


if __name__ == "__main__":
    main()
