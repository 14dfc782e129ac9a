import type { Principal } from "../http/env";
import type { PhotoSize } from "./imaging";
import { signPhotoUrl, urlExpiry } from "./signed-urls";
import { fullName } from "./students";

export type LookupRequest = { student_ids: string[]; size: PhotoSize; with_names: boolean };

type Row = { id: string; first_name: string | null; last_name: string | null; photo_opt_out: number; photo_version: string | null };

/**
 * The pass view's one call: school setting, the caller's preference and every student in one D1
 * round trip (a batch; the ids travel as one JSON array because D1 binds at most 100 parameters).
 */
export async function lookupPhotos(env: Env, origin: string, who: Principal, req: LookupRequest) {
  // Read from the nearest D1 replica (when read replication is on): pass views are read-heavy and global.
  const db = env.DB.withSession("first-unconstrained");
  const ids = [...new Set(req.student_ids)];
  const [orgRes, prefRes, studentsRes] = await db.batch([
    db.prepare("SELECT photos_enabled FROM orgs WHERE org = ?1").bind(who.org),
    db.prepare("SELECT hide_profile_pictures FROM user_preferences WHERE org = ?1 AND user_id = ?2").bind(who.org, who.sub),
    db
      .prepare(
        `SELECT id, first_name, last_name, photo_opt_out, photo_version FROM students
         WHERE org = ?1 AND id IN (SELECT value FROM json_each(?2))`,
      )
      .bind(who.org, JSON.stringify(ids)),
  ]);
  const enabled = (orgRes?.results[0] as { photos_enabled?: number } | undefined)?.photos_enabled === 1;
  const hidden = (prefRes?.results[0] as { hide_profile_pictures?: number } | undefined)?.hide_profile_pictures === 1;
  const byId = new Map((studentsRes?.results as Row[] | undefined)?.map((r) => [r.id, r]));

  // Admins always see photos, to review them before enabling.
  const reason: "disabled" | "hidden_by_user" | null = who.role === "teacher" ? (!enabled ? "disabled" : hidden ? "hidden_by_user" : null) : null;
  const visible = reason === null;
  const exp = urlExpiry(Date.now(), Number(env.URL_TTL_SECONDS));

  const photos: Record<string, string | null> = {};
  const names: Record<string, string | null> = {};
  await Promise.all(
    req.student_ids.map(async (id) => {
      const s = byId.get(id);
      names[id] = s ? fullName(s) : null;
      photos[id] =
        visible && s?.photo_version && s.photo_opt_out === 0
          ? await signPhotoUrl(env.URL_SIGNING_SECRET, origin, { org: who.org, studentId: id, version: s.photo_version, size: req.size }, exp)
          : null;
    }),
  );
  return req.with_names ? { visible, reason, photos, names } : { visible, reason, photos };
}
