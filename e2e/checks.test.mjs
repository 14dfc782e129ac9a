// Issue 13 in the pages: the report of an upload filters to rows with photo warnings and shows a
// possible duplicate with both students' thumbnails side by side; the student page lists the
// current photo's warnings and drops them with the photo (replaced or deleted); the status card
// counts photos with open warnings; a draft's preview already shows the warnings known without decoding.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { demoImportRows, DEMO_STUDENTS } from "../scripts/demo-roster.mjs";
import jpeg from "jpeg-js";
import { portraitJpeg, renderPortrait } from "../scripts/lib/portrait.mjs";
import { startServer } from "./harness.mjs";
import { DESKTOP, eventually, launchBrowser, screenshot } from "./lib/browser.mjs";

const ORG = "demo";
const T = { timeout: 180_000 };
let server;
let browser;
let admin;

async function api(method, p, { body, type } = {}) {
  const res = await fetch(`${server.url}${p}`, { method, headers: { Authorization: `Bearer ${admin}`, ...(type ? { "Content-Type": type } : {}) }, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

const [first, second, third, fourth, fifth] = DEMO_STUDENTS.slice(0, 5);
const nameOf = (s) => `${s.first_name} ${s.last_name}`;

/** A portrait with every channel through `f`: badly exposed (too dark, washed out). */
function exposedJpeg(seed, f) {
  const img = renderPortrait({ seed });
  const data = img.data.map((v, i) => (i % 4 === 3 ? v : Math.min(255, Math.round(f(v)))));
  return Buffer.from(jpeg.encode({ data, width: img.width, height: img.height }, 85).data);
}

before(async () => {
  server = await startServer();
  admin = await server.token(ORG, "admin", "checks-e2e");
  await api("POST", "/v1/students/import", { body: JSON.stringify({ students: demoImportRows() }), type: "application/json" });
  // The same picture for two students (a vendor's index shifted by one row), and a third one's own.
  const same = portraitJpeg({ seed: "e2e-checks:same" });
  const { upload } = await api("POST", "/v1/uploads");
  await api("PUT", `/v1/uploads/${upload.id}/files/a.jpg`, { body: same, type: "image/jpeg" });
  await api("PUT", `/v1/uploads/${upload.id}/files/b.jpg`, { body: same, type: "image/jpeg" });
  await api("PUT", `/v1/uploads/${upload.id}/files/c.jpg`, { body: portraitJpeg({ seed: "e2e-checks:own" }), type: "image/jpeg" });
  await api("PUT", `/v1/uploads/${upload.id}/mapping`, { body: `${first.email},a.jpg\n${second.email},b.jpg\n${third.email},c.jpg\n`, type: "text/csv" });
  await api("POST", `/v1/uploads/${upload.id}/submit`);
  await eventually(async () => assert.match((await api("GET", `/v1/uploads/${upload.id}`)).status, /^completed/));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe("photo checks in the pages", { concurrency: false }, () => {
  test("the report filters to rows with warnings and shows a duplicate's two students side by side", T, async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${server.url}/admin/profile-pictures#token=${admin}`);
    const filter = page.getByLabel(/Only rows with photo warnings \(1\)/);
    await filter.first().waitFor({ state: "visible", timeout: 20_000 });
    await filter.check();
    await eventually(async () => assert.equal(await page.locator(".report-table tbody tr").count(), 1));
    const pair = page.locator(".report-table .duplicate-pair");
    await eventually(async () => assert.equal(await pair.locator("img").count(), 2));
    assert.equal(await pair.locator("img").nth(0).getAttribute("alt"), nameOf(second));
    assert.equal(await pair.locator("img").nth(1).getAttribute("alt"), nameOf(first));
    await screenshot(page, "profile-pictures-warnings");
    await page.context().close();
  });

  test("the student page lists the current photo's warnings", T, async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${server.url}/admin/students/${second.id}#token=${admin}`);
    const list = page.getByRole("list", { name: "Photo warnings" });
    await list.waitFor({ state: "visible", timeout: 20_000 });
    assert.match(await list.textContent(), /Same picture as another student's/);
    assert.equal(await page.getByRole("link", { name: "Open the other student" }).getAttribute("href"), `/admin/students/${first.id}`);
    await page.goto(`${server.url}/admin/students/${third.id}#token=${admin}`);
    await page.getByRole("heading", { name: nameOf(third), level: 1 }).waitFor({ state: "visible", timeout: 20_000 });
    assert.equal(await page.getByRole("list", { name: "Photo warnings" }).count(), 0);
    await page.context().close();
  });

  test("the card counts photos with open warnings; a student's warnings go when the page replaces the photo with a clean one or deletes it", T, async () => {
    const dark = await api("PUT", `/v1/students/${fourth.id}/photo`, { body: exposedJpeg("e2e-checks:dark", (v) => v * 0.2), type: "image/jpeg" });
    assert.deepEqual(
      dark.photo.warnings.map((w) => w.code),
      ["too_dark"],
    );
    const bright = await api("PUT", `/v1/students/${fifth.id}/photo`, { body: exposedJpeg("e2e-checks:bright", (v) => v * 0.25 + 200), type: "image/jpeg" });
    assert.deepEqual(
      bright.photo.warnings.map((w) => w.code),
      ["too_bright"],
    );
    const page = await browser.newPage({ viewport: DESKTOP });
    // The duplicate from the first upload and these two.
    await page.goto(`${server.url}/admin/profile-pictures#token=${admin}`);
    await page.getByText("3 photos with warnings to check").waitFor({ state: "visible", timeout: 20_000 });

    // Replaced on the page by an ordinary portrait: the warning leaves with the photo.
    await page.goto(`${server.url}/admin/students/${fourth.id}#token=${admin}`);
    const list = page.getByRole("list", { name: "Photo warnings" });
    await list.waitFor({ state: "visible", timeout: 20_000 });
    assert.match(await list.textContent(), /Picture too dark/);
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.getByRole("button", { name: "Replace photo" }).click()]);
    await chooser.setFiles({ name: "retake.jpg", mimeType: "image/jpeg", buffer: portraitJpeg({ seed: "e2e-checks:retake" }) });
    await page.getByText("Photo replaced.").waitFor({ state: "visible", timeout: 20_000 });
    await eventually(async () => assert.equal(await list.count(), 0));

    // Deleted on the page: no photo, no warning.
    await page.goto(`${server.url}/admin/students/${fifth.id}#token=${admin}`);
    await list.waitFor({ state: "visible", timeout: 20_000 });
    assert.match(await list.textContent(), /Picture too bright/);
    await page.getByRole("button", { name: "Delete photo" }).click();
    await page.getByText("Photo deleted.").waitFor({ state: "visible", timeout: 20_000 });
    await eventually(async () => assert.equal(await list.count(), 0));

    await page.goto(`${server.url}/admin/profile-pictures#token=${admin}`);
    await page.getByText("1 photo with warnings to check").waitFor({ state: "visible", timeout: 20_000 });
    await page.context().close();
  });

  // Last: the draft it leaves is what the page resumes.
  test("a draft's preview warns before processing: the same bytes for two students, both shown side by side, and the filter", T, async () => {
    const same = portraitJpeg({ seed: "e2e-checks:draft" });
    const { upload } = await api("POST", "/v1/uploads");
    await api("PUT", `/v1/uploads/${upload.id}/files/x.jpg`, { body: same, type: "image/jpeg" });
    await api("PUT", `/v1/uploads/${upload.id}/files/y.jpg`, { body: same, type: "image/jpeg" });
    await api("PUT", `/v1/uploads/${upload.id}/files/z.jpg`, { body: portraitJpeg({ seed: "e2e-checks:small", width: 240, height: 300 }), type: "image/jpeg" });
    await api("PUT", `/v1/uploads/${upload.id}/mapping`, {
      body: `${third.email},x.jpg\n${first.email},y.jpg\n${second.email},z.jpg\nnobody@example.test,w.jpg\n`,
      type: "text/csv",
    });
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${server.url}/admin/profile-pictures#token=${admin}`);
    const preview = page.getByRole("region", { name: "Review before submitting" });
    await preview.getByText("Same picture as another student's").waitFor({ state: "visible", timeout: 20_000 });
    await preview.getByText("Picture too small").waitFor({ state: "visible" });
    const pair = preview.locator(".duplicate-pair");
    // Both students have a photo on file (from the first upload): two thumbnails, the row's student first.
    await eventually(async () => assert.equal(await pair.locator("img").count(), 2));
    assert.equal(await pair.locator("img").nth(0).getAttribute("alt"), nameOf(first));
    assert.equal(await pair.locator("img").nth(1).getAttribute("alt"), nameOf(third));
    // The filter keeps the photo warnings only (two rows), not the other problems.
    assert.ok((await preview.locator(".problem").count()) > 2);
    await preview.getByLabel(/Only rows with photo warnings \(2\)/).check();
    await eventually(async () => assert.equal(await preview.locator(".problem").count(), 2));
    await screenshot(page, "profile-pictures-preview-warnings");
    await page.context().close();
  });
});
