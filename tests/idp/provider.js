// provider.js - a real OpenID provider for the end-to-end tests: panva's
// oidc-provider (test-only npm dependency) on tests/idp/peer.js (https with
// the throwaway certificate of tests/idp/ca.sh, on 127.0.0.1 only, the
// READY line, request log). lib.sh's idp_copy runs a copy of the two files
// next to a node_modules link.
//
//   node tests/idp/provider.js --tls DIR [--port N]     (N=0 or absent: a free port)
//
// Prints "READY https://127.0.0.1:PORT" (the issuer) once it listens.
// Environment:
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET   the static client (default test-client / test-secret)
//   OIDC_REDIRECT_URIS                    space-separated redirect URIs (required by the client)
//   OIDC_POST_LOGOUT_URIS                 space-separated post-logout redirect URIs
//   OIDC_CLIENT_AUTH                      client_secret_basic (default) or client_secret_post
//   OIDC_ID_TOKEN_ALG                     RS256 (default) or ES256
//   OIDC_CLAIMS_IN_USERINFO_ONLY=1        standard claims only from UserInfo (default: also
//                                         in the id_token, as Google and Cognito do)
//   OIDC_CLIENTS                          a JSON array of further clients, each an object of
//                                         client metadata (client_id, client_secret,
//                                         token_endpoint_auth_method, id_token_signed_response_alg,
//                                         ...); redirect_uris and post_logout_redirect_uris
//                                         default to the two variables above. With it, the
//                                         single client above is made only when OIDC_CLIENT_ID is set.
//   OIDC_TOKEN_LOG=FILE                   append every access_token and id_token the token
//                                         endpoint issues to FILE, one a line (tests grep the
//                                         relying party's logs for them: none may be there)
// Refresh (DESIGN.md 14.4; the block "refresh controls" below):
//   OIDC_REFRESH=1                        the clients may use the refresh_token grant and the
//                                         offline_access scope is known: a sign-in that asks for
//                                         it with prompt=consent gets a refresh token
//   OIDC_ROTATE=1                         every refresh answers a new refresh token (the used one
//                                         is consumed: reusing it is invalid_grant and revokes
//                                         the grant); otherwise never rotated
//   OIDC_ACCOUNTS_FILE=FILE               JSON read at every account lookup, e.g.
//                                         {"alice":{"disabled":true,"groups":["staff"]}}:
//                                         disabled = the account is gone (refresh invalid_grant,
//                                         UserInfo 401, prompt=none login_required); groups
//                                         replace the user's; a missing/bad file changes nothing
//   OIDC_EXTRA_CLAIMS                     a JSON object {account: {claim: value, ...}} merged
//                                         into that account's claims (a new account when it is
//                                         none of the two below), released with the profile
//                                         scope in the id_token and UserInfo: Keycloak's
//                                         realm_access / resource_access shapes, bad claims
// Users (devInteractions: the built-in login form; any password):
//   alice  alice@example.com, email_verified true, groups [admins, staff]
//   bob    bob@example.org, email_verified false, groups [staff]
// Both also carry the claims of the built-ins' own providers: Cognito's
// cognito:username and cognito:groups, Hugging Face's orgs (objects, as
// Hugging Face sends them), released with the profile scope.
// Back-channel logout (tests/e2e/backchannel-logout.sh; the block "back-channel
// logout" below):
//   OIDC_BACKCHANNEL_URI                  backchannel_logout_uri of every client that does
//                                         not set its own in OIDC_CLIENTS; turns on
//                                         features.backchannelLogout
//   OIDC_BACKCHANNEL_SID=1                backchannel_logout_session_required (id_tokens and
//                                         logout tokens carry sid) unless a client says
//   OIDC_SIGNING_KEYS_FILE=FILE           write the provider's private signing keys (a JWKS,
//                                         mode 0600) to FILE, so a test signs tokens exactly as
//                                         the provider would (tests/idp/sign.js)
// A script logs in like a browser: GET the authorization URL, follow to
// /interaction/<uid>, POST prompt=login&login=alice&password=x to its form
// action, then POST prompt=consent to the consent form, then follow the
// redirects to the redirect_uri (code, state, iss).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const peer = require('./peer.js');

const tlsDir = peer.need('tls', 'node provider.js --tls DIR [--port N]');
const port = Number(peer.arg('port', '0'));
const env = process.env;
const words = (s) => (s || '').split(/\s+/).filter(Boolean);

// ---- back-channel logout -------------------------------------------------
// The OP POSTs a logout token to each client's backchannel_logout_uri when
// the user confirms the end of the session (POST /session/end/confirm
// logout=yes). oidc-provider's fetch drops sockets to special-use addresses
// (helpers/fetch_request.js: an SSRF guard, 127.0.0.0/8 included) through
// the undici dispatcher it sets: here every peer is on 127.0.0.1, so the
// configured fetch goes without it.
function backchannelConfig(conf) {
  const uri = env.OIDC_BACKCHANNEL_URI;
  if (env.OIDC_SIGNING_KEYS_FILE) {
    fs.writeFileSync(env.OIDC_SIGNING_KEYS_FILE, JSON.stringify(conf.jwks), { mode: 0o600 });
  }
  if (!uri) return conf;
  for (const c of conf.clients) {
    if (!('backchannel_logout_uri' in c)) c.backchannel_logout_uri = uri;
    if (!('backchannel_logout_session_required' in c)) {
      c.backchannel_logout_session_required = env.OIDC_BACKCHANNEL_SID === '1';
    }
  }
  conf.features.backchannelLogout = { enabled: true };
  conf.fetch = (url, options) => {
    const o = { ...options };
    delete o.dispatcher;
    return globalThis.fetch(url, o);
  };
  return conf;
}

function backchannelEvents(provider) {
  provider.on('backchannel.success', (ctx, client) => {
    console.error(`backchannel.success ${client.clientId}`);
  });
  provider.on('backchannel.error', (ctx, err, client) => {
    console.error(`backchannel.error ${client.clientId}: ${err.message}`);
  });
}
// ---- end of back-channel logout --------------------------------------------

const USERS = {
  alice: {
    sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Example',
    preferred_username: 'alice', picture: 'https://127.0.0.1/alice.png', groups: ['admins', 'staff'],
    'cognito:username': 'alice.cognito', 'cognito:groups': ['cognito-admins'],
    orgs: [{ sub: 'org-1', name: 'Acme Research', preferred_username: 'acme' }],
  },
  bob: {
    sub: 'bob', email: 'bob@example.org', email_verified: false, name: 'Bob Example',
    preferred_username: 'bob', groups: ['staff'],
    'cognito:username': 'bob.cognito', 'cognito:groups': [], orgs: [],
  },
};

// ---- refresh controls (OIDC_REFRESH, OIDC_ROTATE, OIDC_ACCOUNTS_FILE) ----
function refreshClient(c) {
  if (env.OIDC_REFRESH === '1') c.grant_types = ['authorization_code', 'refresh_token'];
  return c;
}

// The account as OIDC_ACCOUNTS_FILE says now (read at each lookup), or
// undefined when it is disabled.
function accountNow(id, u) {
  let o = {};
  try {
    if (env.OIDC_ACCOUNTS_FILE) o = JSON.parse(fs.readFileSync(env.OIDC_ACCOUNTS_FILE, 'utf8'))[id] || {};
  } catch (e) {
    o = {};
  }
  if (o.disabled) return undefined;
  return Array.isArray(o.groups) ? { ...u, groups: o.groups } : u;
}

function refreshConfig(conf) {
  if (env.OIDC_REFRESH !== '1') return conf;
  conf.scopes = [...conf.scopes, 'offline_access'];
  conf.ttl.RefreshToken = 3600;
  conf.rotateRefreshToken = env.OIDC_ROTATE === '1';
  return conf;
}
// ---- end of the refresh controls ----

// ---- OIDC_EXTRA_CLAIMS (groups_claim tests) ----------------------------------
const EXTRA = env.OIDC_EXTRA_CLAIMS ? JSON.parse(env.OIDC_EXTRA_CLAIMS) : {};
for (const [id, claims] of Object.entries(EXTRA)) {
  USERS[id] = { sub: id, preferred_username: id, ...(USERS[id] || {}), ...claims };
}
const EXTRA_NAMES = [...new Set(Object.values(EXTRA).flatMap((c) => Object.keys(c)))];
// ---- end of the OIDC_EXTRA_CLAIMS block -------------------------------------------------

function signingKeys() {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    .export({ format: 'jwk' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    .export({ format: 'jwk' });
  return {
    keys: [
      { ...rsa, kid: 'rsa-1', use: 'sig', alg: 'RS256' },
      { ...ec, kid: 'ec-1', use: 'sig', alg: 'ES256' },
    ],
  };
}

function clients() {
  const base = {
    client_id: env.OIDC_CLIENT_ID || 'test-client',
    client_secret: env.OIDC_CLIENT_SECRET || 'test-secret',
    redirect_uris: words(env.OIDC_REDIRECT_URIS),
    post_logout_redirect_uris: words(env.OIDC_POST_LOGOUT_URIS),
    token_endpoint_auth_method: env.OIDC_CLIENT_AUTH || 'client_secret_basic',
    id_token_signed_response_alg: env.OIDC_ID_TOKEN_ALG || 'RS256',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
  refreshClient(base);
  const more = env.OIDC_CLIENTS ? JSON.parse(env.OIDC_CLIENTS) : [];
  const list = more.map((c) => ({ ...base, ...c }));
  if (!more.length || env.OIDC_CLIENT_ID) list.unshift(base);
  for (const c of list) {
    if (c.redirect_uris.length === 0) {
      console.error(`provider.js: client ${c.client_id} has no redirect_uris (OIDC_REDIRECT_URIS)`);
      process.exit(2);
    }
  }
  return list;
}

function configuration() {
  return refreshConfig({
    clients: clients(),
    jwks: signingKeys(),
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'picture', 'cognito:username', 'cognito:groups',
        'orgs', ...EXTRA_NAMES],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: env.OIDC_CLAIMS_IN_USERINFO_ONLY === '1',
    async findAccount(ctx, id) {
      const u = USERS[id] && accountNow(id, USERS[id]);
      if (!u) return undefined;
      return { accountId: id, async claims() { return { ...u }; } };
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600,
           Grant: 600 },
  });
}

// ---- bearer tokens (tests/e2e/bearer.sh) -------------------------------------
//   OIDC_API_RESOURCE=URL     resource indicators (RFC 8707) and client_credentials on: a token
//                             asked for with resource=R (default URL) is a JWT access token
//                             (RFC 9068) with aud R and a scope among "read write admin"
//   OIDC_API_ALG              its alg: RS256 (default), ES256 or EdDSA; a resource ending in
//                             /es256 or /eddsa is signed with that alg (an Ed25519 key is added)
//                             a resource ending in /opaque gets an opaque token, for RFC 7662
//                             introspection (on, with OIDC_API_RESOURCE)
//   OIDC_KID_SUFFIX           appended to every signing key's kid: restarting the provider with
//                             another suffix (and new keys) is a key rotation
function bearerConfig(conf) {
  const res = env.OIDC_API_RESOURCE;
  const suffix = env.OIDC_KID_SUFFIX || '';
  const alg = env.OIDC_API_ALG || 'RS256';
  if (res) {
    const ed = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    conf.jwks.keys.push({ ...ed, kid: 'ed-1', use: 'sig', alg: 'EdDSA' });
  }
  for (const k of conf.jwks.keys) k.kid += suffix;
  if (!res) return conf;
  for (const c of conf.clients) c.grant_types = [...new Set([...c.grant_types, 'client_credentials'])];
  conf.features.clientCredentials = { enabled: true };
  conf.features.introspection = { enabled: true };
  conf.features.resourceIndicators = {
    enabled: true,
    defaultResource: () => res,
    useGrantedResource: () => true,
    getResourceServerInfo: (ctx, resource) => ({
      scope: 'read write admin',
      audience: resource,
      accessTokenTTL: 600,
      accessTokenFormat: resource.endsWith('/opaque') ? 'opaque' : 'jwt',
      jwt: { sign: { alg: resource.endsWith('/es256') ? 'ES256' : resource.endsWith('/eddsa') ? 'EdDSA' : alg } },
    }),
  };
  return conf;
}
// ---- end of the bearer tokens block ------------------------------------------

const server = https.createServer(peer.tlsOptions(tlsDir));
peer.logRequests(server);
// oidc-provider is ESM-only: this CommonJS file loads it with import(). The
// issuer is the URL the server listens on, so the provider is made after.
import('oidc-provider').then(async ({ default: Provider }) => {
  const issuer = await peer.listen(server, port);
  const provider = new Provider(issuer, backchannelConfig(bearerConfig(configuration())));
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  backchannelEvents(provider);
  if (process.env.OIDC_TOKEN_LOG) {
    provider.on('grant.success', (ctx) => {
      const b = ctx.body || {};
      const issued = [b.access_token, b.id_token].filter((t) => typeof t === 'string');
      if (issued.length) fs.appendFileSync(process.env.OIDC_TOKEN_LOG, `${issued.join('\n')}\n`);
    });
  }
  server.on('request', provider.callback());
  peer.ready(issuer);
});
