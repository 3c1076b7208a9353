// github.js - a small stand-in for GitHub's OAuth app flow and REST API,
// for the end-to-end tests (GitHub itself is never contacted). Node core
// only, on tests/idp/peer.js (https with the throwaway certificate of
// tests/idp/ca.sh, 127.0.0.1, the READY line, request log).
//
//   node tests/standin/github.js --tls DIR [--port N]
//
// Prints "READY https://127.0.0.1:PORT" = base_url; the API is under
// <base_url>/api/v3 as on GitHub Enterprise. Environment:
//   GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET   (default gh-client / gh-secret)
//   GITHUB_REDIRECT_URI                       when set, redirect_uri must equal it
//   GITHUB_TOKEN_LOG=FILE                     append every access token issued to FILE, one a
//                                             line (tests look for them in the relying party's logs)
//   GITHUB_PAGE_MAX                           the largest per_page honoured (GitHub: 100);
//                                             smaller forces a client through more pages
//   GITHUB_USERS_FILE=FILE                    JSON read at every API request (the /refresh
//                                             tests), e.g. {"alice":{"orgs":["other"],
//                                             "teams":[["acme","ops"]],"revoked":true}}: orgs
//                                             and teams replace the user's; revoked = the
//                                             user's tokens answer 401 Bad credentials
// Users (the `login` parameter of /login/oauth/authorize picks one; default alice):
//   alice  id 1001, primary verified alice@example.com (+ an unverified one),
//          35 orgs (acme, then filler) so /user/orgs has two pages; teams acme/ops, acme/dev
//   bob    id 1002, primary email bob@example.org NOT verified; org other; no team
//   carol  id 1003, primary verified carol@example.com; org elsewhere; no team
// Behaviour kept from GitHub: every request without a User-Agent gets 403;
// the token endpoint answers JSON when Accept asks for it, else a form; a
// bad code is HTTP 200 with {"error":"bad_verification_code"}; PKCE S256 is
// checked when a code_challenge was sent; pagination with per_page/page and
// a Link header (rel="next", rel="last"); /user/teams needs read:org; the
// token's scopes come back in X-OAuth-Scopes.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const peer = require('../idp/peer.js');

const CLIENT_ID = process.env.GITHUB_CLIENT_ID || 'gh-client';
const CLIENT_SECRET = process.env.GITHUB_CLIENT_SECRET || 'gh-secret';
const REDIRECT_URI = process.env.GITHUB_REDIRECT_URI || null;

const filler = Array.from({ length: 34 }, (_, i) => `filler-${String(i + 1).padStart(2, '0')}`);
const USERS = {
  alice: {
    user: { login: 'alice', id: 1001, name: 'Alice Example', avatar_url: 'https://127.0.0.1/a.png',
            email: null, type: 'User' },
    emails: [
      { email: 'old@example.net', primary: false, verified: false, visibility: null },
      { email: 'alice@example.com', primary: true, verified: true, visibility: 'private' },
    ],
    orgs: ['acme', ...filler],
    teams: [['acme', 'ops'], ['acme', 'dev']],
  },
  bob: {
    user: { login: 'bob', id: 1002, name: 'Bob Example', avatar_url: 'https://127.0.0.1/b.png',
            email: null, type: 'User' },
    emails: [{ email: 'bob@example.org', primary: true, verified: false, visibility: null }],
    orgs: ['other'],
    teams: [],
  },
  carol: {
    user: { login: 'carol', id: 1003, name: 'Carol Example', avatar_url: 'https://127.0.0.1/c.png',
            email: null, type: 'User' },
    emails: [{ email: 'carol@example.com', primary: true, verified: true, visibility: null }],
    orgs: ['elsewhere'],
    teams: [],
  },
};
const PAGE_MAX = Number(process.env.GITHUB_PAGE_MAX) || 100;

const codes = new Map();  // code -> { login, redirect_uri, challenge, scope }
const tokens = new Map(); // token -> { login, scope }
const send = peer.sender({ 'Content-Type': 'application/json; charset=utf-8' });

function authorize(res, q) {
  if (q.get('client_id') !== CLIENT_ID) return send(res, 404, { error: 'unknown client_id' });
  const redirect = q.get('redirect_uri');
  if (!redirect || (REDIRECT_URI && redirect !== REDIRECT_URI)) {
    return send(res, 400, { error: 'redirect_uri_mismatch' });
  }
  const login = q.get('login') || 'alice';
  if (!USERS[login]) return send(res, 400, { error: 'no such user' });
  const method = q.get('code_challenge_method');
  if (q.get('code_challenge') && method !== 'S256') {
    return send(res, 400, { error: 'only S256 supported' });
  }
  const code = crypto.randomBytes(10).toString('hex');
  codes.set(code, { login, redirect_uri: redirect, challenge: q.get('code_challenge'),
                    scope: q.get('scope') || '' });
  const to = new URL(redirect);
  to.searchParams.set('code', code);
  if (q.has('state')) to.searchParams.set('state', q.get('state'));
  return peer.redirect(res, to.href);
}

function tokenAnswer(req, res, obj) {
  if ((req.headers.accept || '').includes('application/json')) return send(res, 200, obj);
  res.writeHead(200, { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' });
  return res.end(new URLSearchParams(obj).toString());
}

function accessToken(req, res, body) {
  const f = new URLSearchParams(body);
  const { id, secret } = peer.clientAuth(req, f);
  if (id !== CLIENT_ID || secret !== CLIENT_SECRET) {
    return tokenAnswer(req, res, { error: 'incorrect_client_credentials',
                                   error_description: 'The client_id and/or client_secret passed are incorrect.' });
  }
  const c = codes.get(f.get('code') || '');
  codes.delete(f.get('code') || '');
  const bad = { error: 'bad_verification_code',
                error_description: 'The code passed is incorrect or expired.' };
  if (!c) return tokenAnswer(req, res, bad);
  if (f.get('redirect_uri') && f.get('redirect_uri') !== c.redirect_uri) {
    return tokenAnswer(req, res, { error: 'redirect_uri_mismatch' });
  }
  if (c.challenge && peer.s256(f.get('code_verifier')) !== c.challenge) {
    return tokenAnswer(req, res, bad);
  }
  const t = `gho_${crypto.randomBytes(18).toString('hex')}`;
  tokens.set(t, { login: c.login, scope: c.scope.replace(/[ ]+/g, ',') });
  if (process.env.GITHUB_TOKEN_LOG) fs.appendFileSync(process.env.GITHUB_TOKEN_LOG, `${t}\n`);
  return tokenAnswer(req, res, { access_token: t, token_type: 'bearer', scope: c.scope.replace(/[ ]+/g, ',') });
}

// One page of list (per_page, page) with GitHub's Link header.
function page(res, url, list, scope) {
  const per = Math.min(Math.max(Number(url.searchParams.get('per_page')) || 30, 1), PAGE_MAX);
  const last = Math.max(Math.ceil(list.length / per), 1);
  const n = Math.min(Math.max(Number(url.searchParams.get('page')) || 1, 1), last + 1);
  const links = [];
  const at = (p) => { const u = new URL(url.href); u.searchParams.set('page', p); u.searchParams.set('per_page', per); return u.href; };
  if (n < last) links.push(`<${at(n + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (n > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(n - 1)}>; rel="prev"`);
  const headers = { 'X-OAuth-Scopes': scope };
  if (links.length) headers.Link = links.join(', ');
  return send(res, 200, list.slice((n - 1) * per, n * per), headers);
}

// The user as GITHUB_USERS_FILE says now, or null when revoked.
function userNow(login) {
  let o = {};
  try {
    if (process.env.GITHUB_USERS_FILE) {
      o = JSON.parse(fs.readFileSync(process.env.GITHUB_USERS_FILE, 'utf8'))[login] || {};
    }
  } catch (e) {
    o = {};
  }
  if (o.revoked) return null;
  return { ...USERS[login], ...(Array.isArray(o.orgs) ? { orgs: o.orgs } : {}),
           ...(Array.isArray(o.teams) ? { teams: o.teams } : {}) };
}

function api(req, res, url) {
  const m = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization || '');
  const t = m && tokens.get(m[1]);
  const u = t && userNow(t.login);
  if (!u) return send(res, 401, { message: 'Bad credentials' });
  const scopes = t.scope.split(',').filter(Boolean);
  const p = url.pathname.slice('/api/v3'.length);
  const hdr = { 'X-OAuth-Scopes': t.scope };
  if (p === '/user') return send(res, 200, u.user, hdr);
  if (p === '/user/emails') {
    if (!scopes.includes('user:email') && !scopes.includes('user')) {
      return send(res, 404, { message: 'Not Found' }, hdr);
    }
    return page(res, url, u.emails, t.scope);
  }
  if (p === '/user/orgs') {
    return page(res, url, u.orgs.map((o, i) => ({ login: o, id: 5000 + i })), t.scope);
  }
  if (p === '/user/teams') {
    if (!scopes.includes('read:org')) {
      return send(res, 403, { message: 'Resource not accessible by integration' }, hdr);
    }
    return page(res, url, u.teams.map(([o, s], i) => ({
      id: 7000 + i, slug: s, name: s.toUpperCase(), organization: { login: o },
    })), t.scope);
  }
  return send(res, 404, { message: 'Not Found' });
}

function handle(req, res, { url, body }) {
  if (!req.headers['user-agent']) {
    return send(res, 403, 'Request forbidden by administrative rules. Please make sure your '
      + 'request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).',
    { 'Content-Type': 'text/plain' });
  }
  if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
    return authorize(res, url.searchParams);
  }
  if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
    return accessToken(req, res, body);
  }
  if (req.method === 'GET' && url.pathname.startsWith('/api/v3/')) return api(req, res, url);
  return send(res, 404, { message: 'Not Found' });
}

peer.serve('node github.js --tls DIR [--port N]', handle);
