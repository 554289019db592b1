// Helpers of the browser tests: start the real `jingzhi demo` binary on a free port with a fresh
// data directory, wait for /healthz, and launch Debian's Chromium through playwright-core (no
// browser download, nothing fetched from outside the machine).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ARTIFACTS = path.join(ROOT, "e2e", "artifacts");
export const PASSWORD = "e2e-pass-123";
const BINARY = process.env.JINGZHI_BIN || path.join(ROOT, "target", "debug", "jingzhi");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Start `jingzhi demo` and wait until it answers /healthz. */
export async function startServer({ scale = "0.003", seed = "7", timeoutMs = 300_000 } = {}) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "jingzhi-e2e-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = "";
  const proc = spawn(
    BINARY,
    ["demo", "--scale", scale, "--seed", seed, "--data", data, "--listen", `127.0.0.1:${port}`, "--demo-password", PASSWORD],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" } },
  );
  const keep = (b) => {
    log += b.toString();
    if (log.length > 20_000) log = log.slice(-20_000);
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  let exited = null;
  proc.on("exit", (code, signal) => (exited = { code, signal }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`jingzhi demo exited early (${JSON.stringify(exited)}):\n${log}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`jingzhi demo did not answer /healthz within ${timeoutMs} ms:\n${log}`);
    }
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const accounts = JSON.parse(fs.readFileSync(path.join(data, "demo-accounts.json"), "utf8"));
  const stop = async () => {
    if (!exited) {
      proc.kill("SIGTERM");
      await new Promise((r) => {
        const t = setTimeout(() => {
          proc.kill("SIGKILL");
          r();
        }, 5000);
        proc.on("exit", () => {
          clearTimeout(t);
          r();
        });
      });
    }
    fs.rmSync(data, { recursive: true, force: true });
  };
  /** Run another `jingzhi` command on the same data (e.g. `transparency publish`). */
  const run = (args) => {
    const r = spawnSync(BINARY, [...args, "--data", data], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`jingzhi ${args.join(" ")}: ${r.status}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  return { base, data, accounts, stop, run, log: () => log };
}

/** A fresh headless Chromium profile with the given viewport. */
export async function launch(viewport = { width: 375, height: 812 }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "jingzhi-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    locale: "zh-CN",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** Sign in through the login form; ends on the page after login. */
export async function login(page, base, username) {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click('button[type="submit"]')]);
}

/** Open the phone header's menu (≤ 640 px, app.js) when it is folded; nothing on wider screens. */
export async function openMenu(page) {
  const toggle = page.locator("[data-menu-toggle]");
  if ((await toggle.isVisible()) && (await toggle.getAttribute("aria-expanded")) !== "true") {
    await toggle.click();
  }
}

/** Follow a link of the main nav (through the phone menu when folded). */
export async function navTo(page, href) {
  await openMenu(page);
  await Promise.all([page.waitForURL((u) => u.pathname === href), page.click(`nav.nav a[href="${href}"]`)]);
}

/** Sign out with the header's button (in the phone menu when folded). */
export async function logout(page) {
  await openMenu(page);
  await Promise.all([page.waitForURL(/\/login/), page.click('form[action="/logout"] button')]);
}

/** Fail when the page scrolls sideways (wider than the window). */
export async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`sideways scrolling on ${what} (${overflow}px too wide)`);
}

/** A new page of `browser` signed out (its context keeps the last test's cookies otherwise). */
export async function signedOut(browser) {
  await browser.context.clearCookies();
  return browser.context.newPage();
}
