import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import type { UploadQueueMessage } from "../src/features/uploads/uploads.schemas";
import { PHOTO_SIZES } from "../src/imaging/pipeline";
import { photoKey } from "../src/storage/keys";
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
      // the old photo is what revert and restore bring back
      const restore = await env.DB.prepare("SELECT restore_version FROM students WHERE org = ?1 AND id = 's1'")
        .bind(s.org)
        .first<{ restore_version: string }>();
      expect(restore?.restore_version, where).toBe(s.oldVersion);
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
