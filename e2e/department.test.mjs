// A department's first hour at phone width (issue 9): the community blows the whistle and
// summons 环翠区住建局 (picked from the registry) → the department's workbench shows the summons
// with its report-in deadline → it reports in → the joint inspection gives it a task → the
// workbench shows the task → it marks the task done. Screenshots under e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, PASSWORD, launch, login, logout, startServer } from "./lib.mjs";

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

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on ${what} (${overflow}px too wide)`);
}

/** A fresh accepted event in the worker's community (at the building of one of its events). */
async function openEvent(username) {
  const r = await fetch(`${server.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const { token } = await r.json();
  const api = (p, init = {}) =>
    fetch(`${server.base}${p}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    }).then(async (r) => {
      assert.ok(r.ok, `${p}: ${r.status} ${await r.clone().text()}`);
      return r.json();
    });
  const list = await api("/api/v1/events?limit=1");
  assert.ok(list.items.length, "the demo community has events");
  const e = await api("/api/v1/events", {
    method: "POST",
    body: JSON.stringify({ category: "other", node_id: list.items[0].node_id, description: "井盖缺失，行人易跌落" }),
  });
  await api(`/api/v1/events/${e.id}/accept`, { method: "POST", body: "{}" });
  return e.id;
}

test("a department is summoned, reports in and completes its task at phone width", async () => {
  const acc = (u) => server.accounts.find((a) => a.username === u);
  const worker = acc("dongbeicun");
  const staff = acc("zhujian");
  assert.ok(worker && staff, "the demo has the community worker and the department account");
  const id = await openEvent(worker.username);
  const url = `${server.base}/events/${id}`;
  const page = await browser.context.newPage();

  // 1. The community worker blows the whistle, picking the department from the registry.
  await login(page, server.base, worker.username);
  await page.goto(url);
  const form = page.locator(`form[action="/events/${id}/whistle"]`);
  await form.locator('select[name="departments"]').selectOption(["371002-zhujian"]);
  await form.locator('textarea[name="reason"]').fill("井盖缺失，需住建部门联合处置");
  await Promise.all([page.waitForLoadState("load"), form.locator('button[type="submit"]').click()]);
  await page.locator("#whistles article.whistle").first().waitFor();
  assert.match(await page.textContent("#whistles"), /环翠区住房和城乡建设局/);
  await logout(page);

  // 2. The department's home is its workbench: the summons waits there, with its deadline.
  await login(page, server.base, staff.username);
  const summoned = page.locator('[data-testid="summoned"]');
  await summoned.waitFor();
  assert.match(await page.textContent("h1"), /环翠区住房和城乡建设局 · 工作台/);
  assert.match(await summoned.textContent(), new RegExp(`#${id} `));
  assert.match(await summoned.textContent(), /前报到/);
  await noSidewaysScroll(page, "the department's workbench");
  await page.screenshot({ path: path.join(ARTIFACTS, "department-workbench-375.png"), fullPage: true });
  // It is told in its notifications too.
  await page.goto(`${server.base}/notifications`);
  assert.match(await page.textContent("main"), new RegExp(`吹哨召集：事件#${id}`));
  await page.goto(`${server.base}/`);
  await Promise.all([page.waitForURL(/\/events\/\d+/), summoned.locator(`a[href^="/events/${id}#"]`).click()]);
  const reportIn = page.locator(`form[action$="/report-in"] button`);
  assert.equal(await reportIn.count(), 1, "one report-in button: its own department's");
  await Promise.all([page.waitForLoadState("load"), reportIn.click()]);
  assert.match(await page.textContent("#whistles"), /已报到/);
  await page.screenshot({ path: path.join(ARTIFACTS, "department-reported-in-375.png"), fullPage: true });
  await logout(page);

  // 3. The community records the joint inspection and gives the department its task.
  await login(page, server.base, worker.username);
  await page.goto(url);
  const ins = page.locator('form[action$="/inspection"]');
  await ins.locator('input[name="participants"]').fill("住建局张工；社区王主任");
  await ins.locator('textarea[name="findings"]').fill("井盖缺失一处");
  await ins.locator('textarea[name="solution"]').fill("住建局当日补装井盖");
  await ins.locator('input[name="task.371002-zhujian"]').fill("补装井盖并加装防盗链");
  await Promise.all([page.waitForLoadState("load"), ins.locator('button[type="submit"]').click()]);
  assert.match(await page.textContent("#whistles"), /任务办理中/);
  await logout(page);

  // 4. The task is on the department's workbench; it marks it done.
  await login(page, server.base, staff.username);
  const tasks = page.locator('[data-testid="tasks"]');
  await tasks.waitFor();
  assert.match(await tasks.textContent(), /补装井盖并加装防盗链/);
  await page.screenshot({ path: path.join(ARTIFACTS, "department-task-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/events\/\d+/), tasks.locator(`a[href^="/events/${id}#"]`).click()]);
  await Promise.all([page.waitForLoadState("load"), page.locator('form[action$="/complete"] button').click()]);
  assert.match(await page.textContent("#whistles"), /任务已完成/);
  await page.screenshot({ path: path.join(ARTIFACTS, "department-task-done-375.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${server.base}/`);
  await page.screenshot({ path: path.join(ARTIFACTS, "department-workbench-1280.png"), fullPage: true });
  await page.close();
});
