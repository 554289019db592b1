// Community activities as their users meet them, in headless Chromium against the real binary on
// demo data (issue 13 §3): 东北村's community worker at desk width (1280 px) reads this year's
// numbers and announces a course with one place; the resident, on a phone (375 px), finds it,
// signs up with one tap and sees the place taken; the worker sees their name, calls the course
// off, and the resident is told. Screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, navTo, noSidewaysScroll, signedOut, startServer } from "./lib.mjs";

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

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

/** Tomorrow in China Standard Time, as `YYYY-MM-DD`. */
function tomorrow() {
  const d = new Date(Date.now() + 8 * 3600 * 1000 + 24 * 3600 * 1000);
  return d.toISOString().slice(0, 10);
}

const TITLE = "老年人智能手机课（e2e）";
let activityUrl;

test("the worker reads the numbers and announces a course with one place", async () => {
  const page = await signedOut(desk);
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/activities");
  assert.match(await page.textContent('[data-testid="numbers"]'), /东北村/);
  await shot(page, "activities-desk-1280.png");
  await Promise.all([page.waitForURL(/\/activities\/new$/), page.click('[data-testid="new-activity"]')]);
  const place = await page.$eval('[data-testid="place"]', (s) =>
    [...s.options].find((o) => o.textContent.includes("东北村")).value,
  );
  await page.selectOption('[data-testid="place"]', place);
  await page.selectOption('[data-testid="category"]', "course");
  await page.fill('[data-testid="title"]', TITLE);
  await page.fill('[data-testid="venue"]', "党群服务中心二楼");
  await page.fill('[data-testid="starts-at"]', `${tomorrow()}T09:30`);
  await page.fill('[data-testid="ends-at"]', `${tomorrow()}T08:30`);
  await page.fill('[data-testid="capacity"]', "1");
  // An end before the start is refused with the reason, the form kept.
  await page.click('[data-testid="publish"]');
  assert.match(await page.textContent('[data-testid="message"]'), /结束时间应晚于开始时间/);
  assert.equal(await page.inputValue('[data-testid="title"]'), TITLE);
  await page.fill('[data-testid="ends-at"]', `${tomorrow()}T11:00`);
  await Promise.all([page.waitForURL(/\/activities\/\d+$/), page.click('[data-testid="publish"]')]);
  activityUrl = new URL(page.url()).pathname;
  assert.equal((await page.textContent('[data-testid="places"]')).trim(), "0/1");
  await page.close();
});

test("the resident finds it on a phone and signs up with one tap", async () => {
  const page = await signedOut(phone);
  await login(page, server.base, "dongbeicun.resident");
  await navTo(page, "/activities");
  await noSidewaysScroll(page, "the activities at 375 px");
  await page.click(`a[href="${activityUrl}"]`);
  await page.waitForURL((u) => u.pathname === activityUrl);
  await Promise.all([page.waitForURL((u) => u.pathname === activityUrl), page.click('[data-testid="sign-up"]')]);
  assert.ok(await page.isVisible('[data-testid="mine"]'), "marked as signed up");
  assert.equal((await page.textContent('[data-testid="places"]')).trim(), "1/1");
  assert.ok(await page.isVisible('[data-testid="withdraw"]'));
  await noSidewaysScroll(page, "an activity at 375 px");
  await shot(page, "activity-signed-375.png");
  await page.close();
});

test("the worker sees who signed up, calls it off, and the resident is told", async () => {
  const page = await signedOut(desk);
  await login(page, server.base, "dongbeicun");
  await page.goto(server.base + activityUrl);
  assert.match(await page.textContent('[data-testid="signups"]'), /\S/);
  await shot(page, "activity-signups-1280.png");
  await page.click("details summary");
  await page.fill('input[name="reason"]', "讲师临时有事，下周补上");
  await Promise.all([page.waitForURL((u) => u.pathname === activityUrl), page.click('form[action$="/cancel"] button')]);
  assert.equal(await page.getAttribute('[data-testid="phase"]', "data-phase"), "cancelled");
  assert.match(await page.textContent("main"), /讲师临时有事/);
  await page.close();

  const res = await signedOut(phone);
  await login(res, server.base, "dongbeicun.resident");
  await res.goto(`${server.base}/notifications`);
  assert.match(await res.textContent("main"), /活动取消：老年人智能手机课/);
  await shot(res, "activity-cancelled-told-375.png");
  await res.close();
});
