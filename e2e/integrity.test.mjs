// The integrity index as its users meet it, in headless Chromium against the real binary on demo
// data (issue 12 §1): the shopkeeper of 向阳街福顺面馆 (a resident account linked to the shop) on a
// phone adopts the community's open project for the shop and reports a delivery; 东北村's
// community worker at desk width confirms it, and the shop's score and stars change; the
// shopkeeper is told; a resident on a phone finds the shop on the community's honour board,
// downloads the new record's proof and checks it in the browser. Screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, logout, navTo, openMenu, startServer } from "./lib.mjs";

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

/** The nav's 诚信 entry: a resident lands on their own page. */
async function mine(page) {
  await openMenu(page);
  await Promise.all([page.waitForURL(/\/integrity\/mine$/), page.click('nav.nav a[href="/integrity"]')]);
}

const SHOP = "向阳街福顺面馆";
const PROJECT = "重阳敬老宴";
const note = `送热饭菜到独居老人家 ${Date.now() % 100000}`;
let shopCard;
let before_score;
let before_stars;
let projectUrl;

test("the shopkeeper adopts the open project for the shop and reports a delivery, on a phone", async () => {
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun.merchant");
  await mine(page);
  const card = page.locator("section.card", { hasText: SHOP }).first();
  shopCard = await card.getAttribute("data-testid");
  const id = shopCard.replace("mine-", "");
  before_score = Number(await page.textContent(`[data-testid="score-${id}"]`));
  before_stars = (await page.textContent(`[data-testid="stars-${id}"]`)).split("★").length - 1;
  assert.ok(before_score > 0);
  await noSidewaysScroll(page, "my integrity");
  await shot(page, "integrity-mine-375.png");

  await Promise.all([page.waitForURL(/\/integrity\/projects\/\d+$/), page.locator("a", { hasText: PROJECT }).first().click()]);
  projectUrl = new URL(page.url()).pathname;
  assert.equal(await page.locator('[data-testid="adopt-as"] option', { hasText: SHOP }).count(), 1, "the shop is offered, picked from a list");
  await Promise.all([page.waitForURL(/\/integrity\/projects\/\d+$/), page.click('[data-testid="adopt"]')]);
  const adoption = page.locator('[data-testid^="adoption-"]', { hasText: SHOP });
  assert.equal(await adoption.count(), 1, "adopted");
  assert.equal(await page.locator('[data-testid="adopt"]').count(), 0, "once");
  await adoption.locator('input[name="note"]').fill(note);
  await Promise.all([page.waitForURL(/\/integrity\/projects\/\d+$/), adoption.locator('button[data-testid^="deliver-"]').click()]);
  const delivery = page.locator('[data-testid^="delivery-"]', { hasText: note });
  assert.equal(await delivery.count(), 1);
  assert.match(await delivery.textContent(), /待确认/);
  assert.equal(await delivery.locator("button").count(), 0, "the shop cannot confirm its own delivery");
  await noSidewaysScroll(page, "the project");
  await shot(page, "integrity-project-adopted-375.png");
  await logout(page);
  await page.close();
});

test("the community worker confirms it at the desk: the score and the stars change", async () => {
  const page = await desk.context.newPage();
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/integrity");
  await shot(page, "integrity-list-1280.png");
  await page.goto(`${server.base}${projectUrl}`);
  const delivery = page.locator('[data-testid^="delivery-"]', { hasText: note });
  await Promise.all([page.waitForURL(/\/integrity\/projects\/\d+$/), delivery.locator("button", { hasText: "确认并记分" }).click()]);
  assert.match(await page.locator('[data-testid^="delivery-"]', { hasText: note }).textContent(), /已确认/);
  const id = shopCard.replace("mine-", "");
  await page.goto(`${server.base}/integrity/subjects/${id}`);
  const score = Number(await page.textContent('[data-testid="score"]'));
  const stars = Number(await page.getAttribute('[data-testid="stars"]', "data-stars"));
  assert.equal(score, before_score + 5, "the project's plus item (+5) counts");
  assert.equal(stars, before_stars + 1, `one more star (${before_stars} → ${stars})`);
  assert.equal(await page.locator("#records li", { hasText: "认领项目" }).first().locator('a[download]').count(), 1, "the new record is in the log");
  await shot(page, "integrity-subject-1280.png");
  await page.close();
});

test("the shopkeeper is told, and a resident checks the record from the honour board", async () => {
  server.run(["transparency", "publish"]);
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun.merchant");
  await page.goto(`${server.base}/notifications`);
  assert.ok((await page.locator("li", { hasText: "诚信记录" }).count()) >= 1, "told of the new record");
  await logout(page);

  await login(page, server.base, "dongbeicun.resident");
  await mine(page);
  await Promise.all([page.waitForURL(/\/public\/integrity\/\d+$/), page.click('[data-testid="honour-link"]')]);
  const row = page.locator('li[data-testid^="honour-"]', { hasText: SHOP });
  assert.equal(await row.count(), 1, "on the honour board");
  assert.match(await row.textContent(), /★★★★/);
  await noSidewaysScroll(page, "the honour board");
  await shot(page, "integrity-honour-375.png");
  await Promise.all([page.waitForURL(/\/public\/integrity\/subjects\/\d+$/), row.locator("a").first().click()]);
  const record = page.locator('[data-testid^="public-record-"]', { hasText: "为独居或失能老人" }).first();
  await noSidewaysScroll(page, "the shop's public page");
  await shot(page, "integrity-public-375.png");
  const [download] = await Promise.all([page.waitForEvent("download"), record.locator('a[download]').first().click()]);
  const file = path.join(ARTIFACTS, "integrity-proof.json");
  await download.saveAs(file);
  const proof = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.match(proof.entry, /"type":"integrity_record"/);
  assert.ok(proof.entry.includes(SHOP), "a business is named in the log");
  assert.ok(!proof.entry.includes("dongbeicun"), "no account names in the log");
  await page.goto(`${server.base}/transparency/verify`);
  await page.setInputFiles('[data-testid="proof-file"]', file);
  await page.click('[data-testid="verify"]');
  const result = page.locator('[data-testid="verify-result"]');
  await result.filter({ hasText: /✓|✗/ }).waitFor();
  assert.match(await result.textContent(), /✓ 证明有效/, await result.textContent());
  await shot(page, "integrity-proof-verified-375.png");
  await page.close();
});
