// entra.js - a small stand-in for Microsoft Entra ID (login.microsoftonline.com)
// and the part of Microsoft Graph (graph.microsoft.com) a sign-in uses, for
// the end-to-end tests (Microsoft is never contacted). Node core only, on
// tests/idp/peer.js (https with the throwaway certificate of tests/idp/ca.sh,
// 127.0.0.1, the READY line, request log).
//
//   node tests/standin/entra.js --tls DIR [--port N]
//
// Prints "READY https://127.0.0.1:PORT" = the authority (base_url); Graph
// is at <base>/graph (graph_url). Entra's paths and answer shapes:
//   GET  /<tenant>/v2.0/.well-known/openid-configuration
//        tenant organizations or common: issuer "<base>/{tenantid}/v2.0"
//        (the template), a GUID: "<base>/<GUID>/v2.0", contoso.example: the
//        GUID of tenant A
//   GET  /<tenant>/oauth2/v2.0/authorize  code flow, PKCE S256; `login`
//        picks the user (the stand-in's shortcut for the sign-in pages)
//   POST /<tenant>/oauth2/v2.0/token  authorization_code or refresh_token;
//        client_secret_post or _basic; answers an id_token (ES256, the
//        published key) with ver 2.0, tid, oid, a pairwise sub, name,
//        preferred_username, email (+ xms_edov), groups and roles, or on
//        overage no groups but _claim_names.groups / _claim_sources (the
//        old graph.windows.net endpoint, which a client must not call),
//        an access token for Graph and a refresh token
//   GET  /<tenant>/discovery/v2.0/keys  the JWKS
//   GET  /graph/v1.0/me/transitiveMemberOf?$select=id,displayName  Bearer;
//        directoryObjects, PAGE per page, @odata.nextLink with $skiptoken
//   GET  /test/groups?user=U&count=N  (test control) U's Graph groups become N
// Environment: ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET (default entra-client /
// entra-secret).
// Users (tenant A 72f988bf-..., tenant B 11111111-...):
//   alice    A, groups [G1, G2], roles [Writer], email verified (xms_edov)
//   bob      A, overage: 60 groups from Graph (25 a page) and a directory role
//   zed      A, overage: 250 groups from Graph
//   mallory  B (another tenant), groups [G1]
//   carol    A, overage, Graph answers 500
//   dan      A, overage, Graph answers garbage
//   eve      A, overage, Graph's nextLink goes to another origin (localhost)
//   frank    A, overage, the token answer has no access token
'use strict';
const crypto = require('node:crypto');
const peer = require('../idp/peer.js');

const CLIENT_ID = process.env.ENTRA_CLIENT_ID || 'entra-client';
const CLIENT_SECRET = process.env.ENTRA_CLIENT_SECRET || 'entra-secret';
const TID_A = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TID_B = '11111111-2222-3333-4444-555555555555';
const G1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const G2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const PAGE = 25;

const gid = (n) => `bbbbbbbb-0000-4000-8000-${String(n).padStart(12, '0')}`;
const USERS = {
  alice: { tid: TID_A, oid: '00000000-0000-4000-8000-00000000a11c', name: 'Alice Example',
           upn: 'alice@contoso.example', email: 'alice@contoso.example', edov: true,
           groups: [G1, G2], roles: ['Writer'] },
  bob: { tid: TID_A, oid: '00000000-0000-4000-8000-000000000b0b', name: 'Bob Example',
         upn: 'bob@contoso.example', email: 'bob@contoso.example', graph: 60 },
  zed: { tid: TID_A, oid: '00000000-0000-4000-8000-000000000ded', upn: 'zed@contoso.example',
         graph: 250 },
  mallory: { tid: TID_B, oid: '00000000-0000-4000-8000-0000000000ba', upn: 'mallory@fabrikam.example',
             groups: [G1] },
  carol: { tid: TID_A, oid: '00000000-0000-4000-8000-0000000ca501', upn: 'carol@contoso.example',
           graph: 5, fault: 'graph500' },
  dan: { tid: TID_A, oid: '00000000-0000-4000-8000-000000000da2', upn: 'dan@contoso.example',
         graph: 5, fault: 'garbage' },
  eve: { tid: TID_A, oid: '00000000-0000-4000-8000-000000000e7e', upn: 'eve@contoso.example',
         graph: 60, fault: 'elsewhere' },
  frank: { tid: TID_A, oid: '00000000-0000-4000-8000-00000000f4a2', upn: 'frank@contoso.example',
           graph: 5, fault: 'noaccess' },
};
const codes = new Map();   // code -> { login, redirect_uri, challenge, nonce, tenant }
const access = new Map();  // access token -> login
const refresh = new Map(); // refresh token -> login
const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...key.publicKey.export({ format: 'jwk' }), kid: 'entra-k1', use: 'sig', alg: 'ES256' };
const send = peer.sender({ 'Content-Type': 'application/json; charset=utf-8' });
const rand = () => crypto.randomBytes(24).toString('base64url');

function tenantId(t) {
  if (t === 'contoso.example') return TID_A;
  return /^[0-9a-f-]{36}$/.test(t) ? t : null;
}

function discovery(res, base, tenant) {
  const multi = tenant === 'organizations' || tenant === 'common';
  const tid = tenantId(tenant);
  if (!multi && !tid) return send(res, 400, { error: 'invalid_tenant' });
  const t = `${base}/${tenant}`;
  return send(res, 200, {
    issuer: `${base}/${multi ? '{tenantid}' : tid}/v2.0`,
    authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
    token_endpoint: `${t}/oauth2/v2.0/token`,
    jwks_uri: `${t}/discovery/v2.0/keys`,
    userinfo_endpoint: `${base}/graph/oidc/userinfo`,
    end_session_endpoint: `${t}/oauth2/v2.0/logout`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt',
                                            'client_secret_basic'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    id_token_signing_alg_values_supported: ['ES256'],
    tenant_region_scope: 'EU',
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'preferred_username',
                       'name', 'tid', 'ver', 'email'],
  });
}

function authorize(res, q, tenant) {
  if (q.get('client_id') !== CLIENT_ID) return send(res, 400, { error: 'invalid_client' });
  if (q.get('response_type') !== 'code') return send(res, 400, { error: 'unsupported_response_type' });
  if (q.get('code_challenge_method') !== 'S256') return send(res, 400, { error: 'invalid_request' });
  const login = q.get('login') || 'alice';
  if (!USERS[login]) return send(res, 400, { error: 'no such user' });
  const code = rand();
  codes.set(code, { login, redirect_uri: q.get('redirect_uri'), challenge: q.get('code_challenge'),
                    nonce: q.get('nonce'), scope: q.get('scope') || '' });
  const to = new URL(q.get('redirect_uri'));
  to.searchParams.set('code', code);
  if (q.has('state')) to.searchParams.set('state', q.get('state'));
  return peer.redirect(res, to.href);
}

function idToken(base, u, nonce) {
  const now = Math.floor(Date.now() / 1000);
  const c = {
    ver: '2.0', iss: `${base}/${u.tid}/v2.0`, aud: CLIENT_ID, tid: u.tid, oid: u.oid,
    // Entra's sub is pairwise: this application's own name for the user
    sub: crypto.createHash('sha256').update(`${CLIENT_ID}:${u.oid}`).digest('base64url').slice(0, 43),
    iat: now, nbf: now, exp: now + 3600, preferred_username: u.upn, aio: rand(), uti: rand(),
  };
  if (nonce) c.nonce = nonce;
  if (u.name) c.name = u.name;
  if (u.email) c.email = u.email;
  if (u.edov) c.xms_edov = true;
  if (u.roles) c.roles = u.roles;
  if (u.graph) {
    c._claim_names = { groups: 'src1' };
    c._claim_sources = { src1: { endpoint:
      `https://graph.windows.net/${u.tid}/users/${u.oid}/getMemberObjects` } };
  } else if (u.groups) {
    c.groups = u.groups;
  }
  return peer.jwt({ typ: 'JWT', alg: 'ES256', kid: 'entra-k1' }, c, key.privateKey);
}

function token(req, res, body, base) {
  const f = new URLSearchParams(body);
  const { id, secret } = peer.clientAuth(req, f);
  if (id !== CLIENT_ID || secret !== CLIENT_SECRET) {
    return send(res, 401, { error: 'invalid_client', error_codes: [7000215] });
  }
  let login, nonce;
  if (f.get('grant_type') === 'authorization_code') {
    const c = codes.get(f.get('code') || '');
    codes.delete(f.get('code') || '');
    if (!c || f.get('redirect_uri') !== c.redirect_uri ||
        peer.s256(f.get('code_verifier')) !== c.challenge) {
      return send(res, 400, { error: 'invalid_grant', error_codes: [70008] });
    }
    login = c.login;
    nonce = c.nonce;
  } else if (f.get('grant_type') === 'refresh_token') {
    login = refresh.get(f.get('refresh_token') || '');
    refresh.delete(f.get('refresh_token') || '');
    if (!login) return send(res, 400, { error: 'invalid_grant', error_codes: [70000] });
  } else {
    return send(res, 400, { error: 'unsupported_grant_type' });
  }
  const u = USERS[login];
  const at = rand(), rt = rand();
  access.set(at, login);
  refresh.set(rt, login);
  const out = { token_type: 'Bearer', scope: 'openid profile email User.Read', expires_in: 3600,
                ext_expires_in: 3600, id_token: idToken(base, u, nonce), refresh_token: rt };
  if (u.fault !== 'noaccess') out.access_token = at;
  return send(res, 200, out);
}

function graph(req, res, url, base) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const login = m && access.get(m[1]);
  if (!login) {
    return send(res, 401, { error: { code: 'InvalidAuthenticationToken',
                                     message: 'Access token is empty.' } });
  }
  const u = USERS[login];
  if (u.fault === 'graph500') {
    return send(res, 500, { error: { code: 'generalException', message: 'General exception' } });
  }
  if (u.fault === 'garbage') return send(res, 200, '<html><body>Sign in</body></html>');
  const from = Number(url.searchParams.get('$skiptoken') || '0');
  const value = [];
  if (from === 0) {
    value.push({ '@odata.type': '#microsoft.graph.directoryRole', id: 'role-0001',
                 displayName: 'Global Reader' });
  }
  for (let i = from; i < Math.min(from + PAGE, u.graph); i++) {
    value.push({ '@odata.type': '#microsoft.graph.group', id: gid(i + 1),
                 displayName: `Group ${i + 1}` });
  }
  const out = { '@odata.context': `${base}/graph/v1.0/$metadata#directoryObjects(id,displayName)`,
                value };
  if (from + PAGE < u.graph) {
    const origin = u.fault === 'elsewhere' ? base.replace('127.0.0.1', 'localhost') + '/evil' :
      `${base}/graph`;
    out['@odata.nextLink'] =
      `${origin}/v1.0/me/transitiveMemberOf?$select=id,displayName&$skiptoken=${from + PAGE}`;
  }
  return send(res, 200, out);
}

function handle(req, res, { url, body, base }) {
  const p = url.pathname;
  let m;
  if (req.method === 'GET' && (m = /^\/([a-z0-9.-]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(p))) {
    return discovery(res, base, m[1]);
  }
  if (req.method === 'GET' && (m = /^\/([a-z0-9.-]+)\/oauth2\/v2\.0\/authorize$/.exec(p))) {
    return authorize(res, url.searchParams, m[1]);
  }
  if (req.method === 'POST' && /^\/([a-z0-9.-]+)\/oauth2\/v2\.0\/token$/.test(p)) {
    return token(req, res, body, base);
  }
  if (req.method === 'GET' && /^\/([a-z0-9.-]+)\/discovery\/v2\.0\/keys$/.test(p)) {
    return send(res, 200, { keys: [jwk] });
  }
  if (req.method === 'GET' && p === '/graph/v1.0/me/transitiveMemberOf') {
    return graph(req, res, url, base);
  }
  if (req.method === 'GET' && p === '/test/groups') {
    const u = USERS[url.searchParams.get('user')];
    if (!u) return send(res, 404, { error: 'no such user' });
    u.graph = Number(url.searchParams.get('count'));
    return send(res, 200, { ok: true });
  }
  return send(res, 404, { error: 'not_found' });
}

peer.serve('node entra.js --tls DIR [--port N]', handle);
