// The register of people who can be mobilised as its users meet it, in headless Chromium against
// the real binary on demo data (issue 13 §4): 东北村's grid worker, on a phone (375 px), goes from
// the emergency page to the register, finds who can give first aid, and opens one to call (the
// whole number, as a tel: link); the community worker at desk width (1280 px) reads the numbers
// beside the resident register's and adds a lawyer picked from the lists, and the same phone
// again is refused. Screenshots go to e2e/artifacts/.
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

test("the grid worker finds who can give first aid and opens one to call", async () => {
  const page = await signedOut(phone);
  await login(page, server.base, "dongbeicun.grid1");
  await navTo(page, "/incidents");
  await Promise.all([page.waitForURL(/\/forces$/), page.click('[data-testid="forces"]')]);
  await page.selectOption('[data-testid="filter-skill"]', "first_aid");
  await Promise.all([page.waitForURL(/skill=first_aid/), page.click('[data-testid="find"]')]);
  const people = page.locator('[data-testid="members"] li');
  assert.ok((await people.count()) > 0, "someone in the grid gives first aid");
  assert.match(await page.textContent('[data-testid="members"]'), /急救/);
  assert.match(await page.textContent('[data-testid="members"]'), /\d{3}\*{4}\d{4}/, "phones masked in the list");
  await noSidewaysScroll(page, "the register at 375 px");
  await shot(page, "forces-first-aid-375.png");
  await Promise.all([page.waitForURL(/\/forces\/\d+$/), people.first().locator("a").first().click()]);
  const tel = await page.getAttribute('[data-testid="phone-link"]', "href");
  assert.match(tel, /^tel:1\d{10}$/, "the whole number to call");
  await noSidewaysScroll(page, "a person at 375 px");
  await shot(page, "forces-person-375.png");
  await page.close();
});

test("the community worker reads the numbers and adds a lawyer from the lists", async () => {
  const page = await signedOut(desk);
  await login(page, server.base, "dongbeicun");
  await page.goto(`${server.base}/forces`);
  assert.match(await page.textContent('[data-testid="summary"]'), /东北村/);
  await shot(page, "forces-desk-1280.png");
  await Promise.all([page.waitForURL(/\/forces\/new$/), page.click('[data-testid="add"]')]);
  await page.selectOption('[data-testid="kind"]', "lawyer");
  await page.fill('[data-testid="name"]', "孙律师");
  await page.fill('[data-testid="phone"]', "13906310999");
  await page.fill('[data-testid="organisation"]', "山东海门律师事务所");
  await page.selectOption('[data-testid="availability"]', "weekends");
  await page.check('[data-testid="skill-legal"]');
  await page.check('[data-testid="skill-psychology"]');
  await Promise.all([page.waitForURL(/\/forces\/\d+$/), page.click('[data-testid="save"]')]);
  assert.match(await page.textContent("main"), /法律咨询/);
  assert.match(await page.textContent("main"), /心理疏导/);

  // The same phone again: one person, refused with who holds it, the form kept.
  await page.goto(`${server.base}/forces/new`);
  await page.selectOption('[data-testid="kind"]', "volunteer");
  await page.fill('[data-testid="name"]', "另一人");
  await page.fill('[data-testid="phone"]', "139 0631 0999");
  await page.check('[data-testid="skill-driving"]');
  await page.click('[data-testid="save"]');
  assert.match(await page.textContent('[data-testid="message"]'), /孙律师/);
  assert.ok(await page.isChecked('[data-testid="skill-driving"]'), "the form keeps what was ticked");
  await page.close();
});
