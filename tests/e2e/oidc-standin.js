// oidc-standin.js - a small OpenID provider for tests/e2e/oidc-flow.sh,
// Node core only (no npm). It is strict where a relying party's mistakes
// would show: PKCE S256 checked, codes single use and bound to client,
// redirect_uri and verifier, client_secret_basic required, RFC 9207 iss on
// every answer, ES256 id_tokens with the nonce it was given.
//   node oidc-standin.js TLS_DIR   prints "READY <port>" (https, 127.0.0.1)
// The browser's user is chosen by adding &user=NAME to the authorize URL
// (alice@example.com by default); &deny=1 answers error=access_denied.
// GET /stats gives the number of token requests (to check "no token request").
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const path = require('path');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node oidc-standin.js TLS_DIR');
  process.exit(2);
}
const CLIENT_ID = 'e2e-oidc-client';
const CLIENT_SECRET = 'e2e oidc secret&=';
const USERS = {
  alice: { email: 'alice@example.com', name: 'Alice Example', groups: ['ops', 'dev'] },
  bob: { email: 'bob@elsewhere.org', name: 'Bob Elsewhere', groups: [] },
};
const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'ES256' };
const codes = new Map();
const tokens = new Map();
let tokenRequests = 0;
let issuer = '';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

function sign(claims) {
  const head = b64u(JSON.stringify({ alg: 'ES256', kid: 'k1', typ: 'JWT' }));
  const body = b64u(JSON.stringify(claims));
  const sig = crypto.sign('sha256', Buffer.from(head + '.' + body),
    { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return head + '.' + body + '.' + b64u(sig);
}

function send(res, status, obj, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store',
    ...headers });
  res.end(JSON.stringify(obj));
}

function redirect(res, to) {
  res.writeHead(302, { Location: to });
  res.end();
}

function authorize(url, res) {
  const q = url.searchParams;
  const need = ['response_type', 'client_id', 'redirect_uri', 'state', 'nonce', 'code_challenge',
    'code_challenge_method', 'scope'];
  for (const k of need) {
    if (q.getAll(k).length !== 1) return send(res, 400, { error: 'invalid_request', missing: k });
  }
  if (q.get('response_type') !== 'code' || q.get('client_id') !== CLIENT_ID ||
      q.get('code_challenge_method') !== 'S256' || !q.get('scope').split(' ').includes('openid')) {
    return send(res, 400, { error: 'invalid_request' });
  }
  const back = new URL(q.get('redirect_uri'));
  back.searchParams.set('state', q.get('state'));
  back.searchParams.set('iss', issuer);
  if (q.get('deny')) {
    back.searchParams.set('error', 'access_denied');
    back.searchParams.set('error_description', 'The user said <no>.');
    return redirect(res, back.toString());
  }
  const user = q.get('user') || 'alice';
  if (!USERS[user]) return send(res, 400, { error: 'no such user' });
  const code = b64u(crypto.randomBytes(24));
  codes.set(code, { user, redirect_uri: q.get('redirect_uri'), nonce: q.get('nonce'),
    challenge: q.get('code_challenge'), used: false });
  back.searchParams.set('code', code);
  return redirect(res, back.toString());
}

function clientOk(req) {
  const m = /^Basic (.+)$/.exec(req.headers.authorization || '');
  if (!m) return false;
  const [id, secret] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
  return decodeURIComponent(id) === CLIENT_ID &&
    decodeURIComponent(secret.replace(/\+/g, ' ')) === CLIENT_SECRET;
}

function token(req, body, res) {
  tokenRequests++;
  const p = new URLSearchParams(body);
  if (!clientOk(req)) return send(res, 401, { error: 'invalid_client' });
  if (p.get('grant_type') !== 'authorization_code') {
    return send(res, 400, { error: 'unsupported_grant_type' });
  }
  const c = codes.get(p.get('code') || '');
  if (!c || c.used) return send(res, 400, { error: 'invalid_grant' });
  c.used = true;
  if (p.get('redirect_uri') !== c.redirect_uri) return send(res, 400, { error: 'invalid_grant' });
  const verifier = p.get('code_verifier') || '';
  const challenge = b64u(crypto.createHash('sha256').update(verifier).digest());
  if (verifier.length < 43 || challenge !== c.challenge) {
    return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE' });
  }
  const u = USERS[c.user];
  const now = Math.floor(Date.now() / 1000);
  const at = b64u(crypto.randomBytes(24));
  tokens.set(at, c.user);
  const idToken = sign({ iss: issuer, aud: CLIENT_ID, sub: 'sub-' + c.user, nonce: c.nonce,
    iat: now, exp: now + 300, email: u.email, email_verified: true,
    preferred_username: c.user });
  return send(res, 200, { access_token: at, token_type: 'Bearer', expires_in: 300,
    id_token: idToken });
}

function userinfo(req, res) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const user = m && tokens.get(m[1]);
  if (!user) return send(res, 401, { error: 'invalid_token' });
  const u = USERS[user];
  return send(res, 200, { sub: 'sub-' + user, name: u.name, groups: u.groups });
}

function handle(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, issuer);
    const body = Buffer.concat(chunks).toString('utf8');
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return send(res, 200, {
          issuer,
          authorization_endpoint: issuer + '/authorize',
          token_endpoint: issuer + '/token',
          userinfo_endpoint: issuer + '/userinfo',
          jwks_uri: issuer + '/jwks',
          end_session_endpoint: issuer + '/logout',
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
          authorization_response_iss_parameter_supported: true,
          id_token_signing_alg_values_supported: ['ES256'],
        });
      case '/jwks': return send(res, 200, { keys: [jwk] });
      case '/authorize': return authorize(url, res);
      case '/token':
        return req.method === 'POST' ? token(req, body, res) : send(res, 405, {});
      case '/userinfo': return userinfo(req, res);
      case '/stats': return send(res, 200, { token_requests: tokenRequests });
      default: return send(res, 404, { error: 'not found' });
    }
  });
}

const server = https.createServer({
  key: fs.readFileSync(path.join(dir, 'server.key')),
  cert: fs.readFileSync(path.join(dir, 'server.pem')),
}, handle);
server.listen(0, '127.0.0.1', () => {
  issuer = 'https://127.0.0.1:' + server.address().port;
  console.log('READY ' + server.address().port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
