import { nowIso } from "../schemas/common";
import { auditStatement } from "./audit";
import { setPhotosEnabledStatement } from "./integration";
import { deleteR2Prefix } from "./photos";
import { enqueue, finalizeIfDone } from "./uploads";
import { orgPhotosPrefix, orgUploadsPrefix } from "../storage/keys";

/** Rows first: from this transaction on, no photo of the school is served or restorable. */
function forgetPhotosStatements(db: D1Database, org: string, now: string) {
  return [
    db.prepare("UPDATE students SET photo_version = NULL, restore_version = NULL, photo_updated_at = ?2 WHERE org = ?1 AND (photo_version IS NOT NULL OR restore_version IS NOT NULL)").bind(org, now),
    db.prepare("DELETE FROM photo_versions WHERE org = ?1").bind(org),
    db.prepare("DELETE FROM upload_files WHERE org = ?1").bind(org),
    db.prepare("UPDATE uploads SET status = 'cancelled', completed_at = ?2 WHERE org = ?1 AND status = 'draft'").bind(org, now),
    db
      .prepare("UPDATE upload_rows SET status = 'skipped', code = 'deleted_by_support', message = 'Every photo of the school was deleted by support before this row was processed.', updated_at = ?2 WHERE org = ?1 AND status = 'pending'")
      .bind(org, now),
  ];
}

/**
 * Support's delete-all: photos stop being served and photos are disabled in one transaction now;
 * the bytes (every version, and staged uploads) are deleted by a queued job, which may run again.
 */
export async function requestDeleteAllPhotos(env: Env, org: string, actor: string) {
  const now = nowIso();
  const { results: processing } = await env.DB.prepare("SELECT id FROM uploads WHERE org = ?1 AND status = 'processing'").bind(org).all<{ id: string }>();
  await env.DB.batch([
    ...forgetPhotosStatements(env.DB, org, now),
    setPhotosEnabledStatement(env.DB, org, false, now),
    auditStatement(env.DB, { org, actor, action: "photos.delete_all" }, now),
  ]);
  for (const u of processing) await finalizeIfDone(env.DB, org, u.id);
  await enqueue(env.UPLOAD_QUEUE, [{ kind: "delete_all_photos", org, requested_by: actor }]);
}

/** The queued half: forget again (a row processed in the meantime), then delete every byte under the school's prefixes. */
export async function deleteAllPhotosNow(env: Env, org: string) {
  await env.DB.batch(forgetPhotosStatements(env.DB, org, nowIso()));
  const deleted = (await deleteR2Prefix(env.PHOTOS, orgPhotosPrefix(org))) + (await deleteR2Prefix(env.PHOTOS, orgUploadsPrefix(org)));
  console.log(JSON.stringify({ at: "delete_all.done", org, objects: deleted }));
}
