import { env } from "cloudflare:workers";
import fc from "fast-check";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ARCHIVE_LIMITS, extractArchive } from "../src/features/uploads/archive";
import { IMAGE_LIMITS } from "../src/imaging/limits";
import { stagedArchiveKey } from "../src/storage/keys";
import { as, newOrg } from "./helpers/api";
import { ascii, portraitJpeg } from "./helpers/images";
import { getUpload, newUpload } from "./helpers/uploads";

const valid = zipSync(
  {
    "Delivery/Grade 9/001234.jpg": portraitJpeg(96, 120, { seed: 1 }),
    "Delivery/mapping.csv": ascii("001234,Delivery/Grade 9/001234.jpg\n"),
    "Delivery/b.jpg": portraitJpeg(96, 120, { seed: 2 }),
  },
  { level: 6 },
);

/** Stages `zip` as the upload's archive and runs the extraction the queue would run. */
async function extract(zip: Uint8Array) {
  const org = newOrg("zip");
  const admin = await as(org, "admin");
  const id = await newUpload(admin);
  await env.PHOTOS.put(stagedArchiveKey(org, id), zip);
  await env.DB.prepare("UPDATE uploads SET archive_status = 'extracting' WHERE org = ?1 AND id = ?2").bind(org, id).run();
  await extractArchive(env, org, id);
  const upload = await getUpload(admin, id);
  const { results } = await env.DB.prepare("SELECT name, bytes FROM upload_files WHERE org = ?1 AND upload_id = ?2")
    .bind(org, id)
    .all<{ name: string; bytes: number }>();
  const keys = (await env.PHOTOS.list({ prefix: `orgs/${org}/` })).objects.map((o) => o.key);
  return { org, id, upload, files: results, keys };
}

function checkContained(r: Awaited<ReturnType<typeof extract>>) {
  expect(["extracted", "failed"]).toContain(r.upload.archive.status);
  for (const f of r.files) {
    expect(f.name.split("/")).not.toContain("..");
    expect(f.name.startsWith("/")).toBe(false);
  }
  for (const k of r.keys) expect(k.startsWith(`orgs/${r.org}/uploads/${r.id}/`)).toBe(true);
}

describe("zip reading under hostile archives", () => {
  it("never throws on corrupted or truncated archives and always ends extracted or failed", { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 0, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
          fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
            const z = valid.slice();
            for (const [at, v] of flips) z[at] = v;
            return z;
          }),
          fc.uint8Array({ maxLength: 512 }),
        ),
        async (zip) => {
          const r = await extract(zip);
          checkContained(r);
          if (zip.length < valid.length / 2) expect(r.upload.archive.status).toBe("failed");
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reports a zip cut exactly between two entries as incomplete", async () => {
    let second = -1;
    for (let i = 4; i < valid.length - 4 && second < 0; i++) {
      if (valid[i] === 0x50 && valid[i + 1] === 0x4b && valid[i + 2] === 0x03 && valid[i + 3] === 0x04) second = i;
    }
    expect(second).toBeGreaterThan(0);
    const r = await extract(valid.slice(0, second));
    expect(r.upload.archive.status).toBe("failed");
    expect(r.upload.archive.message).toMatch(/ends early/);
    expect((await extract(valid)).upload.archive.status).toBe("extracted");
  });

  it("keeps zip-slip names inside the upload", async () => {
    const r = await extract(
      zipSync({ "../../../../outside.jpg": portraitJpeg(64, 80), "/abs/x.jpg": portraitJpeg(64, 80), "a\\..\\..\\win.jpg": portraitJpeg(64, 80) }),
    );
    checkContained(r);
    expect(r.files.map((f) => f.name).sort()).toEqual(["a/win.jpg", "abs/x.jpg", "outside.jpg"]);
  });

  it("drops an entry that inflates past the image limit and says so in the preview", async () => {
    const bomb = new Uint8Array(IMAGE_LIMITS.maxBytes + 1024 * 1024); // zeros: compresses to almost nothing
    const r = await extract(zipSync({ "bomb.jpg": bomb, "ok.jpg": portraitJpeg(64, 80) }, { level: 9 }));
    expect(r.upload.archive.status).toBe("extracted");
    const bombRow = r.files.find((f) => f.name === "bomb.jpg");
    expect(bombRow?.bytes).toBeGreaterThan(IMAGE_LIMITS.maxBytes);
    const { results } = await env.DB.prepare("SELECT problem_code FROM upload_files WHERE org = ?1 AND name = 'bomb.jpg'")
      .bind(r.org)
      .all<{ problem_code: string }>();
    expect(results[0]?.problem_code).toBe("image_too_large");
    expect(r.keys.some((k) => k.endsWith("bomb.jpg"))).toBe(false);
  });

  it("stops a zip bomb at the total expanded size", async () => {
    const saved = ARCHIVE_LIMITS.maxUncompressedBytes;
    ARCHIVE_LIMITS.maxUncompressedBytes = 8 * 1024 * 1024;
    try {
      const layer = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`part${i}.jpg`, new Uint8Array(2 * 1024 * 1024)]));
      const r = await extract(zipSync(layer, { level: 9 }));
      expect(r.upload.archive.status).toBe("failed");
      expect(r.upload.archive.message).toMatch(/expands to more than/);
    } finally {
      ARCHIVE_LIMITS.maxUncompressedBytes = saved;
    }
  });
});
