/** A row's queue step: one mapping row's staged file becomes the student's photo (see processUploadRow). */
import { toApiError } from "../../http/errors";
import { runSteps } from "../../http/interactive";
import { portraitSteps, type ProcessedPhoto } from "../../imaging/pipeline";
import { setStudentPhoto } from "../photos/photos.service";
import type { StudentRecord } from "../students/students.repo";
import { stagedFileKey } from "../../storage/keys";
import {
  finalizeStatement,
  insertRowWarningStatement,
  readRowForProcessing,
  rowProcessedStatement,
  settleRowStatement,
  type UploadRowRecord,
} from "./uploads.repo";

type RowRef = { org: string; upload_id: string; row: number };

/**
 * A bound on bytes held at once by concurrent work in one isolate: `reserve(n)` waits until n more
 * bytes fit, and its release lets waiters in. A single reservation larger than the whole budget
 * still runs, alone, so nothing waits forever.
 */
export function byteBudget(limit: number) {
  let inUse = 0;
  let waiters: (() => void)[] = [];
  return {
    get inUse() {
      return inUse;
    },
    async reserve(bytes: number): Promise<() => void> {
      const need = Math.max(0, Math.min(bytes, limit));
      while (inUse > 0 && inUse + need > limit) await new Promise<void>((resolve) => waiters.push(resolve));
      inUse += need;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= need;
        const wake = waiters;
        waiters = [];
        for (const w of wake) w();
      };
    },
  };
}

/**
 * Staged originals read at once by the rows in flight (src/queue/consumer.ts runs several): six
 * originals at the 20 MB body limit would not fit an isolate's 128 MB next to the codec. Typical
 * photos (0.1–5 MB) never wait. Per isolate, which is what the memory limit is per.
 */
export const originals = byteBudget(32 * 1024 * 1024);

/**
 * Ends a row that will not succeed; only a pending row changes, so a late duplicate cannot
 * overwrite an outcome. The upload's final status commits with it.
 */
export async function settleRow(db: D1Database, ref: RowRef, status: "failed" | "skipped", code: string, message: string) {
  await db.batch([settleRowStatement(db, ref, status, code, message), finalizeStatement(db, ref.org, ref.upload_id)]);
}

/**
 * One mapping row: staged file → image pipeline → the student's photo. Safe to run any number
 * of times: a row that is no longer pending is left alone, and the photo pointer, the row's
 * `processed` status, the version it replaced and the upload's final status commit in one
 * transaction. Three D1 round trips in all: read, version row, commit.
 * Bad images end the row (failed with the pipeline's code); infrastructure errors throw, so the
 * message is retried and, after its retries, the dead-letter consumer fails the row.
 */
export async function processUploadRow(env: Env, ref: RowRef) {
  const db = env.DB;
  const { rowRes, uploadRes, studentRes } = await readRowForProcessing(db, ref);
  const row = rowRes?.results[0] as UploadRowRecord | undefined;
  const upload = uploadRes?.results[0] as { status: string; created_by: string } | undefined;
  const student = studentRes?.results[0] as StudentRecord | undefined;
  if (!row || !upload) return;
  // Already settled (a redelivery, or a retry after a crash past the commit): only the upload's
  // final status may still be missing.
  if (row.status !== "pending") return void (await finalizeStatement(db, ref.org, ref.upload_id).run());
  if (upload.status !== "processing") return;

  if (!student) return settleRow(db, ref, "failed", "unknown_student", "The student was removed from the roster after the upload was submitted.");
  if (student.photo_opt_out)
    return settleRow(db, ref, "skipped", "opted_out", "The student opted out of photos after the upload was submitted; no photo was stored.");

  const object = row.matched_file ? await env.PHOTOS.get(stagedFileKey(ref.org, ref.upload_id, row.matched_file)) : null;
  if (!object) return settleRow(db, ref, "failed", "missing_file", `The file ${row.matched_file ?? row.file} is no longer in the upload.`);

  let processed: ProcessedPhoto;
  const release = await originals.reserve(object.size);
  try {
    // In steps, letting pass views that share this isolate go first between them.
    processed = await runSteps(portraitSteps(new Uint8Array(await object.arrayBuffer())));
  } catch (err) {
    // A bad image ends its row; a busy image service (5xx) is worth another try later.
    // The same mapping the API answers with (toApiError), so a row reads as the photo PUT would.
    const known = toApiError(err);
    if (known && known.status < 500) return settleRow(db, ref, "failed", known.code, known.message);
    throw err;
  } finally {
    // The original is decoded (or refused): its bytes are garbage from here on.
    release();
  }

  const previous = student.photo_version;
  const { moved } = await setStudentPhoto(env, ref.org, student.id, processed, {
    actor: upload.created_by,
    source: "upload",
    version: row.new_version!,
    uploadId: ref.upload_id,
    uploadRow: ref.row,
    expectedCurrent: previous,
    alsoInTransaction: [rowProcessedStatement(db, ref, previous, student.id, row.new_version), finalizeStatement(db, ref.org, ref.upload_id)],
    // The photo checks' warnings stay on the row (preview, report.csv), this row's and a later row's holding the same picture.
    afterChecks: (checks) => [
      ...checks.warnings.map((w) => insertRowWarningStatement(db, ref.org, ref.upload_id, ref.row, w)),
      ...checks.laterRows.map((l) => insertRowWarningStatement(db, ref.org, ref.upload_id, l.row, l.warning)),
    ],
  });
  // The photo changed between our read and the move (an admin acted meanwhile): try again with fresh state.
  if (!moved) throw new Error(`photo of ${student.id} changed while row ${ref.row} was processed`);
}
