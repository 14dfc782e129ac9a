import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signPhotoUrl } from "../src/features/photos/signed-urls";
import { as, call, expectError, importRoster, json, newOrg } from "./helpers/api";
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
    expect(first.headers.get("Cache-Control")).toMatch(/^private, max-age=\d+, immutable$/);
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
    const version = url.pathname.split("/")[4]!;
    const variants = [
      url.href.replace("/s1/", "/s2/"),
      url.href.replace("thumb.jpg", "full.jpg"),
      url.href.replace(`/img/${org}/`, "/img/other-school/"),
      url.href.replace(/sig=[^&]+/, "sig=AAAA"),
      url.href.replace(/exp=\d+/, (m) => `exp=${Number(m.slice(4)) + 600}`),
      url.href.replace(/&sig=[^&]+/, ""),
      await signPhotoUrl(env.URL_SIGNING_SECRET, url.origin, { org, studentId: "s1", version, size: "thumb" }, Math.floor(Date.now() / 1000) - 1),
      await signPhotoUrl("another-secret", url.origin, { org, studentId: "s1", version, size: "thumb" }, Math.floor(Date.now() / 1000) + 600),
    ];
    for (const v of variants) await expectError(await get(v), 403, "invalid_signature");

    const otherOrg = newOrg();
    await importRoster(otherOrg);
    // a valid signature for another school cannot reach this school's bytes
    const forged = await signPhotoUrl(
      env.URL_SIGNING_SECRET,
      url.origin,
      { org: otherOrg, studentId: "s1", version, size: "thumb" },
      Math.floor(Date.now() / 1000) + 600,
    );
    await expectError(await get(forged), 404, "not_found");
  });

  it("stop serving a deleted photo at once", async () => {
    const { admin, teacher } = await schoolWithPhotos();
    const url = (await json(await teacher("POST", "/v1/photos/lookup", { body: { student_ids: ["s2"] } }))).photos.s2;
    expect((await get(url)).status).toBe(200);
    await admin("DELETE", "/v1/students/s2/photo");
    await expectError(await get(url), 404, "not_found");
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
