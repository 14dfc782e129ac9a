import type { Principal } from "../../http/env";
import type { PhotoSize } from "../../imaging/pipeline";
import { homeIdOf } from "../../storage/homes";
import { fullName } from "../students/students.service";
import { selectLookupFacts, type LookupStudentTuple } from "./photos.repo";
import { signPhotoUrls, urlExpiry, type PhotoRef } from "./signed-urls";

export type LookupRequest = { student_ids: string[]; size: PhotoSize; with_names: boolean };

/**
 * The pass view's one call: school setting, the caller's preference and every student in one D1
 * statement (selectLookupFacts).
 */
export async function lookupPhotos(env: Env, origin: string, who: Principal, req: LookupRequest) {
  // Read from the nearest D1 replica (when read replication is on): pass views are read-heavy and global.
  const db = env.DB.withSession("first-unconstrained");
  const ids = [...new Set(req.student_ids)];
  const { enabled, hidden, students } = await selectLookupFacts(db, who.org, who.sub, ids);
  const byId = new Map<string, LookupStudentTuple>();
  for (const s of students) byId.set(s[0], s);

  // Admins always see photos, to review them before enabling.
  const reason: "disabled" | "hidden_by_user" | null = who.role === "teacher" ? (!enabled ? "disabled" : hidden ? "hidden_by_user" : null) : null;
  const visible = reason === null;
  const exp = urlExpiry(Date.now(), Number(env.URL_TTL_SECONDS));
  const home = homeIdOf(env);
  // Teachers' URLs stop with the school's switch; admins' (review) URLs do not.
  const review = who.role !== "teacher";

  const photos: Record<string, string | null> = {};
  const names: Record<string, string | null> = {};
  const refs: PhotoRef[] = [];
  for (const id of req.student_ids) {
    const s = byId.get(id);
    names[id] = s ? fullName({ first_name: s[1], last_name: s[2] }) : null;
    photos[id] = null;
    if (visible && s?.[4] && s[3] === 0) refs.push({ home, org: who.org, studentId: id, version: s[4], size: req.size, review });
  }
  const urls = await signPhotoUrls(env.URL_SIGNING_SECRET, origin, refs, exp);
  refs.forEach((ref, i) => {
    photos[ref.studentId] = urls[i]!;
  });
  return req.with_names ? { visible, reason, photos, names } : { visible, reason, photos };
}
