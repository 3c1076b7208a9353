// cognito.js - a small stand-in for an Amazon Cognito user pool's hosted
// UI domain (https://<prefix>.auth.<region>.amazoncognito.com), for the
// end-to-end tests (AWS is never contacted). Node core only; https with
// the throwaway certificate of tests/idp/ca.sh; 127.0.0.1.
//
//   node tests/standin/cognito.js --tls DIR [--port N]
//
// Prints "READY https://127.0.0.1:PORT" = the domain. Cognito's paths and
// answers, as CVAT (social-core's CognitoOAuth2) uses them:
//   GET  /oauth2/authorize  response_type=code, client_id, redirect_uri,
//                           state, PKCE S256; `login` picks the user (the
//                           stand-in's shortcut for the hosted sign-in form)
//   POST /oauth2/token      authorization_code; client_secret_basic (or
//                           _post); redirect_uri and code_verifier checked;
//                           answers id_token (signed with a key that is
//                           published nowhere: a client with the domain alone
//                           cannot check it), access_token, refresh_token
//   GET  /oauth2/userInfo   Bearer access token; Cognito's claim shapes:
//                           email_verified as a STRING "true"/"false",
//                           username (the id_token's cognito:username)
//   GET  /logout            client_id, logout_uri
// Environment: COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET (default cog-client /
// cog-secret), COGNITO_REDIRECT_URI (when set, redirect_uri must equal it).
// Users:
//   dave   sub 5f1c...-d, dave@example.com, email_verified "true", name Dave Example
//   erin   sub 5f1c...-e, erin@example.com, email_verified "false" (a string)
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const tlsDir = arg('tls');
if (!tlsDir) {
  console.error('usage: node cognito.js --tls DIR [--port N]');
  process.exit(2);
}
const CLIENT_ID = process.env.COGNITO_CLIENT_ID || 'cog-client';
const CLIENT_SECRET = process.env.COGNITO_CLIENT_SECRET || 'cog-secret';
const REDIRECT_URI = process.env.COGNITO_REDIRECT_URI || null;

const USERS = {
  dave: { sub: '5f1c0d2e-0000-4000-8000-00000000000d', username: 'dave',
          email: 'dave@example.com', email_verified: 'true', name: 'Dave Example',
          groups: ['admins'] },
  erin: { sub: '5f1c0d2e-0000-4000-8000-00000000000e', username: 'erin',
          email: 'erin@example.com', email_verified: 'false', groups: [] },
};
const codes = new Map();  // code -> { login, redirect_uri, challenge, nonce }
const tokens = new Map(); // access token -> login
const unpublished = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
let base = '';

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function jwt(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ kid: 'unpublished', alg: 'ES256' });
  const body = enc(claims);
  const sig = crypto.sign('sha256', Buffer.from(`${head}.${body}`),
                          { key: unpublished, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${sig.toString('base64url')}`;
}

function authorize(res, q) {
  if (q.get('client_id') !== CLIENT_ID) return send(res, 400, { error: 'invalid_client' });
  if (q.get('response_type') !== 'code') {
    return send(res, 400, { error: 'unsupported_response_type' });
  }
  const redirect = q.get('redirect_uri');
  if (!redirect || (REDIRECT_URI && redirect !== REDIRECT_URI)) {
    return send(res, 400, { error: 'redirect_mismatch' });
  }
  const login = q.get('login') || 'dave';
  if (!USERS[login]) return send(res, 400, { error: 'no such user' });
  if (q.get('code_challenge') && q.get('code_challenge_method') !== 'S256') {
    return send(res, 400, { error: 'invalid_request' });
  }
  const code = crypto.randomUUID();
  codes.set(code, { login, redirect_uri: redirect, challenge: q.get('code_challenge'),
                    nonce: q.get('nonce') });
  const to = new URL(redirect);
  to.searchParams.set('code', code);
  if (q.has('state')) to.searchParams.set('state', q.get('state'));
  res.writeHead(302, { Location: to.href });
  return res.end();
}

function token(req, res, body) {
  const f = new URLSearchParams(body);
  let id = f.get('client_id');
  let secret = f.get('client_secret');
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization || '');
  if (basic) {
    const dec = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = dec.indexOf(':');
    id = decodeURIComponent(dec.slice(0, i));
    secret = decodeURIComponent(dec.slice(i + 1));
  }
  if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] || '')) {
    return send(res, 400, { error: 'invalid_request' });
  }
  if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return send(res, 400, { error: 'invalid_client' });
  if (f.get('grant_type') !== 'authorization_code') {
    return send(res, 400, { error: 'unsupported_grant_type' });
  }
  const c = codes.get(f.get('code') || '');
  codes.delete(f.get('code') || '');
  if (!c || f.get('redirect_uri') !== c.redirect_uri) return send(res, 400, { error: 'invalid_grant' });
  if (c.challenge) {
    const h = crypto.createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
    if (h !== c.challenge) return send(res, 400, { error: 'invalid_grant' });
  }
  const u = USERS[c.login];
  const now = Math.floor(Date.now() / 1000);
  const idToken = jwt({ sub: u.sub, aud: CLIENT_ID, email_verified: u.email_verified === 'true',
                        iss: `${base}/pool`, 'cognito:username': u.username,
                        'cognito:groups': u.groups, nonce: c.nonce || undefined,
                        token_use: 'id', auth_time: now, exp: now + 3600, iat: now,
                        email: u.email });
  const at = jwt({ sub: u.sub, token_use: 'access', scope: 'openid email profile',
                   username: u.username, iat: now, exp: now + 3600,
                   jti: crypto.randomUUID() });
  tokens.set(at, c.login);
  return send(res, 200, { id_token: idToken, access_token: at,
                          refresh_token: crypto.randomBytes(24).toString('base64url'),
                          expires_in: 3600, token_type: 'Bearer' });
}

function userInfo(req, res) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const login = m && tokens.get(m[1]);
  if (!login) {
    return send(res, 401, { error: 'invalid_token', error_description: 'Access token is not valid' },
                { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  const u = USERS[login];
  const out = { sub: u.sub, email_verified: u.email_verified, email: u.email, username: u.username };
  if (u.name) out.name = u.name;
  return send(res, 200, out);
}

function handle(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, base);
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      return authorize(res, url.searchParams);
    }
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      return token(req, res, Buffer.concat(chunks).toString('utf8'));
    }
    if ((req.method === 'GET' || req.method === 'POST') && url.pathname === '/oauth2/userInfo') {
      return userInfo(req, res);
    }
    if (req.method === 'GET' && url.pathname === '/logout') {
      const to = url.searchParams.get('logout_uri');
      if (url.searchParams.get('client_id') !== CLIENT_ID || !to) {
        return send(res, 400, { error: 'invalid_request' });
      }
      res.writeHead(302, { Location: to });
      return res.end();
    }
    return send(res, 404, { error: 'not_found' });
  });
}

const server = https.createServer({
  key: fs.readFileSync(path.join(tlsDir, 'server.key')),
  cert: fs.readFileSync(path.join(tlsDir, 'server.pem')),
}, handle);
server.listen(Number(arg('port', '0')), '127.0.0.1', () => {
  base = `https://127.0.0.1:${server.address().port}`;
  console.log(`READY ${base}`);
});
process.on('SIGTERM', () => process.exit(0));
