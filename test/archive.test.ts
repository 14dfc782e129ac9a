import { env } from "cloudflare:workers";
import { zipSync, type Zippable } from "fflate";
import { describe, expect, it } from "vitest";
import { ARCHIVE_LIMITS, extractArchive, readDirectory } from "../src/features/uploads/archive";
import { stagedArchiveKey } from "../src/storage/keys";
import { as, expectError, importRoster, json, newOrg } from "./helpers/api";
import { ascii, portraitJpeg } from "./helpers/images";
import { getUpload, newUpload, putArchive, reportRows, submit, waitForArchive, waitUntilFinal } from "./helpers/uploads";

const small = (seed = 0) => portraitJpeg(160, 200, { seed });

async function school() {
  const org = newOrg("arch");
  await importRoster(org);
  return { org, admin: await as(org, "admin") };
}

type Admin = Awaited<ReturnType<typeof as>>;

function putZip(admin: Admin, id: string, zip: Uint8Array) {
  return admin("PUT", `/v1/uploads/${id}/archive`, { body: zip, headers: { "Content-Type": "application/zip", "Content-Length": String(zip.byteLength) } });
}

/** Where each local file header starts, in order. */
function localHeaders(zip: Uint8Array) {
  const at: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 0x03 && zip[i + 3] === 0x04) at.push(i);
  return at;
}

/** Where an entry's data starts (after its local header, name and extra field). */
const dataStart = (zip: Uint8Array, header: number) =>
  header + 30 + (zip[header + 26]! | (zip[header + 27]! << 8)) + (zip[header + 28]! | (zip[header + 29]! << 8));

/** The same zip with ZIP64 end records, and the classic end record's fields saturated as zip tools then write them. */
function toZip64(zip: Uint8Array) {
  const end = zip.length - 22;
  const view = new DataView(zip.buffer, zip.byteOffset);
  const [count, dirSize, dirOffset] = [view.getUint16(end + 10, true), view.getUint32(end + 12, true), view.getUint32(end + 16, true)];
  const extra = new Uint8Array(56 + 20);
  const x = new DataView(extra.buffer);
  x.setUint32(0, 0x06064b50, true);
  x.setBigUint64(4, 44n, true);
  x.setUint16(12, 45, true);
  x.setUint16(14, 45, true);
  x.setBigUint64(24, BigInt(count), true);
  x.setBigUint64(32, BigInt(count), true);
  x.setBigUint64(40, BigInt(dirSize), true);
  x.setBigUint64(48, BigInt(dirOffset), true);
  x.setUint32(56, 0x07064b50, true);
  x.setBigUint64(56 + 8, BigInt(end), true);
  x.setUint32(56 + 16, 1, true);
  const record = zip.slice(end);
  const r = new DataView(record.buffer);
  r.setUint16(8, 0xffff, true);
  r.setUint16(10, 0xffff, true);
  r.setUint32(12, 0xffffffff, true);
  r.setUint32(16, 0xffffffff, true);
  const out = new Uint8Array(end + extra.length + 22);
  out.set(zip.subarray(0, end));
  out.set(extra, end);
  out.set(record, end + extra.length);
  return out;
}

const codes = (upload: any) => upload.problems.map((p: any) => [p.file, p.code]);

describe("a zip cut short or damaged (issue 9.1)", () => {
  it("a zip cut inside an entry keeps the entries read whole, says how many, and never ends completed", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    const zip = zipSync({ "001234.jpg": small(1), "001235.jpg": small(2), "001236.jpg": small(3) }, { level: 0 });
    const [, second] = localHeaders(zip);
    expect((await putZip(admin, id, zip.slice(0, dataStart(zip, second!) + 100))).status).toBe(202);
    const preview = await waitForArchive(admin, id);
    expect(preview.archive.status).toBe("failed");
    expect(preview.archive.message).toMatch(/1 photo was read whole/);
    expect(preview.archive.message).toMatch(/Download the zip file again/);
    expect(codes(preview)).toContainEqual([null, "archive_incomplete"]);
    expect(preview.problems.find((p: any) => p.code === "archive_incomplete").message).toBe(preview.archive.message);
    expect(preview.counts).toMatchObject({ files_received: 1, matched: 1 });

    await submit(admin, id);
    const done = await waitUntilFinal(admin, id);
    expect(done.status).toBe("completed_with_errors");
    expect(done.counts).toMatchObject({ processed: 1, failed: 0 });
    expect(codes(done)).toContainEqual([null, "archive_incomplete"]);
    const s1 = await env.DB.prepare("SELECT photo_version FROM students WHERE org = ?1 AND id = 's1'").bind(org).first<{ photo_version: string }>();
    expect(s1?.photo_version).toBe(`u${id}`);
  });

  it("a damaged entry (bad CRC, bad compressed data) is that file's problem; the rest goes on", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    const files: Zippable = { "001234.jpg": [small(1), { level: 0 }], "001235.jpg": [small(2), { level: 0 }], "001236.jpg": [small(3), { level: 6 }] };
    const zip = zipSync(files);
    const [, second, third] = localHeaders(zip);
    zip[dataStart(zip, second!) + 500]! ^= 0xff; // stored: inflates fine, the checksum does not match
    zip.fill(0xff, dataStart(zip, third!) + 10, dataStart(zip, third!) + 60); // deflated: broken data
    expect((await putZip(admin, id, zip)).status).toBe(202);
    const preview = await waitForArchive(admin, id);
    expect(preview.archive.status).toBe("extracted");
    expect(codes(preview)).toEqual(
      expect.arrayContaining([
        ["001235.jpg", "archive_incomplete"],
        ["001236.jpg", "archive_incomplete"],
      ]),
    );
    expect(preview.problems.find((p: any) => p.file === "001235.jpg").message).toMatch(/damaged inside the zip.*Download the zip again/);
    expect(preview.counts).toMatchObject({ rows: 3, matched: 3 });
    // the damaged bytes are never staged as a photo
    expect(await env.PHOTOS.head(`orgs/${org}/uploads/${id}/files/001235.jpg`)).toBeNull();

    await submit(admin, id);
    const done = await waitUntilFinal(admin, id);
    expect(done.status).toBe("completed_with_errors");
    expect(done.counts).toMatchObject({ processed: 1 });
    const report = await reportRows(admin, id);
    expect(report.map((r) => [r.file, r.status, r.code])).toEqual([
      ["001234.jpg", "processed", "low_resolution"], // a small fixture: smaller than the card (issue 13)
      ["001235.jpg", "skipped", "archive_incomplete"],
      ["001236.jpg", "skipped", "archive_incomplete"],
    ]);
  });
});

describe("big archives (issue 9.2)", () => {
  it("a zip of 100,000 tiny entries is refused with too_many_files at once, from its central directory", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    const one = new Uint8Array([0xff]);
    const entries: Zippable = {};
    for (let i = 0; i < 100_000; i++) entries[`p/${String(i).padStart(6, "0")}.jpg`] = one;
    const zip = zipSync(entries, { level: 0 });
    const started = Date.now();
    const err = await expectError(await putZip(admin, id, zip), 413, "too_many_files");
    console.log(`100,000 entries (${(zip.byteLength / 1048576).toFixed(1)} MB) refused in ${Date.now() - started} ms`);
    expect(err.message).toMatch(/more than 20000 files.*split/i);
    const upload = await getUpload(admin, id);
    expect(upload.archive).toBeNull();
    expect(upload.counts.files_received).toBe(0);
    expect(await env.PHOTOS.head(stagedArchiveKey(org, id))).toBeNull();
    // the service answers at once afterwards
    expect((await admin("POST", "/v1/uploads")).status).toBe(201);
  });

  it("reads the ZIP64 end records (what zip tools write past 65,535 entries) and refuses past the cap the same way", async () => {
    const { org, admin } = await school();
    const entries: Zippable = {};
    for (let i = 0; i < 30; i++) entries[`p/${i}.jpg`] = portraitJpeg(16, 20, { seed: i });
    const zip = toZip64(zipSync(entries, { level: 0 }));
    const key = stagedArchiveKey(org, "zip64test");
    await env.PHOTOS.put(key, zip);
    const dir = await readDirectory(env.PHOTOS, key);
    expect(dir).toMatchObject({ ok: true, base: 0 });
    expect(dir?.ok && dir.entries.map((e) => e.name)).toEqual(Object.keys(entries));
    const saved = ARCHIVE_LIMITS.maxEntries;
    ARCHIVE_LIMITS.maxEntries = 29;
    try {
      expect(await readDirectory(env.PHOTOS, key)).toEqual({ ok: false, reason: "too_many_files" });
      await expectError(await putZip(admin, await newUpload(admin), zip), 413, "too_many_files");
    } finally {
      ARCHIVE_LIMITS.maxEntries = saved;
    }
    // and it unpacks like any other zip
    const id = await newUpload(admin);
    expect((await putZip(admin, id, zip)).status).toBe(202);
    const upload = await waitForArchive(admin, id);
    expect(upload.archive.status).toBe("extracted");
    expect(upload.counts.files_received).toBe(30);
  });

  it("a zip expanding past the total size is refused at once (declared sizes)", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    const saved = ARCHIVE_LIMITS.maxUncompressedBytes;
    ARCHIVE_LIMITS.maxUncompressedBytes = 1024 * 1024;
    try {
      const zip = zipSync({ "a.jpg": new Uint8Array(700 * 1024), "b.jpg": new Uint8Array(700 * 1024) }, { level: 9 });
      await expectError(await putZip(admin, id, zip), 413, "too_large");
    } finally {
      ARCHIVE_LIMITS.maxUncompressedBytes = saved;
    }
    expect((await getUpload(admin, id)).archive).toBeNull();
  });

  it("unpacks in bounded slices, each picking up where the last stopped; a slice run twice changes nothing", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    const entries: Zippable = {};
    for (let i = 0; i < 25; i++) entries[`Grade 9/${i}.jpg`] = portraitJpeg(16, 20, { seed: i });
    await env.PHOTOS.put(stagedArchiveKey(org, id), zipSync(entries, { level: 1 }));
    await env.DB.prepare("UPDATE uploads SET archive_status = 'extracting' WHERE org = ?1 AND id = ?2").bind(org, id).run();
    const staged = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM upload_files WHERE org = ?1 AND upload_id = ?2").bind(org, id).first<{ n: number }>())!.n;
    const saved = ARCHIVE_LIMITS.sliceEntries;
    ARCHIVE_LIMITS.sliceEntries = 10;
    try {
      await extractArchive(env, org, id, 0);
      expect(await staged()).toBe(10);
      expect((await getUpload(admin, id)).archive.status).toBe("extracting");
      await extractArchive(env, org, id, 0); // a redelivered message
      expect(await staged()).toBe(10);
      await extractArchive(env, org, id, 10);
      expect(await staged()).toBe(20);
      await extractArchive(env, org, id, 20);
      expect(await staged()).toBe(25);
      const upload = await getUpload(admin, id);
      expect(upload.archive).toMatchObject({ status: "extracted", message: expect.stringMatching(/^25 files unpacked/) });
      expect(upload.counts.files_received).toBe(25);
      expect(await env.PHOTOS.head(stagedArchiveKey(org, id))).toBeNull();
    } finally {
      ARCHIVE_LIMITS.sliceEntries = saved;
    }
  });

  it("while a large archive is unpacked, other calls of this and another school answer in under a second", { timeout: 180_000 }, async () => {
    const { admin } = await school();
    const other = await school();
    const id = await newUpload(admin);
    const entries: Zippable = {};
    const photo = portraitJpeg(16, 20, { seed: 1 });
    for (let i = 0; i < 3_000; i++) entries[`photos/${String(i).padStart(5, "0")}.jpg`] = photo;
    const zip = zipSync(entries, { level: 0 });
    expect((await putZip(admin, id, zip)).status).toBe(202);
    const slowest = { ms: 0, what: "" };
    let samples = 0;
    const until = Date.now() + 150_000;
    for (;;) {
      const timed = async (what: string, call: () => Promise<Response>, status: number) => {
        const t = Date.now();
        const res = await call();
        const ms = Date.now() - t;
        expect(res.status, what).toBe(status);
        if (ms > slowest.ms) Object.assign(slowest, { ms, what });
      };
      await timed("POST /v1/uploads (other school)", () => other.admin("POST", "/v1/uploads"), 201);
      await timed("GET /v1/students (other school)", () => other.admin("GET", "/v1/students?limit=10"), 200);
      const t = Date.now();
      const upload = await json(await admin("GET", `/v1/uploads/${id}`));
      if (Date.now() - t > slowest.ms) Object.assign(slowest, { ms: Date.now() - t, what: "GET the upload being unpacked" });
      samples++;
      if (upload.archive.status !== "extracting") {
        expect(upload.archive.status).toBe("extracted");
        expect(upload.counts.files_received).toBe(3_000);
        break;
      }
      if (Date.now() > until) throw new Error(`still extracting: ${upload.counts.files_received} files so far`);
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`3,000 entries unpacked; ${samples} rounds of calls meanwhile, slowest ${slowest.ms} ms (${slowest.what})`);
    expect(samples).toBeGreaterThan(3);
    expect(slowest.ms).toBeLessThan(1_000);
  });
});

describe("a zip inside the zip (issue 9.3)", () => {
  it("is reported nested_archive, saying to unzip it first; the rest is unpacked", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    await putArchive(admin, id, { "001234.jpg": small(1), "Grade 10/more.zip": zipSync({ "001235.jpg": small(2) }) });
    const preview = await waitForArchive(admin, id);
    expect(preview.archive.status).toBe("extracted");
    expect(codes(preview)).toContainEqual(["Grade 10/more.zip", "nested_archive"]);
    expect(preview.problems.find((p: any) => p.code === "nested_archive").message).toMatch(/Unzip it first/);
    await submit(admin, id);
    expect((await waitUntilFinal(admin, id)).status).toBe("completed_with_errors");
  });
});

describe("a zip without a mapping (issue 9.4)", () => {
  it("reports each file named after nobody as unreferenced_file", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    await putArchive(admin, id, { "001234.jpg": small(1), "IMG_0001.jpg": small(2), "Grade 9/stranger.jpg": small(3), "notes.txt": ascii("hello") });
    const preview = await waitForArchive(admin, id);
    expect(preview.format).toBe("file_names");
    expect(codes(preview).sort()).toEqual([
      // small() is below the card size: the matched row's preview says so from the entry's header (issue 13).
      ["001234.jpg", "low_resolution"],
      ["Grade 9/stranger.jpg", "unreferenced_file"],
      ["IMG_0001.jpg", "unreferenced_file"],
    ]);
    expect(preview.counts).toMatchObject({ files_received: 3, matched: 1, unreferenced_files: 2 });
  });
});
