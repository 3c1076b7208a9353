// browser-backchannel.js - the browser's half of browser-backchannel.sh: a
// real browser (Debian's chromium, driven by playwright-core, launched as
// tests/e2e/browser.js does) signs in through oauth2-fcgi at the real
// oidc-provider, and later signs out *at the provider* (its end_session
// endpoint and its own "Yes, sign me out" form), which makes the provider
// POST a logout token to oauth2-fcgi. The shell script does its curl checks
// between the steps, so the walk waits for its word on stdin:
//
//   start    protected page -> (sign-in page -> provider button) -> the
//            provider's login form -> consent -> the protected page; the
//            session cookie (name=value) goes to --cookie-file (mode 0600),
//            every cookie value the browser holds to --secrets-file (for the
//            no-secret-in-any-log check); prints "STEP signed-in"
//   signout  (read on stdin) the end_session URL, the provider's logout
//            form confirmed; prints "STEP signed-out"
//   reload   (read on stdin) the protected page again: asked to sign in,
//            no page content; prints "STEP end"
//
//   node browser-backchannel.js --base http://127.0.0.1:PORT --path /app/page?x=1 \
//       --end-session https://127.0.0.1:N/session/end --cookie-name oauth2_fcgi \
//       --cookie-file F --secrets-file F --login alice --password pw \
//       --profile DIR --artifacts DIR --name NAME
//
// Output, one line each: PASS description | FAIL description | DIAG text |
// STEP name. Exit status 0 when it ran to the end (even with FAILs), 2 on
// a usage error. Environment: CHROMIUM (default /usr/bin/chromium),
// PLAYWRIGHT_CORE (the module's directory). No cookie value is printed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (dflt === undefined) {
    console.error(`browser-backchannel.js: --${name} is required`);
    process.exit(2);
  }
  return dflt;
}

const opt = {
  base: arg('base'),
  path: arg('path', '/app/page?x=1'),
  endSession: arg('end-session'),
  cookieName: arg('cookie-name', 'oauth2_fcgi'),
  cookieFile: arg('cookie-file'),
  secretsFile: arg('secrets-file'),
  provider: arg('provider', 'corp'),
  login: arg('login', 'alice'),
  password: arg('password', 'x'),
  user: arg('user', 'alice'),
  profile: arg('profile'),
  artifacts: arg('artifacts'),
  name: arg('name', 'backchannel'),
};
const base = new URL(opt.base);
const target = new URL(opt.path, base).href;
const STEP_MS = 30000; // a loaded machine: chromium and the provider share 2 cores

const pass = (d) => console.log(`PASS ${d}`);
const fail = (d, why) => {
  console.log(`FAIL ${d}`);
  if (why) for (const l of String(why).split('\n')) console.log(`DIAG ${l}`);
};
const check = (cond, d, why) => (cond ? pass(d) : fail(d, why));
const shot = (page, what) =>
  page.screenshot({ path: path.join(opt.artifacts, `${opt.name}-${what}.png`) }).catch(() => {});

// The shell's words, one a line on stdin, in order.
const words = [];
let wake = null;
readline.createInterface({ input: process.stdin }).on('line', (l) => {
  words.push(l.trim());
  if (wake) wake();
}).on('close', () => {
  words.push('eof');
  if (wake) wake();
});
async function waitWord(want) {
  while (!words.length) await new Promise((r) => { wake = r; });
  wake = null;
  const got = words.shift();
  if (got !== want) throw new Error(`expected "${want}" on stdin, got "${got}"`);
}

async function bodyText(page) {
  return (await page.textContent('body').catch(() => '')) || '';
}

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: STEP_MS }),
    locator.click({ timeout: STEP_MS })]);
}

// Our sign-in page (under base_path, a button for the provider), or the
// provider's login form when oauth2-fcgi sends the browser straight there:
// either way the user is asked to sign in.
async function askedToSignIn(page) {
  const u = new URL(page.url());
  if (u.origin === base.origin) return u.pathname.startsWith('/oauth/');
  return (await page.locator('input[name="login"]').count()) > 0;
}

// On the provider's pages until the browser is back on our origin (the
// login form, the consent form), as browser.js does.
async function throughProvider(page) {
  const seen = [];
  for (let hop = 0; hop < 8; hop++) {
    const u = new URL(page.url());
    if (u.origin === base.origin) return seen;
    const login = page.locator('input[name="login"]');
    if (await login.count()) {
      seen.push('login');
      await login.fill(opt.login);
      await page.locator('input[name="password"]').fill(opt.password);
      await clickAndWait(page, page.locator('form button[type="submit"]').first());
    } else if (await page.locator('form button[type="submit"]').count()) {
      seen.push('consent');
      await clickAndWait(page, page.locator('form button[type="submit"]').first());
    } else {
      throw new Error(`stuck at ${u.origin}${u.pathname}: ${(await bodyText(page)).slice(0, 300)}`);
    }
  }
  throw new Error(`still at the provider after 8 pages: ${page.url()}`);
}

async function signIn(page, ctx) {
  await page.goto(target, { waitUntil: 'load' });
  check(await askedToSignIn(page), 'the protected page asks to sign in', page.url());
  const button = page.getByRole('link', { name: new RegExp(opt.provider, 'i') });
  if (new URL(page.url()).origin === base.origin && await button.count()) {
    await clickAndWait(page, button.first());
  }
  const seen = await throughProvider(page);
  check(seen.includes('login'), "signed in at the provider's real login form", seen.join(','));
  check(page.url() === target, 'back on the protected page', page.url());
  const body = await bodyText(page);
  check(/^REMOTE_USER=/m.test(body) && body.includes(opt.user),
    `the protected page shows REMOTE_USER (${opt.user})`, body.slice(0, 400));
  await shot(page, 'protected');

  const cookies = await ctx.cookies();
  const mine = cookies.find((c) => c.name === opt.cookieName && c.domain === base.hostname);
  check(Boolean(mine), `the browser holds the session cookie ${opt.cookieName}`,
    cookies.map((c) => `${c.domain} ${c.name}`).join(', '));
  fs.writeFileSync(opt.cookieFile, mine ? `${mine.name}=${mine.value}\n` : '', { mode: 0o600 });
  fs.writeFileSync(opt.secretsFile, cookies.map((c) => `${c.value}\n`).join(''), { mode: 0o600 });
}

// The user ends the session at the provider: its end_session endpoint,
// without id_token_hint, shows the provider's confirmation form.
async function signOutAtProvider(page) {
  await page.goto(opt.endSession, { waitUntil: 'load' });
  const yes = page.locator('button[name="logout"][value="yes"]');
  check(await yes.count() === 1, "the provider's end_session shows its logout form",
    `${page.url()}: ${(await bodyText(page)).slice(0, 300)}`);
  const label = ((await yes.first().textContent().catch(() => '')) || '').trim();
  check(/sign me out/i.test(label), `... with the button "${label}"`);
  await shot(page, 'op-logout');
  await clickAndWait(page, yes.first());
  const body = await bodyText(page);
  check(new URL(page.url()).origin !== base.origin && /sign-?out|logged out|success/i.test(body),
    'confirmed: the provider says the user is signed out', `${page.url()}: ${body.slice(0, 300)}`);
}

async function afterLogout(page) {
  const resp = await page.goto(target, { waitUntil: 'load' });
  check(await askedToSignIn(page), 'the protected page, loaded again, asks to sign in again',
    `at ${page.url()} (HTTP ${resp && resp.status()})`);
  const body = await bodyText(page);
  check(!/REMOTE_USER=|backend: ok/.test(body), '... and shows none of the page', body.slice(0, 300));
  await shot(page, 'after-logout');
}

function findPlaywright() {
  const dir = process.env.PLAYWRIGHT_CORE;
  return require(dir || 'playwright-core');
}

async function main() {
  fs.mkdirSync(opt.artifacts, { recursive: true });
  const { chromium } = findPlaywright();
  const ctx = await chromium.launchPersistentContext(opt.profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true, // the provider's throwaway certificate, in the browser only
    viewport: { width: 1000, height: 720 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
      '--disable-domain-reliability', '--no-pings', '--metrics-recording-only'],
  });
  ctx.setDefaultTimeout(STEP_MS);
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    await signIn(page, ctx);
    console.log('STEP signed-in');
    await waitWord('signout');
    await signOutAtProvider(page);
    console.log('STEP signed-out');
    await waitWord('reload');
    await afterLogout(page);
    console.log('STEP end');
  } finally {
    await ctx.close();
  }
}

main().then(() => process.exit(0), (e) => {
  fail('the browser run ended early', e && e.stack ? e.stack : e);
  console.log('STEP end');
  process.exit(0);
});
