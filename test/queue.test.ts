import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import type { UploadQueueMessage } from "../src/features/uploads/uploads.schemas";
import { submitUpload } from "../src/features/uploads/submit";
import { MESSAGES_IN_FLIGHT } from "../src/queue/consumer";
import { byteBudget, originals } from "../src/features/uploads/process-row";
import { as, importRoster, json, newOrg } from "./helpers/api";
import { portraitJpeg } from "./helpers/images";
import { getUpload, newUpload, putFile, waitUntilFinal } from "./helpers/uploads";

/** A queue that keeps what is sent, so a test delivers (and redelivers) messages itself. */
function capturingQueue() {
  const sent: UploadQueueMessage[] = [];
  const queue = {
    async send(body: UploadQueueMessage) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: UploadQueueMessage }>) {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue;
  return { queue, sent };
}

let messageSeq = 0;
async function deliver(testEnv: Env, bodies: UploadQueueMessage[], queueName = "passpix-uploads", attempts = 1) {
  const batch = createMessageBatch<UploadQueueMessage>(
    queueName,
    bodies.map((body) => ({ id: `m${++messageSeq}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, testEnv);
  return { result: await getQueueResult(batch, ctx), ids: batch.messages.map((m) => m.id) };
}

/** A submitted upload whose messages were captured, not delivered. */
async function submittedUpload(files: number) {
  const org = newOrg();
  const students = Array.from({ length: files }, (_, i) => ({ id: `st${i}`, sis_id: `9${String(i).padStart(4, "0")}`, first_name: `S${i}` }));
  await importRoster(org, students);
  const admin = await as(org, "admin");
  const id = await newUpload(admin);
  for (let i = 0; i < files; i++) await putFile(admin, id, `9${String(i).padStart(4, "0")}.jpg`, portraitJpeg(120, 150, { seed: i }));
  const { queue, sent } = capturingQueue();
  await submitUpload({ ...env, UPLOAD_QUEUE: queue }, org, id, "admin-1");
  return { org, admin, id, messages: sent };
}

const version = async (org: string, student: string) =>
  (await env.DB.prepare("SELECT photo_version AS v FROM students WHERE org = ?1 AND id = ?2").bind(org, student).first<{ v: string | null }>())?.v ?? null;

describe("queue consumer", () => {
  it("changes nothing twice when a message is delivered twice", async () => {
    const { org, admin, id, messages } = await submittedUpload(2);
    expect(messages).toHaveLength(2);
    await deliver(env, messages);
    const after = await getUpload(admin, id);
    expect(after).toMatchObject({ status: "completed", counts: { processed: 2, pending: 0 } });
    await deliver(env, [messages[0]!, messages[0]!, messages[1]!]);
    expect((await getUpload(admin, id)).counts).toMatchObject({ processed: 2, failed: 0, pending: 0 });
    const audits = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE org = ?1 AND action = 'photo.set_by_upload'")
      .bind(org)
      .first<{ n: number }>();
    expect(audits?.n).toBe(2);
    const student = await json(await admin("GET", "/v1/students/st0"));
    expect(student.photo.version).toBe(`u${id}`);
    // a redelivery did not clobber the restore pointer with the upload's own version
    const row = await env.DB.prepare("SELECT restore_version FROM students WHERE org = ?1 AND id = 'st0'")
      .bind(org)
      .first<{ restore_version: string | null }>();
    expect(row?.restore_version).toBeNull();
  });

  it("retries only the message that failed when storage throws mid-batch", async () => {
    const { org, admin, id, messages } = await submittedUpload(3);
    let failures = 0;
    const flakyBucket = new Proxy(env.PHOTOS, {
      get(target, prop) {
        if (prop === "put") {
          return async (key: string, ...rest: unknown[]) => {
            if (key.includes("/st1/") && failures++ === 0) throw new Error("R2 is having a bad moment");
            return (target.put as (...a: unknown[]) => unknown).call(target, key, ...rest);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { result, ids } = await deliver({ ...env, PHOTOS: flakyBucket }, messages);
    expect(result.explicitAcks.sort()).toEqual([ids[0], ids[2]].sort());
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([ids[1]]);
    // while the failed row waits for its retry, the old photo (none) is still what is served
    expect(await version(org, "st1")).toBeNull();
    expect(await getUpload(admin, id)).toMatchObject({ status: "processing", counts: { processed: 2, pending: 1 } });
    await deliver(env, [messages[1]!], "passpix-uploads", 2);
    expect(await getUpload(admin, id)).toMatchObject({ status: "completed", counts: { processed: 3, pending: 0 } });
  });

  it("overlaps the storage waits of a batch's rows, and each row still settles on its own", async () => {
    const { admin, id, messages } = await submittedUpload(8);
    let reading = 0;
    let most = 0;
    const slowBucket = new Proxy(env.PHOTOS, {
      get(target, prop) {
        if (prop === "get") {
          return async (...args: unknown[]) => {
            most = Math.max(most, ++reading);
            // A read that takes a while, as R2 does: rows that wait on it should not wait in line.
            await new Promise((r) => setTimeout(r, 30));
            try {
              return await (target.get as (...a: unknown[]) => unknown).apply(target, args);
            } finally {
              reading--;
            }
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { result, ids } = await deliver({ ...env, PHOTOS: slowBucket }, messages);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(MESSAGES_IN_FLIGHT);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(await getUpload(admin, id)).toMatchObject({ status: "completed", counts: { processed: 8, pending: 0 } });
  });

  it("reads a staged original only while the originals in flight fit their byte budget", async () => {
    const { admin, id, messages } = await submittedUpload(1);
    // Everything the budget holds is taken (as by rows reading limit-sized originals): the row waits.
    const hold = await originals.reserve(Number.MAX_SAFE_INTEGER);
    const delivering = deliver(env, messages);
    await new Promise((r) => setTimeout(r, 300));
    expect((await getUpload(admin, id)).counts).toMatchObject({ processed: 0, pending: 1 });
    hold();
    await delivering;
    expect(await getUpload(admin, id)).toMatchObject({ status: "completed", counts: { processed: 1, pending: 0 } });
    expect(originals.inUse).toBe(0);
  });

  it("a byte budget lets waiters in on release, and runs one reservation larger than itself alone", async () => {
    const budget = byteBudget(100);
    const first = await budget.reserve(80);
    let secondIn = false;
    const second = budget.reserve(50).then((release) => {
      secondIn = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(secondIn).toBe(false);
    first();
    (await second)();
    const big = await budget.reserve(500);
    expect(budget.inUse).toBe(100);
    big();
    big(); // a second release changes nothing
    expect(budget.inUse).toBe(0);
  });

  it("fails a row whose message exhausted its retries, and the upload still ends", async () => {
    const { org, admin, id, messages } = await submittedUpload(2);
    await deliver(env, [messages[0]!]);
    await deliver(env, [messages[1]!], "passpix-uploads-dlq", 6);
    const upload = await getUpload(admin, id);
    expect(upload).toMatchObject({ status: "completed_with_errors", counts: { processed: 1, failed: 1, pending: 0 } });
    expect(upload.problems.map((p: any) => p.code)).toContain("processing_failed");
    expect(await version(org, "st1")).toBeNull();
    // a late redelivery of the dead message changes nothing
    await deliver(env, [messages[1]!]);
    expect((await getUpload(admin, id)).counts).toMatchObject({ processed: 1, failed: 1 });
  });

  it("acks a message that is not ours instead of retrying it forever", async () => {
    const { result, ids } = await deliver(env, [{ kind: "unknown" } as unknown as UploadQueueMessage]);
    expect(result.explicitAcks).toEqual(ids);
  });

  it("re-sends rows left pending (a lost message) so the upload still ends", async () => {
    const { admin, id, messages } = await submittedUpload(1);
    const { resendStalledRows } = await import("../src/features/housekeeping/housekeeping.service");
    const { queue, sent } = capturingQueue();
    // other tests' rows in this database may be re-sent too; ours must be among them
    expect(await resendStalledRows({ ...env, UPLOAD_QUEUE: queue }, Date.now() + 11 * 60_000)).toBeGreaterThanOrEqual(1);
    expect(sent).toEqual(expect.arrayContaining(messages));
    await deliver(env, messages);
    expect((await getUpload(admin, id)).status).toBe("completed");
  });
});

describe("a whole school", () => {
  it("1,000 rows reach completed through the real queue with exact counts", { timeout: 300_000 }, async () => {
    const org = newOrg();
    const n = 1000;
    const students = Array.from({ length: n }, (_, i) => ({ id: `k${i}`, email: `kid${i}@big.test`, first_name: `Kid`, last_name: `${i}` }));
    await importRoster(org, students);
    const admin = await as(org, "admin");
    const id = await newUpload(admin);
    const photo = portraitJpeg(96, 120);
    for (let i = 0; i < n; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, j) => putFile(admin, id, `photos/kid${i + j}.jpg`, photo)));
    }
    const mapping = ["email,file", ...students.map((s, i) => `${s.email},photos/kid${i}.jpg`)].join("\n");
    const res = await admin("PUT", `/v1/uploads/${id}/mapping`, { body: mapping, headers: { "Content-Type": "text/csv" } });
    expect((await json(res)).upload.counts).toMatchObject({ rows: n, matched: n, files_received: n, missing_files: 0 });
    expect((await admin("POST", `/v1/uploads/${id}/submit`)).status).toBe(202);
    const done = await waitUntilFinal(admin, id, 280_000);
    expect(done).toMatchObject({ status: "completed", counts: { rows: n, matched: n, processed: n, failed: 0, pending: 0 } });
    const count = await env.DB.prepare("SELECT count(*) AS n FROM students WHERE org = ?1 AND photo_version = ?2").bind(org, `u${id}`).first<{ n: number }>();
    expect(count?.n).toBe(n);
  });
});
