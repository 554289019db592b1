// A resident opens their own account at phone width (375 px), in headless Chromium against the
// real binary on demo data: the community worker has registered them (through the API, as a
// desk would), a first try with a wrong mobile number gets the one neutral refusal, the right
// details open the account and sign them in, and their community's open vote tells them why they cannot vote in it
// (they were registered after it opened).
// Screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, PASSWORD, launch, navTo, startServer } from "./lib.mjs";

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

/** An 18-digit resident ID number with its check character (GB 11643). */
function idNumber(region, birth, seq) {
  const body = `${region}${birth}${String(seq).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return body + "10X98765432"[sum % 11];
}

async function api(method, url, token, body) {
  const r = await fetch(`${server.base}${url}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${url}: ${r.status} ${text}`);
  return JSON.parse(text);
}

test("a registered resident signs up on a phone", async () => {
  // The desk registers the resident with their mobile number.
  const { token } = await api("POST", "/api/v1/auth/login", null, { username: "dongbeicun", password: PASSWORD });
  // Codes follow the tree, so the city's code prefix finds buildings in the worker's scope.
  const nodes = await api("GET", "/api/v1/nodes?kind=building&q=37", token);
  const building = nodes.items[0];
  assert.ok(building, `a building of 东北村: ${JSON.stringify(nodes).slice(0, 300)}`);
  const seq = 100 + (Date.now() % 800);
  const hh = await api("POST", "/api/v1/households", token, { building_id: building.id, unit: 9, room: `9${seq}` });
  const id = idNumber("371002", "19880808", seq);
  const phone = `139${String(Date.now()).slice(-8)}`;
  await api("POST", "/api/v1/residents", token, { household_id: hh.id, name: "林晓燕", id_number: id, phone });

  const page = await browser.context.newPage();
  await page.goto(`${server.base}/login`);
  await Promise.all([page.waitForURL(/\/signup$/), page.click('[data-testid="to-signup"]')]);
  const fill = async (mobile) => {
    await page.fill('input[name="name"]', "林晓燕");
    await page.fill('input[name="id_number"]', id);
    await page.fill('input[name="phone"]', mobile);
    await page.fill('input[name="username"]', `lin.${seq}`);
    await page.fill('input[name="password"]', "lin-xiaoyan-8");
  };
  // A wrong mobile number: the neutral answer, what was typed kept (not the password).
  await fill("13900000000");
  await Promise.all([page.waitForURL(/\/signup$/), page.click('[data-testid="signup"]')]);
  assert.match(await page.textContent('[data-testid="signup-errors"]'), /与社区登记的信息不一致/);
  assert.equal(await page.inputValue('input[name="id_number"]'), id);
  assert.equal(await page.inputValue('input[name="password"]'), "");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px)`);
  await page.screenshot({ path: path.join(ARTIFACTS, "signup-refused-375.png"), fullPage: true });

  // The right one: signed in, at home as a resident.
  await fill(phone);
  await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.click('[data-testid="signup"]')]);
  assert.match(await page.textContent("header"), /林晓燕/);
  await page.screenshot({ path: path.join(ARTIFACTS, "signup-home-375.png"), fullPage: true });

  // They see their community's open vote; their household was registered after it opened, so
  // the page says why they cannot vote in this one instead of offering a ballot.
  await navTo(page, "/votes");
  const open = page.locator("li.card.open", { hasText: "充电棚" });
  await Promise.all([page.waitForURL(/\/votes\/\d+$/), open.locator("a").first().click()]);
  assert.match(await page.textContent('[data-testid="cannot-cast"]'), /表决开始时不在本次表决范围内/);
  assert.equal(await page.locator('[data-testid="cast"]').count(), 0);
  await page.screenshot({ path: path.join(ARTIFACTS, "signup-vote-375.png"), fullPage: true });
  await page.close();
});
