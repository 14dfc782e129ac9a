import { env, exports } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { EDGE_CACHE_SECONDS, edgeCacheKey } from "../src/features/images/images.service";
import { runHousekeeping } from "../src/features/housekeeping/housekeeping.service";
import { PHOTO_SIZES } from "../src/imaging/pipeline";
import { photoKey, retiredPhotoKey } from "../src/storage/keys";
import { signPhotoUrl } from "../src/features/photos/signed-urls";
import { as, call, expectError, importRoster, json, newOrg } from "./helpers/api";
import { newUpload, putFile, submit, waitUntilFinal } from "./helpers/uploads";
import { commentSegment, iccSegment, insertJpegSegments, orientedJpeg, portraitJpeg, portraitRaster, xmpSegment } from "./helpers/images";

const get = (url: string, headers: Record<string, string> = {}) => exports.default.fetch(new Request(url, { headers }));

async function schoolWithPhotos(enable = true) {
  const org = newOrg();
  await importRoster(org);
  const admin = await as(org, "admin");
  for (const id of ["s1", "s2"]) {
    const res = await admin("PUT", `/v1/students/${id}/photo`, { body: portraitJpeg(640, 800), headers: { "Content-Type": "image/jpeg" } });
    expect(res.status).toBe(200);
  }
  if (enable) await admin("POST", "/v1/integration/enable");
  return { org, admin, teacher: await as(org, "teacher", "teacher-1") };
}

describe("lookup", () => {
  it("gives teachers signed URLs for students with photos and null for the rest", async () => {
    const { teacher } = await schoolWithPhotos();
    const res = await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1", "s2", "s3", "s4", "ghost"], with_names: true } }));
    expect(res.visible).toBe(true);
    expect(res.reason).toBeNull();
    expect(res.photos.s1).toMatch(/\/img\/.+\/s1\/.+\/thumb\.jpg\?exp=\d+&sig=/);
    expect(res.photos.s2).toMatch(/thumb\.jpg/);
    expect(res.photos).toMatchObject({ s3: null, s4: null, ghost: null });
    expect(res.names).toEqual({ s1: "Ada Lovelace", s2: "Alan Turing", s3: "Grace Hopper", s4: "Otto Out", ghost: null });
    const card = await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"], size: "card" } }));
    expect(card.photos.s1).toMatch(/card\.jpg/);
    expect(card.names).toBeUndefined();
  });

  it("hides photos from teachers while disabled or hidden by the teacher, never from admins", async () => {
    const { admin, teacher, org } = await schoolWithPhotos(false);
    const asTeacher = () => teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"], with_names: true } }).then(json);
    expect(await asTeacher()).toEqual({ visible: false, reason: "disabled", photos: { s1: null }, names: { s1: "Ada Lovelace" } });
    const adminView = await json(await admin("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"] } }));
    expect(adminView.visible).toBe(true);
    expect(adminView.photos.s1).toMatch(/thumb/);

    await admin("POST", "/v1/integration/enable");
    expect((await asTeacher()).visible).toBe(true);
    await teacher("PUT", "/v1/me/preferences", { body: { hide_profile_pictures: true } });
    expect(await asTeacher()).toEqual({ visible: false, reason: "hidden_by_user", photos: { s1: null }, names: { s1: "Ada Lovelace" } });
    const otherTeacher = await as(org, "teacher", "teacher-2");
    expect((await json(await otherTeacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"] } }))).visible).toBe(true);

    await admin("POST", "/v1/integration/disable");
    await teacher("PUT", "/v1/me/preferences", { body: { hide_profile_pictures: false } });
    expect((await asTeacher()).reason).toBe("disabled");
  });

  it("stops giving a URL once a student opts out", async () => {
    const { admin, teacher } = await schoolWithPhotos();
    await admin("POST", "/v1/students/import", {
      body: { students: [{ id: "s1", email: "ada.lovelace@school.test", sis_id: "001234", photo_opt_out: true }] },
    });
    expect((await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"] } }))).photos.s1).toBeNull();
  });

  it("answers 500 ids in one call and refuses 501 naming the field", async () => {
    const { teacher } = await schoolWithPhotos();
    const ids = Array.from({ length: 500 }, (_, i) => (i === 0 ? "s1" : `x${i}`));
    const res = await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ids } }));
    expect(Object.keys(res.photos)).toHaveLength(500);
    expect(res.photos.s1).toMatch(/thumb/);
    const e = await expectError(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: [...ids, "one-more"] } }), 400, "validation_failed");
    expect((e.details as any[])[0].path).toBe("student_ids");
    const bad = await expectError(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["ok", 7], size: "huge" } }), 400, "validation_failed");
    expect((bad.details as any[]).map((d) => d.path).sort()).toEqual(["size", "student_ids.1"]);
  });

  it("reads the switch, the caller's preference and 500 students as one D1 statement answering one row", async () => {
    const { org } = await schoolWithPhotos();
    const { lookupPhotosJson } = await import("../src/features/photos/lookup.service");
    const statements: string[] = [];
    const rows: number[] = [];
    // Counts what reaches D1 (500 row objects decoded in D1 and again in the Worker were most of a lookup's CPU).
    const counted = (session: D1DatabaseSession) =>
      new Proxy(session, {
        get(t, p) {
          if (p === "batch") return () => Promise.reject(new Error("a lookup needs no batch"));
          if (p !== "prepare") return Reflect.get(t, p).bind(t);
          return (sql: string) => {
            statements.push(sql);
            const stmt = t.prepare(sql);
            return {
              bind: (...args: unknown[]) => {
                const bound = stmt.bind(...args);
                return {
                  first: async () => {
                    rows.push(1);
                    return bound.first();
                  },
                  all: async () => {
                    const r = await bound.all();
                    rows.push(r.results.length);
                    return r;
                  },
                };
              },
            };
          };
        },
      });
    const db = new Proxy(env.DB, { get: (t, p) => (p === "withSession" ? (c?: string) => counted(t.withSession(c as never)) : Reflect.get(t, p).bind(t)) });
    const ids = Array.from({ length: 500 }, (_, i) => (i < 2 ? `s${i + 1}` : `x${i}`));
    const res = JSON.parse(
      await lookupPhotosJson(
        { ...env, DB: db },
        "https://passpix.test",
        { org, sub: "teacher-1", role: "teacher" },
        { student_ids: ids, size: "thumb", with_names: true },
      ),
    );
    expect(res.photos.s1).toMatch(/\/s1\/.+\/thumb\.jpg\?exp=/);
    expect(res.names).toMatchObject({ s1: "Ada Lovelace", s2: "Alan Turing", x2: null });
    expect(statements).toHaveLength(1);
    expect(rows).toEqual([1]);
  });

  it("gives the same URL for repeated lookups within a window, so browsers reuse cached bytes", async () => {
    const { teacher } = await schoolWithPhotos();
    const a = await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"] } }));
    const b = await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"] } }));
    expect(a.photos.s1).toBe(b.photos.s1);
  });
});

describe("signed image URLs", () => {
  it("work for student ids with @, + and : in them", async () => {
    const org = newOrg();
    await importRoster(org, [
      { id: "jane.doe+2@school.org", email: "jane@school.org" },
      { id: "sis:0042", sis_id: "0042" },
    ]);
    const admin = await as(org, "admin");
    for (const id of ["jane.doe+2@school.org", "sis:0042"]) {
      const put = await admin("PUT", `/v1/students/${encodeURIComponent(id)}/photo`, {
        body: portraitJpeg(200, 250),
        headers: { "Content-Type": "image/jpeg" },
      });
      expect(put.status).toBe(200);
      const url = (await json(await admin("POST", "/v1/photos/lookup", { body: { student_ids: [id] } }))).photos[id];
      expect((await get(url)).status).toBe(200);
    }
  });

  it("serve JPEG with ETag, private caching, nosniff, and 304 on a matching If-None-Match", async () => {
    const { teacher } = await schoolWithPhotos();
    const url = (await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"] } }))).photos.s1;
    const first = await get(url);
    expect(first.status).toBe(200);
    expect(first.headers.get("Content-Type")).toBe("image/jpeg");
    expect(first.headers.get("X-Content-Type-Options")).toBe("nosniff");
    // short: a deleted photo must leave the browser within the contract's 5 minutes too
    expect(first.headers.get("Cache-Control")).toBe("private, max-age=60");
    const etag = first.headers.get("ETag")!;
    expect(etag).toMatch(/^".+"$/);
    const bytes = new Uint8Array(await first.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    const again = await get(url);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes);
    const notModified = await get(url, { "If-None-Match": etag });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
  });

  it("refuse tampered, expired and other-school URLs with 403", async () => {
    const { teacher, org } = await schoolWithPhotos();
    const url = new URL((await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"] } }))).photos.s1);
    const version = url.pathname.split("/")[5]!;
    const variants = [
      url.href.replace("/s1/", "/s2/"),
      url.href.replace("thumb.jpg", "full.jpg"),
      url.href.replace(`/img/us-1/${org}/`, "/img/us-1/other-school/"),
      url.href.replace("/img/us-1/", "/img/eu-1/"),
      url.href.replace("&sig=", "&scope=review&sig="),
      url.href.replace(/sig=[^&]+/, "sig=AAAA"),
      url.href.replace(/exp=\d+/, (m) => `exp=${Number(m.slice(4)) + 600}`),
      url.href.replace(/&sig=[^&]+/, ""),
      await signPhotoUrl(env.URL_SIGNING_SECRET, url.origin, { home: "us-1", org, studentId: "s1", version, size: "thumb" }, Math.floor(Date.now() / 1000) - 1),
      await signPhotoUrl("another-secret", url.origin, { home: "us-1", org, studentId: "s1", version, size: "thumb" }, Math.floor(Date.now() / 1000) + 600),
    ];
    for (const v of variants) await expectError(await get(v), 403, "invalid_signature");

    const otherOrg = newOrg();
    await importRoster(otherOrg);
    // a valid signature for another school cannot reach this school's bytes
    const forged = await signPhotoUrl(
      env.URL_SIGNING_SECRET,
      url.origin,
      { home: "us-1", org: otherOrg, studentId: "s1", version, size: "thumb" },
      Math.floor(Date.now() / 1000) + 600,
    );
    await expectError(await get(forged), 404, "not_found");
    // a home we do not have: a well-signed URL naming it finds nothing
    const nowhere = await signPhotoUrl(
      env.URL_SIGNING_SECRET,
      url.origin,
      { home: "xx-9", org, studentId: "s1", version, size: "thumb" },
      Math.floor(Date.now() / 1000) + 600,
    );
    await expectError(await get(nowhere), 404, "not_found");
  });

  it("stop serving a deleted photo within 5 minutes: R2 at once, the edge copy after its 2 minutes, the isolate's after 30 s, the browser's after 1 minute", async () => {
    const { admin, teacher, org } = await schoolWithPhotos();
    const url = (await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s2"] } }))).photos.s2;
    const first = await get(url);
    expect(first.status).toBe(200);
    expect(first.headers.get("Cache-Control")).toBe("private, max-age=60");
    await admin("DELETE", "/v1/students/s2/photo");
    const version = new URL(url).pathname.split("/")[5]!;
    const edge = edgeCacheKey("us-1", photoKey(org, "s2", version, "thumb"));
    const copy = await caches.default.match(edge);
    expect(copy?.headers.get("Cache-Control")).toBe(`public, max-age=${EDGE_CACHE_SECONDS}`);
    expect(EDGE_CACHE_SECONDS + 30 + 60 + 60).toBeLessThanOrEqual(300); // edge + isolate + browser + the cron's re-sync after a crash
    await copy?.body?.cancel();
    // once the edge copy has expired (deleted here) and the isolate's 30 s in-memory copy too,
    // /img answers 404, and so does a revalidation
    await caches.default.delete(edge);
    const clock = vi.spyOn(Date, "now").mockReturnValue(Date.now() + 31_000);
    try {
      await expectError(await get(url), 404, "not_found");
      await expectError(await get(url, { "If-None-Match": first.headers.get("ETag")! }), 404, "not_found");
    } finally {
      clock.mockRestore();
    }
  });
});

describe("metadata", () => {
  it("is stripped from every served size", async () => {
    const { teacher, admin } = await schoolWithPhotos();
    // a phone picture with EXIF (GPS, camera make), an ICC profile, XMP and a comment
    const tagged = insertJpegSegments(orientedJpeg(portraitRaster(400, 500, 3), 6, { gps: true, make: "PhoneCo" }), [
      iccSegment(),
      xmpSegment(),
      commentSegment("taken at 12 Elm St"),
    ]);
    for (const marker of ["Exif", "ICC_PROFILE", "xmpmeta", "PhoneCo", "Elm St"]) expect(new TextDecoder("latin1").decode(tagged)).toContain(marker);
    expect((await admin("PUT", "/v1/students/s1/photo", { body: tagged, headers: { "Content-Type": "image/jpeg" } })).status).toBe(200);
    for (const size of ["thumb", "card", "full"]) {
      const url = (await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"], size } }))).photos.s1;
      const bytes = new Uint8Array(await (await get(url)).arrayBuffer());
      const text = new TextDecoder("latin1").decode(bytes);
      expect(text).not.toMatch(/Exif|GPS|ICC_PROFILE|Photoshop|xmpmeta|PhoneCo|Elm St/);
    }
  });
  it("is not readable without a token", async () => {
    await expectError(await call("POST", "/v1/photos/lookup", { body: { student_ids: [] } }), 401, "unauthorized");
  });
});

/** Which key space holds a version's renditions: /img serves only "served". */
async function spaceOf(org: string, studentId: string, version: string) {
  const served = await Promise.all(PHOTO_SIZES.map((size) => env.PHOTOS.head(photoKey(org, studentId, version, size))));
  const retired = await Promise.all(PHOTO_SIZES.map((size) => env.PHOTOS.head(retiredPhotoKey(org, studentId, version, size))));
  if (served.every(Boolean) && !retired.some(Boolean)) return "served";
  if (retired.every(Boolean) && !served.some(Boolean)) return "retired";
  return `mixed (served ${served.filter(Boolean).length}, retired ${retired.filter(Boolean).length})`;
}

const lookupUrl = async (caller: Awaited<ReturnType<typeof as>>, id: string) =>
  (await json(await caller("POST", "/v1/photos/lookup", { body: { student_ids: [id] } }))).photos[id] as string;
const versionOf = (url: string) => new URL(url).pathname.split("/")[5]!;
const statusOf = async (url: string) => (await get(url)).status;

// URLs are fetched for the first time only after the change they test: a 200 would put the
// bytes in the edge cache, which by design may keep serving them for its 2 minutes.
describe("delivery without a database read", () => {
  it("answers /img with the D1 binding unusable: 200, 304, 404 and 403 all come from the URL and storage", async () => {
    const { admin, teacher } = await schoolWithPhotos();
    const url = await lookupUrl(teacher, "s1");
    const gone = await lookupUrl(teacher, "s2");
    await admin("DELETE", "/v1/students/s2/photo");
    let d1Uses = 0;
    const noDb = new Proxy({} as D1Database, {
      get() {
        d1Uses++;
        throw new Error("/img touched D1");
      },
    });
    const fetchNoDb = async (u: string, headers: Record<string, string> = {}) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(u, { headers }), { ...env, DB: noDb }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const ok = await fetchNoDb(url);
    expect(ok.status).toBe(200);
    expect([...new Uint8Array(await ok.arrayBuffer()).slice(0, 2)]).toEqual([0xff, 0xd8]);
    expect((await fetchNoDb(url, { "If-None-Match": ok.headers.get("ETag")! })).status).toBe(304);
    await expectError(await fetchNoDb(gone), 404, "not_found");
    await expectError(await fetchNoDb(url.replace(/sig=[^&]+/, "sig=AAAA")), 403, "invalid_signature");
    // the school's switch, too, is read from storage (past /img's per-isolate marker cache)
    const card = (await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"], size: "card" } }))).photos.s1;
    await admin("POST", "/v1/integration/disable");
    const clock = vi.spyOn(Date, "now").mockReturnValue(Date.now() + 31_000);
    try {
      await expectError(await fetchNoDb(card), 404, "not_found");
    } finally {
      clock.mockRestore();
    }
    expect(d1Uses).toBe(0);
  });

  it("a replaced photo's URL answers 404 and its bytes wait in the retired space; restore brings the same URL back", async () => {
    const { admin, teacher, org } = await schoolWithPhotos();
    const oldUrl = await lookupUrl(teacher, "s1");
    const put = await admin("PUT", "/v1/students/s1/photo", { body: portraitJpeg(640, 800, { seed: 9 }), headers: { "Content-Type": "image/jpeg" } });
    expect(put.status).toBe(200);
    const newUrl = await lookupUrl(teacher, "s1");
    expect(newUrl).not.toBe(oldUrl);
    await expectError(await get(oldUrl), 404, "not_found");
    expect(await spaceOf(org, "s1", versionOf(oldUrl))).toBe("retired");
    expect(await spaceOf(org, "s1", versionOf(newUrl))).toBe("served");

    expect((await admin("POST", "/v1/students/s1/photo/restore")).status).toBe(200);
    expect(await statusOf(oldUrl)).toBe(200);
    await expectError(await get(newUrl), 404, "not_found");
    expect(await spaceOf(org, "s1", versionOf(newUrl))).toBe("retired");
  });

  it("a deleted photo's URL answers 404; restoring it serves the same URL again", async () => {
    const { admin, teacher, org } = await schoolWithPhotos();
    const url = await lookupUrl(teacher, "s2");
    expect((await admin("DELETE", "/v1/students/s2/photo")).status).toBe(204);
    await expectError(await get(url), 404, "not_found");
    expect(await spaceOf(org, "s2", versionOf(url))).toBe("retired");
    expect((await admin("POST", "/v1/students/s2/photo/restore")).status).toBe(200);
    expect(await statusOf(url)).toBe(200);
  });

  it("a reverted upload's URLs answer 404 and the photos it replaced are served again", async () => {
    const { admin, teacher, org } = await schoolWithPhotos();
    const before = await lookupUrl(teacher, "s1");
    const id = await newUpload(admin);
    await putFile(admin, id, "001234.jpg", portraitJpeg(640, 800, { seed: 5 }));
    await submit(admin, id);
    expect((await waitUntilFinal(admin, id)).status).toBe("completed");
    const fromUpload = await lookupUrl(teacher, "s1");
    expect(fromUpload).not.toBe(before);
    await expectError(await get(before), 404, "not_found");
    expect(await spaceOf(org, "s1", versionOf(fromUpload))).toBe("served");

    expect((await admin("POST", `/v1/uploads/${id}/revert`)).status).toBe(200);
    await expectError(await get(fromUpload), 404, "not_found");
    expect(await statusOf(before)).toBe(200);
    expect(await spaceOf(org, "s1", versionOf(fromUpload))).toBe("retired");
  });

  it("an opted-out student's URLs answer 404; opting back in serves them again", async () => {
    const { admin, teacher, org } = await schoolWithPhotos();
    const url = await lookupUrl(teacher, "s1");
    const optOut = (out: boolean) =>
      admin("POST", "/v1/students/import", { body: { students: [{ id: "s1", email: "ada.lovelace@school.test", sis_id: "001234", photo_opt_out: out }] } });
    expect((await optOut(true)).status).toBe(200);
    expect(await lookupUrl(teacher, "s1")).toBeNull();
    await expectError(await get(url), 404, "not_found");
    expect(await spaceOf(org, "s1", versionOf(url))).toBe("retired");
    expect((await optOut(false)).status).toBe(200);
    expect(await statusOf(url)).toBe(200);
  });

  it("disabling photos stops teachers' URLs (admins' review URLs still work); enabling serves them again once /img's 30 s marker cache expires", async () => {
    const { admin, teacher } = await schoolWithPhotos();
    const teacherUrl = await lookupUrl(teacher, "s1");
    const adminUrl = await lookupUrl(admin, "s1");
    expect(adminUrl).toMatch(/scope=review/);
    expect(teacherUrl).not.toMatch(/scope=/);
    expect((await admin("POST", "/v1/integration/disable")).status).toBe(200);
    await expectError(await get(teacherUrl), 404, "not_found");
    expect(await statusOf(adminUrl)).toBe(200);
    expect((await admin("POST", "/v1/integration/enable")).status).toBe(200);
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now + 31_000);
    try {
      expect(await statusOf(teacherUrl)).toBe(200);
    } finally {
      clock.mockRestore();
    }
  });

  it("after a crash between the D1 commit and the R2 moves, the next cron run takes the retired photo out of the served space", async () => {
    const { teacher, org } = await schoolWithPhotos();
    const url = await lookupUrl(teacher, "s1");
    const version = versionOf(url);
    // the crash: D1 says deleted, but the bytes were never moved
    const ctx = {
      ...env,
      PHOTOS: new Proxy(env.PHOTOS, { get: (t, p) => (p === "list" ? () => Promise.reject(new Error("crash")) : Reflect.get(t, p).bind(t)) }),
    };
    const { deleteStudentPhoto } = await import("../src/features/photos/photos.service");
    await expect(deleteStudentPhoto(ctx, org, "s1", "admin-1")).rejects.toThrow("crash");
    expect(await spaceOf(org, "s1", version)).toBe("served");
    await runHousekeeping(env, "", Date.now());
    expect(await spaceOf(org, "s1", version)).toBe("retired");
    await expectError(await get(url), 404, "not_found");
  });
});
