// httpd.js - a tiny https (and plain http) server for tests/http.sh: the
// answers src/net/http.c must handle or refuse. Node core only.
//   node httpd.js TLS_DIR   prints "READY <https port> <http port>"
// Routes: /json (an object), /echo (what arrived), /redirect (302 to /json),
// /big (2 MiB), /slow (answers after 5 s), /link (a Link header), /status/N.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node httpd.js TLS_DIR');
  process.exit(2);
}

function handle(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'https://127.0.0.1');
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(body);
    };
    if (url.pathname === '/json') return send(200, '{"ok":true}');
    if (url.pathname === '/echo') {
      return send(200, JSON.stringify({
        method: req.method,
        ua: req.headers['user-agent'] || null,
        accept: req.headers.accept || null,
        authorization: req.headers.authorization || null,
        content_type: req.headers['content-type'] || null,
        x_test: req.headers['x-test'] || null,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
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
  });
}

const tls = {
  key: fs.readFileSync(path.join(dir, 'server.key')),
  cert: fs.readFileSync(path.join(dir, 'server.pem')),
};
const s1 = https.createServer(tls, handle);
const s2 = http.createServer(handle);
s1.listen(0, '127.0.0.1', () => {
  s2.listen(0, '127.0.0.1', () => {
    console.log(`READY ${s1.address().port} ${s2.address().port}`);
  });
});
process.on('SIGTERM', () => process.exit(0));
