// httpd.js - a tiny https (and plain http) server for tests/http.sh: the
// answers src/net/http.c must handle or refuse. Node core only, on
// tests/idp/peer.js (the certificate, 127.0.0.1, request log).
//   node httpd.js TLS_DIR   prints "READY <https port> <http port>"
// Routes: /json (an object), /echo (what arrived), /redirect (302 to /json),
// /big (2 MiB), /slow (answers after 5 s), /link (a Link header), /status/N.
'use strict';
const http = require('node:http');
const https = require('node:https');
const peer = require('./peer.js');

const dir = process.argv[2];
if (!dir) peer.usage('node httpd.js TLS_DIR');
const json = peer.sender({ 'Content-Type': 'application/json' });

function handle(req, res, { url, body }) {
  const send = (status, text, headers) => json(res, status, text, headers);
  if (url.pathname === '/json') return send(200, '{"ok":true}');
  if (url.pathname === '/echo') {
    return send(200, {
      method: req.method,
      ua: req.headers['user-agent'] || null,
      accept: req.headers.accept || null,
      authorization: req.headers.authorization || null,
      content_type: req.headers['content-type'] || null,
      x_test: req.headers['x-test'] || null,
      body,
    });
  }
  if (url.pathname === '/redirect') return send(302, '{}', { Location: '/json' });
  if (url.pathname === '/big') return send(200, '"' + 'a'.repeat(2 * 1024 * 1024) + '"');
  if (url.pathname === '/slow') {
    const t = setTimeout(() => send(200, '{}'), 5000);
    res.on('close', () => clearTimeout(t));
    return undefined;
  }
  if (url.pathname === '/link') {
    return send(200, '{}', { Link: '<https://127.0.0.1/next?page=2>; rel="next"' });
  }
  const m = /^\/status\/(\d{3})$/.exec(url.pathname);
  if (m) return send(Number(m[1]), '{"status":' + m[1] + '}');
  return send(404, '{"error":"not found"}');
}

const servers = [https.createServer(peer.tlsOptions(dir)), http.createServer()];
for (const s of servers) {
  peer.logRequests(s);
  s.on('request', peer.withBody(handle));
}
Promise.all(servers.map((s) => peer.listen(s, 0)))
  .then((bases) => peer.ready(...bases.map((b) => new URL(b).port)));
