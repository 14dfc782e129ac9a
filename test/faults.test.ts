import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import type { UploadQueueMessage } from "../src/features/uploads/uploads.schemas";
import { PHOTO_SIZES, processPortrait } from "../src/imaging/pipeline";
import { photoKey, retiredPhotoKey } from "../src/storage/keys";
import { runHousekeeping } from "../src/features/housekeeping/housekeeping.service";
import { deleteStudentPhoto, restoreStudentPhoto, setStudentPhoto } from "../src/features/photos/photos.service";
import { submitUpload } from "../src/features/uploads/submit";
import { as, importRoster, newOrg } from "./helpers/api";
import { faultyEnv } from "./helpers/faults";
import { decodeJpeg, portraitJpeg } from "./helpers/images";
import { getUpload, newUpload, putFile } from "./helpers/uploads";

async function deliver(testEnv: Env, body: UploadQueueMessage, queue = "passpix-uploads") {
  const batch = createMessageBatch<UploadQueueMessage>(queue, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, testEnv);
  return getQueueResult(batch, ctx);
}

/** A student with an old photo and a submitted one-row upload that replaces it; the message is returned, not sent. */
async function scenario() {
  const org = newOrg("fault");
  await importRoster(org);
  const admin = await as(org, "admin");
  const old = await admin("PUT", "/v1/students/s1/photo", { body: portraitJpeg(200, 250, { seed: 1 }), headers: { "Content-Type": "image/jpeg" } });
  const oldVersion = (await old.json<any>()).photo.version as string;
  const id = await newUpload(admin);
  await putFile(admin, id, "001234.jpg", portraitJpeg(200, 250, { seed: 2 }));
  const sent: UploadQueueMessage[] = [];
  const queue = { sendBatch: async (m: Array<{ body: UploadQueueMessage }>) => void sent.push(...m.map((x) => x.body)) } as unknown as Queue;
  await submitUpload({ ...env, UPLOAD_QUEUE: queue }, org, id, "admin-1");
  return { org, admin, id, oldVersion, message: sent[0]! };
}

/** The invariant after any fault: the served photo is the old one or the new one, and all of its bytes are there and decode. */
async function assertIntactPhoto(org: string, oldVersion: string, newVersion: string) {
  const row = await env.DB.prepare("SELECT photo_version FROM students WHERE org = ?1 AND id = 's1'").bind(org).first<{ photo_version: string | null }>();
  expect([oldVersion, newVersion]).toContain(row?.photo_version);
  for (const size of PHOTO_SIZES) {
    const object = await env.PHOTOS.get(photoKey(org, "s1", row!.photo_version!, size));
    expect(object, `${size} of ${row!.photo_version}`).not.toBeNull();
    const pixels = decodeJpeg(new Uint8Array(await object!.arrayBuffer()));
    expect(pixels.width).toBeGreaterThan(0);
  }
  return row!.photo_version!;
}

/** Where a version of s1's renditions are: all served, all retired, or bytes missing. */
async function spaceOf(org: string, version: string) {
  const served = await Promise.all(PHOTO_SIZES.map((size) => env.PHOTOS.head(photoKey(org, "s1", version, size))));
  const retired = await Promise.all(PHOTO_SIZES.map((size) => env.PHOTOS.head(retiredPhotoKey(org, "s1", version, size))));
  if (served.every(Boolean) && !retired.some(Boolean)) return "served";
  if (retired.every(Boolean) && !served.some(Boolean)) return "retired";
  return PHOTO_SIZES.every((_, i) => served[i] || retired[i]) ? "both" : "missing";
}

describe("faults while processing a row", () => {
  it("after a fault at every storage operation, the student keeps the old photo or gets the new one, and the upload ends", { timeout: 120_000 }, async () => {
    // one clean run to count the operations a row takes
    const probe = await scenario();
    const counter = faultyEnv(env, null);
    await deliver(counter.env, probe.message);
    const total = counter.ops();
    expect(total).toBeGreaterThanOrEqual(6); // reads, version row, three renditions, commit
    expect((await getUpload(probe.admin, probe.id)).status).toBe("completed");

    for (let failAt = 1; failAt <= total; failAt++) {
      const s = await scenario();
      const newVersion = `u${s.id}`;
      const faulty = faultyEnv(env, failAt);
      const result = await deliver(faulty.env, s.message);
      const where = faulty.log[failAt - 1];
      expect(result.retryMessages.length + result.explicitAcks.length, where).toBe(1);
      await assertIntactPhoto(s.org, s.oldVersion, newVersion);
      const mid = await getUpload(s.admin, s.id);
      expect(mid.counts.processed + mid.counts.failed + mid.counts.pending, where).toBe(1);

      // the retry (or a duplicate delivery) finishes the job
      await deliver(env, s.message);
      const served = await assertIntactPhoto(s.org, s.oldVersion, newVersion);
      expect(served, where).toBe(newVersion);
      const done = await getUpload(s.admin, s.id);
      expect(done, where).toMatchObject({ status: "completed", counts: { processed: 1, failed: 0, pending: 0 } });
      // the old photo is what revert and restore bring back: its bytes are kept, and after the
      // cron's re-sync (a crash past the commit) they are no longer in the served space
      const restore = await env.DB.prepare("SELECT restore_version FROM students WHERE org = ?1 AND id = 's1'")
        .bind(s.org)
        .first<{ restore_version: string }>();
      expect(restore?.restore_version, where).toBe(s.oldVersion);
      expect(await spaceOf(s.org, s.oldVersion), where).not.toBe("missing");
      await runHousekeeping(env, "", Date.now());
      expect(await spaceOf(s.org, s.oldVersion), where).toBe("retired");
      expect(await spaceOf(s.org, newVersion), where).toBe("served");
    }
  });

  it("a row that keeps failing goes to the dead-letter queue, fails, and the old photo stays", async () => {
    const s = await scenario();
    const broken = faultyEnv(env, 1);
    const first = await deliver(broken.env, s.message);
    expect(first.retryMessages).toHaveLength(1);
    await deliver(env, s.message, "passpix-uploads-dlq");
    expect(await assertIntactPhoto(s.org, s.oldVersion, `u${s.id}`)).toBe(s.oldVersion);
    expect(await getUpload(s.admin, s.id)).toMatchObject({ status: "failed", counts: { processed: 0, failed: 1, pending: 0 } });
  });

  it("out-of-order delivery: a late message for an upload that was reverted changes nothing", async () => {
    const s = await scenario();
    await deliver(env, s.message);
    expect((await s.admin("POST", `/v1/uploads/${s.id}/revert`)).status).toBe(200);
    await deliver(env, s.message);
    expect(await assertIntactPhoto(s.org, s.oldVersion, `u${s.id}`)).toBe(s.oldVersion);
    expect((await getUpload(s.admin, s.id)).status).toBe("reverted");
  });
});

describe("faults while moving photo objects between the served and retired spaces", () => {
  type Step = (e: Env, org: string) => Promise<unknown>;
  const steps: Record<string, Step> = {
    replace: (e, org) =>
      setStudentPhoto(e, org, "s1", processPortrait(portraitJpeg(200, 250, { seed: 3 })), { actor: "admin-1", source: "api", version: "vnew" }),
    delete: (e, org) => deleteStudentPhoto(e, org, "s1", "admin-1"),
    restore: (e, org) => restoreStudentPhoto(e, org, "s1", "admin-1"),
  };

  /** s1 has photo `v2`, which replaced `v1` (so restore has something to bring back). */
  async function twoVersions() {
    const org = newOrg("moves");
    await importRoster(org);
    for (const [version, seed] of [
      ["v1", 1],
      ["v2", 2],
    ] as const) {
      await setStudentPhoto(env, org, "s1", processPortrait(portraitJpeg(200, 250, { seed })), { actor: "admin-1", source: "api", version });
    }
    return org;
  }

  for (const [name, step] of Object.entries(steps)) {
    it(`${name}: a fault at any storage operation loses no bytes, never leaves the current photo unserved for longer than the next cron run, and the re-sync serves only it`, {
      timeout: 120_000,
    }, async () => {
      const probeOrg = await twoVersions();
      const counter = faultyEnv(env, null);
      await step(counter.env, probeOrg);
      const total = counter.ops();
      expect(total).toBeGreaterThanOrEqual(4);

      for (let failAt = 1; failAt <= total; failAt++) {
        const org = await twoVersions();
        const faulty = faultyEnv(env, failAt);
        await step(faulty.env, org).catch(() => undefined);
        const where = `${name}: ${faulty.log[failAt - 1]}`;
        // v1 and v2 were each current once: restore needs their bytes (a new version whose put
        // failed was never current, and the purge removes its row)
        for (const version of ["v1", "v2"]) expect(await spaceOf(org, version), `${where}: ${version}`).not.toBe("missing");
        const kept = await env.DB.prepare("SELECT version FROM photo_versions WHERE org = ?1 AND student_id = 's1' AND version IN ('v1', 'v2', 'vnew')")
          .bind(org)
          .all<{ version: string }>();

        await runHousekeeping(env, "", Date.now());
        const current = (
          await env.DB.prepare("SELECT photo_version FROM students WHERE org = ?1 AND id = 's1'").bind(org).first<{ photo_version: string | null }>()
        )?.photo_version;
        for (const { version } of kept.results) {
          const space = await spaceOf(org, version);
          // a move that died before deleting its source leaves a spare retired copy of the current
          // version: harmless (never served), overwritten when that version is retired
          if (version === current) expect(["served", "both"], `${where}: ${version} (current)`).toContain(space);
          else if (space !== "missing") expect(space, `${where}: ${version} (current ${current})`).toBe("retired");
        }
      }
    });
  }
});
