/**
 * src/queue/: the queue entry. Validates each message, acks or retries it on its own, and calls
 * the feature services that do the work (uploads' archive and row steps, photos' delete-all).
 * No rules, SQL or R2 keys here: only which service a message kind goes to, and what a dead
 * letter ends.
 */
import { UploadQueueMessage } from "../features/uploads/uploads.schemas";
import { extractArchive, failArchive } from "../features/uploads/archive";
import { deleteAllPhotosNow } from "../features/photos/delete-all.service";
import { processUploadRow, settleRow } from "../features/uploads/process-row";
import { homeEnv, resolveHome } from "../storage/homes";

/** The Env of the message's school: its home's database and bucket (the one place the queue picks them). */
const envOfSchool = async (env: Env, org: string) => homeEnv(env, (await resolveHome(env, org)).home);

const backoffSeconds = (attempts: number) => Math.min(300, 5 * 2 ** Math.max(0, attempts - 1));

function run(env: Env, job: UploadQueueMessage) {
  switch (job.kind) {
    case "process_row":
      return processUploadRow(env, job);
    case "extract_archive":
      return extractArchive(env, job.org, job.upload_id, job.from);
    case "delete_all_photos":
      return deleteAllPhotosNow(env, job.org);
  }
}

/**
 * Messages of one batch in flight at once. A row spends most of its time waiting on D1 and R2;
 * overlapping a few rows' waits keeps the isolate's one thread busy with the codec (which is
 * synchronous, so CPU work stays one row at a time). Bounded so a batch of large originals
 * cannot hold more than a few bodies in memory at once.
 */
export const MESSAGES_IN_FLIGHT = 6;

/** Acks or retries each message on its own: one bad message never makes a whole batch run again. */
export async function consumeUploadQueue(batch: MessageBatch<unknown>, env: Env, inFlight = MESSAGES_IN_FLIGHT) {
  let next = 0;
  const lane = async () => {
    while (next < batch.messages.length) await consumeOne(batch.messages[next++]!, env);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, batch.messages.length) }, lane));
}

async function consumeOne(message: Message<unknown>, env: Env) {
  const parsed = UploadQueueMessage.safeParse(message.body);
  if (!parsed.success) {
    console.error(JSON.stringify({ at: "queue.invalid_message", id: message.id, issues: parsed.error.issues.slice(0, 3) }));
    return message.ack();
  }
  try {
    await run(await envOfSchool(env, parsed.data.org), parsed.data);
    message.ack();
  } catch (err) {
    console.error(JSON.stringify({ at: "queue.retry", kind: parsed.data.kind, attempts: message.attempts, error: String(err) }));
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}

/** Messages that used up their retries: end what they were for, so every upload reaches a final status. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env) {
  for (const message of batch.messages) {
    const parsed = UploadQueueMessage.safeParse(message.body);
    if (!parsed.success) {
      message.ack();
      continue;
    }
    const job = parsed.data;
    try {
      const home = await envOfSchool(env, job.org);
      if (job.kind === "process_row") {
        await settleRow(
          home.DB,
          job,
          "failed",
          "processing_failed",
          "This photo could not be processed after several attempts. Upload it again for this student.",
        );
      } else if (job.kind === "extract_archive") {
        await failArchive(
          home.DB,
          job.org,
          job.upload_id,
          "The zip file could not be unpacked after several attempts. Upload it again, or upload the folder instead.",
        );
      } else {
        // Deleting every photo must finish: run it once more here, and let this queue retry it.
        await deleteAllPhotosNow(home, job.org);
      }
      message.ack();
    } catch (err) {
      console.error(JSON.stringify({ at: "dlq.retry", kind: job.kind, error: String(err) }));
      message.retry({ delaySeconds: 30 });
    }
  }
}
