import { enqueue, finalizeIfDone } from "../uploads/uploads.service";
import { deleteR2Prefix } from "../../storage/bucket";
import { orgPhotosPrefix, orgRetiredPrefix, orgUploadsPrefix } from "../../storage/keys";
import { auditStatement } from "../audit/audit.repo";
import { nowIso } from "../common.schemas";
import { setPhotosEnabledStatement } from "../integration/integration.repo";
import { setPhotosDisabledMarker } from "./photo-objects";
import { forgetAllPhotosStatements, selectProcessingUploadIds } from "./photos.repo";

/**
 * Support's delete-all: photos stop being served and photos are disabled in one transaction now;
 * the bytes (every version, and staged uploads) are deleted by a queued job, which may run again.
 */
export async function requestDeleteAllPhotos(env: Env, org: string, actor: string) {
  const now = nowIso();
  const processing = await selectProcessingUploadIds(env.DB, org);
  // It disables photos: the marker first, as disablePhotos does.
  await setPhotosDisabledMarker(env.PHOTOS, org, true);
  await env.DB.batch([
    ...forgetAllPhotosStatements(env.DB, org, now),
    setPhotosEnabledStatement(env.DB, org, false, now),
    auditStatement(env.DB, { org, actor, action: "photos.delete_all" }, now),
  ]);
  for (const id of processing) await finalizeIfDone(env.DB, org, id);
  await enqueue(env.UPLOAD_QUEUE, [{ kind: "delete_all_photos", org, requested_by: actor }]);
}

/** The queued half: forget again (a row processed in the meantime), then delete every byte under the school's prefixes. */
export async function deleteAllPhotosNow(env: Env, org: string) {
  await env.DB.batch(forgetAllPhotosStatements(env.DB, org, nowIso()));
  let deleted = 0;
  for (const prefix of [orgPhotosPrefix(org), orgRetiredPrefix(org), orgUploadsPrefix(org)]) deleted += await deleteR2Prefix(env.PHOTOS, prefix);
  console.log(JSON.stringify({ at: "delete_all.done", org, objects: deleted }));
}
