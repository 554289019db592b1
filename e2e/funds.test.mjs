// Community funds as their users meet them, in headless Chromium against the real binary on demo
// data (issue 12 §2): 东北村's community worker at desk width (1280 px) records a property-fee
// subsidy from the 向阳街 shared fund with a photo of its receipt, and cannot approve it; the
// street officer approves it; a resident on a phone (375 px) opens the fund's public page, sees
// the balance, the month chart and the entry without anybody's name, downloads its proof and
// checks it in the browser. Screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, logout, navTo, startServer } from "./lib.mjs";

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

// A 2×2 PNG: the receipt's photo.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);

const purpose = `物业费补贴 ${Date.now() % 100000}`;
let fundUrl;

test("the worker records a subsidy with its receipt; the street officer approves it", async () => {
  const page = await desk.context.newPage();
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/funds");
  await shot(page, "funds-list-1280.png");
  await Promise.all([page.waitForURL(/\/funds\/\d+$/), page.locator("a", { hasText: "向阳街共享基金" }).first().click()]);
  fundUrl = new URL(page.url()).pathname;
  const before = await page.textContent('[data-testid="balance"]');
  await page.selectOption('[data-testid="entry-kind"]', "spending");
  await page.selectOption('[data-testid="entry-category"]', "fee_subsidy");
  await page.fill('[data-testid="entry-amount"]', "150");
  await page.fill('[data-testid="entry-purpose"]', purpose);
  await page.fill('[data-testid="entry-voucher-no"]', "XYJ-ZC-E2E");
  const households = page.locator('select[name="household_id"] option');
  await page.selectOption('select[name="household_id"]', await households.nth(1).getAttribute("value"));
  const receipt = path.join(ARTIFACTS, "receipt.png");
  fs.writeFileSync(receipt, PNG);
  await page.setInputFiles('input[name="voucher"]', receipt);
  await Promise.all([page.waitForURL(/\/funds\/\d+$/), page.click('[data-testid="record"]')]);
  const pending = page.locator("#pending li", { hasText: purpose });
  assert.equal(await pending.count(), 1, "waiting for approval");
  assert.equal(await pending.locator("button", { hasText: "审批入账" }).count(), 0, "the recorder cannot approve it");
  assert.equal(await page.textContent('[data-testid="balance"]'), before, "nothing posted yet");
  await shot(page, "funds-recorded-1280.png");
  await logout(page);

  await login(page, server.base, "huancuilou");
  await page.goto(`${server.base}${fundUrl}`);
  const row = page.locator("#pending li", { hasText: purpose });
  await Promise.all([page.waitForURL(/\/funds\/\d+$/), row.locator("button", { hasText: "审批入账" }).click()]);
  assert.equal(await page.locator("#pending li", { hasText: purpose }).count(), 0);
  assert.equal(await page.locator("#ledger li", { hasText: purpose }).count(), 1, "posted");
  assert.notEqual(await page.textContent('[data-testid="balance"]'), before, "the balance moved");
  await shot(page, "funds-approved-1280.png");
  await page.close();
});

test("a resident reads the fund's public page on a phone and checks an entry's proof", async () => {
  // The log's publisher signs a checkpoint every 30 s; publish now instead of waiting.
  server.run(["transparency", "publish"]);
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun.resident");
  await navTo(page, "/funds");
  const card = page.locator("li.card", { hasText: "向阳街共享基金" }).first();
  await Promise.all([page.waitForURL(/\/public\/funds\/\d+$/), card.locator("a", { hasText: "公开页面" }).click()]);
  assert.match(await page.textContent('[data-testid="balance"]'), /\d/);
  assert.equal(await page.locator('[data-testid="fund-chart"]').count(), 1);
  const entry = page.locator('[data-testid="public-entry"]', { hasText: purpose });
  assert.equal(await entry.count(), 1);
  assert.match(await entry.textContent(), /· H[0-9A-F]{6}/, "the household by building and public code");
  await noSidewaysScroll(page, "the fund's public page");
  await shot(page, "funds-public-375.png");

  const [download] = await Promise.all([page.waitForEvent("download"), entry.locator('[data-testid="fund-proof"]').click()]);
  const file = path.join(ARTIFACTS, "fund-proof.json");
  await download.saveAs(file);
  const proof = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.match(proof.entry, /"type":"fund_entry"/);
  assert.ok(!proof.entry.includes("dongbeicun"), "no account names in the log");
  await page.goto(`${server.base}/transparency/verify`);
  await page.setInputFiles('[data-testid="proof-file"]', file);
  await page.click('[data-testid="verify"]');
  const result = page.locator('[data-testid="verify-result"]');
  await result.filter({ hasText: /✓|✗/ }).waitFor();
  assert.match(await result.textContent(), /✓ 证明有效/, await result.textContent());
  await shot(page, "funds-proof-verified-375.png");
  await page.close();
});

test("the worker lets a shared space's hours on a phone; its rent posts to the fund", async () => {
  await phone.context.clearCookies();
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/funds");
  await Promise.all([page.waitForURL(/\/parking$/), page.click('[data-testid="parking-link"]')]);
  assert.ok((await page.locator('[data-testid^="space-"]', { hasText: "XY-20" }).count()) === 1, "the demo's 20 spaces");
  const number = `XY-E2E-${Date.now() % 10000}`;
  const form = page.locator("#new-space form");
  await form.locator('input[name="number"]').fill(number);
  for (const d of ["1", "2", "3", "4", "5"]) await form.locator(`input[name="days"][value="${d}"]`).check();
  await form.locator('input[name="start"]').fill("08:00");
  await form.locator('input[name="end"]').fill("18:00");
  await Promise.all([page.waitForURL(/\/parking$/), form.locator('button[type="submit"]').click()]);
  const space = page.locator('[data-testid^="space-"]', { hasText: number });
  assert.match(await space.textContent(), /周一至周五 08:00–18:00/);

  const sign = async (start, end) => {
    const f = page.locator("#new-contract form");
    await f.locator('select[name="space_id"]').selectOption({ label: await page.locator('#new-contract select[name="space_id"] option', { hasText: number }).textContent() });
    const fund = await f.locator('select[name="fund_id"] option', { hasText: "向阳街共享基金" }).getAttribute("value");
    await f.locator('select[name="fund_id"]').selectOption(fund);
    await f.locator('input[name="tenant"]').fill("王师傅");
    await f.locator('input[name="start"]').fill(start);
    await f.locator('input[name="end"]').fill(end);
    await f.locator('input[name="ends_on"]').fill("2027-12-31");
    await f.locator('select[name="period"]').selectOption("month");
    await f.locator('input[name="rent"]').fill("60");
    await Promise.all([page.waitForLoadState(), f.locator('button[type="submit"]').click()]);
  };
  await sign("08:00", "12:00");
  assert.equal(await page.locator('[data-testid="message"]').count(), 0);
  await sign("11:00", "13:00");
  assert.match(await page.textContent('[data-testid="message"]'), /时段重叠/, "an overlapping contract is refused");
  await page.goto(`${server.base}/parking`);
  const contract = page.locator('[data-testid^="space-"]', { hasText: number }).locator('[data-testid^="contract-"]');
  assert.equal(await contract.count(), 1);
  assert.match(await contract.textContent(), /王\*\*/, "the tenant masked");
  await noSidewaysScroll(page, "shared parking");
  await Promise.all([page.waitForURL(/\/parking$/), contract.locator('button[data-testid^="pay-"]').click()]);
  assert.match(await page.locator('[data-testid^="space-"]', { hasText: number }).textContent(), /已缴/);
  await shot(page, "parking-375.png");
  await page.goto(`${server.base}${fundUrl}`);
  assert.equal(await page.locator("#ledger li", { hasText: number }).count(), 1, "the rent is in the fund's ledger");
  await page.close();
});
