// jwt-backend.js - the application of tests/e2e/identity-token.sh: an HTTP
// backend on 127.0.0.1 that trusts no identity header, only the signed
// identity token (X-Auth-Request-Jwt), verified with the npm package jose
// against the JWKS the program publishes (<public_url>/oauth/jwks, fetched
// through the web server under test), with iss and aud checked.
//
//   node jwt-backend.js --port P --jwks URL --issuer ISS --audience AUD
//     answers 200 {"verified":true,"path":...,"header":{...},"claims":{...}}
//     or 401 {"verified":false,"error":CODE}; prints "READY <url>" once bound.
//   node jwt-backend.js --forge --kid KID --issuer ISS --audience AUD
//     prints a token with the right kid, iss and aud signed by a key of its
//     own (Ed25519): what an attacker could make; the backend must refuse it.
//
// jose is ESM: the shell copies this file next to a node_modules link
// (lib.sh idp_copy does the same for the OpenID provider).
'use strict';
const http = require('node:http');

function arg(name) {
    const i = process.argv.indexOf('--' + name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

function need(name) {
    const v = arg(name);
    if (!v) {
        process.stderr.write(`jwt-backend: --${name} is needed\n`);
        process.exit(2);
    }
    return v;
}

async function forge(jose) {
    const { privateKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const now = Math.floor(Date.now() / 1000);
    const token = await new jose.SignJWT({ sub: 'mallory', email: 'admin@example.com' })
        .setProtectedHeader({ alg: 'EdDSA', kid: need('kid'), typ: 'JWT' })
        .setIssuer(need('issuer'))
        .setAudience(need('audience'))
        .setIssuedAt(now)
        .setExpirationTime(now + 120)
        .sign(privateKey);
    process.stdout.write(token + '\n');
}

function answer(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
}

async function serve(jose) {
    const port = Number(need('port'));
    // cooldown 0: a token of a key the cached set does not have refetches at
    // once (the rotation test moves a new key first within seconds)
    const jwks = jose.createRemoteJWKSet(new URL(need('jwks')), { timeoutDuration: 5000, cooldownDuration: 0 });
    const expect = {
        issuer: need('issuer'),
        audience: need('audience'),
        algorithms: ['EdDSA', 'ES256'],
        typ: 'JWT',
    };
    const server = http.createServer(async (req, res) => {
        const token = req.headers['x-auth-request-jwt'];
        const path = req.url.split('?')[0];
        let status = 401;
        let body;
        if (!token) {
            body = { verified: false, error: 'no token', path };
        } else {
            try {
                const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, expect);
                status = 200;
                body = { verified: true, path, header: protectedHeader, claims: payload };
            } catch (e) {
                let unverified;
                try {
                    unverified = jose.decodeJwt(token);
                } catch {
                    unverified = null;
                }
                body = { verified: false, error: e.code || e.name, message: e.message, path, unverified };
            }
        }
        process.stderr.write(`${req.method} ${path} ${status}\n`);
        answer(res, status, body);
    });
    server.listen(port, '127.0.0.1', () => process.stdout.write(`READY http://127.0.0.1:${port}\n`));
    const stop = () => server.close(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

import('jose')
    .then((jose) => (process.argv.includes('--forge') ? forge(jose) : serve(jose)))
    .catch((e) => {
        process.stderr.write(`jwt-backend: ${e.stack || e}\n`);
        process.exit(1);
    });
