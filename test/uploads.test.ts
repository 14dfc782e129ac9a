import { env } from "cloudflare:workers";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { as, expectError, importRoster, json, newOrg } from "./helpers/api";
import { portraitJpeg, portraitPng, ascii } from "./helpers/images";
import { getUpload, newUpload, putArchive, putFile, putMapping, reportRows, submit, waitForArchive, waitUntilFinal } from "./helpers/uploads";

const small = (seed = 0) => portraitJpeg(160, 200, { seed });

async function school(students?: Record<string, unknown>[]) {
  const org = newOrg();
  await importRoster(org, students);
  return { org, admin: await as(org, "admin") };
}

async function currentVersion(org: string, id: string) {
  const row = await env.DB.prepare("SELECT photo_version FROM students WHERE org = ?1 AND id = ?2").bind(org, id).first<{ photo_version: string | null }>();
  return row?.photo_version ?? null;
}

describe("bulk upload with a mapping file", () => {
  it("Excel CSV (BOM, CRLF, header): preview, submit, progress to completed, report", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "IMG_0001.JPG", small(1));
    await putFile(admin, id, "Grade 10/IMG_0002.jpg", small(2));
    const preview = await putMapping(
      admin,
      id,
      "\uFEFFStudent Email,Photo File\r\nADA.LOVELACE@school.test ,IMG_0001.JPG\r\nalan.turing@school.test,img_0002.jpg\r\nnobody@school.test,IMG_0003.jpg\r\n",
    );
    expect(preview.format).toBe("csv");
    expect(preview.counts).toMatchObject({
      rows: 3,
      matched: 2,
      unmatched: 1,
      files_received: 2,
      missing_files: 1,
      unreferenced_files: 0,
      processed: 0,
      pending: 0,
    });
    expect(preview.problems.map((p: any) => [p.row, p.code])).toEqual(expect.arrayContaining([[4, "unknown_student"]]));

    await submit(admin, id);
    const done = await waitUntilFinal(admin, id);
    expect(done.status).toBe("completed_with_errors");
    expect(done.counts).toMatchObject({ rows: 3, matched: 2, processed: 2, failed: 0, pending: 0 });
    expect(done.completed_at).toBeTruthy();

    const ada = await json(await admin("GET", "/v1/students/s1"));
    expect(ada.photo).toMatchObject({ source: "upload", upload_id: id, width: 160, height: 200 });
    const report = await reportRows(admin, id);
    expect(report.map((r) => [r.row, r.student_id, r.status, r.code])).toEqual([
      // 160×200 fixtures: smaller than the card, so the photo checks warn (issue 13).
      [2, "s1", "processed", "low_resolution"],
      [3, "s2", "processed", "low_resolution"],
      [4, null, "skipped", "unknown_student"],
    ]);
    const integration = await json(await admin("GET", "/v1/integration"));
    expect(integration).toMatchObject({ photo_count: 2, can_enable: true, last_upload: { id, status: "completed_with_errors" } });
  });

  it("headerless, leading zeros stripped by Excel: matches with a warning and completes", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "a.jpg", small());
    const preview = await putMapping(admin, id, "1234,a.jpg\n");
    expect(preview.counts.matched).toBe(1);
    // small() is below the card size: the preview says so from its header (issue 13).
    expect(preview.problems.map((p: any) => p.code)).toEqual(["leading_zeros_ignored", "low_resolution"]);
    await submit(admin, id);
    expect((await waitUntilFinal(admin, id)).status).toBe("completed");
    expect(await currentVersion(org, "s1")).toBe(`u${id}`);
  });

  it("a warning given at preview stays on its row in report.csv after the row is processed or fails", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "a.jpg", small(1));
    await putFile(admin, id, "c.jpg", small(3));
    await putFile(admin, id, "cut.jpg", small(2).slice(0, 400));
    // Row 1: one warning; row 2: two (leading zeros and an assumed extension); row 3: a warning, then a bad image.
    const preview = await putMapping(admin, id, "1234,a.jpg\n1236,c\n1235,cut.jpg\n");
    expect(preview.problems.map((p: any) => [p.row, p.code])).toEqual(
      expect.arrayContaining([
        [1, "leading_zeros_ignored"],
        [2, "leading_zeros_ignored"],
        [2, "file_extension_assumed"],
        [3, "leading_zeros_ignored"],
      ]),
    );
    const draft = await reportRows(admin, id);
    await submit(admin, id);
    await waitUntilFinal(admin, id);
    const report = await reportRows(admin, id);
    expect(report.map((r) => [r.row, r.status, r.code])).toEqual([
      [1, "processed", "leading_zeros_ignored"],
      [2, "processed", "leading_zeros_ignored"],
      [3, report[2]!.status, "image_unreadable"],
    ]);
    expect(report[0]!.message).toMatch(/leading zero/i);
    // Every warning's code and message stays on its row, in the preview's order, as in the draft's report.
    expect(report[1]!.message).toMatch(/leading zero/i);
    expect(report[1]!.message).toContain("file_extension_assumed");
    // The photo checks' warnings (issue 13) come after the preview's, which are kept as they were.
    expect(report[1]!.message!.startsWith(draft[1]!.message!)).toBe(true);
    expect(report[2]!.message).toContain("leading_zeros_ignored");
  });

  it.each([
    ["semicolon", "student;file\n001235;b.png\n", "semicolon"],
    ["tab-separated", "001235\tb.png\n", "tsv"],
    ["swapped columns", "file,student\nb.png,alan.turing@school.test\n", "csv"],
  ])("%s mapping", async (_label, mapping, format) => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "b.png", await portraitPng(200, 250));
    const preview = await putMapping(admin, id, mapping);
    expect(preview.format).toBe(format);
    expect(preview.counts).toMatchObject({ rows: 1, matched: 1, missing_files: 0 });
    await submit(admin, id);
    expect((await waitUntilFinal(admin, id)).status).toBe("completed");
    expect(await currentVersion(org, "s2")).toBe(`u${id}`);
  });

  it("a student mapped twice gets one photo and a duplicate_student problem", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "first.jpg", small(1));
    await putFile(admin, id, "second.jpg", small(2));
    const preview = await putMapping(admin, id, "001234,first.jpg\nada.lovelace@school.test,second.jpg\n");
    expect(preview.problems.map((p: any) => [p.row, p.code])).toContainEqual([2, "duplicate_student"]);
    await submit(admin, id);
    const done = await waitUntilFinal(admin, id);
    expect(done.counts.processed).toBe(1);
    const events = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE org = ?1 AND action = 'photo.set_by_upload'")
      .bind(org)
      .first<{ n: number }>();
    expect(events?.n).toBe(1);
  });

  it("one bad image fails only its row, with the pipeline's code", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "good.jpg", small());
    const gif = await putFile(admin, id, "bad.jpg", ascii("GIF89a\x01\x00\x01\x00\x00\x00\x00;"));
    expect(gif.problem.code).toBe("unsupported_type");
    const truncated = small().slice(0, 400);
    await putFile(admin, id, "cut.jpg", truncated);
    const preview = await putMapping(admin, id, "student,file\n001234,good.jpg\n001235,bad.jpg\n001236,cut.jpg\n");
    expect(preview.problems.map((p: any) => [p.row, p.code])).toContainEqual([3, "unsupported_type"]);
    await submit(admin, id);
    const done = await waitUntilFinal(admin, id);
    expect(done.status).toBe("completed_with_errors");
    const report = await reportRows(admin, id);
    expect(report.map((r) => [r.row, r.status, r.code])).toEqual([
      [2, "processed", "low_resolution"], // a 160×200 fixture: smaller than the card (issue 13)
      [3, "skipped", "unsupported_type"],
      [4, report[2]!.status, "image_unreadable"],
    ]);
    expect(await currentVersion(org, "s1")).toBe(`u${id}`);
    expect(await currentVersion(org, "s3")).toBeNull();
  });

  it("refuses to submit when nothing is ready, and refuses changes after submit", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    await putMapping(admin, id, "nobody@x.test,a.jpg\n");
    await expectError(await admin("POST", `/v1/uploads/${id}/submit`), 409, "nothing_to_process");
    await putFile(admin, id, "ada.lovelace@school.test.jpg", small());
    await putMapping(admin, id, "ada.lovelace@school.test,ada.lovelace@school.test.jpg\n");
    await submit(admin, id);
    await expectError(await admin("POST", `/v1/uploads/${id}/submit`), 409, "upload_not_draft");
    await expectError(await admin("PUT", `/v1/uploads/${id}/files/x.jpg`, { body: small() }), 409, "upload_not_draft");
    await expectError(await admin("DELETE", `/v1/uploads/${id}`), 409, "upload_not_draft");
    await waitUntilFinal(admin, id);
  });

  it("refuses an Excel workbook as the mapping with a hint, and an empty one", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    const e = await expectError(
      await admin("PUT", `/v1/uploads/${id}/mapping`, { body: ascii("PK\x03\x04xlsx"), headers: { "Content-Type": "text/csv" } }),
      415,
      "unsupported_media_type",
    );
    expect(e.message).toMatch(/CSV/);
    await expectError(await admin("PUT", `/v1/uploads/${id}/mapping`, { body: "", headers: { "Content-Type": "text/csv" } }), 400, "validation_failed");
  });
});

describe("a mapping body that is not a CSV table", () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  const xlsx = zipSync({ "[Content_Types].xml": enc("<Types/>"), "xl/workbook.xml": enc("<workbook/>") });
  const ods = zipSync({ mimetype: enc("application/vnd.oasis.opendocument.spreadsheet"), "content.xml": enc("<x/>") }, { level: 0 });
  const xls = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array(504).fill(0)]);
  const heic = Uint8Array.from([0, 0, 0, 0x18, ...enc("ftypheic"), 0, 0, 0, 0, ...enc("mif1heic")]);
  let seed = 11;
  const garbage = new Uint8Array(2048).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 24;
  });

  it.each([
    ["an .xlsx workbook", xlsx, /is an Excel workbook \(\.xlsx\)/, /CSV/],
    ["an .ods spreadsheet", ods, /OpenDocument spreadsheet/, /CSV/],
    ["a zip of photos", zipSync({ "IMG_0001.jpg": small() }), /zip/i, /archive/],
    ["an .xls workbook", xls, /Excel 97/, /CSV/],
    ["a PDF", enc("%PDF-1.7\n%\xe2\xe3\n1 0 obj"), /PDF/, /CSV/],
    ["a JPEG photo", small(), /JPEG image/, /files/],
    ["a HEIC photo", heic, /HEIC image/, /files/],
    ["binary bytes", garbage, /not text/, /CSV/],
  ])("refuses %s with 415, saying what it is and what to send; the earlier mapping stays", async (_label, body, what, todo) => {
    const { admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "a.jpg", small());
    await putMapping(admin, id, "001234,a.jpg\n", "good.csv");
    const e = await expectError(
      await admin("PUT", `/v1/uploads/${id}/mapping?name=mapping.csv`, { body, headers: { "Content-Type": "text/csv" } }),
      415,
      "unsupported_media_type",
    );
    expect(e.message).toMatch(what);
    expect(e.message).toMatch(todo);
    const after = await getUpload(admin, id);
    expect(after).toMatchObject({ mapping_file: "good.csv", counts: { rows: 1, matched: 1 } });
  });

  it.each([
    ["a JSON object", '{"students":[{"email":"ada.lovelace@school.test","file":"a.jpg"}]}', "text/csv", /JSON \(an object\)/],
    ["a JSON list of rows", '[["001234","a.jpg"]]', "text/csv", /JSON \(a list\)/],
    ["a JSON list sent as JSON", " [ ]\n", "application/json", /JSON \(a list\)/],
    ["a JSON string", '"001234,a.jpg"', "text/plain", /JSON \(a text value\)/],
    ["JSON null", "null", "application/json", /JSON \(null\)/],
    ["a JSON number sent as JSON", "42", "application/json", /JSON \(a number\)/],
    [
      "an Excel XML spreadsheet",
      '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>',
      "text/csv",
      /XML/,
    ],
    ["a web page", "<!DOCTYPE html><html><body><table><tr><td>001234</td><td>a.jpg</td></tr></table></body></html>", "text/csv", /web page/],
  ])("refuses %s with 422, saying what it is and what to send; the earlier mapping stays", async (_label, body, type, what) => {
    const { admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "a.jpg", small());
    await putMapping(admin, id, "001234,a.jpg\n", "good.csv");
    const e = await expectError(await admin("PUT", `/v1/uploads/${id}/mapping?name=m.csv`, { body, headers: { "Content-Type": type } }), 422, "bad_mapping");
    expect(e.message).toMatch(what);
    expect(e.message).toMatch(/CSV/);
    expect(await getUpload(admin, id)).toMatchObject({ mapping_file: "good.csv", counts: { rows: 1, matched: 1 } });
  });
});

describe("bulk upload without a mapping file", () => {
  it("matches files named after a student's sis_id or email", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    await putFile(admin, id, "001234.jpg", small(1));
    await putFile(admin, id, "Alan.Turing@school.test.JPG", small(2));
    await putFile(admin, id, "stranger.jpg", small(3));
    const preview = await getUpload(admin, id);
    expect(preview.format).toBe("file_names");
    expect(preview.counts).toMatchObject({ rows: 3, matched: 2, unmatched: 1 });
    await submit(admin, id);
    await waitUntilFinal(admin, id);
    expect(await currentVersion(org, "s1")).toBe(`u${id}`);
    expect(await currentVersion(org, "s2")).toBe(`u${id}`);
  });
});

describe("zip archives", () => {
  it("unpacks nested folders, ignores junk and never lets a name escape", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    await putArchive(admin, id, {
      "Delivery/Grade 9/001234.jpg": small(1),
      "Delivery/Grade 10/001235.jpg": small(2),
      "__MACOSX/Delivery/Grade 9/._001234.jpg": ascii("junk"),
      "Delivery/.DS_Store": ascii("junk"),
      "Delivery/Thumbs.db": ascii("junk"),
      "../../../etc/001236.jpg": small(3),
    });
    const upload = await waitForArchive(admin, id);
    expect(upload.archive.status).toBe("extracted");
    expect(upload.counts).toMatchObject({ files_received: 3, matched: 3 });
    const { results } = await env.DB.prepare("SELECT name FROM upload_files WHERE org = ?1 AND upload_id = ?2 ORDER BY name")
      .bind(org, id)
      .all<{ name: string }>();
    expect(results.map((r) => r.name)).toEqual(["Delivery/Grade 10/001235.jpg", "Delivery/Grade 9/001234.jpg", "etc/001236.jpg"]);
    await submit(admin, id);
    expect((await waitUntilFinal(admin, id)).status).toBe("completed");
    // the archive itself is not kept once unpacked
    expect(await env.PHOTOS.head(`orgs/${org}/uploads/${id}/archive.zip`)).toBeNull();
  });

  it("uses a PSPA INDEX.TXT inside the zip, matching by name and grade", async () => {
    const { org, admin } = await school();
    const id = await newUpload(admin);
    const index = [
      "Volume\tImage Folder\tImage File Name\tGrade\tLast Name\tFirst Name\tHomeroom\tPeriod\tTeacher\tTrack\tDepartment\tTitle\tImage Size",
      "V1\tFolder01\tP0001.jpg\t09\tLovelace\tAda\t101\t\t\t\t\t\t",
      "V1\tFolder01\tP0002.jpg\t10\tTuring\tAlan\t102\t\t\t\t\t\t",
      "V1\tFolder01\tP0003.jpg\t\tSmith\tMary\t\t\t\t\tScience\tTeacher\t",
    ].join("\r\n");
    await putArchive(admin, id, {
      "PSPA/INDEX.TXT": ascii(index),
      "PSPA/Folder01/P0001.jpg": small(1),
      "PSPA/Folder01/P0002.jpg": small(2),
      "PSPA/Folder01/P0003.jpg": small(3),
    });
    const upload = await waitForArchive(admin, id);
    expect(upload.format).toBe("pspa");
    expect(upload.counts).toMatchObject({ rows: 3, matched: 2 });
    expect(upload.problems.map((p: any) => p.code)).toContain("not_a_student");
    await submit(admin, id);
    await waitUntilFinal(admin, id);
    expect(await currentVersion(org, "s1")).toBe(`u${id}`);
    expect(await currentVersion(org, "s2")).toBe(`u${id}`);
  });

  it("reports a file that is not a zip, and refuses an archive without a length", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    const res = await admin("PUT", `/v1/uploads/${id}/archive`, {
      body: ascii("this is not a zip at all"),
      headers: { "Content-Type": "application/zip", "Content-Length": "24" },
    });
    expect(res.status).toBe(202);
    const upload = await waitForArchive(admin, id);
    expect(upload.archive.status).toBe("failed");
    expect(upload.archive.message).toMatch(/zip/i);
    await expectError(
      await admin("PUT", `/v1/uploads/${id}/archive`, { body: ascii("x"), headers: { "Content-Type": "image/gif" } }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("revert, cancel and history", () => {
  it("revert puts back what each student had before, and leaves later changes alone", async () => {
    const { org, admin } = await school();
    const before = (await json(await admin("PUT", "/v1/students/s1/photo", { body: small(9), headers: { "Content-Type": "image/jpeg" } }))).photo.version;
    const id = await newUpload(admin);
    await putFile(admin, id, "001234.jpg", small(1));
    await putFile(admin, id, "001235.jpg", small(2));
    await putFile(admin, id, "001236.jpg", small(3));
    await submit(admin, id);
    await waitUntilFinal(admin, id);
    // s3 changed after the upload: revert must not undo that
    const later = (await json(await admin("PUT", "/v1/students/s3/photo", { body: small(7), headers: { "Content-Type": "image/jpeg" } }))).photo.version;

    const res = await json(await admin("POST", `/v1/uploads/${id}/revert`));
    expect(res.upload.status).toBe("reverted");
    expect(res.students_reverted).toBe(2);
    expect(await currentVersion(org, "s1")).toBe(before);
    expect(await currentVersion(org, "s2")).toBeNull();
    expect(await currentVersion(org, "s3")).toBe(later);
    await expectError(await admin("POST", `/v1/uploads/${id}/revert`), 409, "upload_not_finished");
  });

  it("cancel drops a draft's staged files; history lists newest first", async () => {
    const { org, admin } = await school();
    const first = await newUpload(admin);
    const second = await newUpload(admin);
    await putFile(admin, second, "001234.jpg", small());
    expect((await admin("DELETE", `/v1/uploads/${second}`)).status).toBe(204);
    expect((await env.PHOTOS.list({ prefix: `orgs/${org}/uploads/${second}/` })).objects).toHaveLength(0);
    expect((await getUpload(admin, second)).status).toBe("cancelled");
    const page = await json(await admin("GET", "/v1/uploads?limit=1"));
    expect(page.uploads.map((u: any) => u.id)).toEqual([second]);
    const rest = await json(await admin("GET", `/v1/uploads?limit=5&cursor=${page.next_cursor}`));
    expect(rest.uploads.map((u: any) => u.id)).toEqual([first]);
    expect(rest.next_cursor).toBeNull();
  });

  it("another school's upload is not found, and a malformed id names the field", async () => {
    const { admin } = await school();
    const id = await newUpload(admin);
    const other = await as(newOrg(), "admin");
    await expectError(await other("GET", `/v1/uploads/${id}`), 404, "not_found");
    await expectError(await other("PUT", `/v1/uploads/${id}/files/a.jpg`, { body: small() }), 404, "not_found");
    const e = await expectError(await admin("GET", "/v1/uploads/NOT-AN-ID"), 400, "validation_failed");
    expect((e.details as any[])[0].path).toBe("id");
  });

  it("serves the mapping template", async () => {
    const { admin } = await school();
    const res = await admin("GET", "/v1/uploads/template.csv");
    expect(res.headers.get("Content-Type")).toMatch(/text\/csv/);
    expect(res.headers.get("Content-Disposition")).toMatch(/attachment/);
    expect((await res.text()).replace(/^\uFEFF/, "").split("\r\n")[0]).toBe("student,file");
  });
});

describe("delete every photo (support)", () => {
  it("is support-only, needs the org as confirmation, and removes every version's bytes", async () => {
    const { org, admin } = await school();
    await admin("PUT", "/v1/students/s1/photo", { body: small(1), headers: { "Content-Type": "image/jpeg" } });
    await admin("PUT", "/v1/students/s1/photo", { body: small(2), headers: { "Content-Type": "image/jpeg" } });
    await admin("POST", "/v1/integration/enable");
    const support = await as(org, "support");
    await expectError(await admin("DELETE", `/v1/photos?confirm=${org}`), 403, "forbidden");
    await expectError(await support("DELETE", "/v1/photos?confirm=someone-else"), 400, "validation_failed");
    expect((await support("DELETE", `/v1/photos?confirm=${org}`)).status).toBe(202);
    // nothing is served from this moment on
    const state = await json(await admin("GET", "/v1/integration"));
    expect(state).toMatchObject({ enabled: false, photo_count: 0 });
    await expectError(await admin("POST", "/v1/students/s1/photo/restore"), 409, "nothing_to_restore");
    // every byte goes; what stays is the marker that tells /img photos are disabled
    const left = async () => (await env.PHOTOS.list({ prefix: `orgs/${org}/` })).objects.map((o) => o.key);
    const until = Date.now() + 20_000;
    while ((await left()).length > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await left()).toEqual([`orgs/${org}/flags/photos-disabled`]);
    const audit = await json(await admin("GET", "/v1/audit?limit=1"));
    expect(audit.events[0]).toMatchObject({ action: "photos.delete_all", actor: "support-1" });
  });
});
