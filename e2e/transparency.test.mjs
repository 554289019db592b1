// The public transparency log as a resident and a visitor meet it, in headless Chromium against
// the real binary on demo data (issue 12 §3): a resident of 东北村 on a phone (375 px) opens the
// 向阳街 vote's result, downloads its proof file, and checks it on the verification page (WebCrypto,
// in the browser); a changed copy of the file is refused. A visitor at desk width (1280 px), not
// signed in, reads the log's page: the checkpoint, the key, the entries. Screenshots go to
// e2e/artifacts/.
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

test("a resident downloads the 向阳街 vote's proof and checks it in the browser", async () => {
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun.resident");
  await navTo(page, "/votes");
  const card = page.locator("li.card", { hasText: "地锁" }).first();
  await Promise.all([page.waitForURL(/\/votes\/\d+$/), card.locator("a").first().click()]);
  const line = page.locator('[data-testid="in-log"]');
  assert.match(await line.textContent(), /已记入公开透明日志 #\d+/);
  await noSidewaysScroll(page, "the vote's result");
  await shot(page, "transparency-vote-375.png");

  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="proof-download"]')]);
  const file = path.join(ARTIFACTS, "proof.json");
  await download.saveAs(file);
  const proof = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.equal(proof.format, "jingzhi-inclusion-proof/v1");
  assert.match(proof.entry, /"type":"vote_result"/);

  await page.goto(`${server.base}/transparency/verify`);
  await page.setInputFiles('[data-testid="proof-file"]', file);
  await page.click('[data-testid="verify"]');
  const result = page.locator('[data-testid="verify-result"]');
  await result.filter({ hasText: /✓|✗/ }).waitFor();
  assert.match(await result.textContent(), /✓ 证明有效/, await result.textContent());
  assert.match(await page.textContent("#proof-entry"), /"vote_result"/);
  await noSidewaysScroll(page, "the verification page");
  await shot(page, "transparency-verify-ok-375.png");

  // The same file with one count changed: refused.
  const changed = { ...proof, entry: proof.entry.replace(/"cast":(\d+)/, (_, n) => `"cast":${Number(n) + 1}`) };
  assert.notEqual(changed.entry, proof.entry);
  const bad = path.join(ARTIFACTS, "proof-changed.json");
  fs.writeFileSync(bad, JSON.stringify(changed));
  await page.setInputFiles('[data-testid="proof-file"]', bad);
  await page.click('[data-testid="verify"]');
  await result.filter({ hasText: /✗/ }).waitFor();
  assert.match(await result.textContent(), /✗ 证明无效/);
  await shot(page, "transparency-verify-changed-375.png");
  await page.click('a[href="/transparency"]');
  await page.waitForURL(/\/transparency$/);
  await noSidewaysScroll(page, "the log's page");
  await shot(page, "transparency-log-375.png");
  await page.close();
});

test("a visitor reads the log's page without signing in", async () => {
  const page = await desk.context.newPage();
  await page.goto(`${server.base}/transparency`);
  assert.ok(Number(await page.textContent('[data-testid="tree-size"]')) >= 2, "the demo's votes and minutes");
  assert.match(await page.textContent('[data-testid="log-key"]'), /^\S+\+[0-9a-f]{8}\+\S+$/);
  assert.ok((await page.locator('[data-testid="log-entry"]').count()) >= 2);
  await shot(page, "transparency-log-1280.png");
  const checkpoint = await (await page.request.get(`${server.base}/transparency/checkpoint`)).text();
  assert.match(checkpoint, /^\S+\n\d+\n\S+=\n\n— \S+ \S+\n/);
  await page.click('a[href="/transparency/verify"]');
  await page.waitForURL(/\/transparency\/verify$/);
  await shot(page, "transparency-verify-1280.png");
  await page.close();
});
