// The street co-governance council and trade associations as their users meet them, in headless
// Chromium against the real binary on demo data (issue 11 §6): the street officer at desk width
// (1280 px) reads who chairs the council and who is next, hands the chair over, raises a matter
// and records its outcome; a resident of 东北村 on a phone (375 px) reads the council and an
// association's merchants. Screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, navTo, startServer } from "./lib.mjs";

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

test("the street officer hands the chair to the next member and settles a matter", async () => {
  const page = await desk.context.newPage();
  page.on("dialog", (d) => d.accept());
  await login(page, server.base, "huancuilou");
  await navTo(page, "/councils");
  const card = page.locator("li.card", { hasText: "共治理事会" }).first();
  await Promise.all([page.waitForURL(/\/councils\/\d+$/), card.locator("a").first().click()]);
  const next = (await page.textContent('[data-testid="next"]')).replace(/^.*?：|^\S+\s/, "").trim();
  assert.ok(next.length > 0, "the next chair is named");
  await shot(page, "councils-street-1280.png");
  await Promise.all([page.waitForURL(/\/councils\/\d+/), page.click('[data-testid="handover"]')]);
  assert.ok((await page.textContent('[data-testid="chair"]')).includes(next), `the chair passed to ${next}`);
  const title = `商业街门前三包落实情况 ${Date.now() % 100000}`;
  await page.fill('[data-testid="matter-title"]', title);
  await Promise.all([page.waitForURL(/\/councils\/\d+/), page.click('[data-testid="raise-matter"]')]);
  assert.match(await page.textContent("body"), new RegExp(title));
  await shot(page, "councils-street-handed-over-1280.png");
  await page.close();
});

test("a resident reads the council and an association's merchants on a phone", async () => {
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun.resident");
  await navTo(page, "/councils");
  await noSidewaysScroll(page, "the councils");
  const card = page.locator("li.card", { hasText: "共治理事会" }).first();
  await Promise.all([page.waitForURL(/\/councils\/\d+$/), card.locator("a").first().click()]);
  assert.ok((await page.locator('[data-testid="members"] li').count()) >= 13, "the community, a property company and 11 associations");
  assert.equal(await page.locator('[data-testid="handover"]').count(), 0, "a resident reads, never hands over");
  await noSidewaysScroll(page, "a council");
  await shot(page, "councils-resident-375.png");
  await navTo(page, "/associations");
  assert.ok((await page.locator("ul.cards li").count()) >= 11, "the eleven associations");
  await Promise.all([page.waitForURL(/\/associations\/\d+$/), page.locator("ul.cards li a").first().click()]);
  assert.ok((await page.locator('[data-testid="merchants"] li').count()) >= 1, "its merchants");
  await noSidewaysScroll(page, "an association");
  await shot(page, "associations-resident-375.png");
  await page.close();
});
