// Launches the machine's Chromium (Debian's `chromium` package) with playwright-core: no browser
// download ever. Each launch gets a fresh profile directory, removed on close.
//
//   const browser = await launchBrowser();
//   const page = await browser.newPage({ viewport: DESKTOP });
//   …
//   await browser.close();
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const CANDIDATES = [process.env.PASSPIX_CHROMIUM, process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].filter(
  Boolean,
);

export function chromiumPath() {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`No Chromium found (looked at ${CANDIDATES.join(", ")}). Install it: apt-get install -y chromium (or set PASSPIX_CHROMIUM).`);
  }
  return found;
}

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--hide-scrollbars",
  "--font-render-hinting=none",
];

/**
 * chromium.launch gives every run a fresh, temporary --user-data-dir (removed on close); every
 * page gets its own context, so sessionStorage and caches never leak between tests.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ARGS,
    ignoreDefaultArgs: ["--enable-automation"],
    timeout: 60_000,
  });
  return {
    browser,
    /** @param {{ viewport?: {width:number,height:number}, deviceScaleFactor?: number, isMobile?: boolean, hasTouch?: boolean }} [opts] */
    async newPage({ viewport = DESKTOP, deviceScaleFactor = 1, isMobile = false, hasTouch = false } = {}) {
      const ctx = await browser.newContext({ viewport, deviceScaleFactor, isMobile, hasTouch, acceptDownloads: true });
      return ctx.newPage();
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Where screenshots go during tests (gitignored). */
export const ARTIFACTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../test-artifacts");

export async function screenshot(page, name, { fullPage = false } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  // Toasts come and go; they are not part of the page being pictured. (Hidden through the CSSOM:
  // the pages' CSP refuses injected stylesheets, so playwright's `style` option cannot be used.)
  await hide(page, ".toasts");
  await page.screenshot({ path: file, fullPage, animations: "disabled", caret: "hide" });
  await hide(page, ".toasts", false);
  return file;
}

/** Hides (or shows again) the elements matching `selector` for a screenshot. */
export async function hide(page, selector, hidden = true) {
  await page.evaluate(
    ([sel, on]) => {
      for (const el of document.querySelectorAll(sel)) el.style.visibility = on ? "hidden" : "";
    },
    [selector, hidden],
  );
}

/** Polls until fn() stops throwing (a retrying assertion: playwright-core has no expect()). */
export async function eventually(fn, { timeout = 20_000, interval = 100 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}
