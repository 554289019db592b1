// Pages that work at 375 px and read as Chinese (issue 9 §4), in headless Chromium against the
// real binary on demo data, as the demo city admin (the longest nav):
// - at 375 px the nav is folded behind 菜单 (aria-expanded), the header is one compact row with
//   通知; the menu opens and closes;
// - an event page leads with the likely next step (受理 for a reported event), the rest behind
//   更多操作, and 作废 asks for confirmation (cancel: nothing changes; confirm: voided);
// - the building field of the new-household form is found by name and fills in the code;
// - the header's 通知 carries the unread badge (one request: app.js copies the nav's);
// - at 1280 px the nav is one row and there is no menu button.
// Screenshots: e2e/artifacts/phone-nav-closed.png, phone-nav-open.png, event-actions-375.png,
// event-actions-1280.png, household-building-choices-375.png, household-new-375.png,
// phone-badge-375.png. Events are reported (and moved on) through the JSON API first: the small
// demo city has no open report of its own.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, PASSWORD, launch, login, startServer } from "./lib.mjs";

let server;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on ${what} (${overflow}px too wide)`);
}

/** Call the JSON API as `username`. */
async function api(username, method, uri, body) {
  const login = await fetch(`${server.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const { token } = await login.json();
  const r = await fetch(`${server.base}${uri}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const v = await r.json();
  assert.ok(r.ok, `${method} ${uri}: ${JSON.stringify(v)}`);
  return v;
}

/** A fresh report by the demo resident (status 已上报): its page address. */
async function reportedEvent() {
  const e = await api("dongbeicun.resident", "POST", "/api/v1/events", {
    category: "stairwell_clutter",
    description: "三单元楼道堆放杂物（手机页面测试）",
    answers: { floor: "3" },
  });
  return `/events/${e.id}`;
}

/** A report taken to 已办结 by the city admin: its page address. */
async function resolvedEvent() {
  const uri = await reportedEvent();
  const id = uri.split("/").pop();
  const who = admin().username;
  await api(who, "POST", `/api/v1/events/${id}/accept`, {});
  await api(who, "POST", `/api/v1/events/${id}/dispatch`, { lead: { kind: "community", name: "东北村社区" } });
  await api(who, "POST", `/api/v1/events/${id}/start`, {});
  await api(who, "POST", `/api/v1/events/${id}/resolve`, { result: "已清理" });
  return uri;
}

const admin = () => {
  const a = server.accounts.find((x) => x.role === "city-admin");
  assert.ok(a, "the demo has a city admin");
  return a;
};

test("at 375 px the nav folds behind 菜单 and 作废 asks first", async () => {
  const browser = await launch({ width: 375, height: 812 });
  try {
    const page = await browser.context.newPage();
    const outside = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.base) && !r.url().startsWith("data:")) outside.push(r.url());
    });
    await login(page, server.base, admin().username);

    // Folded: the menu button, no nav links; brand, 通知 and 菜单 on one short row.
    const toggle = page.locator("[data-menu-toggle]");
    assert.ok(await toggle.isVisible(), "the menu button shows at 375 px");
    assert.equal((await toggle.textContent()).trim(), "菜单");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await toggle.getAttribute("aria-controls"), "main-nav");
    assert.ok(await page.locator("#main-nav").count(), "aria-controls names the nav");
    for (const href of ["/residents", "/events", "/users", "/audit"]) {
      assert.equal(await page.locator(`nav.nav a[href="${href}"]`).isVisible(), false, `${href} hidden while folded`);
    }
    assert.ok(await page.locator("a.bell").isVisible(), "通知 stays in the header");
    const header = await page.locator("header.top").boundingBox();
    assert.ok(header.height <= 64, `the folded header is one row (${header.height}px)`);
    for (const sel of ["a.brand", "a.bell", "[data-menu-toggle]"]) {
      const b = await page.locator(sel).boundingBox();
      assert.ok(b.x >= 0 && b.x + b.width <= 375, `${sel} within the screen`);
    }
    await noSidewaysScroll(page, "the home page");
    await page.screenshot({ path: path.join(ARTIFACTS, "phone-nav-closed.png") });

    // Open: every link of the nav, the account line and 退出; sticky at the top.
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    for (const href of ["/", "/residents", "/households", "/events", "/rounds", "/dashboard", "/users", "/audit"]) {
      assert.ok(await page.locator(`nav.nav a[href="${href}"]`).isVisible(), `${href} shown when open`);
    }
    assert.ok(await page.locator('form[action="/logout"] button').isVisible(), "退出 in the open menu");
    await noSidewaysScroll(page, "the open menu");
    await page.screenshot({ path: path.join(ARTIFACTS, "phone-nav-open.png") });
    // Escape folds it again; the button toggles.
    await page.keyboard.press("Escape");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await page.locator('nav.nav a[href="/residents"]').isVisible(), false);
    await toggle.click();
    await Promise.all([page.waitForURL(/\/events$/), page.click('nav.nav a[href="/events"]')]);
    // A new page starts folded.
    assert.equal(await page.locator("[data-menu-toggle]").getAttribute("aria-expanded"), "false");
    assert.equal(await page.locator('nav.nav a[href="/residents"]').isVisible(), false);

    // A reported event: 受理 first and in view, 升级 and 作废 behind 更多操作.
    await page.goto(`${server.base}${await reportedEvent()}`);
    assert.equal((await page.textContent('[data-testid="status"]')).trim(), "已上报");
    const forms = await page.locator(".actions-card form[data-action]").evaluateAll((fs) => fs.map((f) => f.dataset.action));
    assert.deepEqual(forms, ["accept", "escalate", "invalidate"], "the next step first, destructive last");
    assert.ok(await page.locator('form[data-action="accept"]').isVisible(), "受理 in view");
    const more = page.locator('details[data-testid="more-actions"]');
    assert.match(await more.locator("summary").textContent(), /更多操作/);
    assert.equal(await page.locator('form[data-action="invalidate"]').isVisible(), false, "作废 folded away");
    assert.equal(await page.locator('form[data-action="invalidate"]').getAttribute("data-confirm") !== null, true);
    await noSidewaysScroll(page, "the event page");
    await page.locator(".actions-card").screenshot({ path: path.join(ARTIFACTS, "event-actions-375.png") });

    // 作废 asks; cancelling changes nothing.
    await more.locator("summary").click();
    const voidForm = page.locator('form[data-action="invalidate"]');
    await voidForm.waitFor({ state: "visible" });
    await voidForm.locator('textarea[name="reason"]').fill("重复上报，测试作废");
    const asked = [];
    page.once("dialog", async (d) => {
      asked.push([d.type(), d.message()]);
      await d.dismiss();
    });
    await voidForm.locator('button[type="submit"]').click();
    await page.waitForTimeout(500);
    assert.equal(asked.length, 1, "作废 asked for confirmation");
    assert.equal(asked[0][0], "confirm");
    assert.match(asked[0][1], /作废/);
    assert.equal((await page.textContent('[data-testid="status"]')).trim(), "已上报", "cancelled: still reported");
    assert.equal(await voidForm.locator('button[type="submit"]').isDisabled(), false, "the button is not left busy");
    // Confirming voids it.
    page.once("dialog", (d) => d.accept());
    await Promise.all([page.waitForLoadState("load"), voidForm.locator('button[type="submit"]').click()]);
    await page.waitForSelector('[data-testid="timeline"]');
    assert.equal((await page.textContent('[data-testid="status"]')).trim(), "已作废");

    // A resolved event leads with 核查通过; 退回重办 asks too.
    await page.goto(`${server.base}${await resolvedEvent()}`);
    assert.equal((await page.textContent('[data-testid="status"]')).trim(), "已办结");
    const order = await page.locator(".actions-card form[data-action]").evaluateAll((fs) => fs.map((f) => f.dataset.action));
    assert.deepEqual(order, ["verify", "send_back"]);
    assert.ok(await page.locator('form[data-action="verify"]').isVisible());
    assert.ok((await page.locator('form[data-action="send_back"]').getAttribute("data-confirm")).includes("退回"));

    // The new-household form: the building is found by name and its code filled in.
    await page.goto(`${server.base}/households/new`);
    const search = page.locator('input[name="building_q"]');
    assert.ok(await search.isVisible(), "a search field for the building");
    await search.pressSequentially("1号楼", { delay: 30 });
    const pick = page.locator('[data-testid="building-picks"] button.pick').first();
    await pick.waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "household-building-choices-375.png"), fullPage: true });
    const code = await pick.getAttribute("data-pick-code");
    const name = await pick.getAttribute("data-pick-name");
    assert.match(code, /^\d{21}$/);
    assert.match(name, /1号楼/);
    await noSidewaysScroll(page, "the new-household form with choices");
    await pick.click();
    assert.equal(await page.inputValue('input[name="building_code"]'), code);
    assert.equal(await search.inputValue(), name);
    assert.match(await page.textContent('[data-testid="building-picked"]'), new RegExp(name));
    await page.fill('input[name="unit"]', "1");
    await page.fill('input[name="room"]', "9901");
    await page.screenshot({ path: path.join(ARTIFACTS, "household-new-375.png"), fullPage: true });
    await Promise.all([page.waitForURL(/\/households\/\d+$/), page.click('form[action="/households/new"] button[type="submit"]')]);
    assert.match(await page.textContent("h1"), new RegExp(`${name}1单元9901室`));

    assert.deepEqual(outside, [], "no request leaves the machine");
    await page.close();
  } finally {
    await browser.close();
  }
});

test("at 375 px the header's 通知 shows the unread count", async () => {
  // Something to be told of: the resident's report is accepted.
  const uri = await reportedEvent();
  await api(admin().username, "POST", `/api/v1/events/${uri.split("/").pop()}/accept`, {});
  const browser = await launch({ width: 375, height: 812 });
  try {
    const page = await browser.context.newPage();
    await login(page, server.base, "dongbeicun.resident");
    const badge = page.locator("a.bell .badge");
    await badge.waitFor();
    assert.match((await badge.textContent()).trim(), /^\d+\+?$/);
    assert.equal(await badge.getAttribute("class"), "badge");
    assert.equal(await page.locator("nav.nav .badge").isVisible(), false, "one badge in view");
    await page.screenshot({ path: path.join(ARTIFACTS, "phone-badge-375.png") });
    await page.close();
  } finally {
    await browser.close();
  }
});

test("at 1280 px the nav is one row without a menu button", async () => {
  const browser = await launch({ width: 1280, height: 900 });
  try {
    const page = await browser.context.newPage();
    await login(page, server.base, admin().username);
    assert.equal(await page.locator("[data-menu-toggle]").isVisible(), false, "no menu button");
    // The inbox sits beside the account (as on a phone), keeping the admin's nav on one row.
    assert.ok(await page.locator("a.bell").isVisible(), "通知 beside the account");
    assert.equal(await page.locator('nav.nav a[href="/notifications"]').isVisible(), false);
    const tops = await page
      .locator("nav.nav a")
      .evaluateAll((as) => as.filter((a) => a.offsetParent !== null).map((a) => Math.round(a.getBoundingClientRect().top)));
    assert.ok(tops.length >= 10, `the admin's nav (${tops.length} links)`);
    assert.equal(new Set(tops).size, 1, `one row: ${tops}`);
    await page.goto(`${server.base}${await reportedEvent()}`);
    assert.ok(await page.locator('form[data-action="accept"]').isVisible());
    assert.equal(await page.locator('form[data-action="invalidate"]').isVisible(), false);
    await page.locator(".actions-card").screenshot({ path: path.join(ARTIFACTS, "event-actions-1280.png") });
    await page.screenshot({ path: path.join(ARTIFACTS, "event-1280.png"), fullPage: true });
    await page.close();
  } finally {
    await browser.close();
  }
});
