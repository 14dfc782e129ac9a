/**
 * src/features/housekeeping/: the cron trigger's tasks (re-queue stalled rows, cancel abandoned
 * drafts, drop staged originals of finished uploads, purge retired photo versions). No HTTP
 * routes here; each task is bounded per run and safe to run again.
 */
import { cancelUpload, enqueue } from "../uploads/uploads.service";
import { deleteR2Prefix } from "../../storage/bucket";
import { stagingPrefix } from "../../storage/keys";
import { nowIso } from "../common.schemas";
import { purgeRetiredVersions } from "../photos/photos.service";
import { deleteUploadFiles, rowTouch, selectAbandonedDrafts, selectFinishedUploadsWithFiles, selectStalledRows } from "./housekeeping.repo";

const minutesAgo = (nowMs: number, minutes: number) => new Date(nowMs - minutes * 60_000).toISOString();

/**
 * Re-queues rows pending for a while: a lost send at submit, or a message dropped on the floor,
 * must not leave an upload processing forever (processing a row twice is harmless).
 */
export async function resendStalledRows(env: Env, nowMs = Date.now(), stalledMinutes = 10) {
  const results = await selectStalledRows(env.DB, minutesAgo(nowMs, stalledMinutes));
  if (!results.length) return 0;
  await enqueue(
    env.UPLOAD_QUEUE,
    results.map((r) => ({ kind: "process_row" as const, ...r })),
  );
  const touch = rowTouch(env.DB);
  for (let i = 0; i < results.length; i += 500) {
    await env.DB.batch(results.slice(i, i + 500).map((r) => touch(r, nowIso())));
  }
  return results.length;
}

/** Drafts nobody touched for DRAFT_RETENTION_DAYS: their staged photos are dropped. */
async function cancelAbandonedDrafts(env: Env, nowMs = Date.now()) {
  const results = await selectAbandonedDrafts(env.DB, minutesAgo(nowMs, Number(env.DRAFT_RETENTION_DAYS) * 24 * 60));
  for (const d of results) await cancelUpload(env, d.org, d.id, "system:housekeeping");
  return results.length;
}

/**
 * Originals as received (with their EXIF/GPS) are needed only until processing is over: a week
 * after an upload finished, its staged files go; its rows (the report) stay.
 */
async function dropStagedFilesOfFinishedUploads(env: Env, nowMs = Date.now()) {
  const results = await selectFinishedUploadsWithFiles(env.DB, minutesAgo(nowMs, Number(env.DRAFT_RETENTION_DAYS) * 24 * 60));
  for (const u of results) {
    await deleteR2Prefix(env.PHOTOS, stagingPrefix(u.org, u.id));
    await deleteUploadFiles(env.DB, u.org, u.id);
  }
  return results.length;
}

/** The cron trigger: each task is bounded and picks up where the last run stopped. */
export async function runHousekeeping(env: Env, cron = "", nowMs = Date.now()) {
  const resent = await resendStalledRows(env, nowMs);
  const drafts = await cancelAbandonedDrafts(env, nowMs);
  const staged = await dropStagedFilesOfFinishedUploads(env, nowMs);
  const purged = await purgeRetiredVersions(env, nowMs);
  console.log(JSON.stringify({ at: "housekeeping", cron, resent, drafts, staged, purged }));
  return { resent, drafts, staged, purged };
}
