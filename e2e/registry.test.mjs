// login → home map → search a resident → detail with a masked ID, at phone width (375 px), in
// headless Chromium against the real binary on demo data.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, navTo, startServer } from "./lib.mjs";

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

test("a community worker finds a resident on a phone and sees the ID masked", async () => {
  const worker =
    server.accounts.find((a) => a.role === "community-worker" && a.scope_name === "东北村社区") ??
    server.accounts.find((a) => a.role === "community-worker");
  assert.ok(worker, "the demo has a community worker");

  const page = await browser.context.newPage();
  const outside = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(server.base) && !r.url().startsWith("data:")) outside.push(r.url());
  });

  await login(page, server.base, worker.username);
  assert.equal(new URL(page.url()).pathname, "/");
  await page.waitForSelector("h1");
  assert.match(await page.textContent("h1"), new RegExp(worker.scope_name));

  // The home map: an SVG with links into the places below.
  const map = page.locator("svg.map");
  await map.waitFor();
  assert.ok(await map.isVisible());
  const areaLinks = await page.locator('svg.map a[href^="/nodes/"]').count();
  assert.ok(areaLinks > 0, "the map links into the places below");
  const box = await map.boundingBox();
  assert.ok(box.width <= 375 && box.width > 300, `the map fits the phone (${box.width}px)`);
  await page.screenshot({ path: path.join(ARTIFACTS, "home-375.png"), fullPage: true });

  // Nothing is wider than the phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on the home page (${overflow}px too wide)`);

  // Take a name from the resident list, then search for it.
  await navTo(page, "/residents");
  const first = page.locator("table.list tbody tr td:first-child a").first();
  const name = (await first.textContent()).trim();
  assert.ok(name.length >= 2, `a name from the list (${name})`);

  await page.fill('input[name="q"]', name);
  await Promise.all([page.waitForURL(/q=/), page.click('form.filters button[type="submit"]')]);
  const hits = page.locator("table.list tbody tr td:first-child a", { hasText: name });
  assert.ok((await hits.count()) >= 1, `the search finds ${name}`);
  await page.screenshot({ path: path.join(ARTIFACTS, "search-375.png"), fullPage: true });

  await Promise.all([page.waitForURL(/\/residents\/\d+$/), hits.first().click()]);
  assert.equal((await page.textContent("h1")).trim(), name);
  const id = (await page.textContent('[data-testid="id-number"]')).trim();
  assert.match(id, /^\d{3}\*{11}[\dX]{4}$/, `the ID is masked (${id})`);
  await page.screenshot({ path: path.join(ARTIFACTS, "resident-375.png"), fullPage: true });

  const overflowDetail = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflowDetail <= 0, `no sideways scrolling on the detail page (${overflowDetail}px too wide)`);
  assert.deepEqual(outside, [], "no request leaves the machine");
  await page.close();
});
