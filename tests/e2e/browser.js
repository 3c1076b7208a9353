// browser.js - a real browser (Debian's chromium, driven by playwright-core)
// signs in through oauth2-fcgi behind a web server, as a user would:
//
//   protected page -> sign-in page -> click the provider -> the provider's
//   login form -> consent -> back on the protected page (REMOTE_USER and the
//   email shown by the echo backend) -> reload keeps the session -> a second
//   tab signing in at the same time also gets there -> logout -> the
//   protected page asks to sign in again.
//
//   node browser.js --base http://127.0.0.1:PORT --path /app/page?x=1 \
//       --provider "Corp SSO" --login alice --password pw \
//       --user-var REMOTE_USER --user alice@example.com \
//       --email-var OAUTH2_EMAIL --email alice@example.com \
//       --logout-rd /app/ --profile DIR --artifacts DIR --name NAME
//
// Output, one line each, for the calling shell script to number as TAP:
//   PASS description | FAIL description | DIAG text
// Exit status 0 when it ran to the end (even with FAILs), 2 on a usage error.
// Environment: CHROMIUM (default /usr/bin/chromium), PLAYWRIGHT_CORE (the
// module's directory; default: found by require from here).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (dflt === undefined) {
    console.error(`browser.js: --${name} is required`);
    process.exit(2);
  }
  return dflt;
}

const opt = {
  base: arg('base'),
  path: arg('path', '/app/page?x=1'),
  provider: arg('provider', 'Corp SSO'),
  login: arg('login', 'alice'),
  password: arg('password', 'x'),
  userVar: arg('user-var', 'REMOTE_USER'),
  user: arg('user', 'alice@example.com'),
  emailVar: arg('email-var', 'OAUTH2_EMAIL'),
  email: arg('email', 'alice@example.com'),
  logoutRd: arg('logout-rd', '/app/'),
  profile: arg('profile'),
  artifacts: arg('artifacts'),
  name: arg('name'),
};
const base = new URL(opt.base);
const STEP_MS = 20000;

let failed = 0;
const pass = (d) => console.log(`PASS ${d}`);
const fail = (d, why) => {
  failed++;
  console.log(`FAIL ${d}`);
  if (why) for (const l of String(why).split('\n')) console.log(`DIAG ${l}`);
};
const check = (cond, d, why) => (cond ? pass(d) : fail(d, why));

// The sign-in page: under base_path on our origin, a button per provider.
async function isSignIn(page) {
  const u = new URL(page.url());
  if (u.origin !== base.origin || !u.pathname.startsWith('/oauth/')) return false;
  return (await page.getByRole('link', { name: opt.provider }).count()) > 0;
}

async function bodyText(page) {
  return (await page.textContent('body').catch(() => '')) || '';
}

// Clicks something that navigates and waits for the page it ends on.
async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: STEP_MS }),
    locator.click({ timeout: STEP_MS })]);
}

// On the provider's pages until the browser is back on our origin: the
// login form, the consent form, the logout confirmation. Returns the list
// of pages seen (for the report) or throws.
async function throughProvider(page, tab) {
  const seen = [];
  for (let hop = 0; hop < 8; hop++) {
    const u = new URL(page.url());
    if (u.origin === base.origin) return seen;
    const login = page.locator('input[name="login"]');
    const logoutYes = page.locator('button[name="logout"][value="yes"]');
    if (await login.count()) {
      seen.push('login');
      await login.fill(opt.login);
      await page.locator('input[name="password"]').fill(opt.password);
      if (tab === 'a') {
        await page.screenshot({ path: path.join(opt.artifacts, `${opt.name}-provider-login.png`) });
      }
      await clickAndWait(page, page.locator('form button[type="submit"]').first());
    } else if (await logoutYes.count()) {
      seen.push('logout');
      await clickAndWait(page, logoutYes);
    } else if (await page.locator('form button[type="submit"]').count()) {
      seen.push('consent');
      await clickAndWait(page, page.locator('form button[type="submit"]').first());
    } else {
      throw new Error(`stuck at ${u.origin}${u.pathname}: ${(await bodyText(page)).slice(0, 300)}`);
    }
  }
  throw new Error(`still at the provider after 8 pages: ${page.url()}`);
}

// Checks that a tab shows the protected page with the identity.
async function checkProtected(page, what) {
  const want = new URL(opt.path, base).href;
  check(page.url() === want, `${what}: back on the protected page`, `at ${page.url()}`);
  const body = await bodyText(page);
  check(body.includes(`${opt.userVar}=${opt.user}\n`) || body.endsWith(`${opt.userVar}=${opt.user}`),
    `${what}: the page shows ${opt.userVar}=${opt.user}`, body.slice(0, 600));
  check(body.includes(`${opt.emailVar}=${opt.email}`),
    `${what}: the page shows ${opt.emailVar}=${opt.email}`);
}

// The provider button: to the provider's login form (a state cookie of its
// own for this login attempt). True when the tab got there.
async function toProvider(page, what) {
  try {
    await clickAndWait(page, page.getByRole('link', { name: opt.provider }));
    const u = new URL(page.url());
    check(u.origin !== base.origin && u.protocol === 'https:',
      `${what}: the provider button leads to the provider (https)`, page.url());
    return true;
  } catch (e) {
    fail(`${what}: the provider button leads to the provider`, e.message);
    return false;
  }
}

// Through the provider's pages back to our site.
async function atProvider(page, what) {
  try {
    const seen = await throughProvider(page, what === 'tab 1' ? 'a' : 'b');
    check(seen.includes('login'), `${what}: filled the provider's login form`, seen.join(','));
    return true;
  } catch (e) {
    fail(`${what}: sign-in at the provider`, e.message);
    return false;
  }
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
    const a = ctx.pages()[0] || await ctx.newPage();
    const b = await ctx.newPage();
    const target = new URL(opt.path, base).href;

    // Both tabs open the protected page and land on the sign-in page.
    for (const [page, what] of [[a, 'tab 1'], [b, 'tab 2']]) {
      const resp = await page.goto(target, { waitUntil: 'load' });
      check(await isSignIn(page), `${what}: the protected page leads to the sign-in page`,
        `at ${page.url()} (HTTP ${resp && resp.status()})`);
    }
    const rd = new URL(a.url()).searchParams.get('rd') || '';
    check(rd === opt.path || rd === target, 'the sign-in page carries rd = the page asked for', rd);
    const title = await a.title();
    check(title.length > 0 && !/error/i.test(title), `the sign-in page has a title ("${title}")`);
    await a.screenshot({ path: path.join(opt.artifacts, `${opt.name}-sign-in.png`) });

    // Two sign-ins at the same time: tab 1 goes to the provider (state
    // cookie 1); tab 2 starts its own login too (state cookie 2) and its
    // request to the provider is held; tab 1 signs in and comes back (state
    // 1 used and deleted, the session cookie set); then tab 2 goes on and
    // must come back signed in with state 2, which outlived all that. (Tab
    // 2 is held rather than left on the provider's login form: the provider
    // renews its own session at each login and would refuse a login form
    // opened before, "interaction session and authentication session
    // mismatch" - its rule, not ours.)
    const okA = await toProvider(a, 'tab 1');
    let held;
    let release;
    const heldB = new Promise((r) => { held = r; });
    const releaseB = new Promise((r) => { release = r; });
    await b.route((u) => u.origin !== base.origin, async (route) => {
      held();
      await releaseB;
      await route.continue();
    });
    await b.getByRole('link', { name: opt.provider }).click({ noWaitAfter: true });
    await heldB;
    pass('tab 2: its login started (a second state cookie) while tab 1 is at the provider');
    if (okA && await atProvider(a, 'tab 1')) await checkProtected(a, 'tab 1');
    release();
    await b.waitForURL((u) => !(u.origin === base.origin && u.pathname.startsWith('/oauth/')),
      { waitUntil: 'load', timeout: STEP_MS }).catch(() => {});
    try {
      await throughProvider(b, 'b');
      await checkProtected(b, 'tab 2');
    } catch (e) {
      fail('tab 2: back from the provider', e.message);
    }
    await a.screenshot({ path: path.join(opt.artifacts, `${opt.name}-protected.png`) });

    // A reload keeps the session.
    await a.reload({ waitUntil: 'load' });
    await checkProtected(a, 'reload');

    // Logout CSRF: a sign-out link on another site (a data: URL, an opaque
    // origin, so the browser says Sec-Fetch-Site: cross-site) only shows our
    // confirmation page; the session lives on until the user confirms.
    const logoutUrl = new URL(`/oauth/logout?rd=${encodeURIComponent(opt.logoutRd)}`, base).href;
    const confirm = a.locator('button[name="confirm"][value="yes"]');
    try {
      await a.goto(`data:text/html,<a id="out" href="${logoutUrl}">sign out</a>`);
      await clickAndWait(a, a.locator('#out'));
      check(new URL(a.url()).origin === base.origin && (await confirm.count()) === 1,
        'logout link on another site: our confirmation page, not a sign-out', a.url());
      await b.reload({ waitUntil: 'load' });
      await checkProtected(b, 'after the cross-site logout link: still signed in');
      await a.screenshot({ path: path.join(opt.artifacts, `${opt.name}-logout-confirm.png`) });
    } catch (e) {
      fail('logout link on another site: our confirmation page', e.message);
    }

    // Confirmed (a POST from our own page; the provider may ask to confirm
    // its own sign-out), then the protected page asks to sign in again, in
    // both tabs.
    try {
      if (await confirm.count()) await clickAndWait(a, confirm);
      else await a.goto(logoutUrl, { waitUntil: 'load' });
      await throughProvider(a, 'a');
      pass('logout: back on our site');
    } catch (e) {
      fail('logout: back on our site', e.message);
    }
    await a.goto(target, { waitUntil: 'load' });
    check(await isSignIn(a), 'after logout: the protected page asks to sign in again',
      `at ${a.url()}: ${(await bodyText(a)).slice(0, 200)}`);
    check(!(await bodyText(a)).includes(`${opt.userVar}=`), 'after logout: no identity shown');
    await b.reload({ waitUntil: 'load' });
    check(await isSignIn(b), 'after logout: the other tab asks to sign in again too', b.url());
    await a.screenshot({ path: path.join(opt.artifacts, `${opt.name}-after-logout.png`) });
  } finally {
    await ctx.close();
  }
}

main().then(() => process.exit(0), (e) => {
  fail('the browser run ended early', e && e.stack ? e.stack : e);
  process.exit(0);
});
