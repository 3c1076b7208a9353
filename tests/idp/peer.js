// peer.js - what every Node peer of the tests is built on: the OpenID
// provider (tests/idp/provider.js), the stand-ins (tests/standin/*.js), the
// https test server of http.sh (tests/idp/httpd.js) and the browser-less
// login (tests/idp/login.js). Node core only, so a peer without npm
// packages runs anywhere node does.
//
// What it gives a peer:
//   - the command line: --name value options (arg, need);
//   - https on 127.0.0.1 only, with the throwaway certificate tests/idp/ca.sh
//     wrote into the --tls directory (tlsOptions, listen);
//   - the start-up protocol the shell side waits for (flowlib.sh's
//     start_peer, lib.sh's browser_idp, scripts/demo.sh, bench/run): one line
//     "READY <url>" on stdout once the port is bound (ready);
//   - one log line per request on stderr, "METHOD /path STATUS", without the
//     query string: it carries codes and state, and no test log may hold
//     one (logRequests);
//   - JSON answers, redirects, the client credentials of a token request,
//     PKCE S256 and ES256 JWTs (sender, redirect, clientAuth, s256, jwt);
//   - an exit with status 0 on SIGTERM or SIGINT, the way the tests' cleanup
//     stops it, and an answer 500 (not a dead peer) when a handler throws.
//
// A small stand-in is serve(USAGE, handle) and its handle(req, res, ctx);
// a peer that needs more (provider.js builds its handler after the port is
// known, httpd.js runs two servers) uses the pieces. tests/README.md
// ("A provider stand-in") says how to add one.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');

// arg(name, dflt): the word after --name on the command line, else dflt.
function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

// usage(text): the usage line on stderr, exit status 2.
function usage(text) {
  console.error(`usage: ${text}`);
  process.exit(2);
}

// need(name, text): the value of --name; without one, usage(text).
function need(name, text) {
  const v = arg(name);
  if (v === undefined) usage(text);
  return v;
}

// tlsOptions(dir): the server key and certificate ca.sh wrote into dir.
function tlsOptions(dir) {
  return {
    key: fs.readFileSync(path.join(dir, 'server.key')),
    cert: fs.readFileSync(path.join(dir, 'server.pem')),
  };
}

// logRequests(server): one stderr line per request once it is answered (or
// dropped unanswered: a peer that hangs on purpose).
function logRequests(server) {
  server.on('request', (req, res) => {
    const where = req.url.split('?')[0];
    const line = (what) => console.error(`${req.method} ${where} ${what}`);
    res.on('finish', () => line(res.statusCode));
    res.on('close', () => { if (!res.writableFinished) line('(closed unanswered)'); });
  });
}

// stopOnSignal(): exit 0 on SIGTERM and SIGINT. At once, not after
// server.close(): a peer holding a request open on purpose would wait for
// ever, and a test restarting a peer on the same port needs it free.
let signalsHandled = false;
function stopOnSignal() {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
}

// listen(server, port): binds 127.0.0.1:port (0: a free one); resolves to
// the base URL, scheme of the server (https or http), no trailing slash.
function listen(server, port) {
  stopOnSignal();
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(`${scheme}://127.0.0.1:${server.address().port}`);
    });
  });
}

// ready(words...): the start-up line; nothing is printed on stdout before it.
function ready(...words) {
  console.log(`READY ${words.join(' ')}`);
}

// withBody(handle): a request listener that reads the whole body, then
// calls handle(req, res, { url, body, base }) (url: a URL object, body: a
// string, base: the server's own URL, as listen resolved it); a handler
// that throws answers 500 and is logged.
function withBody(handle) {
  return (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const base = `${req.socket.encrypted ? 'https' : 'http'}://127.0.0.1:${req.socket.localPort}`;
        handle(req, res, { url: new URL(req.url, base), body: Buffer.concat(chunks).toString('utf8'),
                           base });
      } catch (e) {
        console.error(`handler failed: ${e.message}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end('{"error":"server_error"}');
      }
    });
  };
}

// serve(text, handle): the whole peer of a small stand-in: --tls DIR (else
// usage(text)) and --port N (absent or 0: a free port), https with the
// certificate in DIR, every request to handle (withBody), logged; prints
// "READY <base>" once it listens. Resolves to the base URL.
function serve(text, handle) {
  const dir = need('tls', text);
  const server = https.createServer(tlsOptions(dir));
  logRequests(server);
  server.on('request', withBody(handle));
  return listen(server, Number(arg('port', '0'))).then((base) => {
    ready(base);
    return base;
  });
}

// sender(headers): send(res, status, body, more) writing body (a string as
// it is, anything else as JSON) with headers (a peer's own Content-Type, as
// the service it stands in for spells it), then more.
function sender(headers) {
  return (res, status, body, more = {}) => {
    res.writeHead(status, { ...headers, ...more });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

// redirect(res, location): 302 to location.
function redirect(res, location) {
  res.writeHead(302, { Location: location });
  res.end();
}

// clientAuth(req, form): the client credentials of a token request,
// { id, secret }: HTTP Basic (RFC 6749 section 2.3.1: split at the first
// colon, each half percent-decoded) when the request has it, else the
// client_id and client_secret fields of form (a URLSearchParams), when
// given. Either may be undefined.
function clientAuth(req, form) {
  const m = /^Basic (.+)$/i.exec(req.headers.authorization || '');
  if (m) {
    const dec = Buffer.from(m[1], 'base64').toString('utf8');
    const i = dec.indexOf(':');
    if (i < 0) return { id: undefined, secret: undefined };
    return { id: decodeURIComponent(dec.slice(0, i)), secret: decodeURIComponent(dec.slice(i + 1)) };
  }
  if (!form) return { id: undefined, secret: undefined };
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

// s256(verifier): the PKCE S256 code challenge of a code verifier.
function s256(verifier) {
  return crypto.createHash('sha256').update(verifier || '').digest('base64url');
}

const b64u = (x) => Buffer.from(x).toString('base64url');

// jwt(header, claims, key, signedPart): a compact ES256 JWS of claims, signed
// with key (a P-256 private KeyObject). signedPart (default: the real
// signing input) lets a faulty provider sign other bytes.
function jwt(header, claims, key, signedPart = (input) => input) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const sig = crypto.sign('sha256', Buffer.from(signedPart(input)), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(sig)}`;
}

module.exports = {
  arg, usage, need, tlsOptions, logRequests, stopOnSignal, listen, ready, withBody, serve, sender,
  redirect, clientAuth, s256, b64u, jwt,
};
