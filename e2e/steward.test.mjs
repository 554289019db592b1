// A steward's first hour at phone width (375 px), in headless Chromium against the real binary on
// demo data: the home page is their workbench (their post, the households due a visit, their
// findings) → they log a visit with a finding also reported as an event → the workbench shows the
// finding with the event it became and its state → the event page. Screenshots at 375 and
// 1280 px go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, startServer } from "./lib.mjs";

let server;
let browser;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  browser = await launch({ width: 375, height: 812 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on ${what} (${overflow}px too wide)`);
}

test("a steward logs a visit with a finding that becomes an event, from the workbench", async () => {
  const steward = server.accounts.find((a) => a.username === "dongbeicun.steward");
  assert.ok(steward, "the demo has a steward");
  const page = await browser.context.newPage();
  await login(page, server.base, steward.username);

  // 1. Home is the workbench: the post and the households due a visit.
  const post = page.locator('[data-testid="my-post"]');
  await post.waitFor();
  assert.match(await post.textContent(), /我的责任区/);
  assert.match(await post.textContent(), /小巷管家/);
  await noSidewaysScroll(page, "the steward's workbench");
  await page.screenshot({ path: path.join(ARTIFACTS, "steward-workbench-375.png"), fullPage: true });

  // 2. Log a visit with a finding, also reported as an event.
  await Promise.all([page.waitForURL(/\/rounds#log-visit$/), post.locator('a[href="/rounds#log-visit"]').click()]);
  const form = page.locator('#log-visit form');
  await form.waitFor();
  const household = await form.locator('select[name="household_id"] option[value]:not([value=""])').first();
  const householdValue = await household.getAttribute("value");
  const address = (await household.textContent()).trim();
  await form.locator('select[name="household_id"]').selectOption(householdValue);
  await form.locator('textarea[name="note"]').fill("老人身体尚好，反映楼道灯坏了");
  await form.locator('select[name="f0_kind"]').selectOption("hazard");
  const text = `楼道声控灯不亮 ${Date.now() % 100000}`;
  await form.locator('input[name="f0_text"]').fill(text);
  await form.locator('input[name="f0_report"]').check();
  await form.locator('select[name="f0_category"]').selectOption("other");
  await noSidewaysScroll(page, "the visit form");
  await page.screenshot({ path: path.join(ARTIFACTS, "steward-visit-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/rounds\?saved=1/), form.locator('button[type="submit"]').click()]);
  assert.match(await page.textContent("main"), /已保存走访记录/);

  // 3. Back home: the finding, the event it became, and its state.
  await page.goto(`${server.base}/`);
  const findings = page.locator('[data-testid="my-findings"]');
  await findings.waitFor();
  const line = findings.locator("li", { hasText: text });
  assert.equal(await line.count(), 1, "the finding is on the workbench");
  assert.match(await line.textContent(), new RegExp(address.split(" ")[0].slice(0, 6)));
  assert.match(await line.textContent(), /已上报/);
  const link = line.locator('a[href^="/events/"]');
  const href = await link.getAttribute("href");
  await page.screenshot({ path: path.join(ARTIFACTS, "steward-finding-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(new RegExp(`${href}$`)), link.click()]);
  assert.equal((await page.textContent('[data-testid="status"]')).trim(), "已上报");
  assert.match(await page.textContent("main"), new RegExp(text));
  await noSidewaysScroll(page, "the event");

  // 4. The same workbench at desk width.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${server.base}/`);
  await page.locator('[data-testid="my-findings"]').waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, "steward-workbench-1280.png"), fullPage: true });
  await page.close();
});
