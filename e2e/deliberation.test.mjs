// From a resident's idea to its result, in headless Chromium against the real binary on demo
// data (issue 11): a resident of 东北村社区 makes a proposal at phone width (375 px); a neighbour,
// registered at the desk and signed up on their own phone, supports it; the community worker at
// desk width (1280 px) takes it up, holds a deliberation meeting with it on the agenda and
// records two rounds, opens a household vote the resident casts, closes it, records the
// decision resting on that vote, gives it a task and marks the task done; the resident then
// sees all of it on the proposal's timeline, and reads the meeting on the phone.
// Screenshots go to e2e/artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, PASSWORD, launch, login, navTo, startServer } from "./lib.mjs";

let server;
let phone;
let neighbourPhone;
let desk;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  phone = await launch({ width: 375, height: 812 });
  neighbourPhone = await launch({ width: 375, height: 812 });
  desk = await launch({ width: 1280, height: 900 });
});

after(async () => {
  await phone?.close();
  await neighbourPhone?.close();
  await desk?.close();
  await server?.stop();
});

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on ${what} (${overflow}px too wide)`);
}

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

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

test("a proposal goes from a resident's phone through a meeting, a vote and a task to its result", async () => {
  const stamp = Date.now() % 100000;
  // 1. The resident proposes, on the phone.
  const res = await phone.context.newPage();
  await login(res, server.base, "dongbeicun.resident");
  await navTo(res, "/proposals");
  await Promise.all([res.waitForURL(/\/proposals\/new$/), res.click('[data-testid="new-proposal"]')]);
  const title = `小区南门增设非机动车停放区 ${stamp}`;
  await res.fill('input[name="title"]', title);
  await res.fill('textarea[name="body"]', "南门外电动车乱停，挡住盲道和出入口，建议划定停放区。");
  await Promise.all([res.waitForURL(/\/proposals\/\d+$/), res.click('[data-testid="file-proposal"]')]);
  const proposalUrl = res.url();
  assert.equal((await res.textContent('[data-testid="phase"]')).trim(), "征集附议中");

  // 2. A neighbour, registered at the desk, signs up on their own phone and supports it.
  const { token } = await api("POST", "/api/v1/auth/login", null, { username: "dongbeicun", password: PASSWORD });
  const building = (await api("GET", "/api/v1/nodes?kind=building&q=37", token)).items[0];
  const seq = 100 + (stamp % 800);
  const hh = await api("POST", "/api/v1/households", token, { building_id: building.id, unit: 8, room: `8${seq}` });
  const id = idNumber("371002", "19790312", seq);
  const mobile = `138${String(Date.now()).slice(-8)}`;
  await api("POST", "/api/v1/residents", token, { household_id: hh.id, name: "周建国", id_number: id, phone: mobile });
  const nb = await neighbourPhone.context.newPage();
  await nb.goto(`${server.base}/signup`);
  await nb.fill('input[name="name"]', "周建国");
  await nb.fill('input[name="id_number"]', id);
  await nb.fill('input[name="phone"]', mobile);
  await nb.fill('input[name="username"]', `zhou.${seq}`);
  await nb.fill('input[name="password"]', "zhou-jianguo-8");
  await Promise.all([nb.waitForURL((u) => u.pathname === "/"), nb.click('[data-testid="signup"]')]);
  await nb.goto(proposalUrl);
  await Promise.all([nb.waitForURL(/\/proposals\/\d+$/), nb.click('[data-testid="support"]')]);
  assert.match(await nb.textContent('[data-testid="supports"]'), /附议\s*1\s*\//);
  await shot(nb, "deliberation-neighbour-supports-375.png");
  await nb.close();

  // 3. The community worker takes it up.
  const w = await desk.context.newPage();
  w.on("dialog", (d) => d.accept());
  await login(w, server.base, "dongbeicun");
  await w.goto(proposalUrl);
  await w.locator('select[name="answer"]').selectOption("take_up");
  await w.fill('textarea[name="reasons"]', "列入本月议事协商会");
  await Promise.all([w.waitForURL(/\/proposals\/\d+$/), w.click('[data-testid="answer"]')]);
  assert.equal((await w.textContent('[data-testid="phase"]')).trim(), "已列入议题");

  // 4. A deliberation meeting with the proposal on its agenda (picked from a list), a party
  //    picked from the staff, and two rounds.
  await navTo(w, "/meetings");
  assert.ok((await w.locator("ul.cards li").count()) >= 32, "the demo's 32 meetings are listed");
  await shot(w, "deliberation-meetings-1280.png");
  await Promise.all([w.waitForURL(/\/meetings\/new$/), w.click('[data-testid="new-meeting"]')]);
  await w.locator('select[name="kind"]').selectOption("deliberation");
  await w.fill('input[name="title"]', `南门停车议事协商会 ${stamp}`);
  await w.fill('input[name="held_at"]', "2026-12-03T19:00");
  await w.fill('input[name="venue"]', "社区议事厅");
  await Promise.all([w.waitForURL(/\/meetings\/\d+$/), w.click('[data-testid="create-meeting"]')]);
  const meetingUrl = w.url();
  await w.click("#parties summary");
  await w.locator('[data-testid="party-role"]').selectOption("steward");
  const steward = w.locator('[data-testid="party-user"] option', { hasText: "管家" }).first();
  await w.locator('[data-testid="party-user"]').selectOption(await steward.getAttribute("value"));
  await Promise.all([w.waitForURL(/\/meetings\/\d+#parties$/), w.click('[data-testid="invite"]')]);
  assert.equal(await w.locator('[data-testid="parties"] li').count(), 1);
  const option = w.locator('[data-testid="item-subject"] option', { hasText: title });
  await w.locator('[data-testid="item-subject"]').selectOption(await option.getAttribute("value"));
  await Promise.all([w.waitForURL(/\/meetings\/\d+#agenda$/), w.click('[data-testid="add-item"]')]);
  for (const [n, who, what] of [[1, "居民代表", "盲道被占，必须划区"], [2, "物业", "同意在南门东侧划20个停放位"]]) {
    await w.click('[data-testid="item-1"] details:has([data-testid="round-form"]) summary');
    const form = w.locator('[data-testid="item-1"] [data-testid="round-form"]');
    await form.locator('input[name="who"]').first().fill(who);
    await form.locator('input[name="what"]').first().fill(what);
    await form.locator('textarea[name="changes"]').fill(n === 2 ? "物业同意提供场地" : "");
    await Promise.all([w.waitForURL(/#item-\d+$/), form.locator('[data-testid="save-round"]').click()]);
  }
  assert.equal(await w.locator('[data-testid="item-1"] [data-testid="rounds"] > li').count(), 2);
  await shot(w, "deliberation-meeting-rounds-1280.png");

  // 5. A household vote the resident casts on the phone; the worker closes it.
  await navTo(w, "/votes");
  await Promise.all([w.waitForURL(/\/votes\/new$/), w.click('[data-testid="new-vote"]')]);
  const question = `南门东侧划定20个非机动车停放位 ${stamp}`;
  await w.fill('textarea[name="question"]', question);
  await w.fill('textarea[name="options"]', "同意\n不同意");
  await w.fill('input[name="quorum_percent"]', "0");
  await w.fill('input[name="closes_at"]', "2099-01-01T18:00");
  await Promise.all([w.waitForURL(/\/votes\/\d+$/), w.click('[data-testid="open-vote"]')]);
  const voteUrl = w.url();
  await res.goto(voteUrl);
  await res.locator("label.choice", { hasText: "同意" }).first().click();
  await Promise.all([res.waitForURL(/\/votes\/\d+$/), res.click('[data-testid="cast"]')]);
  await w.reload();
  await Promise.all([w.waitForURL(/\/votes\/\d+$/), w.click('[data-testid="close"]')]);
  assert.match(await w.textContent('[data-testid="outcome"]'), /同意/);

  // 6. The decision on the agenda item, resting on the vote, with its number.
  await w.goto(meetingUrl);
  await w.click('[data-testid="item-1"] details:has([data-testid="decision-form"]) summary');
  const dform = w.locator('[data-testid="item-1"] [data-testid="decision-form"]');
  await dform.locator('input[name="title"]').fill("南门东侧划定非机动车停放区");
  await dform.locator('textarea[name="body"]').fill("物业在南门东侧划定20个停放位，社区张贴引导标识。");
  const vopt = dform.locator('select[name="vote_id"] option', { hasText: question });
  await dform.locator('select[name="vote_id"]').selectOption(await vopt.getAttribute("value"));
  await dform.locator('input[name="figure_label"]').first().fill("停放位");
  await dform.locator('input[name="figure_value"]').first().fill("20");
  await Promise.all([w.waitForURL(/\/decisions\/\d+$/), dform.locator('[data-testid="save-decision"]').click()]);
  assert.match(await w.textContent('[data-testid="figures"]'), /20/);

  // 7. A task, carried to done.
  await w.click("#tasks details summary");
  const tform = w.locator('[data-testid="task-form"]');
  await tform.locator('input[name="title"]').fill("施划20个停放位");
  await tform.locator('select[name="owner_kind"]').selectOption("community");
  await tform.locator('input[name="due_at"]').fill("2026-12-31");
  await Promise.all([w.waitForURL(/\/decisions\/\d+$/), tform.locator('[data-testid="add-task"]').click()]);
  assert.equal((await w.textContent('[data-testid="task-step"]')).trim(), "未开始");
  await w.locator('[data-testid="step"]').selectOption("done");
  await w.locator('#tasks input[name="note"]').fill("20个停放位已施划");
  await Promise.all([w.waitForURL(/\/decisions\/\d+$/), w.click('[data-testid="move"]')]);
  assert.equal((await w.textContent('[data-testid="task-step"]')).trim(), "已完成");
  await shot(w, "deliberation-decision-1280.png");
  await w.close();

  // 8. The resident sees it all on the proposal's timeline, and reads the meeting.
  await res.goto(proposalUrl);
  const timeline = await res.textContent('[data-testid="timeline"]');
  assert.match(
    timeline,
    /征集附议中[\s\S]*已列入议题[\s\S]*第1轮协商[\s\S]*第2轮协商[\s\S]*表决结果[\s\S]*形成决定[\s\S]*已完成[\s\S]*20个停放位已施划/,
  );
  await noSidewaysScroll(res, "the proposal's timeline");
  await shot(res, "deliberation-proposal-timeline-375.png");
  await res.goto(meetingUrl);
  assert.equal(await res.locator('[data-testid="round-form"]').count(), 0, "a resident reads, never records");
  assert.equal(await res.locator('[data-testid="item-1"] [data-testid="rounds"] > li').count(), 2);
  await noSidewaysScroll(res, "the meeting");
  await shot(res, "deliberation-meeting-375.png");
  await res.close();
});

test("the 向阳街 case in the demo: twelve rounds, locked minutes, the decision and its tasks done", async () => {
  const page = await phone.context.newPage();
  await page.goto(`${server.base}/meetings`);
  if (page.url().includes("/login")) {
    await login(page, server.base, "dongbeicun.resident");
    await page.goto(`${server.base}/meetings`);
  }
  const card = page.locator("li.card", { hasText: "向阳街停车问题民主议事会" });
  await Promise.all([page.waitForURL(/\/meetings\/\d+$/), card.locator("a").first().click()]);
  assert.equal(await page.locator('[data-testid="item-1"] [data-testid="rounds"] > li').count(), 12);
  assert.equal((await page.textContent('[data-testid="minutes-phase"]')).trim(), "已定稿锁定");
  assert.match(await page.textContent('[data-testid="digest"]'), /[0-9a-f]{64}/);
  assert.equal(await page.locator('[data-testid="verified"]').count(), 1);
  await noSidewaysScroll(page, "the 向阳街 meeting");
  await shot(page, "deliberation-xiangyang-375.png");
  await Promise.all([page.waitForURL(/\/decisions\/\d+$/), page.click('[data-testid="decision-link"]')]);
  assert.match(await page.textContent('[data-testid="figures"]'), /68[\s\S]*43[\s\S]*20/);
  const steps = await page.locator('[data-testid="task-step"]').allTextContents();
  assert.ok(steps.length >= 3 && steps.every((s) => s.trim() === "已完成"), steps.join(","));
  assert.match(await page.textContent('[data-testid="rating"]'), /5/);
  await shot(page, "deliberation-xiangyang-decision-375.png");
  await page.close();
});
