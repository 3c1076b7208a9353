// browser/refresh.js - a real browser (chromium, playwright-core) past
// session.refresh_after (DESIGN.md 14.4): signed in, the session goes stale,
// and a reload must land back on the page by itself - through
// <base_path>/refresh, never showing the provider's login form again.
//
//   node refresh.js --base URL --path /app/page --provider "Corp SSO"
//       --login alice --password pw --user alice@example.com --wait 4
//       --idp-log FILE --profile DIR --artifacts DIR --name NAME
//       [--second PROVIDER-NAME]
//
// --second NAME: then also /oauth/NAME/login (a client without refresh
// tokens: /refresh goes through the browser with prompt=none).
// Output: PASS/FAIL/DIAG lines (tests/e2e/browser-refresh.sh numbers them).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (dflt === undefined) {
    console.error(`refresh.js: --${name} is required`);
    process.exit(2);
  }
  return dflt;
}

const opt = {
  base: arg('base'), path: arg('path', '/app/page'), provider: arg('provider', 'Corp SSO'),
  login: arg('login', 'alice'), password: arg('password', 'x'),
  user: arg('user', 'alice@example.com'), wait: Number(arg('wait', '4')),
  idpLog: arg('idp-log'), profile: arg('profile'), artifacts: arg('artifacts'),
  name: arg('name'), second: arg('second', ''),
};
const base = new URL(opt.base);
const STEP_MS = 20000;
const pass = (d) => console.log(`PASS ${d}`);
const fail = (d, why) => {
  console.log(`FAIL ${d}`);
  if (why) for (const l of String(why).split('\n')) console.log(`DIAG ${l}`);
};
const check = (cond, d, why) => (cond ? pass(d) : fail(d, why));
const sleep = (s) => new Promise((r) => { setTimeout(r, s * 1000); });

// The provider's login pages shown so far (its request log).
const interactions = () => (fs.readFileSync(opt.idpLog, 'utf8').match(/^GET \/interaction\//gm)
  || []).length;
const bodyText = async (page) => (await page.textContent('body').catch(() => '')) || '';

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: STEP_MS }),
    locator.click({ timeout: STEP_MS })]);
}

// The provider's login and consent forms until the browser is back.
async function throughProvider(page) {
  const seen = [];
  for (let hop = 0; hop < 8; hop++) {
    if (new URL(page.url()).origin === base.origin) return seen;
    const login = page.locator('input[name="login"]');
    if (await login.count()) {
      seen.push('login');
      await login.fill(opt.login);
      await page.locator('input[name="password"]').fill(opt.password);
    } else {
      seen.push('consent');
    }
    await clickAndWait(page, page.locator('form button[type="submit"]').first());
  }
  throw new Error(`still at the provider: ${page.url()}`);
}

// Back on the page with the identity, and no login form anywhere on it.
async function onPage(page, what) {
  const want = new URL(opt.path, base).href;
  check(page.url() === want, `${what}: on the page`, `at ${page.url()}`);
  const body = await bodyText(page);
  check(body.includes(`REMOTE_USER=${opt.user}`), `${what}: the page shows REMOTE_USER=${opt.user}`,
    body.slice(0, 400));
  check((await page.locator('input[name="login"]').count()) === 0, `${what}: no login form`);
}

// Signed in (first at the provider's forms), then stale, then a reload.
async function walk(page, what, start) {
  await page.goto(start, { waitUntil: 'load' });
  if (new URL(page.url()).origin === base.origin && page.url() !== new URL(opt.path, base).href) {
    await clickAndWait(page, page.getByRole('link', { name: opt.provider }));
  }
  const seen = await throughProvider(page);
  pass(`${what}: signed in at the provider (${seen.join(', ') || 'no form'})`);
  await onPage(page, `${what}, signed in`);
  const before = interactions();
  const hops = [];
  const onReq = (req) => {
    if (req.isNavigationRequest()) hops.push(new URL(req.url()).pathname);
  };
  await sleep(opt.wait);
  page.on('request', onReq);
  await page.reload({ waitUntil: 'load' });
  page.off('request', onReq);
  await onPage(page, `${what}, reload after refresh_after`);
  check(hops.includes('/oauth/refresh'), `${what}: the reload went through /oauth/refresh`,
    hops.join(' -> '));
  check(interactions() === before, `${what}: the provider's login page was not shown again`,
    `${interactions() - before} more`);
  await page.screenshot({ path: path.join(opt.artifacts, `${opt.name}-${what}-refreshed.png`) });
}

async function main() {
  fs.mkdirSync(opt.artifacts, { recursive: true });
  const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');
  const ctx = await chromium.launchPersistentContext(opt.profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    ignoreHTTPSErrors: true, viewport: { width: 1000, height: 720 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-domain-reliability', '--no-pings'],
  });
  ctx.setDefaultTimeout(STEP_MS);
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    await walk(page, 'refresh token', new URL(opt.path, base).href);
    if (opt.second) {
      const start = new URL(`/oauth/${opt.second}/login?rd=${encodeURIComponent(opt.path)}`, base);
      await walk(page, 'prompt=none', start.href);
    }
  } finally {
    await ctx.close();
  }
}

main().then(() => process.exit(0), (e) => {
  fail('the browser run ended early', e && e.stack ? e.stack : e);
  process.exit(0);
});
