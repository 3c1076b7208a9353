// login.js - signs in at tests/idp/provider.js like a browser would, without
// a browser: follows the authorization URL's redirects inside the provider
// (keeping its cookies), posts the devInteractions login form and the
// consent form, and prints the first URL that leaves the provider's origin
// (the redirect_uri with code, state and iss). Node core only.
//
//   node tests/idp/login.js --ca CA.pem [--user alice] [--abort] AUTHORIZATION_URL
//
// --abort: the user cancels at the login page (its abort link), so the
// provider answers error=access_denied.
// --jar FILE: the provider's cookies are read from FILE (JSON, when it
// exists) and written back at the end, as a browser keeps them: a later
// run with the same jar is still signed in at the provider, so prompt=none
// answers at once (with an empty jar: login_required). Without a login
// form to fill (prompt=none) the first URL leaving the provider is printed.
//
// Exit status 0 and the URL on stdout; 1 with a reason on stderr.
// With response_mode=form_post (Apple) the provider answers with a page
// whose form posts itself to the redirect_uri: then the output is two
// lines, the form's action URL and its fields urlencoded (the POST body a
// browser would send).
'use strict';
const fs = require('node:fs');
const https = require('node:https');
const { arg, need } = require('./peer.js');

const ca = fs.readFileSync(need('ca', 'node login.js --ca CA.pem [--user alice] [--abort] URL'));
const user = arg('user', 'alice');
const start = process.argv[process.argv.length - 1];
const origin = new URL(start).origin;
const jarFile = arg('jar', '');
const jar = new Map(jarFile && fs.existsSync(jarFile)
  ? Object.entries(JSON.parse(fs.readFileSync(jarFile, 'utf8'))) : []);
const saveJar = () => {
  if (jarFile) fs.writeFileSync(jarFile, JSON.stringify(Object.fromEntries(jar)), { mode: 0o600 });
};

function request(method, url, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = { Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = https.request(u, { method, headers, ca }, (res) => {
      for (const c of res.headers['set-cookie'] || []) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({
        status: res.statusCode, location: res.headers.location,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Posts the form of page with the given fields; returns the answer.
const unhtml = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'")
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// An auto-submitting form_post page to another origin: [action, body] or null.
function formPost(page, url) {
  const m = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(page);
  if (!m) return null;
  const action = new URL(unhtml(m[1]), url).href;
  if (new URL(action).origin === origin) return null;
  const fields = new URLSearchParams();
  for (const i of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/?>/g)) {
    fields.append(unhtml(i[1]), unhtml(i[2]));
  }
  return [action, fields.toString()];
}

function submit(page, url, fields) {
  const m = /<form[^>]*action="([^"]+)"/.exec(page);
  if (!m) throw new Error(`no form at ${url}`);
  return request('POST', new URL(m[1].replace(/&amp;/g, '&'), url).href,
    new URLSearchParams(fields).toString());
}

// ---- --end-session (back-channel logout tests) ---------------------------
// --end-session: URL is the provider's end_session_endpoint; GET it, then
// POST its confirmation form with logout=yes (the user signs out at the
// provider, which then sends the back-channel logout tokens). Use it with
// the --jar of the sign-in. Prints the status of the confirmation (and
// where it redirects).
async function endSession() {
  const page = await request('GET', start);
  if (page.status !== 200) throw new Error(`${start} gave HTTP ${page.status}`);
  const action = /<form[^>]*action="([^"]+)"/.exec(page.body);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body);
  if (!action || !xsrf) throw new Error(`no logout form at ${start}`);
  const r = await request('POST', new URL(unhtml(action[1]), start).href,
    new URLSearchParams({ xsrf: unhtml(xsrf[1]), logout: 'yes' }).toString());
  return `${r.status}${r.location ? ` ${new URL(r.location, start).href}` : ''}`;
}
// ---- end of --end-session --------------------------------------------------

async function main() {
  if (process.argv.includes('--end-session')) return endSession();
  let url = start;
  let method = 'GET';
  for (let hops = 0; hops < 20; hops++) {
    const r = await request(method, url);
    method = 'GET';
    if (r.location) {
      const next = new URL(r.location, url).href;
      if (new URL(next).origin !== origin) return next;
      url = next;
      continue;
    }
    let answer;
    const post = formPost(r.body, url);
    if (post) return post.join('\n');
    const abort = /<a href="([^"]*\/abort)"/.exec(r.body);
    if (process.argv.includes('--abort') && abort) {
      url = new URL(unhtml(abort[1]), url).href;
      continue;
    }
    if (/name="prompt" value="login"/.test(r.body)) {
      answer = await submit(r.body, url, { prompt: 'login', login: user, password: 'x' });
    } else if (/name="prompt" value="consent"/.test(r.body)) {
      answer = await submit(r.body, url, { prompt: 'consent' });
    } else {
      throw new Error(`unexpected page at ${url} (HTTP ${r.status})`);
    }
    if (!answer.location) throw new Error(`form post at ${url} gave HTTP ${answer.status}`);
    url = new URL(answer.location, url).href;
    if (new URL(url).origin !== origin) return url;
  }
  throw new Error('too many redirects');
}

main().then((u) => { saveJar(); console.log(u); },
  (e) => { saveJar(); console.error(`login.js: ${e.message}`); process.exit(1); });
