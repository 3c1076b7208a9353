// cognito.js - a small stand-in for an Amazon Cognito user pool's hosted
// UI domain (https://<prefix>.auth.<region>.amazoncognito.com), for the
// end-to-end tests (AWS is never contacted). Node core only, on
// tests/idp/peer.js (https with the throwaway certificate of
// tests/idp/ca.sh, 127.0.0.1, the READY line, request log).
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
const peer = require('../idp/peer.js');

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
const send = peer.sender({ 'Content-Type': 'application/json;charset=UTF-8' });
const jwt = (claims) => peer.jwt({ kid: 'unpublished', alg: 'ES256' }, claims, unpublished);

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
  return peer.redirect(res, to.href);
}

function token(req, res, body, base) {
  const f = new URLSearchParams(body);
  const { id, secret } = peer.clientAuth(req, f);
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
  if (c.challenge && peer.s256(f.get('code_verifier')) !== c.challenge) {
    return send(res, 400, { error: 'invalid_grant' });
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

function handle(req, res, { url, body, base }) {
  if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
    return authorize(res, url.searchParams);
  }
  if (req.method === 'POST' && url.pathname === '/oauth2/token') return token(req, res, body, base);
  if ((req.method === 'GET' || req.method === 'POST') && url.pathname === '/oauth2/userInfo') {
    return userInfo(req, res);
  }
  if (req.method === 'GET' && url.pathname === '/logout') {
    const to = url.searchParams.get('logout_uri');
    if (url.searchParams.get('client_id') !== CLIENT_ID || !to) {
      return send(res, 400, { error: 'invalid_request' });
    }
    return peer.redirect(res, to);
  }
  return send(res, 404, { error: 'not_found' });
}

peer.serve('node cognito.js --tls DIR [--port N]', handle);
