import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { purgeRetiredVersions } from "../src/features/photos/photos.service";
import { as, expectError, importRoster, json, newOrg } from "./helpers/api";
import { decodeJpeg, portraitJpeg } from "./helpers/images";

async function schoolWithRoster() {
  const org = newOrg();
  await importRoster(org);
  return { org, admin: await as(org, "admin") };
}

const putPhoto = (admin: Awaited<ReturnType<typeof as>>, id: string, bytes: Uint8Array, type = "image/jpeg") =>
  admin("PUT", `/v1/students/${id}/photo`, { body: bytes, headers: { "Content-Type": type } });

const fetchPath = async (url: string, headers: Record<string, string> = {}) => {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(new Request(url, { headers }));
};

describe("one student's photo", () => {
  it("sets a photo and serves the three sizes as JPEG", async () => {
    const { admin } = await schoolWithRoster();
    const res = await putPhoto(admin, "s1", portraitJpeg(640, 800));
    expect(res.status).toBe(200);
    const { photo } = await json(res);
    expect(photo).toMatchObject({ source: "api", width: 640, height: 800, upload_id: null });
    for (const [size, [w, h]] of Object.entries({ thumb: [128, 128], card: [320, 400], full: [640, 800] })) {
      const img = await fetchPath(photo.urls[size]);
      expect(img.status).toBe(200);
      expect(img.headers.get("Content-Type")).toBe("image/jpeg");
      const pixels = decodeJpeg(new Uint8Array(await img.arrayBuffer()));
      expect([pixels.width, pixels.height], size).toEqual([w, h]);
    }
    const student = await json(await admin("GET", "/v1/students/s1"));
    expect(student.has_photo).toBe(true);
    expect(student.photo.version).toBe(photo.version);
  });

  it("replaces, deletes and restores, keeping the old bytes until the retention window ends", async () => {
    const { org, admin } = await schoolWithRoster();
    const first = (await json(await putPhoto(admin, "s1", portraitJpeg(640, 800, { seed: 1 })))).photo;
    const second = (await json(await putPhoto(admin, "s1", portraitJpeg(600, 750, { seed: 2 })))).photo;
    expect(second.version).not.toBe(first.version);
    // the old URL stops being served once replaced (image requests check the current version)
    expect((await fetchPath(first.urls.thumb)).status).toBe(404);
    expect((await fetchPath(second.urls.thumb)).status).toBe(200);

    const restored = (await json(await admin("POST", "/v1/students/s1/photo/restore"))).photo;
    expect(restored.version).toBe(first.version);
    expect((await fetchPath(first.urls.thumb)).status).toBe(200);

    expect((await admin("DELETE", "/v1/students/s1/photo")).status).toBe(204);
    expect((await fetchPath(first.urls.thumb)).status).toBe(404);
    expect((await json(await admin("GET", "/v1/students/s1"))).photo).toBeNull();
    await expectError(await admin("DELETE", "/v1/students/s1/photo"), 404, "not_found");

    const back = (await json(await admin("POST", "/v1/students/s1/photo/restore"))).photo;
    expect(back.version).toBe(first.version);

    // after the retention window the replaced version is purged and cannot be restored
    const inAMonth = Date.now() + 31 * 86_400_000;
    expect(await purgeRetiredVersions(env, inAMonth)).toBe(1);
    const keys = (await env.PHOTOS.list({ prefix: `orgs/${org}/photos/s1/` })).objects.map((o) => o.key);
    expect(keys.every((k) => k.includes(first.version))).toBe(true);
    expect(keys).toHaveLength(3);
    await expectError(await admin("POST", "/v1/students/s1/photo/restore"), 409, "nothing_to_restore");
    expect((await fetchPath(first.urls.thumb)).status).toBe(200);
  });

  it("GET /v1/students/:id says can_restore exactly when restore has a photo to bring back", async () => {
    const { org, admin } = await schoolWithRoster();
    const canRestore = async () => (await json(await admin("GET", "/v1/students/s1"))).can_restore;
    expect(await canRestore()).toBe(false);
    await expectError(await admin("POST", "/v1/students/s1/photo/restore"), 409, "nothing_to_restore");

    await putPhoto(admin, "s1", portraitJpeg(640, 800, { seed: 1 }));
    expect(await canRestore()).toBe(false); // the first photo replaced nothing

    await putPhoto(admin, "s1", portraitJpeg(640, 800, { seed: 2 }));
    expect(await canRestore()).toBe(true);
    expect((await admin("POST", "/v1/students/s1/photo/restore")).status).toBe(200);
    expect(await canRestore()).toBe(true); // restoring again undoes the restore

    expect((await admin("DELETE", "/v1/students/s1/photo")).status).toBe(204);
    expect(await canRestore()).toBe(true);
    expect((await admin("POST", "/v1/students/s1/photo/restore")).status).toBe(200);
    expect(await canRestore()).toBe(false); // the deleted photo is back; it replaced nothing
    await expectError(await admin("POST", "/v1/students/s1/photo/restore"), 409, "nothing_to_restore");

    // A pointer whose version is no longer kept (the purge removes versions before their pointers)
    // offers nothing, as restore refuses it.
    await env.DB.prepare("UPDATE students SET restore_version = 'gone' WHERE org = ?1 AND id = 's1'").bind(org).run();
    expect(await canRestore()).toBe(false);
    await expectError(await admin("POST", "/v1/students/s1/photo/restore"), 409, "nothing_to_restore");

    const doc = await json(await admin("GET", "/openapi.json"));
    const own = doc.components.schemas.StudentWithPhoto.allOf.find((part: any) => part.properties);
    expect(own.properties.can_restore.type).toBe("boolean");
    expect(own.required).toContain("can_restore");
  });

  it("has nothing to restore before any change", async () => {
    const { admin } = await schoolWithRoster();
    await expectError(await admin("POST", "/v1/students/s2/photo/restore"), 409, "nothing_to_restore");
    await expectError(await admin("POST", "/v1/students/nobody/photo/restore"), 404, "not_found");
  });

  it("refuses bad images with their code and keeps the existing photo", async () => {
    const { admin } = await schoolWithRoster();
    const good = (await json(await putPhoto(admin, "s1", portraitJpeg(640, 800)))).photo;
    const gif = new TextEncoder().encode("GIF89a\x01\x00\x01\x00\x00\x00\x00;");
    const heic = Uint8Array.from([0, 0, 0, 0x18, ...new TextEncoder().encode("ftypheic"), 0, 0, 0, 0, ...new TextEncoder().encode("mif1heic")]);
    const jpeg = portraitJpeg(640, 800);
    const cases: Array<[Uint8Array, number, string, string?]> = [
      [gif, 415, "unsupported_type", "image/jpeg"],
      [heic, 415, "unsupported_type", "image/heic"],
      [new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"), 415, "unsupported_type"],
      [new TextEncoder().encode("%PDF-1.7\n"), 415, "unsupported_type"],
      [jpeg.slice(0, jpeg.length / 2), 422, "image_unreadable"],
    ];
    for (const [bytes, status, code, type] of cases) {
      await expectError(await putPhoto(admin, "s1", bytes, type), status, code);
    }
    await expectError(await putPhoto(admin, "s1", new Uint8Array()), 400, "validation_failed");
    const e = await expectError(
      await admin("PUT", "/v1/students/s1/photo", {
        body: new Uint8Array(8),
        headers: { "Content-Type": "image/jpeg", "Content-Length": String(500 * 1024 * 1024) },
      }),
      413,
      "image_too_large",
    );
    expect(e.message).toMatch(/MB/);
    const after = await json(await admin("GET", "/v1/students/s1"));
    expect(after.photo.version).toBe(good.version);
  });

  it("stores nothing for an opted-out student and answers 404 for unknown ones", async () => {
    const { admin } = await schoolWithRoster();
    await expectError(await putPhoto(admin, "s4", portraitJpeg(640, 800)), 409, "opted_out");
    await expectError(await putPhoto(admin, "ghost", portraitJpeg(640, 800)), 404, "not_found");
  });

  it("deleting the student removes every version's bytes at once", async () => {
    const { org, admin } = await schoolWithRoster();
    await putPhoto(admin, "s1", portraitJpeg(640, 800, { seed: 1 }));
    await putPhoto(admin, "s1", portraitJpeg(640, 800, { seed: 2 }));
    expect((await env.PHOTOS.list({ prefix: `orgs/${org}/photos/s1/` })).objects).toHaveLength(6);
    expect((await admin("DELETE", "/v1/students/s1")).status).toBe(204);
    expect((await env.PHOTOS.list({ prefix: `orgs/${org}/photos/s1/` })).objects).toHaveLength(0);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM photo_versions WHERE org = ?1").bind(org).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("enables once a photo exists and reports coverage", async () => {
    const { admin } = await schoolWithRoster();
    await putPhoto(admin, "s1", portraitJpeg(640, 800));
    const state = await json(await admin("GET", "/v1/integration"));
    expect(state).toMatchObject({
      enabled: false,
      can_enable: true,
      photo_count: 1,
      student_count: 4,
      eligible_count: 3,
      eligible_photo_count: 1,
      coverage: 0.333,
    });
    const enabled = await json(await admin("POST", "/v1/integration/enable"));
    expect(enabled).toMatchObject({ enabled: true, can_enable: false });
  });
});
