// echo-app.js - the protected application for the nginx browser test: an
// HTTP server on 127.0.0.1 that answers every request with its request
// headers as CGI-style lines (X-Auth-Request-User -> HTTP_X_AUTH_REQUEST_USER),
// sorted, like tests/e2e/backend prints its environment. Node core only.
//
//   node echo-app.js PORT
'use strict';
const http = require('node:http');

const port = Number(process.argv[2]);
http.createServer((req, res) => {
  const lines = [`REQUEST_METHOD=${req.method}`, `REQUEST_URI=${req.url}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toUpperCase().replace(/-/g, '_');
    lines.push(`HTTP_${name}=${req.rawHeaders[i + 1]}`);
  }
  lines.sort();
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`backend: ok\n${lines.join('\n')}\n`);
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
