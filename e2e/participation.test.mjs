// Votes as residents and community workers use them, in headless Chromium against the real
// binary on demo data: a resident at phone width (375 px) finds the open vote of 东北村社区 and
// casts their household's ballot, and reads the closed 向阳街 parking vote's result; the
// community worker at desk width (1280 px) opens a vote over a place picked from a list, enters
// a paper ballot for a household picked from the ones that have not voted, and closes it; the
// resident then sees the result. Screenshots go to e2e/artifacts/.
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

test("a resident casts their household's ballot at phone width and reads a result", async () => {
  const page = await phone.context.newPage();
  await login(page, server.base, "dongbeicun.resident");
  // Home tells them a vote is open over their place.
  assert.match(await page.textContent('[data-testid="open-votes"]'), /充电棚/);
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-resident-home-375.png"), fullPage: true });
  await navTo(page, "/votes");
  const open = page.locator("li.card.open", { hasText: "充电棚" });
  assert.equal(await open.count(), 1, "the open charging-shed vote is listed");
  await noSidewaysScroll(page, "the list of votes");
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-resident-list-375.png"), fullPage: true });

  await Promise.all([page.waitForURL(/\/votes\/\d+$/), open.locator("a").first().click()]);
  assert.equal((await page.textContent('[data-testid="phase"]')).trim(), "表决中");
  assert.equal(await page.locator("#result").count(), 0, "no live count for residents");
  await page.locator('label.choice', { hasText: "同意" }).first().click();
  await noSidewaysScroll(page, "the ballot");
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-resident-ballot-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/votes\/\d+$/), page.click('[data-testid="cast"]')]);
  assert.match(await page.textContent('[data-testid="my-ballot"]'), /本单位已投票：\s*同意/);
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-resident-voted-375.png"), fullPage: true });

  await page.goto(`${server.base}/votes`);
  const closed = page.locator("li.card", { hasText: "向阳街" });
  await Promise.all([page.waitForURL(/\/votes\/\d+$/), closed.locator("a").first().click()]);
  assert.equal((await page.textContent('[data-testid="phase"]')).trim(), "已结束");
  assert.match(await page.textContent('[data-testid="outcome"]'), /同意/);
  assert.match(await page.textContent('[data-testid="turnout"]'), /达到法定参与比例/);
  await noSidewaysScroll(page, "a result");
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-resident-result-375.png"), fullPage: true });
  await page.close();
});

test("the community worker opens a vote, enters a paper ballot and closes it; the resident sees the result", async () => {
  const page = await desk.context.newPage();
  page.on("dialog", (d) => d.accept());
  await login(page, server.base, "dongbeicun");
  await navTo(page, "/votes");
  await Promise.all([page.waitForURL(/\/votes\/new$/), page.click('[data-testid="new-vote"]')]);
  // The place is picked from a list; the worker's own community comes first and is chosen.
  const chosen = await page.locator('select[name="node_id"] option:checked').textContent();
  assert.match(chosen, /东北村社区/);
  const question = `楼道堆物集中清理日定在每月第一个周六 ${Date.now() % 100000}`;
  await page.fill('textarea[name="question"]', question);
  await page.fill('textarea[name="options"]', "同意\n不同意");
  await page.fill('input[name="closes_at"]', "2099-01-01T18:00");
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-worker-new-1280.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/votes\/\d+$/), page.click('[data-testid="open-vote"]')]);
  const voteUrl = page.url();
  assert.equal((await page.textContent('[data-testid="phase"]')).trim(), "表决中");
  assert.match(await page.textContent('[data-testid="turnout"]'), /已投\s*0\s*\//);

  const unit = page.locator('#paper select[name="unit_id"] option[value]:not([value=""])').first();
  await page.locator('#paper select[name="unit_id"]').selectOption(await unit.getAttribute("value"));
  await page.locator('#paper select[name="option"]').selectOption("不同意");
  await Promise.all([page.waitForURL(/\/votes\/\d+#paper$/), page.click('[data-testid="paper"]')]);
  assert.match(await page.textContent('[data-testid="turnout"]'), /已投\s*1\s*\//);
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-worker-live-1280.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/votes\/\d+$/), page.click('[data-testid="close"]')]);
  assert.equal((await page.textContent('[data-testid="phase"]')).trim(), "已结束");
  assert.match(await page.textContent('[data-testid="outcome"]'), /未形成决定/);
  await page.screenshot({ path: path.join(ARTIFACTS, "votes-worker-closed-1280.png"), fullPage: true });
  await logout(page);
  await page.close();

  // The resident, on the phone, reads the result of the vote they did not cast.
  const p2 = await phone.context.newPage();
  await p2.goto(voteUrl);
  if (p2.url().includes("/login")) {
    await login(p2, server.base, "dongbeicun.resident");
    await p2.goto(voteUrl);
  }
  assert.equal((await p2.textContent('[data-testid="phase"]')).trim(), "已结束");
  assert.match(await p2.textContent('[data-testid="turnout"]'), /已投\s*1\s*\//);
  await noSidewaysScroll(p2, "the result on a phone");
  await p2.screenshot({ path: path.join(ARTIFACTS, "votes-resident-closed-375.png"), fullPage: true });
  await p2.close();
});

test("a resident makes a proposal on a phone; the community takes it up; the resident follows it", async () => {
  const page = await phone.context.newPage();
  // The phone is still signed in as the resident from the first test.
  await page.goto(`${server.base}/`);
  if (page.url().includes("/login")) await login(page, server.base, "dongbeicun.resident");
  await navTo(page, "/proposals");
  await Promise.all([page.waitForURL(/\/proposals\/new$/), page.click('[data-testid="new-proposal"]')]);
  const title = `单元门口加装无障碍坡道 ${Date.now() % 100000}`;
  await page.fill('input[name="title"]', title);
  await page.fill('textarea[name="body"]', "轮椅和婴儿车进出单元门很难，建议加装坡道和扶手。");
  // The place is picked from the community's places.
  const places = await page.locator('select[name="node_id"] option').count();
  assert.ok(places > 1, "the community and its places to pick from");
  await noSidewaysScroll(page, "the proposal form");
  await page.screenshot({ path: path.join(ARTIFACTS, "proposal-new-375.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/proposals\/\d+$/), page.click('[data-testid="file-proposal"]')]);
  const url = page.url();
  assert.equal((await page.textContent('[data-testid="phase"]')).trim(), "征集附议中");
  assert.match(await page.textContent('[data-testid="supports"]'), /附议\s*0\s*\//);
  assert.equal(await page.locator('[data-testid="support"]').count(), 0, "no supporting one's own");
  await page.screenshot({ path: path.join(ARTIFACTS, "proposal-filed-375.png"), fullPage: true });

  const staff = await desk.context.newPage();
  await login(staff, server.base, "dongbeicun");
  await staff.goto(url);
  await staff.locator('select[name="answer"]').selectOption("take_up");
  await staff.fill('textarea[name="reasons"]', "列入本月民主议事会议题");
  await Promise.all([staff.waitForURL(/\/proposals\/\d+$/), staff.click('[data-testid="answer"]')]);
  assert.equal((await staff.textContent('[data-testid="phase"]')).trim(), "已列入议题");
  await staff.screenshot({ path: path.join(ARTIFACTS, "proposal-answered-1280.png"), fullPage: true });
  await staff.close();

  await page.reload();
  assert.equal((await page.textContent('[data-testid="phase"]')).trim(), "已列入议题");
  const timeline = await page.textContent('[data-testid="timeline"]');
  assert.match(timeline, /征集附议中[\s\S]*已列入议题[\s\S]*列入本月民主议事会议题/);
  await noSidewaysScroll(page, "the proposal's timeline");
  await page.screenshot({ path: path.join(ARTIFACTS, "proposal-followed-375.png"), fullPage: true });

  // A neighbour's proposal from the demo: the resident supports it, once.
  await page.goto(`${server.base}/proposals`);
  const handrail = page.locator("li.card", { hasText: "单元楼道加装扶手" });
  await Promise.all([page.waitForURL(/\/proposals\/\d+$/), handrail.locator("a").first().click()]);
  const before = Number((await page.textContent('[data-testid="supports"]')).match(/附议\s*(\d+)/)[1]);
  await Promise.all([page.waitForURL(/\/proposals\/\d+$/), page.click('[data-testid="support"]')]);
  assert.match(await page.textContent('[data-testid="supported"]'), /您已附议/);
  assert.match(await page.textContent('[data-testid="supports"]'), new RegExp(`附议\\s*${before + 1}\\s*/`));
  assert.equal(await page.locator('[data-testid="support"]').count(), 0, "once");
  await page.screenshot({ path: path.join(ARTIFACTS, "proposal-supported-375.png"), fullPage: true });
  await page.close();
});
