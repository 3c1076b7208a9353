// fault-idp.js - a faulty OpenID provider for tests/e2e/faults.sh: what a
// certified provider (oidc-provider) never does - crafted id_tokens,
// broken answers, hangs - one fault per mode; also, in mode "ok", a
// well-behaved provider that provider-outage.sh stops and starts again
// (--port N: the same port). Node core only, on tests/idp/peer.js (https
// with a certificate of tests/idp/ca.sh, 127.0.0.1 only, the READY line,
// request log).
//
//   node tests/standin/fault-idp.js --tls DIR [--port N]   prints "READY https://127.0.0.1:PORT"
//
// Each mode is a provider of its own: issuer https://127.0.0.1:PORT/<mode>,
// discovery at <issuer>/.well-known/openid-configuration, then
// <issuer>/authorize (302 straight back to redirect_uri with code, state
// and RFC 9207 iss: no login page), /token (client_secret_basic with
// FAULT_CLIENT_ID / FAULT_CLIENT_SECRET, single-use codes), /jwks, /userinfo.
// Modes (anything else behaves well):
//   discovery: d500 (HTTP 500), dbadjson (cut-off JSON), dbig (2 MiB), dslow (never answers)
//   token:     t500, tbadjson, tbig, tslow (as above, at the token endpoint)
//   id_token:  iss (another issuer), aud (another client), nonce (another
//              nonce), expired (exp an hour ago), badsig (signature of other
//              bytes), none (alg none, no signature), hs256 (HMAC with the
//              client secret: the alg-confusion attack), unverified
//              (email_verified "false")
// Access tokens start with "at-FAULT-" so a test can look for them in logs.
'use strict';
const crypto = require('node:crypto');
const peer = require('../idp/peer.js');

const CLIENT_ID = process.env.FAULT_CLIENT_ID || 'fault-client';
const CLIENT_SECRET = process.env.FAULT_CLIENT_SECRET || 'fault-secret';
const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'f1', use: 'sig', alg: 'ES256' };
const codes = new Map(); // code -> { nonce, mode }
const { b64u } = peer;

function jwt(header, claims, mode) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  if (mode === 'none') return `${input}.`;
  if (mode === 'hs256') {
    return `${input}.${b64u(crypto.createHmac('sha256', CLIENT_SECRET).update(input).digest())}`;
  }
  return peer.jwt(header, claims, privateKey, mode === 'badsig' ? (i) => `${i}x` : undefined);
}

function idToken(mode, issuer, nonce) {
  const now = Math.floor(Date.now() / 1000);
  const c = {
    iss: mode === 'iss' ? 'https://evil.example' : issuer,
    aud: mode === 'aud' ? 'someone-else' : CLIENT_ID,
    sub: 'fault-user', nonce: mode === 'nonce' ? 'not-the-nonce' : nonce,
    iat: mode === 'expired' ? now - 7200 : now,
    exp: mode === 'expired' ? now - 3600 : now + 300,
    email: 'fault@example.com', email_verified: mode === 'unverified' ? 'false' : true,
    preferred_username: 'fault',
  };
  const alg = { none: 'none', hs256: 'HS256' }[mode] || 'ES256';
  const header = alg === 'ES256' ? { alg, kid: 'f1', typ: 'JWT' } : { alg, typ: 'JWT' };
  return jwt(header, c, mode);
}

const send = peer.sender({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });

// The broken answers shared by discovery (d*) and token (t*) modes; true if sent.
function broken(res, kind) {
  switch (kind) {
    case '500': send(res, 500, { error: 'server_error' }); return true;
    case 'badjson': send(res, 200, '{"issuer": "https://127.0.0.1", "token_endpoint": '); return true;
    case 'big': send(res, 200, `{"pad": "${'a'.repeat(2 * 1024 * 1024)}"}`); return true;
    case 'slow': return true; // never answers; the client gives up
    default: return false;
  }
}

function discovery(res, mode, issuer) {
  if (mode.startsWith('d') && broken(res, mode.slice(1))) return;
  send(res, 200, {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    authorization_response_iss_parameter_supported: true,
    id_token_signing_alg_values_supported: ['ES256'],
  });
}

function authorize(res, q, mode, issuer) {
  const back = new URL(q.get('redirect_uri'));
  const code = `c-${crypto.randomBytes(16).toString('hex')}`;
  codes.set(code, { nonce: q.get('nonce'), mode });
  back.searchParams.set('code', code);
  back.searchParams.set('state', q.get('state') || '');
  back.searchParams.set('iss', issuer);
  peer.redirect(res, back.href);
}

function token(req, res, body, mode, issuer) {
  const { id, secret } = peer.clientAuth(req); // client_secret_basic only
  if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return send(res, 401, { error: 'invalid_client' });
  const p = new URLSearchParams(body);
  const c = codes.get(p.get('code'));
  codes.delete(p.get('code'));
  if (!c || c.mode !== mode) return send(res, 400, { error: 'invalid_grant' });
  if (mode.startsWith('t') && broken(res, mode.slice(1))) return undefined;
  return send(res, 200, {
    access_token: `at-FAULT-${crypto.randomBytes(12).toString('hex')}`, token_type: 'Bearer',
    expires_in: 300, id_token: idToken(mode, issuer, c.nonce),
  });
}

function handle(req, res, { url, body, base }) {
  const m = /^\/([a-z0-9]+)(\/.*)$/.exec(url.pathname);
  if (!m) return send(res, 404, { error: 'not found' });
  const [, mode, rest] = m;
  const issuer = `${base}/${mode}`;
  switch (rest) {
    case '/.well-known/openid-configuration': return discovery(res, mode, issuer);
    case '/authorize': return authorize(res, url.searchParams, mode, issuer);
    case '/token': return token(req, res, body, mode, issuer);
    case '/jwks': return send(res, 200, { keys: [jwk] });
    case '/userinfo': return send(res, 200, { sub: 'fault-user' });
    default: return send(res, 404, { error: 'not found' });
  }
}

peer.serve('node fault-idp.js --tls DIR [--port N]', handle);
