// Care and the warning as their users meet them, in headless Chromium against the real binary on
// demo data (issue 13 §1–§2): 东北村's community worker at desk width (1280 px) sees the warnings
// by colour, opens a care record (only that kind's questions), records a serious illness on the
// household, which turns it red and opens a case, then assesses the case, refers it to the district's 住建局 and
// records help; the department's staff member, on a phone (375 px), finds the referral and
// answers it; the steward, on a phone, sees the people to visit with the overdue ones first; the
// city administrator publishes a new version of the rules. Screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, navTo, openMenu, startServer } from "./lib.mjs";

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

/** A new page of `browser` signed out (the context keeps the last test's cookies). */
async function signedOut(browser) {
  await browser.context.clearCookies();
  return browser.context.newPage();
}

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

let caseUrl;

test("the worker sees the warnings, a record asks only its kind's questions, a serious illness opens a case", async () => {
  const page = await signedOut(desk);
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/care");
  const counts = await page.textContent('[data-testid="colour-counts"]');
  assert.match(counts, /红色预警/);
  await shot(page, "care-desk-1280.png");

  // The records; the first one's page holds only its kind's fields.
  await Promise.all([page.waitForURL(/\/care\/records$/), page.click('a[href="/care/records"]')]);
  const first = page.locator('[data-testid="records"] tbody tr').first();
  const kind = (await first.locator("td").nth(1).textContent()).trim();
  await Promise.all([page.waitForURL(/\/care\/records\/\d+$/), first.locator("a").first().click()]);
  const fields = async (name) => page.locator(`[name="${name}"]`).count();
  if (kind === "残疾人") {
    assert.equal(await fields("disability_type"), 1);
    assert.equal(await fields("age_band"), 0, "no elderly questions on a disabled record");
  } else if (kind === "老年人") {
    assert.equal(await fields("age_band"), 1);
    assert.equal(await fields("disability_type"), 0, "no disability questions on an elderly record");
  }
  assert.equal(await fields("guardianship") + (kind === "困境儿童" ? 0 : 1), 1);
  await page.fill('[data-testid="plan"]', "每周上门探视，联系家庭医生");
  await Promise.all([page.waitForURL(/\/care\/records\/\d+$/), page.click('[data-testid="update-record"]')]);
  assert.equal(await page.inputValue('[data-testid="plan"]'), "每周上门探视，联系家庭医生");

  // The household: a serious illness today turns it red and opens a case.
  await Promise.all([page.waitForURL(/\/care\/households\/\d+$/), page.click('[data-testid="go-household"]')]);
  await page.selectOption('[data-testid="hardship-kind"]', "serious_illness");
  await Promise.all([page.waitForURL(/\/care\/households\/\d+$/), page.click('[data-testid="add-hardship"]')]);
  assert.equal(await page.getAttribute('[data-testid="colour"]', "data-colour"), "red");
  assert.match(await page.textContent('[data-testid="history"]'), /近期家庭成员患重大疾病/);
  await shot(page, "care-household-1280.png");

  // The case: assessed, referred to 住建局 (picked from the registry), help recorded.
  await Promise.all([page.waitForURL(/\/care\/cases\/\d+$/), page.click('[data-testid="go-case"]')]);
  caseUrl = new URL(page.url()).pathname;
  await page.fill('[data-testid="assessment"]', "入户评估：户主住院，医疗支出大，家中无其他收入");
  await Promise.all([page.waitForURL(/\/care\/cases\/\d+$/), page.click('[data-testid="assess"]')]);
  // 环翠区住房和城乡建设局, whose staff member is the demo's department account.
  await page.selectOption('[data-testid="department"]', "371002-zhujian");
  await page.fill('[data-testid="request"]', "房屋漏雨，请协助危房鉴定和修缮");
  await Promise.all([page.waitForURL(/\/care\/cases\/\d+$/), page.click('[data-testid="refer"]')]);
  await page.fill('[data-testid="help"]', "发放临时救助金2000元");
  await Promise.all([page.waitForURL(/\/care\/cases\/\d+$/), page.click('[data-testid="add-help"]')]);
  const steps = await page.textContent('[data-testid="steps"]');
  assert.match(steps, /入户评估/);
  assert.match(steps, /临时救助金/);
  assert.match(await page.textContent('[data-testid="referrals"]'), /危房鉴定/);
  // Closing is refused while the household is still red.
  await page.fill('[data-testid="closing"]', "已解决");
  await page.click('[data-testid="close-case"]');
  await page.waitForSelector('[data-testid="message"]');
  assert.match(await page.textContent('[data-testid="message"]'), /风险解除后才能销号/);
  await shot(page, "care-case-1280.png");
  await page.close();
});

test("the department answers the referral on a phone", async () => {
  assert.ok(caseUrl, "the case of the first test");
  const page = await signedOut(phone);
  await login(page, server.base, "zhujian");
  await openMenu(page);
  await Promise.all([page.waitForURL(/\/care\/referrals$/), page.click('nav.nav a[href="/care"]')]);
  const item = page.locator("li", { hasText: "危房鉴定" }).first();
  await Promise.all([page.waitForURL(/\/care\/cases\/\d+$/), item.locator("a").first().click()]);
  assert.equal(new URL(page.url()).pathname, caseUrl);
  await noSidewaysScroll(page, "a referred case on a phone");
  assert.equal(await page.locator('[data-testid="steps"]').count(), 0, "a department sees no assessment");
  await page.fill('[data-testid="answer-text"]', "已安排鉴定人员三日内上门");
  await Promise.all([page.waitForURL(/\/care\/cases\/\d+$/), page.click('[data-testid="answer"]')]);
  assert.match(await page.textContent('[data-testid="referrals"]'), /三日内上门/);
  await shot(page, "care-referral-375.png");
  await page.close();
});

test("the steward sees the people to visit, overdue first, on a phone", async () => {
  const page = await signedOut(phone);
  await login(page, server.base, "dongbeicun.steward");
  await openMenu(page);
  await Promise.all([page.waitForURL(/\/care\/visits$/), page.click('nav.nav a[href="/care"]')]);
  await noSidewaysScroll(page, "my visits on a phone");
  const items = page.locator('[data-testid="visits"] > li');
  assert.ok((await items.count()) > 0, "the steward's buildings hold people to visit");
  // Overdue ones first: once a row is not overdue, none after it is.
  const overdue = await items.evaluateAll((lis) => lis.map((li) => li.querySelector(".tag.overdue") !== null));
  const firstOnTime = overdue.indexOf(false);
  assert.ok(firstOnTime === -1 || !overdue.slice(firstOnTime).includes(true), `overdue first: ${overdue}`);
  // A steward gets no link into the sensitive record.
  assert.equal(await page.locator('[data-testid="visits"] a[href^="/care/records/"]').count(), 0);
  await shot(page, "care-visits-375.png");
  await page.close();
});

test("the city administrator publishes a new version of the rules", async () => {
  const page = await signedOut(desk);
  await login(page, server.base, "admin");
  await page.goto(`${server.base}/care/rules`);
  assert.match(await page.textContent("h1"), /平台默认规则/);
  await page.fill('[data-testid="dibao-line"]', "1100");
  await page.fill('[data-testid="rules-note"]', "2027年低保标准调整");
  await Promise.all([page.waitForURL(/\/care\/rules$/), page.click('[data-testid="save-rules"]')]);
  assert.match(await page.textContent('[data-testid="message"]'), /已重新计算\d+户/);
  assert.match(await page.textContent("h1"), /第1版/);
  await shot(page, "care-rules-1280.png");
  await page.close();
});

test("a volunteer logs hours on a phone, the team's leader confirms them, never the volunteer", async () => {
  const page = await signedOut(phone);
  await login(page, server.base, "dongbeicun.resident");
  await navTo(page, "/volunteering");
  await noSidewaysScroll(page, "volunteer hours on a phone");
  const before = Number(await page.textContent('[data-testid="my-total"]'));
  await page.selectOption('[data-testid="minutes"]', "150");
  await page.fill('[data-testid="activity"]', "为独居老人送午餐");
  await Promise.all([page.waitForURL(/\/volunteering$/), page.click('[data-testid="log-hours"]')]);
  const mine = page.locator('[data-testid="mine"] > li', { hasText: "为独居老人送午餐" });
  assert.match(await mine.textContent(), /待确认/);
  // Nothing of their own waits for them to confirm.
  assert.equal(await page.locator('[data-testid="pending"] li', { hasText: "为独居老人送午餐" }).count(), 0);
  await shot(page, "volunteering-logged-375.png");
  await page.context().clearCookies();

  await login(page, server.base, "dongbeicun.steward");
  await navTo(page, "/volunteering");
  const entry = page.locator('[data-testid="pending"] > li', { hasText: "为独居老人送午餐" });
  assert.equal(await entry.count(), 1, "the leader sees the entry waiting");
  await Promise.all([page.waitForURL(/\/volunteering$/), entry.locator("button", { hasText: "确认" }).first().click()]);
  assert.equal(await page.locator('[data-testid="pending"] > li', { hasText: "为独居老人送午餐" }).count(), 0);
  await shot(page, "volunteering-leader-375.png");
  await page.context().clearCookies();

  await login(page, server.base, "dongbeicun.resident");
  await navTo(page, "/volunteering");
  assert.equal(Number(await page.textContent('[data-testid="my-total"]')), before + 2.5);
  await page.close();
});
