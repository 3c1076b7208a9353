// sign.js - makes a compact JWS for the back-channel logout tests: the
// provider's own key (the private JWKS provider.js writes with
// OIDC_SIGNING_KEYS_FILE), a foreign key under the provider's kid, or no
// signature at all (alg none). Node core only.
//
//   node tests/idp/sign.js --keys FILE [--kid rsa-1] [--typ T] [--alg none]
//                          [--foreign] CLAIMS_JSON
//
// CLAIMS_JSON is the payload as given; --typ sets the header's typ (none
// by default). Prints the token.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const { arg, need } = require('./peer.js');

const keys = JSON.parse(fs.readFileSync(need('keys', 'node sign.js --keys FILE CLAIMS'), 'utf8'));
const kid = arg('kid', 'rsa-1');
const typ = arg('typ', '');
const alg = arg('alg', 'RS256');
const claims = process.argv[process.argv.length - 1];
const b64 = (b) => Buffer.from(b).toString('base64url');

const jwk = keys.keys.find((k) => k.kid === kid);
if (!jwk) {
  console.error(`sign.js: no key ${kid}`);
  process.exit(1);
}
const header = { alg: alg === 'none' ? 'none' : jwk.alg, kid };
if (typ) header.typ = typ;
const input = `${b64(JSON.stringify(header))}.${b64(claims)}`;
let sig = '';
if (alg !== 'none') {
  const key = process.argv.includes('--foreign')
    ? (jwk.kty === 'RSA'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
    : crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  sig = b64(crypto.sign('sha256', Buffer.from(input), jwk.kty === 'EC'
    ? { key, dsaEncoding: 'ieee-p1363' } : key));
}
console.log(`${input}.${sig}`);
