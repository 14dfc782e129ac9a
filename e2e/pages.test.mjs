// The pages people use, in a real browser (Debian's chromium through playwright-core) against a
// real `wrangler dev` with empty state: sign-in, the Profile Pictures flow with a real folder of
// photos (upload → preview → submit → progress → report → Enable → Undo), one student's photo
// (replace / delete / restore), the students list, and the teacher's pass view with the hide switch.
//
//   node --test e2e/pages.test.mjs        (npm run test:e2e runs every e2e file)
//
// Screenshots of every page (desktop 1280×800 and phone 390×844) go to test-artifacts/.
// PASSPIX_UPDATE_SCREENSHOTS=1 also copies the README ones to docs/screenshots/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import { DEMO_STUDENTS, demoImportRows } from "../scripts/demo-roster.mjs";
import { portraitJpeg, portraitPng } from "../scripts/lib/portrait.mjs";
import { startServer } from "./harness.mjs";
import { ARTIFACTS, DESKTOP, PHONE, eventually, hide, launchBrowser, screenshot } from "./lib/browser.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ORG = "demo";
const T = { timeout: 180_000 };
/** The largest zip the server takes whole in these tests (MAX_ARCHIVE_BODY_BYTES), as Cloudflare's 100 MB is in production. */
const ARCHIVE_CAP = 256 * 1024;

/** Students in the folder of photos (ids from scripts/demo-roster.mjs; stu_1013 opted out). */
const PHOTO_IDS = [
  "stu_1001",
  "stu_1002",
  "stu_1003",
  "stu_1004",
  "stu_1005",
  "stu_1006",
  "stu_1008",
  "stu_1012",
  "stu_1013",
  "stu_1015",
  "stu_1017",
  "stu_1022",
];
const BIG_INDEX = 2; // IMG_0003.jpg: a 12 MP picture the browser must make smaller (the server takes ≤ 7 MP)
const student = (id) => DEMO_STUDENTS.find((s) => s.id === id);
const nameOf = (id) => `${student(id).first_name} ${student(id).last_name}`;

let server;
let browser;
let admin;
let teacher;
let work;
let folder;
let mappingCsv;

/** A folder as a photographer delivers it: a sub-folder per grade, IMG_ numbers, one extra picture. */
function writePhotoFolder(dir) {
  const root = path.join(dir, "Class photos 2026");
  mkdirSync(path.join(root, "Grade 9"), { recursive: true });
  const rows = [["student", "file"]];
  PHOTO_IDS.forEach((id, i) => {
    const s = student(id);
    const base = `IMG_${String(i + 1).padStart(4, "0")}.jpg`;
    const rel = s.grade === "9" ? path.join("Grade 9", base) : base;
    const big = i === BIG_INDEX ? { width: 3000, height: 4000, quality: 92 } : {};
    writeFileSync(path.join(root, rel), portraitJpeg({ seed: `e2e:${id}`, look: s.portrait, ...big }));
    rows.push([i % 2 ? s.sis_id : s.email, base]); // emails and school ids, as schools mix them
  });
  rows.push(["jordan.doe@demo.passpix.school", "IMG_0040.jpg"]); // not in the roster, file not delivered
  writeFileSync(path.join(root, "IMG_0099.jpg"), portraitJpeg({ seed: "e2e:extra" })); // in no row
  const csv = path.join(dir, "mapping.csv");
  writeFileSync(csv, `${rows.map((r) => r.join(",")).join("\r\n")}\r\n`);
  return { root, csv };
}

async function api(method, p, { token = admin, json } = {}) {
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(json ? { "Content-Type": "application/json" } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function open(pathname, { token, viewport = DESKTOP, mobile = false } = {}) {
  const page = await browser.newPage({ viewport, isMobile: mobile, hasTouch: mobile });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    // a 4xx the page handles (e.g. 409 nothing_to_restore) is logged by the browser; not a page error
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.errors = errors;
  await page.goto(`${server.url}${pathname}${token ? `#token=${token}` : ""}`);
  return page;
}

async function close(page) {
  assert.deepEqual(page.errors, [], "no script errors on the page");
  await page.context().close();
}

const visible = (locator, timeout = 15_000) => locator.first().waitFor({ state: "visible", timeout });

/** Presses Tab until the focused control's text or label is `name` (keyboard operability). */
async function tabTo(page, name, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el) return "";
      const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : "";
      return (el.getAttribute("aria-label") || label || el.textContent || "").trim();
    });
    if (focused === name) return;
  }
  throw new Error(`Tab never reached ${JSON.stringify(name)}`);
}

/**
 * Every input, select and textarea on the page has an accessible name (WCAG 4.1.2): from
 * aria-labelledby, aria-label, a <label> or a title. Hidden file inputs too: checkers and some
 * screen readers still meet them. Placeholders do not count (they vanish once something is typed).
 */
async function assertInputsNamed(page, where) {
  const unnamed = await page.evaluate(() => {
    const text = (s) => (s ?? "").replace(/\s+/g, " ").trim();
    const nameOf = (el) =>
      text(
        (el.getAttribute("aria-labelledby") ?? "")
          .split(/\s+/)
          .filter(Boolean)
          .map((id) => document.getElementById(id)?.textContent ?? "")
          .join(" "),
      ) ||
      text(el.getAttribute("aria-label")) ||
      text([...(el.labels ?? [])].map((l) => l.textContent).join(" ")) ||
      text(el.getAttribute("title"));
    return [...document.querySelectorAll("input:not([type=hidden]), select, textarea")].filter((el) => !nameOf(el)).map((el) => el.outerHTML.slice(0, 200));
  });
  assert.deepEqual(unnamed, [], `inputs without an accessible name on ${where}`);
}

/** A screenshot of each state of each page; every one is also checked for unnamed inputs. */
async function shot(page, name, opts) {
  await assertInputsNamed(page, name);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(150);
  return screenshot(page, name, opts);
}

/** One part of the page, without the sticky header or passing toasts over it. */
async function shotOf(locator, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await hide(locator.page(), ".topbar, .toasts");
  await locator.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), animations: "disabled" });
  await hide(locator.page(), ".topbar, .toasts", false);
}

before(async () => {
  server = await startServer({ vars: { MAX_ARCHIVE_BODY_BYTES: String(ARCHIVE_CAP) } });
  admin = await server.token(ORG, "admin", "ms-okafor");
  teacher = await server.token(ORG, "teacher", "mr-haddad");
  await api("POST", "/v1/students/import", { json: { students: demoImportRows() } });
  work = mkdtempSync(path.join(tmpdir(), "passpix-pages-"));
  ({ root: folder, csv: mappingCsv } = writePhotoFolder(work));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (process.env.PASSPIX_UPDATE_SCREENSHOTS) {
    const docs = path.join(ROOT, "docs", "screenshots");
    mkdirSync(docs, { recursive: true });
    for (const name of ["profile-pictures", "profile-pictures-preview", "profile-pictures-report", "students", "student", "passes", "passes-phone"]) {
      const to = path.join(docs, `${name}.png`);
      copyFileSync(path.join(ARTIFACTS, `${name}.png`), to);
      // Smaller files for the repository when pngquant is installed (apt-get install pngquant).
      spawnSync("pngquant", ["--quality=80-95", "--speed", "1", "--strip", "--force", "--output", to, "--", to]);
    }
  }
});

describe("pages", { concurrency: false }, () => {
  test("the shells: strict CSP and security headers; static assets with nosniff", T, async () => {
    for (const p of ["/", "/admin/profile-pictures", "/admin/students", "/admin/students/stu_1001", "/passes"]) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get("content-type"), /^text\/html/);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /img-src 'self' data: blob:/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      assert.doesNotMatch(await res.text(), /<script>|style=/, "no inline script or style");
    }
    for (const [p, type] of [
      ["/assets/app.js", /javascript/],
      ["/assets/app.css", /css/],
    ]) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get("content-type"), type);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    }
  });

  test("sign-in: a #token= is kept in sessionStorage only; no token asks for one; 401 and 403 say what to do", T, async () => {
    // No token: the form.
    let page = await open("/admin/profile-pictures");
    await visible(page.getByRole("heading", { name: "Sign in to passpix" }));
    await shot(page, "signin");
    await page.getByLabel("Access token").fill("not a token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await visible(page.getByText("That does not look like a passpix token"));
    await page.getByLabel("Access token").fill(admin);
    await page.getByRole("button", { name: "Sign in" }).click();
    await visible(page.getByRole("heading", { name: "Profile Pictures", level: 1 }));
    await close(page);

    // #token=: stored for the tab, removed from the address bar, never a cookie.
    page = await open("/admin/students", { token: admin });
    await visible(page.getByRole("heading", { name: "Students", level: 1 }));
    assert.equal(new URL(page.url()).hash, "");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("passpix.token")), admin);
    assert.equal(await page.evaluate(() => document.cookie), "");
    assert.equal((await page.context().cookies()).length, 0);
    await close(page);

    // A token the server refuses (bad signature) → back to the form, with the API's message.
    const forged = `${admin.slice(0, admin.lastIndexOf(".") + 1)}${"A".repeat(43)}`;
    page = await open("/admin/profile-pictures", { token: forged });
    await visible(page.getByRole("heading", { name: "Sign in to passpix" }));
    await visible(page.getByRole("alert").filter({ hasText: /invalid or has expired/ }));
    assert.equal(await page.evaluate(() => sessionStorage.getItem("passpix.token")), null);
    await close(page);

    // A teacher on an admin page.
    page = await open("/admin/students", { token: teacher });
    await visible(page.getByRole("heading", { name: "This page needs an admin account" }));
    await visible(page.getByRole("link", { name: "Go to the pass view" }));
    await close(page);

    // The phone layout of the form.
    page = await open("/passes", { viewport: PHONE, mobile: true });
    await visible(page.getByRole("heading", { name: "Sign in to passpix" }));
    await shot(page, "signin-phone");
    await close(page);
  });

  test("Profile Pictures: folder + mapping → preview → submit → progress → report → Enable", T, async () => {
    const page = await open("/admin/profile-pictures", { token: admin });
    await visible(page.getByRole("heading", { name: "Not set up yet" }));
    await visible(page.getByRole("meter", { name: "photo coverage" }));
    await visible(page.getByText("0 of 38 students have a photo"));
    await shot(page, "profile-pictures-empty");

    await tabTo(page, "Set up"); // keyboard only
    await page.keyboard.press("Enter");
    await visible(page.getByRole("heading", { name: "New upload" }));

    // The template, fetched with the token and saved through a blob link.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download template" }).click()]);
    assert.equal(download.suggestedFilename(), "passpix-mapping-template.csv");
    assert.match(readFileSync(await download.path(), "utf8"), /student,file/);

    // The mapping file and the folder, as a person picks them.
    await page.getByLabel("Mapping file").setInputFiles(mappingCsv);
    await page.getByLabel("Photos", { exact: true }).setInputFiles(folder);

    const upload = page.getByRole("progressbar", { name: /Uploading photos|Photos uploaded/ });
    await visible(upload);
    for (const attr of ["aria-valuenow", "aria-valuemin", "aria-valuemax"]) assert.notEqual(await upload.getAttribute(attr), null, attr);
    await eventually(async () => assert.equal(await page.getByRole("progressbar", { name: "Photos uploaded" }).getAttribute("aria-valuenow"), "100"), {
      timeout: 60_000,
    });
    await visible(page.getByText("13 of 13 files"));
    await visible(page.getByText("1 large picture was made smaller before sending."));

    // The live preview, in plain words, before anything changes.
    const submit = page.getByRole("button", { name: "Submit upload" });
    await eventually(async () => assert.equal(await submit.isEnabled(), true), { timeout: 30_000 });
    const preview = page.getByRole("region", { name: "Review before submitting" });
    await visible(preview.getByText("photos ready to add"));
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a user reads, which is what this asserts
    assert.match(await preview.innerText(), /11\s*photos ready to add/);
    await visible(preview.getByText("Student not found"));
    await visible(preview.getByText("Family opted out of photos"));
    await visible(preview.getByText("Pictures not named in the mapping file"));
    await visible(preview.getByText("11 photos will be added; 1 row with problems will be skipped."));
    await shot(page, "profile-pictures-preview-full", { fullPage: true });
    await shotOf(page.locator(".compose"), "profile-pictures-preview");

    // Submit → a processing bar → the report (nothing was submitted before this click).
    assert.equal((await api("GET", "/v1/integration")).photo_count, 0);
    await submit.click();
    const processing = page.getByRole("progressbar", { name: "Processing photos" });
    await visible(processing, 30_000);
    assert.notEqual(await processing.getAttribute("aria-valuenow"), null);
    await shot(page, "profile-pictures-processing");
    await visible(page.getByRole("heading", { name: "11 photos added" }), 90_000);
    await visible(page.getByText("Completed with problems").first());

    // The report: one line per mapping row; filter to problems; CSV download.
    const table = page.locator(".report-table");
    await eventually(async () => assert.equal(await table.locator("tbody tr").count(), 13));
    await visible(table.getByRole("link", { name: new RegExp(nameOf("stu_1003")) })); // the 12 MP one, resized, processed
    const bigRow = table.locator("tbody tr").filter({ hasText: "IMG_0003.jpg" });
    await visible(bigRow.getByText("Added"));
    await page.getByLabel(/Only rows with problems/).check();
    await eventually(async () => assert.equal(await table.locator("tbody tr").count(), 1));
    await visible(table.getByText("Student not found"));
    await page.getByLabel(/Only rows with problems/).uncheck();
    const [report] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download report (CSV)" }).click()]);
    const reportCsv = readFileSync(await report.path(), "utf8");
    assert.match(reportCsv, /row,identifier,file,student_id,status,code,message/);
    assert.equal(reportCsv.trim().split(/\r?\n/).length, 14);

    // Enable: teachers see photos.
    await page.getByRole("button", { name: "Enable" }).click();
    await visible(page.getByRole("heading", { name: "Photos are on" }));
    await visible(page.getByRole("button", { name: "Disable photos" }));
    await visible(page.getByText("11 of 38 students have a photo"));
    assert.equal((await api("GET", "/v1/integration")).enabled, true);
    await page.mouse.move(1, 1);
    await shot(page, "profile-pictures");
    await shotOf(page.locator(".report"), "profile-pictures-report");
    await shot(page, "profile-pictures-report-full", { fullPage: true });

    // History lists it.
    const history = page.locator("#history");
    await visible(history.getByText("Completed with problems"));
    await close(page);

    // The phone layout.
    const phone = await open("/admin/profile-pictures", { token: admin, viewport: PHONE, mobile: true });
    await visible(phone.getByRole("heading", { name: "11 photos added" }));
    await shot(phone, "profile-pictures-phone");
    assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), PHONE.width, "no sideways scrolling at 390 px");
    await close(phone);
  });

  test("Profile Pictures: closing the tab loses nothing; a draft is resumed, then cancelled", T, async () => {
    let page = await open("/admin/profile-pictures", { token: admin });
    await page.getByRole("button", { name: "New upload" }).click();
    const one = path.join(work, "one");
    mkdirSync(one, { recursive: true });
    writeFileSync(path.join(one, `${student("stu_1010").sis_id}.jpg`), portraitJpeg({ seed: "e2e:draft" }));
    await page.getByLabel("Photos", { exact: true }).setInputFiles(one);
    await eventually(async () => assert.equal(await page.getByRole("button", { name: "Submit upload" }).isEnabled(), true), { timeout: 30_000 });
    await visible(page.getByText("No mapping file: pictures named after a student's school ID or email are matched to that student."));
    await close(page);

    page = await open("/admin/profile-pictures", { token: admin });
    await visible(page.getByRole("heading", { name: "Finish your upload" }));
    await visible(page.getByRole("button", { name: "Submit upload" }));
    await page.getByRole("button", { name: "Cancel upload" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel this upload?" });
    await visible(dialog);
    await dialog.getByRole("button", { name: "Cancel upload" }).click();
    await eventually(async () => assert.equal(await page.getByRole("heading", { name: "Finish your upload" }).count(), 0));
    await visible(page.getByRole("button", { name: "New upload" }));
    await close(page);
  });

  test("Profile Pictures: failed files are retried automatically, then with Retry failed files", T, async () => {
    const page = await open("/admin/profile-pictures", { token: admin });
    await page.getByRole("button", { name: "New upload" }).click();
    const dir = path.join(work, "flaky");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${student("stu_1014").sis_id}.jpg`), portraitJpeg({ seed: "e2e:ok" }));
    writeFileSync(path.join(dir, "flaky.jpg"), portraitJpeg({ seed: "e2e:flaky" }));
    writeFileSync(path.join(dir, "broken.jpg"), portraitJpeg({ seed: "e2e:broken" }));
    const seen = new Map();
    await page.route("**/v1/uploads/*/files/*", (route) => {
      const name = decodeURIComponent(new URL(route.request().url()).pathname.split("/").pop());
      seen.set(name, (seen.get(name) ?? 0) + 1);
      if (name === "flaky.jpg" && seen.get(name) === 1) return route.abort("connectionreset"); // once
      if (name === "broken.jpg")
        return route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "unavailable", message: "The service is busy. Try again in a moment." } }),
        });
      return route.continue();
    });
    await page.getByLabel("Photos", { exact: true }).setInputFiles(dir);
    const retry = page.getByRole("button", { name: "Retry failed files" });
    await visible(retry, 30_000);
    await visible(page.getByText("2 of 3 files · 1 failed"));
    await visible(page.getByText("The service is busy. Try again in a moment."));
    assert.equal(seen.get("flaky.jpg"), 2, "retried once by itself");
    assert.equal(seen.get("broken.jpg"), 4, "tried 4 times with backoff before asking");
    await page.unroute("**/v1/uploads/*/files/*");
    await retry.click();
    await visible(page.getByText("3 of 3 files"));
    await eventually(async () => assert.equal(await page.getByRole("button", { name: "Retry failed files" }).count(), 0));
    await visible(page.getByText("3 files received"));

    // Cancel it: the next tests expect the finished upload to be the latest.
    await page.getByRole("button", { name: "Cancel upload" }).click();
    await page.getByRole("dialog", { name: "Cancel this upload?" }).getByRole("button", { name: "Cancel upload" }).click();
    await visible(page.getByRole("button", { name: "New upload" }));
    await close(page);
  });

  test("Profile Pictures: a zip file is unpacked and previewed", T, async () => {
    const page = await open("/admin/profile-pictures", { token: admin });
    await page.getByRole("button", { name: "New upload" }).click();
    const zip = path.join(work, "photos.zip");
    writeFileSync(
      zip,
      zipSync({
        "Photos/Grade 10/": new Uint8Array(0),
        [`Photos/Grade 10/${student("stu_1010").sis_id}.jpg`]: portraitJpeg({ seed: "e2e:zip1" }),
        [`Photos/Grade 10/${student("stu_1014").sis_id}.jpg`]: portraitJpeg({ seed: "e2e:zip2" }),
      }),
    );
    await page.getByLabel("Zip file").setInputFiles(zip);
    const preview = page.getByRole("region", { name: "Review before submitting" });
    await visible(preview.getByText("photos ready to add"), 60_000);
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a user reads, which is what this asserts
    assert.match(await preview.innerText(), /2\s*photos ready to add/);
    await visible(page.getByText("2 of 2 files"));
    await visible(page.getByText("photos.zip unpacked."));
    await page.getByRole("button", { name: "Cancel upload" }).click();
    await page.getByRole("dialog", { name: "Cancel this upload?" }).getByRole("button", { name: "Cancel upload" }).click();
    await visible(page.getByRole("button", { name: "New upload" }));
    await close(page);
  });

  test("a student's photo: replace (file picker), delete, restore; Restore offered only when there is something to restore", T, async () => {
    const page = await open("/admin/students", { token: admin });
    await page.getByLabel("Search students").fill("Okafor");
    const link = page.getByRole("link", { name: nameOf("stu_1001") });
    await visible(link);
    await eventually(async () => assert.equal(await page.locator(".students-table tbody tr").count(), 1));
    await link.click();

    await visible(page.getByRole("heading", { name: nameOf("stu_1001"), level: 1 }));
    const photo = page.getByRole("img", { name: nameOf("stu_1001") });
    await visible(photo);
    await eventually(async () => assert.ok(await photo.evaluate((img) => img.complete && img.naturalWidth === 320)));
    const before = await photo.getAttribute("src");

    // The actions appear on hover and on keyboard focus.
    const replaceBtn = page.getByRole("button", { name: "Replace photo" });
    await replaceBtn.focus();
    await eventually(async () => assert.equal(await page.locator(".photo-actions").evaluate((el) => getComputedStyle(el).opacity), "1"));
    await page.mouse.move(0, 0);
    await page.getByRole("heading", { level: 1 }).click();
    await photo.hover();
    await page.waitForTimeout(250);
    await shot(page, "student");

    const png = path.join(work, "new-photo.png");
    writeFileSync(png, portraitPng({ seed: "e2e:replacement" }));
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), replaceBtn.click()]);
    await chooser.setFiles(png);
    await visible(page.getByText("Photo replaced."));
    await eventually(async () => assert.notEqual(await page.getByRole("img", { name: nameOf("stu_1001") }).getAttribute("src"), before));

    await page.getByRole("button", { name: "Delete photo" }).click();
    await visible(page.getByText("Photo deleted."));
    assert.equal(await page.getByRole("img", { name: nameOf("stu_1001") }).count(), 0);
    await visible(page.getByRole("button", { name: "Add photo" }));

    await page.getByRole("button", { name: "Restore photo" }).click();
    await visible(page.getByText("The previous photo is back."));
    await visible(page.getByRole("img", { name: nameOf("stu_1001") }));
    // The deleted photo is back and it replaced nothing: there is nothing left to restore.
    assert.equal(await page.getByRole("button", { name: "Restore photo" }).count(), 0, "Restore is offered only when can_restore");

    // A picture dropped onto the photo replaces it.
    const restoredSrc = await page.getByRole("img", { name: nameOf("stu_1001") }).getAttribute("src");
    const bytes = [...portraitJpeg({ seed: "e2e:dropped" })];
    const dataTransfer = await page.evaluateHandle((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], "dropped.jpg", { type: "image/jpeg" }));
      return dt;
    }, bytes);
    await page.locator(".photo-frame").dispatchEvent("dragover", { dataTransfer });
    await page.locator(".photo-frame").dispatchEvent("drop", { dataTransfer });
    await visible(page.getByText("Photo replaced."));
    await eventually(async () => assert.notEqual(await page.getByRole("img", { name: nameOf("stu_1001") }).getAttribute("src"), restoredSrc));
    await visible(page.getByRole("button", { name: "Restore photo" })); // the replaced one can come back
    await close(page);

    // A student who never had a photo: nothing to restore, so no Restore photo (it would only 409).
    assert.equal((await api("GET", `/v1/students/${student("stu_1007").id}`)).can_restore, false);
    const none = await open(`/admin/students/${student("stu_1007").id}`, { token: admin });
    await visible(none.getByRole("button", { name: "Add photo" }));
    assert.equal(await none.getByRole("button", { name: "Restore photo" }).count(), 0);
    await shot(none, "student-no-photo");
    await close(none);

    const phone = await open(`/admin/students/${student("stu_1001").id}`, { token: admin, viewport: PHONE, mobile: true });
    await visible(phone.getByRole("img", { name: nameOf("stu_1001") }));
    await shot(phone, "student-phone");
    await close(phone);
  });

  // Chromium's createImageBitmap ignores a WebP's EXIF orientation: the page reads it itself
  // (src/web/lib/orientation.ts) so that a large WebP is resized upright (issue 9).
  test("a student's photo: a large WebP with EXIF orientation 6 is resized in the browser and arrives upright", T, async () => {
    const sharp = (await import("sharp")).default;
    // Stored 2000×1600 (3.2 MP, over the page's resize threshold), left half red, right half blue;
    // turned 90° clockwise (orientation 6) it shows 1600×2000 with red on top, blue below.
    const [sw, sh] = [2000, 1600];
    const raw = Buffer.alloc(sw * sh * 3);
    // Noise, so the file is over the 200 KB below which the page does not even decode a picture.
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 27) - 16;
    };
    for (let y = 0; y < sh; y++)
      for (let x = 0; x < sw; x++)
        raw.set(
          (x < sw / 2 ? [220, 30, 30] : [30, 30, 220]).map((v) => v + noise()),
          (y * sw + x) * 3,
        );
    const webp = await sharp(raw, { raw: { width: sw, height: sh, channels: 3 } })
      .webp({ quality: 90 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const file = path.join(work, "turned.webp");
    writeFileSync(file, webp);

    const id = student("stu_1030").id;
    const page = await open(`/admin/students/${id}`, { token: admin });
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.getByRole("button", { name: "Add photo" }).click()]);
    await chooser.setFiles(file);
    await visible(page.getByText("Photo added."));
    await close(page);

    const full = await fetch((await api("GET", `/v1/students/${id}`)).photo.urls.full);
    const { data, info } = await sharp(Buffer.from(await full.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [800, 1000], "upright: portrait, not sideways");
    const at = (x, y) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [top, bottom] = [at(400, 200), at(400, 800)];
    assert.ok(top[0] > 150 && top[2] < 100, `red on top, got ${top}`);
    assert.ok(bottom[2] > 150 && bottom[0] < 100, `blue below, got ${bottom}`);
    // Leave the school's photo count as the later tests expect it.
    await api("DELETE", `/v1/students/${id}/photo`);
  });

  test("students: paging through the roster, search, the missing-photo filter with its CSV", T, async () => {
    // 65 students: a first page of 50, then "Show more students" (the API's cursor).
    const extra = Array.from({ length: 25 }, (_, i) => ({
      id: `stu_9${String(i).padStart(3, "0")}`,
      email: `extra.${i}@demo.passpix.school`,
      first_name: "Extra",
      last_name: `Student ${i + 1}`,
      grade: "12",
    }));
    await api("POST", "/v1/students/import", { json: { students: extra } });
    try {
      const paged = await open("/admin/students", { token: admin });
      await visible(paged.getByText("Showing 50 students (more below)"));
      await paged.getByRole("button", { name: "Show more students" }).click();
      await visible(paged.getByText("Showing 65 students"));
      assert.equal(await paged.locator(".students-table tbody tr").count(), 65);
      assert.equal(await paged.getByRole("button", { name: "Show more students" }).count(), 0);
      await close(paged);
    } finally {
      for (const s of extra) await api("DELETE", `/v1/students/${s.id}`);
    }

    const page = await open("/admin/students", { token: admin });
    await visible(page.getByText("Showing 40 students"));
    await eventually(async () => assert.ok((await page.locator(".students-table img").count()) >= 10));
    await shot(page, "students");

    await page.getByRole("radio", { name: "Missing photo" }).check();
    await eventually(() => assert.match(page.url(), /has_photo=false/));
    await visible(page.getByText(/Showing \d+ students without a photo/));
    assert.equal(await page.locator(".students-table img").count(), 0);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Missing photos (CSV)" }).click()]);
    const csv = readFileSync(await download.path(), "utf8");
    assert.match(csv, /id,email,sis_id,first_name,last_name,grade,homeroom/);
    assert.ok(!csv.includes(student("stu_1001").email), "a student with a photo is not on the retake list");

    await page.getByLabel("Search students").fill("no such student at all");
    await visible(page.getByText("No students found"));
    await close(page);

    const phone = await open("/admin/students", { token: admin, viewport: PHONE, mobile: true });
    await visible(phone.getByText("Showing 40 students"));
    await shot(phone, "students-phone");
    assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), PHONE.width);
    await close(phone);
  });

  test("pass view: photos from one lookup call; Hide profile pictures hides them and stays hidden after a reload", T, async () => {
    const page = await open("/passes", { token: teacher });
    const calls = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/v1/")) calls.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await page.reload();
    await visible(page.getByRole("heading", { name: "Active passes" }));
    const cards = page.locator(".pass-card");
    await eventually(async () => assert.equal(await cards.count(), 9));
    // 8 of the 9 sample students have a photo; Fatima's family opted out: her initials instead.
    const photos = page.locator(".pass-card img");
    await eventually(async () => assert.equal(await photos.count(), 8));
    await visible(page.getByRole("img", { name: nameOf("stu_1001") }));
    await eventually(async () => assert.ok(await photos.evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth === 128))));
    await visible(cards.filter({ hasText: nameOf("stu_1013") }).locator(".avatar-initials"));
    assert.deepEqual(
      calls.filter((c) => c.startsWith("POST /v1/photos")),
      ["POST /v1/photos/lookup"],
      "one lookup call for every pass",
    );
    assert.equal(calls.filter((c) => c.includes("/v1/students")).length, 0);
    await shot(page, "passes");

    const hide = page.getByRole("switch", { name: "Hide profile pictures" });
    assert.equal(await hide.isChecked(), false);
    await hide.click();
    await eventually(async () => assert.equal(await photos.count(), 0));
    await visible(page.getByText("You have hidden profile pictures."));
    await visible(page.getByText(nameOf("stu_1001"))); // names stay
    assert.equal((await api("GET", "/v1/me/preferences", { token: teacher })).hide_profile_pictures, true);
    await shot(page, "passes-hidden");

    await page.reload();
    await visible(page.getByRole("heading", { name: "Active passes" }));
    await eventually(async () => assert.equal(await page.getByRole("switch", { name: "Hide profile pictures" }).isChecked(), true));
    await eventually(async () => assert.equal(await cards.count(), 9));
    assert.equal(await photos.count(), 0);

    await tabTo(page, "Hide profile pictures"); // keyboard: Space flips the switch
    await page.keyboard.press("Space");
    await eventually(async () => assert.equal(await photos.count(), 8));
    assert.equal((await api("GET", "/v1/me/preferences", { token: teacher })).hide_profile_pictures, false);
    await close(page);

    // Students handed over by the host app.
    const handed = await open(`/passes?students=${["stu_1022", "stu_1004", "stu_9999"].join(",")}`, { token: teacher });
    await eventually(async () => assert.equal(await handed.locator(".pass-card").count(), 3));
    await visible(handed.getByRole("img", { name: nameOf("stu_1022") }));
    await visible(handed.getByText("Unknown student"));
    await close(handed);

    // The school turns photos off: the teacher is told why there are none.
    await api("POST", "/v1/integration/disable");
    const off = await open("/passes", { token: teacher });
    await visible(off.getByText("Your school has turned profile pictures off."));
    await eventually(async () => assert.equal(await off.locator(".pass-card").count(), 9));
    assert.equal(await off.locator(".pass-card img").count(), 0);
    await close(off);
    await api("POST", "/v1/integration/enable");

    const phone = await open("/passes", { token: teacher, viewport: PHONE, mobile: true });
    await eventually(async () => assert.equal(await phone.locator(".pass-card img").count(), 8));
    await eventually(async () => assert.ok(await phone.locator(".pass-card img").evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0))));
    await shot(phone, "passes-phone");
    assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), PHONE.width);
    await close(phone);
  });

  test("Profile Pictures: Undo this upload (with confirmation) and Disable photos", T, async () => {
    const page = await open("/admin/profile-pictures", { token: admin });
    await visible(page.getByRole("heading", { name: "11 photos added" }));
    await page.getByRole("button", { name: "Undo this upload" }).click();
    const dialog = page.getByRole("dialog", { name: "Undo this upload?" });
    await visible(dialog);
    await dialog.getByRole("button", { name: "Undo upload" }).click();
    await visible(page.getByRole("heading", { name: "This upload was undone" }));
    // stu_1001's photo was changed since (replaced, deleted, restored): it keeps its newer photo.
    await visible(page.getByText("1 of 38 students have a photo"));
    await visible(page.locator("#history").getByText("Undone"));

    await page.getByRole("button", { name: "Disable photos" }).click();
    await page.getByRole("dialog", { name: "Disable photos for teachers?" }).getByRole("button", { name: "Disable" }).click();
    await visible(page.getByRole("heading", { name: "Photos are ready to turn on" }));
    await visible(page.getByRole("button", { name: "Enable" }));
    assert.equal((await api("GET", "/v1/integration")).enabled, false);
    await close(page);
  });

  // Last: it ends with a finished upload, which the tests above do not expect as the latest.
  test("Profile Pictures: a zip over the server's cap is unpacked in the browser; closing the tab midway resends nothing the server has", T, async () => {
    const ids = DEMO_STUDENTS.filter((s) => !s.photo_opt_out && Number(s.id.slice(4)) >= 1030)
      .slice(0, 6)
      .map((s) => s.id);
    const entries = {
      "Vendor/mapping.csv": new TextEncoder().encode(
        `student,file\n${ids.map((id, i) => `${student(id).email},Grade ${student(id).grade}/P${i}.jpg`).join("\n")}\n`,
      ),
    };
    ids.forEach((id, i) => {
      entries[`Vendor/Grade ${student(id).grade}/P${i}.jpg`] = portraitJpeg({ seed: `e2e:bigzip:${id}`, width: 600, height: 750, quality: 95 });
    });
    Object.assign(entries, {
      "Vendor/.DS_Store": new Uint8Array(8),
      "__MACOSX/Vendor/._P0.jpg": new Uint8Array(8),
      "Vendor/contact sheet.pdf": new Uint8Array(100),
    });
    const zipBytes = zipSync(entries, { level: 0 });
    assert.ok(zipBytes.byteLength > ARCHIVE_CAP, `the zip (${zipBytes.byteLength} bytes) is larger than the cap`);
    const zip = path.join(work, "vendor-delivery.zip");
    writeFileSync(zip, zipBytes);

    // The server refuses it whole, in the contract's shape.
    const probe = (await api("POST", "/v1/uploads")).upload.id;
    const refused = await fetch(`${server.url}/v1/uploads/${probe}/archive`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/zip" },
      body: zipBytes,
    });
    assert.equal(refused.status, 413);
    assert.match((await refused.json()).error.message, /Profile Pictures page/);
    await api("DELETE", `/v1/uploads/${probe}`);

    // First visit: the mapping and one photo get through, the rest hang; the tab is closed.
    const through = new Set(["Vendor/mapping.csv", `Vendor/Grade ${student(ids[0]).grade}/P0.jpg`]);
    let page = await open("/admin/profile-pictures", { token: admin });
    await page.route("**/v1/uploads/*/files/*", (route) => {
      const name = decodeURIComponent(new URL(route.request().url()).pathname.split("/").pop());
      if (through.has(name)) return route.continue();
      // never answered: the tab is closed while these are on their way
    });
    await page.getByRole("button", { name: "New upload" }).click();
    await page.getByLabel("Zip file").setInputFiles(zip);
    await visible(page.getByText("Unpacking vendor-delivery.zip on this computer"));
    const draft = await eventually(async () => {
      const [latest] = (await api("GET", "/v1/uploads?limit=1")).uploads;
      assert.ok(latest.id !== probe && latest.status === "draft");
      return latest;
    });
    await eventually(async () => assert.equal((await api("GET", `/v1/uploads/${draft.id}/files`)).files.length, 2), { timeout: 30_000 });
    await close(page);

    // Second visit: the same zip again; only what the server does not have is sent.
    page = await open("/admin/profile-pictures", { token: admin });
    await visible(page.getByRole("heading", { name: "Finish your upload" }));
    const sent = [];
    await page.route("**/v1/uploads/*/files/*", (route) => {
      sent.push(decodeURIComponent(new URL(route.request().url()).pathname.split("/").pop()));
      return route.continue();
    });
    await page.getByLabel("Zip file").setInputFiles(zip);
    await eventually(async () => assert.equal(await page.getByRole("progressbar", { name: "Photos uploaded" }).getAttribute("aria-valuenow"), "100"), {
      timeout: 60_000,
    });
    await visible(page.getByText(`${ids.length + 1} of ${ids.length + 1} files`));
    await visible(page.getByText("2 files were already received earlier and not sent again."));
    await visible(page.getByText("contact sheet.pdf"));
    assert.deepEqual(
      sent.sort(),
      ids
        .slice(1)
        .map((id, i) => `Vendor/Grade ${student(id).grade}/P${i + 1}.jpg`)
        .sort(),
      "junk, the PDF and what the server had were not sent",
    );

    // The mapping inside the zip is used as the server would use it; the photos process.
    const preview = page.getByRole("region", { name: "Review before submitting" });
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a user reads, which is what this asserts
    await eventually(async () => assert.match(await preview.innerText(), new RegExp(`${ids.length}\\s*photos ready to add`)), { timeout: 30_000 });
    await visible(preview.getByText(`Mapping file found among the files: ${ids.length} rows.`));
    await page.getByRole("button", { name: "Submit upload" }).click();
    await visible(page.getByRole("heading", { name: `${ids.length} photos added` }), 90_000);
    const done = await api("GET", `/v1/uploads/${draft.id}`);
    assert.equal(done.status, "completed", JSON.stringify(done.problems));
    assert.equal(done.counts.processed, ids.length);
    assert.equal(done.counts.files_received, ids.length, "the photos (the mapping file is not counted), no junk");
    await close(page);
  });
});
