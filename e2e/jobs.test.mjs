// Employment help as its users meet it, in headless Chromium against the real binary on demo
// data (issue 13 §3): 东北村's community worker at desk width (1280 px) posts a position of a
// local firm picked from the merchants' list; on a phone (375 px) registers a resident looking
// for that kind of work from their page, refers them to the position, records the interview and
// the placement, and the position's one opening is taken. Screenshots go to e2e/artifacts/.
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
const TITLE = "面点师傅（e2e）";

test("the worker posts a local firm's position with one opening", async () => {
  const page = await signedOut(desk);
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/care");
  await Promise.all([page.waitForURL(/\/jobs$/), page.click('[data-testid="go-jobs"]')]);
  await Promise.all([page.waitForURL(/\/jobs\/positions\/new$/), page.click('[data-testid="new-position"]')]);
  const firms = await page.$$eval('[data-testid="firm"] option', (os) => os.map((o) => o.value));
  assert.ok(firms.length > 0, "the community's firms are on the list");
  await page.fill('[data-testid="title"]', TITLE);
  await page.selectOption('[data-testid="work"]', "catering");
  await page.fill('[data-testid="openings"]', "1");
  await Promise.all([page.waitForURL(/\/jobs$/), page.click('[data-testid="post"]')]);
  assert.match(await page.textContent('[data-testid="positions"]'), /面点师傅（e2e）/);
  await shot(page, "jobs-desk-1280.png");
  await page.close();
});

test("on a phone the worker registers a resident, refers and places them", async () => {
  const page = await signedOut(phone);
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/residents");
  const links = await page.$$eval("table.list tbody tr td:first-child a", (as) => as.map((a) => a.getAttribute("href")));
  // The first resident not already looking for work (the demo registered some).
  let registered = false;
  for (const href of links.slice(0, 10)) {
    await page.goto(server.base + href);
    await Promise.all([page.waitForURL(/\/jobs\/seekers\/new/), page.click('[data-testid="go-jobs"]')]);
    await page.selectOption('[data-testid="work"]', "catering");
    await page.fill('[data-testid="note"]', "做过十年面点");
    await page.click('[data-testid="register"]');
    await page.waitForLoadState();
    if (/\/jobs\/seekers\/\d+$/.test(new URL(page.url()).pathname)) {
      registered = true;
      break;
    }
  }
  assert.ok(registered, "a resident was registered");
  assert.equal(await page.getAttribute('[data-testid="state"]', "data-state"), "seeking");
  const option = await page.$eval('[data-testid="position"]', (s, t) =>
    [...s.options].find((o) => o.textContent.includes(t)).value, TITLE);
  await page.selectOption('[data-testid="position"]', option);
  await Promise.all([page.waitForURL(/\/jobs\/seekers\/\d+$/), page.click('[data-testid="refer"]')]);
  const match = page.locator('[data-testid="matches"] li').first();
  await match.locator("select").selectOption("interview");
  await Promise.all([page.waitForURL(/\/jobs\/seekers\/\d+$/), match.locator("button").click()]);
  await page.locator('[data-testid="matches"] li').first().locator("select").selectOption("placed");
  await Promise.all([
    page.waitForURL(/\/jobs\/seekers\/\d+$/),
    page.locator('[data-testid="matches"] li').first().locator("button").click(),
  ]);
  assert.equal(await page.getAttribute('[data-testid="state"]', "data-state"), "placed");
  await noSidewaysScroll(page, "a seeker at 375 px");
  await shot(page, "jobs-placed-375.png");
  // The one opening is taken: the position has left the open list.
  await page.goto(`${server.base}/jobs`);
  assert.doesNotMatch(await page.textContent('[data-testid="positions"]'), /面点师傅（e2e）/);
  await page.close();
});
