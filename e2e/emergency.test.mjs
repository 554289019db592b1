// Emergencies as their users meet them, in headless Chromium against the real binary on demo data
// (issue 13 §4): 东北村's community worker at desk width (1280 px) finds last quarter's typhoon
// with its after-action report and the community's teams, then declares a typhoon over the first
// grid; the grid worker, a member of that grid's emergency team, is told, opens the link on a
// phone (375 px) and marks every household (one needing help, which becomes an event) until none
// is pending; the worker sees the board at zero pending and stands down. Screenshots go to
// e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, PASSWORD, launch, login, logout, navTo, startServer } from "./lib.mjs";

let server;
let phone;
let desk;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  phone = await launch({ width: 375, height: 812 });
  desk = await launch({ width: 1280, height: 900 });
});

after(async () => {
  await phone?.close();
  await desk?.close();
  await server?.stop();
});

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on ${what} (${overflow}px too wide)`);
}

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
const num = async (page, id) => Number(await page.textContent(`[data-testid="${id}"]`));

async function scopeOf(username) {
  const r = await fetch(`${server.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const { token } = await r.json();
  const me = await (await fetch(`${server.base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  return me.scope.node_id;
}

let incidentPath;

test("the worker finds the past typhoon's report and the teams, and declares a typhoon over a grid", async () => {
  const page = await desk.context.newPage();
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/incidents");
  const past = page.locator("li", { hasText: "第6号台风防御" });
  assert.equal(await past.count(), 1, "last quarter's typhoon is listed");
  await Promise.all([page.waitForURL(/\/incidents\/\d+$/), past.locator("a").first().click()]);
  assert.equal(await page.textContent('[data-testid="state"]'), "已结束");
  assert.equal(await num(page, "n-pending"), 0, "every household was accounted for");
  const report = page.locator('[data-testid="report"]');
  assert.match(await report.textContent(), /总结报告/);
  assert.match(await report.textContent(), /全部联系上/);
  await shot(page, "emergency-past-report-1280.png");

  await page.goto(`${server.base}/teams`);
  assert.ok((await page.locator("li", { hasText: "东北村一网格应急队" }).count()) === 1);
  await shot(page, "emergency-teams-1280.png");

  const grid = await scopeOf("dongbeicun.grid1");
  await page.goto(`${server.base}/incidents`);
  await page.selectOption('[data-testid="incident-kind"]', "typhoon");
  await page.selectOption('[data-testid="incident-place"]', String(grid));
  await page.fill('[data-testid="incident-title"]', `台风演练 ${Date.now() % 100000}`);
  await Promise.all([page.waitForURL(/\/incidents\/\d+$/), page.click('[data-testid="declare"]')]);
  incidentPath = new URL(page.url()).pathname;
  const n = await num(page, "n-households");
  assert.ok(n > 0, "the grid has vulnerable households to check");
  assert.equal(await num(page, "n-pending"), n, "all pending at first");
  await shot(page, "emergency-declared-1280.png");
  await logout(page);
  await page.close();
});

test("the grid worker is told and marks every household on a phone", async () => {
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun.grid1");
  const banner = page.locator('[data-testid="active-incidents"]');
  assert.ok(await banner.isVisible(), "the home page puts the emergency first");
  assert.equal(await banner.locator(`a[href="${incidentPath}/mine"]`).count(), 1);
  await shot(page, "emergency-home-375.png");
  await page.goto(`${server.base}/notifications`);
  const told = page.locator(`a[href="${incidentPath}/mine"]`).first();
  assert.ok((await told.count()) > 0, "the notification leads to the checks");
  await Promise.all([page.waitForURL((u) => u.pathname === `${incidentPath}/mine`), told.click()]);
  await noSidewaysScroll(page, "my checks");
  await shot(page, "emergency-mine-375.png");
  const houses = await page.locator('[data-testid^="house-"]').evaluateAll((els) =>
    els.map((e) => e.getAttribute("data-testid").slice("house-".length)),
  );
  assert.ok(houses.length > 0, "households were given to the grid worker");
  for (const [i, h] of houses.entries()) {
    const status = i === 0 ? "needs_help" : "safe";
    if (i === 0) await page.fill(`#h${h} input[name="note"]`, "屋顶漏雨，需要转移");
    await Promise.all([page.waitForURL(/\/mine/), page.click(`[data-testid="mark-${h}-${status}"]`)]);
    assert.equal(await page.textContent(`[data-testid="status-${h}"]`), i === 0 ? "需要帮助" : "平安");
  }
  assert.equal(await num(page, "n-pending"), 0, "nothing pending among what the grid worker reaches");
  await shot(page, "emergency-mine-done-375.png");
  await logout(page);
  await page.close();
});

test("the worker sees zero pending and stands down", async () => {
  const page = await desk.context.newPage();
  await login(page, server.base, "dongbeicun");
  await page.goto(`${server.base}${incidentPath}`);
  assert.equal(await num(page, "n-pending"), 0);
  assert.equal(await num(page, "n-needs_help"), 1);
  const helped = page.locator('[data-testid^="attention-"]', { hasText: "需要帮助" });
  assert.equal(await helped.locator('a[href^="/events/"]').count(), 1, "needing help became an event");
  await Promise.all([page.waitForURL((u) => u.pathname === incidentPath), page.click('[data-testid="stand-down"]')]);
  assert.equal(await page.textContent('[data-testid="state"]'), "已结束");
  assert.match(await page.locator('[data-testid="report"]').textContent(), /总结报告/);
  await shot(page, "emergency-stood-down-1280.png");
  await page.close();
});
