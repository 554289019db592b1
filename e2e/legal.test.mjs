// Legal aid as its users meet it, in headless Chromium against the real binary on demo data
// (issue 13 §3): 东北村's community worker, on a phone (375 px), finds a resident, records their
// unpaid wages with the community's lawyer picked from the register, mediates and closes the
// case with its outcome; at desk width (1280 px) the numbers count it. Screenshots go to
// e2e/artifacts/.
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

test("the worker records a resident's unpaid wages with the community's lawyer and closes it", async () => {
  const page = await signedOut(phone);
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/residents");
  await Promise.all([
    page.waitForURL(/\/residents\/\d+$/),
    page.locator("table.list tbody tr td:first-child a").first().click(),
  ]);
  await Promise.all([page.waitForURL(/\/legal\/new\?resident=\d+$/), page.click('[data-testid="go-legal"]')]);
  await page.selectOption('[data-testid="matter"]', "wages");
  await page.selectOption('[data-testid="channel"]', "walk_in");
  const lawyers = await page.$$eval('[data-testid="lawyer"] option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(lawyers.length > 0, "the community's lawyer is on the list");
  await page.selectOption('[data-testid="lawyer"]', lawyers[0]);
  await page.fill('[data-testid="summary"]', "装修队拖欠工资六千元（e2e）");
  await noSidewaysScroll(page, "the legal-aid form at 375 px");
  await Promise.all([page.waitForURL(/\/legal\/\d+$/), page.click('[data-testid="open-case"]')]);
  assert.equal(await page.getAttribute('[data-testid="state"]', "data-state"), "open");
  assert.match(await page.textContent("main"), /装修队拖欠工资六千元/);

  // Closing without an outcome is refused with the reason; mediated, then closed.
  await page.selectOption('[data-testid="move-to"]', "closed");
  await page.fill('[data-testid="note"]', "已解答");
  await page.click('[data-testid="save-step"]');
  assert.match(await page.textContent('[data-testid="message"]'), /办结时请选择办理结果/);
  await page.selectOption('[data-testid="move-to"]', "mediating");
  await page.fill('[data-testid="note"]', "约装修队负责人到社区调解");
  await Promise.all([page.waitForURL(/\/legal\/\d+$/), page.click('[data-testid="save-step"]')]);
  assert.equal(await page.getAttribute('[data-testid="state"]', "data-state"), "mediating");
  await page.selectOption('[data-testid="move-to"]', "closed");
  await page.selectOption('[data-testid="outcome"]', "mediated");
  await page.fill('[data-testid="note"]', "对方同意月底前付清");
  await Promise.all([page.waitForURL(/\/legal\/\d+$/), page.click('[data-testid="save-step"]')]);
  assert.equal(await page.getAttribute('[data-testid="state"]', "data-state"), "closed");
  assert.match(await page.textContent('[data-testid="steps"]'), /对方同意月底前付清/);
  await noSidewaysScroll(page, "a case at 375 px");
  await shot(page, "legal-case-375.png");
  await page.close();
});

test("the numbers per place count this year's cases at desk width", async () => {
  const page = await signedOut(desk);
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/care");
  await Promise.all([page.waitForURL(/\/legal$/), page.click('[data-testid="go-legal"]')]);
  const opened = await page.textContent('[data-testid="numbers"] tbody tr:first-child td:nth-child(2)');
  assert.ok(Number(opened) > 0, "this year's cases are counted");
  await shot(page, "legal-desk-1280.png");
  await page.close();
});
