// gitlab.js - a small stand-in for GitLab as an OpenID provider (gitlab.com
// or a self-managed instance), for the end-to-end tests (GitLab is never
// contacted). Node core only, on tests/idp/peer.js (https with the
// throwaway certificate of tests/idp/ca.sh, 127.0.0.1, the READY line,
// request log).
//
//   node tests/standin/gitlab.js --tls DIR [--port N]
//
// Prints "READY https://127.0.0.1:PORT" = the instance's base URL = the
// issuer. GitLab's paths (doorkeeper-openid_connect) and claim shapes
// (docs.gitlab.com/integration/openid_connect_provider, "Shared
// information"):
//   GET  /.well-known/openid-configuration
//   GET  /oauth/authorize     code flow, PKCE S256; `login` picks the user
//                             (the stand-in's shortcut for the sign-in page)
//   POST /oauth/token         authorization_code or refresh_token;
//                             client_secret_basic or _post; an id_token
//                             (ES256) with sub (the numeric user id as a
//                             string), sub_legacy, nickname,
//                             preferred_username, email, email_verified,
//                             groups_direct (paths of direct memberships)
//   GET  /oauth/userinfo      Bearer; sub, name, nickname, preferred_username,
//                             email, email_verified, profile, picture,
//                             groups (full paths, direct or through an
//                             ancestor group) and
//                             https://gitlab.org/claims/groups/owner,
//                             .../maintainer, .../developer
//   GET  /oauth/discovery/keys  the JWKS
// Environment: GITLAB_CLIENT_ID, GITLAB_CLIENT_SECRET (default gl-client /
// gl-secret).
// Users:
//   octo   id 42: groups acme, acme/web, acme/web/ui; direct acme/web;
//          owner of acme, maintainer of acme/web, developer of acme/web/ui
//   nova   id 43: groups other; direct other
//   rex    id 44: groups as an object (a malformed answer)
'use strict';
const crypto = require('node:crypto');
const peer = require('../idp/peer.js');

const CLIENT_ID = process.env.GITLAB_CLIENT_ID || 'gl-client';
const CLIENT_SECRET = process.env.GITLAB_CLIENT_SECRET || 'gl-secret';
const ROLE = 'https://gitlab.org/claims/groups/';

const USERS = {
  octo: { id: 42, username: 'octo', name: 'Octo Cat', email: 'octo@example.com', verified: true,
          groups: ['acme', 'acme/web', 'acme/web/ui'], direct: ['acme/web'],
          owner: ['acme'], maintainer: ['acme/web'], developer: ['acme/web/ui'] },
  nova: { id: 43, username: 'nova', name: 'Nova', email: 'nova@example.org', verified: false,
          groups: ['other'], direct: ['other'] },
  rex: { id: 44, username: 'rex', email: 'rex@example.com', verified: true,
         groups: { acme: true }, direct: [] },
};
const codes = new Map();
const access = new Map();
const refresh = new Map();
const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...key.publicKey.export({ format: 'jwk' }), kid: 'gl-k1', use: 'sig', alg: 'ES256' };
const send = peer.sender({ 'Content-Type': 'application/json; charset=utf-8' });
const rand = () => crypto.randomBytes(32).toString('hex');

function discovery(res, base) {
  return send(res, 200, {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
    introspection_endpoint: `${base}/oauth/introspect`,
    userinfo_endpoint: `${base}/oauth/userinfo`,
    jwks_uri: `${base}/oauth/discovery/keys`,
    scopes_supported: ['api', 'read_api', 'read_user', 'openid', 'profile', 'email'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: ['authorization_code', 'password', 'client_credentials',
                            'device_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    claim_types_supported: ['normal'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'sub_legacy', 'name', 'nickname',
                       'preferred_username', 'email', 'email_verified', 'website', 'profile',
                       'picture', 'groups', 'groups_direct', `${ROLE}owner`, `${ROLE}maintainer`,
                       `${ROLE}developer`],
    code_challenge_methods_supported: ['plain', 'S256'],
  });
}

function authorize(res, q) {
  if (q.get('client_id') !== CLIENT_ID) return send(res, 401, { error: 'invalid_client' });
  if (q.get('response_type') !== 'code') return send(res, 400, { error: 'unsupported_response_type' });
  const scopes = (q.get('scope') || '').split(' ');
  if (scopes.some((s) => !['openid', 'profile', 'email', 'read_user'].includes(s))) {
    return send(res, 400, { error: 'invalid_scope' }); // GitLab knows no offline_access
  }
  const login = q.get('login') || 'octo';
  if (!USERS[login]) return send(res, 400, { error: 'no such user' });
  const code = rand();
  codes.set(code, { login, redirect_uri: q.get('redirect_uri'), challenge: q.get('code_challenge'),
                    nonce: q.get('nonce') });
  const to = new URL(q.get('redirect_uri'));
  to.searchParams.set('code', code);
  if (q.has('state')) to.searchParams.set('state', q.get('state'));
  return peer.redirect(res, to.href);
}

function token(req, res, body, base) {
  const f = new URLSearchParams(body);
  const { id, secret } = peer.clientAuth(req, f);
  if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return send(res, 401, { error: 'invalid_client' });
  let login, nonce;
  if (f.get('grant_type') === 'authorization_code') {
    const c = codes.get(f.get('code') || '');
    codes.delete(f.get('code') || '');
    if (!c || f.get('redirect_uri') !== c.redirect_uri ||
        (c.challenge && peer.s256(f.get('code_verifier')) !== c.challenge)) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    login = c.login;
    nonce = c.nonce;
  } else if (f.get('grant_type') === 'refresh_token') {
    login = refresh.get(f.get('refresh_token') || '');
    refresh.delete(f.get('refresh_token') || '');
    if (!login) return send(res, 400, { error: 'invalid_grant' });
  } else {
    return send(res, 400, { error: 'unsupported_grant_type' });
  }
  const u = USERS[login];
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: base, sub: String(u.id), aud: CLIENT_ID, exp: now + 120, iat: now,
                   auth_time: now, sub_legacy: crypto.createHash('sha256').update(login).digest('hex'),
                   name: u.name, nickname: u.username, preferred_username: u.username,
                   email: u.email, email_verified: u.verified, groups_direct: u.direct };
  if (nonce) claims.nonce = nonce;
  const at = rand(), rt = rand();
  access.set(at, login);
  refresh.set(rt, login);
  return send(res, 200, { access_token: at, token_type: 'Bearer', expires_in: 7200,
                          refresh_token: rt, scope: 'openid profile email', created_at: now,
                          id_token: peer.jwt({ typ: 'JWT', kid: 'gl-k1', alg: 'ES256' }, claims,
                                             key.privateKey) });
}

function userinfo(req, res, base) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const login = m && access.get(m[1]);
  if (!login) return send(res, 401, { error: 'invalid_token' });
  const u = USERS[login];
  const out = { sub: String(u.id), sub_legacy: crypto.createHash('sha256').update(login).digest('hex'),
                name: u.name, nickname: u.username, preferred_username: u.username,
                email: u.email, email_verified: u.verified, website: '',
                profile: `${base}/${u.username}`, picture: `${base}/uploads/${u.username}.png`,
                groups: u.groups };
  for (const r of ['owner', 'maintainer', 'developer']) if (u[r]) out[`${ROLE}${r}`] = u[r];
  return send(res, 200, out);
}

function handle(req, res, { url, body, base }) {
  const p = url.pathname;
  if (req.method === 'GET' && p === '/.well-known/openid-configuration') return discovery(res, base);
  if (req.method === 'GET' && p === '/oauth/authorize') return authorize(res, url.searchParams);
  if (req.method === 'POST' && p === '/oauth/token') return token(req, res, body, base);
  if ((req.method === 'GET' || req.method === 'POST') && p === '/oauth/userinfo') {
    return userinfo(req, res, base);
  }
  if (req.method === 'GET' && p === '/oauth/discovery/keys') return send(res, 200, { keys: [jwk] });
  return send(res, 404, { error: 'not_found' });
}

peer.serve('node gitlab.js --tls DIR [--port N]', handle);
