import { nowIso } from "../schemas/common";
import { deleteR2Prefix, purgeRetiredVersions } from "./photos";
import { cancelUpload, enqueue } from "./uploads";
import { stagingPrefix } from "../storage/keys";

const minutesAgo = (nowMs: number, minutes: number) => new Date(nowMs - minutes * 60_000).toISOString();

/**
 * Re-queues rows pending for a while: a lost send at submit, or a message dropped on the floor,
 * must not leave an upload processing forever (processing a row twice is harmless).
 */
export async function resendStalledRows(env: Env, nowMs = Date.now(), stalledMinutes = 10) {
  const { results } = await env.DB.prepare(
    `SELECT r.org, r.upload_id, r.row FROM upload_rows r JOIN uploads u ON u.org = r.org AND u.id = r.upload_id
     WHERE r.status = 'pending' AND u.status = 'processing' AND r.updated_at < ?1 LIMIT 5000`,
  )
    .bind(minutesAgo(nowMs, stalledMinutes))
    .all<{ org: string; upload_id: string; row: number }>();
  if (!results.length) return 0;
  await enqueue(env.UPLOAD_QUEUE, results.map((r) => ({ kind: "process_row" as const, ...r })));
  const touch = env.DB.prepare("UPDATE upload_rows SET updated_at = ?4 WHERE org = ?1 AND upload_id = ?2 AND row = ?3");
  for (let i = 0; i < results.length; i += 500) {
    await env.DB.batch(results.slice(i, i + 500).map((r) => touch.bind(r.org, r.upload_id, r.row, nowIso())));
  }
  return results.length;
}

/** Drafts nobody touched for DRAFT_RETENTION_DAYS: their staged photos are dropped. */
async function cancelAbandonedDrafts(env: Env, nowMs = Date.now()) {
  const { results } = await env.DB.prepare(
    `SELECT u.org, u.id FROM uploads u WHERE u.status = 'draft' AND u.created_at < ?1
       AND NOT EXISTS (SELECT 1 FROM upload_files f WHERE f.org = u.org AND f.upload_id = u.id AND f.received_at >= ?1)
     LIMIT 200`,
  )
    .bind(minutesAgo(nowMs, Number(env.DRAFT_RETENTION_DAYS) * 24 * 60))
    .all<{ org: string; id: string }>();
  for (const d of results) await cancelUpload(env, d.org, d.id, "system:housekeeping");
  return results.length;
}

/**
 * Originals as received (with their EXIF/GPS) are needed only until processing is over: a week
 * after an upload finished, its staged files go; its rows (the report) stay.
 */
async function dropStagedFilesOfFinishedUploads(env: Env, nowMs = Date.now()) {
  const { results } = await env.DB.prepare(
    `SELECT u.org, u.id FROM uploads u
     WHERE u.status IN ('completed', 'completed_with_errors', 'failed', 'reverted', 'cancelled') AND u.completed_at < ?1
       AND EXISTS (SELECT 1 FROM upload_files f WHERE f.org = u.org AND f.upload_id = u.id)
     LIMIT 100`,
  )
    .bind(minutesAgo(nowMs, Number(env.DRAFT_RETENTION_DAYS) * 24 * 60))
    .all<{ org: string; id: string }>();
  for (const u of results) {
    await deleteR2Prefix(env.PHOTOS, stagingPrefix(u.org, u.id));
    await env.DB.prepare("DELETE FROM upload_files WHERE org = ?1 AND upload_id = ?2").bind(u.org, u.id).run();
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
