// Screenshots of the main pages at phone (375 px) and desktop (1280 px) width, for looking at
// the pages by eye: `node e2e/screens.mjs` (after `cargo build -p jingzhi`). PNGs go to
// e2e/artifacts/screens/.
import fs from "node:fs";
import path from "node:path";
import { ARTIFACTS, launch, login, startServer } from "./lib.mjs";

const out = path.join(ARTIFACTS, "screens");
fs.mkdirSync(out, { recursive: true });
const server = await startServer();
try {
  const who = (role) => server.accounts.find((a) => a.role === role).username;
  for (const [w, h] of [
    [375, 812],
    [1280, 900],
  ]) {
    const b = await launch({ width: w, height: h });
    const page = await b.context.newPage();
    const shot = async (name) => {
      await page.screenshot({ path: path.join(out, `${name}-${w}.png`), fullPage: true });
      await page.screenshot({ path: path.join(out, `${name}-${w}-top.png`) });
    };
    await page.goto(`${server.base}/login`);
    await shot("login");
    await login(page, server.base, who("street-officer"));
    await shot("street-home");
    await page.click('svg.map a[href^="/nodes/"]');
    await page.waitForLoadState();
    await shot("community");
    await page.goto(`${server.base}/residents`);
    await shot("residents");
    const href = await page.locator("table.list tbody tr td:first-child a").first().getAttribute("href");
    await page.goto(server.base + href);
    await shot("resident");
    const hh = await page.locator('dl.facts a[href^="/households/"]').first().getAttribute("href");
    await page.click("details summary");
    await page.fill('input[name="reason"]', "e");
    await page.click('.sensitive button[type="submit"]');
    await page.waitForSelector(".field-error");
    await shot("unmask-error");
    await page.fill('input[name="reason"]', "核对低保材料");
    await page.click('.sensitive button[type="submit"]');
    await page.waitForSelector(".notice");
    await shot("unmask-done");
    await page.goto(server.base + href + "/edit");
    await shot("resident-edit");
    await page.goto(server.base + hh);
    await shot("household");
    await page.goto(`${server.base}/households`);
    await shot("households");
    await page.goto(`${server.base}/import`);
    await shot("import");
    await page.goto(`${server.base}/lang/en`);
    await page.goto(`${server.base}/`);
    await shot("home-en");
    await page.goto(`${server.base}/lang/zh`);
    await b.context.clearCookies();
    await login(page, server.base, who("auditor"));
    await page.goto(`${server.base}/audit`);
    await shot("audit");
    await page.goto(`${server.base}/residents/999999999`);
    await shot("not-found");
    await b.close();
  }
} finally {
  await server.stop();
}
console.log(`screenshots in ${out}`);
