import { launch, login } from "./lib.mjs";
const base = process.env.BASE;
const pages = JSON.parse(process.env.PAGES);
for (const w of [375, 1280]) {
  const b = await launch({ width: w, height: 1000 });
  let who = null;
  let page = await b.context.newPage();
  for (const [user, url, name] of pages) {
    if (user !== who) {
      await b.context.clearCookies();
      page = await b.context.newPage();
      if (user) await login(page, base, user);
      who = user;
    }
    const r = await page.goto(base + url);
    await page.screenshot({ path: `/tmp/shots/${name}-${w}.png` });
    console.log(name, w, r.status());
  }
  await b.close();
}
