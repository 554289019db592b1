// An event from report to rating, at phone width (375 px), in headless Chromium against the real
// binary on demo data: a resident reports with a photo (a real PNG made here; only the chosen
// category's questions show, radio buttons look like radio buttons, the open reports nearby are
// offered) → the confirmation page (number, handler, deadline, how they are told) → the
// community worker accepts and dispatches to a department (the dispatch remark stays internal)
// → the department's staff start and resolve it with a result → the community worker verifies
// and closes → the resident's notification leads straight to the rating → 满意. The timeline
// must show every step; screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, login, logout, navTo, startServer } from "./lib.mjs";

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

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

/** A real 16×16 PNG: a red square with a blue diagonal. */
function makePng() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const n = 16;
  const rows = [];
  for (let y = 0; y < n; y++) {
    const row = [0];
    for (let x = 0; x < n; x++) row.push(...(x === y ? [0, 0, 255, 255] : [220, 30, 30, 255]));
    rows.push(Buffer.from(row));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(n, 0);
  ihdr.writeUInt32BE(n, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}


async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on ${what} (${overflow}px too wide)`);
}

/** Submit the action form `name` on an event page (after `fill`), and wait for the page again. */
async function act(page, name, fill = async () => {}) {
  const form = page.locator(`form[data-action="${name}"]`);
  await form.waitFor();
  await fill(form);
  await Promise.all([page.waitForLoadState("load"), form.locator('button[type="submit"]').click()]);
  await page.waitForSelector('[data-testid="timeline"]');
  const alert = await page.locator('ul.alert').count();
  assert.equal(alert, 0, `no error after ${name}: ${alert ? await page.locator("ul.alert").first().textContent() : ""}`);
}

const status = async (page) => (await page.textContent('[data-testid="status"]')).trim();

test("a resident's report is dispatched, resolved, verified, closed and rated at phone width", async () => {
  const acc = (u) => server.accounts.find((a) => a.username === u);
  const resident = acc("dongbeicun.resident");
  const worker = acc("dongbeicun");
  const staff = acc("zhujian");
  assert.ok(resident && worker && staff, `the demo has the accounts: ${server.accounts.map((a) => a.username)}`);

  const photo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "jingzhi-photo-")), "楼道.png");
  fs.writeFileSync(photo, makePng());

  const page = await browser.context.newPage();
  const outside = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(server.base) && !r.url().startsWith("data:")) outside.push(r.url());
  });

  // 1. The resident reports with a photo, at their own building.
  await login(page, server.base, resident.username);
  // Their home opens on reporting: the button comes before anything else.
  const first = page.locator('[data-testid="report-first"]');
  await first.waitFor();
  await noSidewaysScroll(page, "the resident's home");
  await page.screenshot({ path: path.join(ARTIFACTS, "resident-home-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/events\/new$/), first.locator('a[href="/events/new"]').click()]);
  // No category yet: no question block shows.
  assert.equal(await page.locator("fieldset.questions:visible").count(), 0, "no questions before a category");
  // The place choice is a real radio button, not a stretched text box.
  const radio = await page.locator('input[name="place_mode"]').first().boundingBox();
  assert.ok(radio && radio.width <= 26 && radio.height <= 26, `a radio button: ${JSON.stringify(radio)}`);
  // Submitting without a description: the error next to the field and in the summary at the top.
  await page.selectOption('select[name="category"]', "stairwell_clutter");
  await page.locator('fieldset[data-category="stairwell_clutter"]').waitFor({ state: "visible" });
  assert.equal(await page.locator("fieldset.questions:visible").count(), 1, "only the chosen category's questions");
  await page.fill('input[name="answer.stairwell_clutter.floor"]', "3");
  // The open reports of this category nearby (if the demo has some) load with htmx.
  await page.waitForLoadState("networkidle");
  const nearby = await page.locator('#nearby [data-testid="nearby"] li').count();
  if (nearby > 0) {
    const text = await page.textContent("#nearby");
    assert.match(text, /楼道堆物/);
    assert.match(text, /我也遇到了|您已加入|您上报的/);
    await page.screenshot({ path: path.join(ARTIFACTS, "event-report-nearby-375.png"), fullPage: true });
  }
  await page.fill('textarea[name="description"]', "三单元三楼楼道堆满纸箱，影响通行");
  await page.setInputFiles('input[name="photos"]', photo);
  await noSidewaysScroll(page, "the report form");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-report-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/events\/\d+\/submitted$/), page.click('#report-form button.primary[type="submit"]')]);
  // 1b. The confirmation page: the number, who handles it, the deadline, how they are told.
  const id = page.url().match(/\/events\/(\d+)\/submitted$/)[1];
  const url = `${server.base}/events/${id}`;
  assert.equal((await page.textContent('[data-testid="event-number"]')).trim(), `#${id}`);
  assert.equal((await page.textContent('[data-testid="handler"]')).trim(), "物业公司");
  assert.match(await page.textContent('[data-testid="deadline"]'), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  assert.match(await page.textContent('[data-testid="told"]'), /通知/);
  await noSidewaysScroll(page, "the confirmation page");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-submitted-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/events\/\d+$/), page.click(`a[href="/events/${id}"]`)]);
  assert.equal(await status(page), "已上报");
  const img = page.locator(".photos img").first();
  await img.waitFor();
  const size = await img.evaluate((el) => (el.complete ? [el.naturalWidth, el.naturalHeight] : null));
  assert.deepEqual(size, [16, 16], "the photo is served back as an image");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-reported-375.png"), fullPage: true });
  await logout(page);

  // 2. The community worker accepts and dispatches to 住建局.
  await login(page, server.base, worker.username);
  // From the workbench: the 待受理 figure leads to the list, the list to the event.
  const bench = page.locator('[data-testid="workbench"]');
  await bench.waitFor();
  await noSidewaysScroll(page, "the community worker's workbench");
  await page.screenshot({ path: path.join(ARTIFACTS, "worker-workbench-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/events\?status=reported/), bench.locator('a[href^="/events?status=reported"]').click()]);
  await Promise.all([page.waitForURL(new RegExp(`/events/${id}$`)), page.locator(`table.list a[href="/events/${id}"]`).first().click()]);
  await act(page, "accept");
  assert.equal(await status(page), "已受理");
  await act(page, "dispatch", async (f) => {
    await f.locator('select[name="lead_kind"]').selectOption("department");
    // Picked from the department registry, never typed.
    await f.locator('select[name="lead_code"]').selectOption("371002-zhujian");
    await f.locator('textarea[name="note"]').fill("请尽快清理");
  });
  assert.equal(await status(page), "已派遣");
  await noSidewaysScroll(page, "the event page");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-dispatched-375.png"), fullPage: true });
  await logout(page);

  // 3. The department is told it was dispatched to, then starts and resolves it with a result
  // (and a photo of the result).
  await login(page, server.base, staff.username);
  await page.goto(`${server.base}/notifications`);
  assert.match(await page.textContent("main"), new RegExp(`新派遣（主办）：事件#${id}`));
  await noSidewaysScroll(page, "the department's notifications");
  await page.screenshot({ path: path.join(ARTIFACTS, "department-notified-375.png"), fullPage: true });
  await page.goto(url);
  await act(page, "start");
  assert.equal(await status(page), "处置中");
  await act(page, "resolve", async (f) => {
    await f.locator('textarea[name="result"]').fill("已联系物业清走纸箱，楼道恢复通畅");
    await f.locator('input[name="photos"]').setInputFiles(photo);
  });
  assert.equal(await status(page), "已办结");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-resolved-375.png"), fullPage: true });
  await logout(page);

  // 4. The community worker verifies and closes.
  await login(page, server.base, worker.username);
  await page.goto(url);
  await act(page, "verify");
  assert.equal(await status(page), "已核查");
  await act(page, "close");
  assert.equal(await status(page), "已结案");
  await logout(page);

  // 5. The resident's notification of the closed event leads straight to the rating: 满意.
  await login(page, server.base, resident.username);
  await page.goto(`${server.base}/notifications`);
  const toRate = page.locator(`a.button[href="/events/${id}#rate"]`);
  await toRate.waitFor();
  assert.match(await toRate.textContent(), /去评价/);
  assert.equal(
    await page.locator(".notification", { hasText: "请尽快清理" }).count(),
    0,
    "the dispatch remark is not in the resident's notifications",
  );
  await noSidewaysScroll(page, "the notifications");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-notifications-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(new RegExp(`/events/${id}#rate$`)), toRate.click()]);
  assert.ok(await page.locator("#rate").isVisible(), "the rating is on screen");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-rate-375.png") });
  await act(page, "rate", async (f) => {
    await f.locator('input[name="rating"][value="satisfied"]').check();
    await f.locator('textarea[name="comment"]').fill("处理及时，谢谢");
  });
  assert.equal(await status(page), "已回访");
  assert.equal((await page.textContent('[data-testid="rating"]')).trim(), "满意");

  // The timeline shows every step, in order, with the two photos.
  const steps = (await page.locator('[data-testid="timeline"] li .step').allTextContents()).map((s) => s.trim());
  assert.deepEqual(steps, ["上报", "受理", "派遣", "开始处置", "办结", "核查通过", "结案", "回访评价"]);
  const timeline = await page.textContent('[data-testid="timeline"]');
  for (const text of ["已联系物业清走纸箱", "满意：处理及时，谢谢"]) {
    assert.ok(timeline.includes(text), `the timeline shows ${text}`);
  }
  // The dispatch remark is internal; the handlers are listed, with people's names and roles.
  assert.ok(!timeline.includes("请尽快清理"), "the dispatch remark is not shown to the resident");
  assert.match(await page.textContent("ul.handlers"), /住房和城乡建设局/);
  assert.match(timeline, /（社区工作者）/);
  assert.ok(!timeline.includes(worker.username) && !timeline.includes(staff.username), "no login names");
  assert.equal(await page.locator('[data-testid="timeline"] .photos img').count(), 2);
  await noSidewaysScroll(page, "the rated event");
  await page.screenshot({ path: path.join(ARTIFACTS, "event-rated-375.png"), fullPage: true });

  // Rated: no longer waiting on the resident's home.
  await page.goto(`${server.base}/`);
  await page.locator('[data-testid="my-reports"]').waitFor();
  assert.equal(await page.locator(`[data-testid="my-reports"] a[href="/events/${id}#rate"]`).count(), 0);
  // In "我的上报" as rated.
  await page.goto(`${server.base}/events`);
  const row = page.locator("table.list tbody tr", { hasText: `#${id}` });
  assert.match(await row.textContent(), /已回访/);
  assert.deepEqual(outside, [], "no request leaves the machine");
  await page.close();
});
