// OneRoster in and photos out, end to end against a real `wrangler dev`: the students page imports
// a district's OneRoster zip (choose the school, see the dry run, import), the integration page's
// Export photos downloads the zip, and `npm run roster` imports the same zip from the command line.
//
//   node --test e2e/oneroster.test.mjs
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { portraitJpeg } from "../scripts/lib/portrait.mjs";
import { startServer } from "./harness.mjs";
import { launchBrowser } from "./lib/browser.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const T = { timeout: 180_000 };

// A district export as the OneRoster 1.1 CSV binding lays it out (header order, quoted lists, empty optional fields, BOM, CRLF).
const csv = (rows) => `\uFEFF${rows.join("\r\n")}\r\n`;
const DISTRICT_ZIP = zipSync({
  "manifest.csv": strToU8(csv(["propertyName,value", "manifest.version,1.0", "oneroster.version,1.1", "file.users,bulk", "file.orgs,bulk"])),
  "orgs.csv": strToU8(
    csv([
      "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
      "dist-1,,,Springfield District,district,D1,",
      "sch-lincoln,,,Lincoln High School,school,LHS,dist-1",
      "sch-roosevelt,,,Roosevelt Middle,school,RMS,dist-1",
    ]),
  ),
  "users.csv": strToU8(
    csv([
      "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
      `stu-1001,,,true,sch-lincoln,student,,,Ada,Lovelace,,001001,ada.lovelace@lincoln.test,,,,"09,10",`,
      `stu-1002,,,true,sch-lincoln,student,,,Alan,"Turing, Jr.",,001002,alan.turing@lincoln.test,,,,10,`,
      `stu-1003,,,true,sch-lincoln,student,,,Grace,Hopper,,001003,,,,,11,`,
      `stu-2001,,,true,sch-roosevelt,student,,,Rosa,Parks,,002001,rosa.parks@roosevelt.test,,,,07,`,
      `tch-9,,,true,"sch-lincoln,sch-roosevelt",teacher,,,Tom,Teacher,,T9,tom@district.test,,,,,`,
    ]),
  ),
});

let server;
let browser;
let work;

async function api(token, method, p, body, type) {
  const res = await fetch(`${server.url}${p}`, { method, headers: { Authorization: `Bearer ${token}`, ...(type ? { "Content-Type": type } : {}) }, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function open(pathname, token) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  await page.goto(`${server.url}${pathname}#token=${token}`);
  return page;
}

async function close(page) {
  assert.deepEqual(page.errors, [], "no script errors on the page");
  await page.context().close();
}

const visible = (locator) => locator.first().waitFor({ state: "visible", timeout: 15_000 });

function runRoster(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "scripts", "roster.mjs"), ...args], { env: { ...process.env, PASSPIX_URL: "", PASSPIX_TOKEN: "" } });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "passpix-oneroster-"));
  writeFileSync(path.join(work, "district.zip"), DISTRICT_ZIP);
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("OneRoster and photo export", { concurrency: false }, () => {
  test("students page: a district OneRoster zip → choose the school → dry run → import", T, async () => {
    const admin = await server.token("lincoln", "admin");
    const page = await open("/admin/students", admin);
    await visible(page.getByText("No students found"));
    await page.getByLabel("Roster file").setInputFiles(path.join(work, "district.zip"));
    await visible(page.getByText("Choose the school to import"));
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a user reads, which is what this asserts
    assert.match(await page.locator(".import-result").innerText(), /Lincoln High School \(sch-lincoln\), Roosevelt Middle \(sch-roosevelt\)/);
    await page.getByLabel("School").selectOption("sch-lincoln");
    await visible(page.getByText("Will create: 3"));
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a user reads, which is what this asserts
    assert.match(await page.locator(".import-result").innerText(), /Skipped: 2/);
    assert.equal((await api(admin, "GET", "/v1/students")).students.length, 0, "the dry run wrote nothing");

    await page.getByRole("button", { name: "Import students" }).click();
    await visible(page.getByText("Imported 3 students"));
    await visible(page.getByText("Showing 3 students"));
    const { students } = await api(admin, "GET", "/v1/students");
    assert.deepEqual(
      students.map((s) => [s.id, s.last_name, s.grade]),
      [
        ["stu-1003", "Hopper", "11"],
        ["stu-1001", "Lovelace", "09"],
        ["stu-1002", "Turing, Jr.", "10"],
      ],
    );
    await close(page);
  });

  test("integration page: Export photos downloads the zip with the photos, INDEX.TXT and photos.csv", T, async () => {
    const admin = await server.token("lincoln", "admin");
    for (const id of ["stu-1001", "stu-1002"]) await api(admin, "PUT", `/v1/students/${id}/photo`, portraitJpeg({ seed: id }), "image/jpeg");
    const page = await open("/admin/profile-pictures", admin);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export photos" }).click()]);
    assert.equal(download.suggestedFilename(), "passpix-photos.zip");
    const files = unzipSync(readFileSync(await download.path()));
    assert.deepEqual(Object.keys(files).sort(), ["INDEX.TXT", "images/stu-1001.jpg", "images/stu-1002.jpg", "photos.csv"]);
    assert.match(strFromU8(files["photos.csv"]), /stu-1001,ada\.lovelace@lincoln\.test,001001,Ada,Lovelace,09,,images\/stu-1001\.jpg/);
    assert.equal(strFromU8(files["INDEX.TXT"]).trim().split("\r\n").length, 2);
    const audit = await api(admin, "GET", "/v1/audit");
    assert.equal(audit.events[0].action, "photos.export");
    await close(page);
  });

  test("npm run roster: refuses a district file without --school (listing the schools), then dry run, import, re-import", T, async () => {
    const admin = await server.token("roosevelt", "admin");
    const zip = path.join(work, "district.zip");
    const base = ["--url", server.url, "--token", admin];
    const refused = await runRoster([zip, ...base]);
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.out, /Lincoln High School \(sch-lincoln\)/);
    assert.match(refused.out, /--school sch-roosevelt {2}\(Roosevelt Middle\)/);

    const dry = await runRoster([zip, ...base, "--school", "sch-roosevelt", "--dry-run"]);
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /Dry run \(nothing changed\): 1 would be created, 0 would be updated, 0 unchanged, 4 skipped/);
    assert.equal((await api(admin, "GET", "/v1/students")).students.length, 0);

    const real = await runRoster([zip, ...base, "--school", "sch-roosevelt"]);
    assert.equal(real.code, 0, real.out);
    assert.match(real.out, /^1 created, 0 updated, 0 unchanged, 4 skipped, 2 problems/m);
    assert.match(real.out, /row 2 other_school: 3 students belong to other schools and were not imported \(rows 2, 3, 4\)/);
    const again = await runRoster([zip, ...base, "--school", "sch-roosevelt"]);
    assert.match(again.out, /^0 created, 0 updated, 1 unchanged/m);

    const usage = await runRoster([zip]);
    assert.equal(usage.code, 2);
    assert.match(usage.out, /--url is required/);
  });
});
