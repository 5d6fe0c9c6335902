/**
 * The dashboard in real Chromium (playwright-core, Debian's /usr/bin/chromium) against the real
 * server over a demo workspace, with AWS pointed at the wire-level fake: sign in, see the demo
 * incident and its timeline, acknowledge it, mint a canary and render its bait, and open a page
 * whose CloudTrail fields carry markup — shown as text, no dialog, no CSP violation. A screenshot
 * of each step is kept under test-artifacts/dashboard/ at the repository root.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ADMIN_USER, startFakeAws } from './fake-aws/index.js';
import type { FakeAws } from './fake-aws/index.js';
import type { Browser } from './helpers/browser.js';
import { launchChromium } from './helpers/browser.js';
import type { Dashboard } from './helpers/server.js';
import {
  HOSTILE_NAME,
  HOSTILE_UA,
  PASSWORD,
  USER,
  hostileRecords,
  ingestRecords,
  startDashboard,
  useFakeAws,
  withFileSink,
} from './helpers/server.js';
import { removeTempDirs } from './helpers/temp.js';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/dashboard/', import.meta.url));

let d: Dashboard;
let fake: FakeAws;
let restoreEnv: () => void;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  fake = await startFakeAws({ accountId: '210987654321' });
  restoreEnv = useFakeAws(fake);
  d = await startDashboard({ yaml: withFileSink });
  page = await browser.context.newPage();
  page.on('dialog', (dlg) => {
    dialogs.push(`${dlg.type()}: ${dlg.message()}`);
    void dlg.dismiss();
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text()))
      problems.push(`console ${m.type()}: ${m.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await d?.close();
  await fake?.close();
  restoreEnv?.();
  removeTempDirs();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** Submit the form holding `button` and wait for the page it leads to. */
async function submit(button: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}

describe('the dashboard in Chromium', () => {
  it('signs in and shows the demo incident and the activity chart on the overview', async () => {
    await page.goto(`${d.base}/login`);
    await page.fill('input[name=user]', USER);
    await page.fill('input[name=password]', PASSWORD);
    await submit('button[type=submit]');
    expect(page.url()).toBe(`${d.base}/`);
    await expect
      .poll(() => page.locator('table.open-incidents').textContent())
      .toContain('build-7 credentials');
    const canvas = page.locator('canvas#activity');
    // Chart.js registers every chart it drew: getChart() finds one only when the chart rendered.
    const drawn = (c: unknown) =>
      (globalThis as { Chart?: { getChart(el: unknown): unknown } }).Chart?.getChart(c) !==
      undefined;
    // Wait for the chart, but keep the screenshot even when it never comes.
    await page.waitForLoadState('load');
    let drew = false;
    for (let i = 0; i < 30 && !drew; i++) {
      drew = await canvas.evaluate(drawn);
      if (!drew) await page.waitForTimeout(100);
    }
    await shot('01-overview');
    expect(drew, 'Chart.js drew the activity chart (is /static/chart.js served?)').toBe(true);
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(0);
    expect(box?.height).toBeGreaterThan(0);
  });

  it('opens the incident and its timeline, and acknowledges it', async () => {
    await submit('table.open-incidents a:has-text("build-7 credentials")');
    expect(page.url()).toMatch(/\/incidents\/inc-[0-9a-f]{16}$/);
    const own = page.locator('table.timeline tr.own');
    expect(await own.count()).toBeGreaterThan(1);
    expect(await page.locator('table.timeline').textContent()).toContain('sts:GetSessionToken');
    await shot('02-incident');
    await page.fill('#form-ack input[name=note]', 'on it');
    await submit('#form-ack button');
    expect(page.url()).toMatch(/\/incidents\/inc-[0-9a-f]{16}$/);
    expect(await page.locator('h1 + p .badge').nth(1).textContent()).toBe('acknowledged');
    expect(await page.locator('table.history').textContent()).toContain('on it');
    await shot('03-acknowledged');
  });

  it('mints a canary against the fake AWS and renders its bait as text', async () => {
    await page.goto(`${d.base}/tokens`);
    await page.fill('#mint-form input[name=host]', 'web-9');
    await page.fill('#mint-form input[name=path]', '/srv/app/.env');
    await page.fill('#mint-form input[name=owner]', 'app-team');
    await page.fill('#mint-form input[name=label]', 'web-9 env');
    await submit('#mint-form button');
    expect(page.url()).toMatch(/\/tokens\/tok_[a-z2-7]{12}$/);
    expect(await page.locator('h1').textContent()).toBe('web-9 env');
    await shot('04-minted');
    const users = fake.control.users().filter((u) => u.userName !== FAKE_ADMIN_USER);
    expect(users).toHaveLength(1);
    await page.selectOption('#render-form select[name=format]', 'dotenv');
    await submit('#render-form button');
    const bait = await page.locator('pre#bait').textContent();
    expect(bait).toContain(`AWS_SECRET_ACCESS_KEY=${users[0]!.keys[0]!.secretAccessKey}`);
    await shot('05-bait');
  });

  it('shows markup from CloudTrail as text: no dialog, no CSP violation', async () => {
    await ingestRecords(d, hostileRecords());
    await page.goto(`${d.base}/incidents?state=open`);
    await submit('table.incidents a:has-text("ledger .env")');
    const agents = await page.locator('table.timeline td.ua').allTextContents();
    expect(agents).toContain(HOSTILE_UA);
    expect(await page.locator('table.timeline td.arn').allTextContents()).toContain(
      `arn:aws:iam::111122223333:user/${HOSTILE_NAME}`,
    );
    expect(await page.locator('main img, main svg, main script').count()).toBe(0);
    await page.waitForTimeout(300);
    await shot('06-hostile-user-agent');
    expect(dialogs).toEqual([]);
  });

  it('signs out with the CSRF-protected form', async () => {
    await submit('nav form.logout button');
    expect(page.url()).toBe(`${d.base}/login`);
    // The browser's own cookies, without a page (a 401 page would log a console error).
    expect((await page.request.get(`${d.base}/`)).status()).toBe(401);
  });

  it('logged no script error and no CSP violation on any page it visited', () => {
    expect(problems).toEqual([]);
  });
});
