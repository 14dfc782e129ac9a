import { conflict } from "../../http/errors";
import { auditStatement } from "../audit/audit.repo";
import { setPhotosDisabledMarker } from "../photos/photo-objects";
import { nowIso } from "../common.schemas";
import { countStudentsWithPhoto, selectIntegrationFacts, setPhotosEnabledStatement } from "./integration.repo";

export async function getIntegrationState(db: D1Database, org: string) {
  const { enabled, counts: c, lastUpload } = await selectIntegrationFacts(db, org);
  const eligible = c.eligible_count ?? 0;
  const eligibleWithPhoto = c.eligible_with_photo ?? 0;
  return {
    enabled,
    can_enable: !enabled && c.photo_count > 0,
    photo_count: c.photo_count,
    student_count: c.student_count,
    eligible_count: eligible,
    eligible_photo_count: eligibleWithPhoto,
    // Share of students who should have a photo (not opted out) and do, 0–1.
    // Current photos the checks warned about (possible duplicate, too dark…): what the admin should look at.
    warning_photo_count: c.warning_photo_count ?? 0,
    coverage: eligible ? Math.round((eligibleWithPhoto / eligible) * 1000) / 1000 : 0,
    last_upload: lastUpload,
  };
}

/** D1 first, then the marker /img reads goes (a crash in between leaves teachers' URLs refused: enabling again fixes it). */
export async function enablePhotos(env: Pick<Env, "DB" | "PHOTOS">, org: string, actor: string) {
  const db = env.DB;
  if (!(await countStudentsWithPhoto(db, org))) {
    throw conflict("no_photos", "There are no processed photos yet. Upload photos first, then enable them for teachers.");
  }
  const now = nowIso();
  await db.batch([setPhotosEnabledStatement(db, org, true, now), auditStatement(db, { org, actor, action: "integration.enable" })]);
  await setPhotosDisabledMarker(env.PHOTOS, org, false);
}

/** The marker /img reads first, then D1: lookups stop handing out teachers' URLs at once, old ones stop within /img's marker cache (30 s). */
export async function disablePhotos(env: Pick<Env, "DB" | "PHOTOS">, org: string, actor: string) {
  const db = env.DB;
  await setPhotosDisabledMarker(env.PHOTOS, org, true);
  const now = nowIso();
  await db.batch([setPhotosEnabledStatement(db, org, false, now), auditStatement(db, { org, actor, action: "integration.disable" })]);
}
