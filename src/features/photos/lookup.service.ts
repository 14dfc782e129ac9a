import type { Principal } from "../../http/env";
import type { PhotoSize } from "../../imaging/pipeline";
import { homeIdOf } from "../../storage/homes";
import { fullName } from "../students/students.service";
import { selectLookupFacts, type LookupBasis, type LookupStudentTuple } from "./photos.repo";
import { signPhotoUrls, urlExpiry, type PhotoRef } from "./signed-urls";

export type LookupRequest = { student_ids: string[]; size: PhotoSize; with_names: boolean };

/**
 * A pass view asks the same question every few seconds. Its answer (the JSON text) is remembered
 * per isolate and given again only while everything it was made from is unchanged: the school's
 * lookup generation (bumped by SQLite triggers on every change to a students column the lookup
 * reads, whoever writes it), the school's switch and the caller's preference (all three read in
 * the lookup's one statement, which then skips the students), the URLs' expiry window and the
 * signing secret; the key holds the origin, home, school, scope, size, names flag and the ids in
 * order. So a disable, opt-out, replace or delete stops new URLs at the very next lookup, as
 * before. Bounded in bytes: the isolate also decodes photos.
 */
type Remembered = LookupBasis & { exp: number; secret: string; json: string; bytes: number };
const remembered = new Map<string, Remembered>();
let rememberedBytes = 0;
export const LOOKUP_MEMO_BYTES = 8 * 2 ** 20;

function remember(key: string, entry: Remembered) {
  forget(key);
  if (entry.bytes > LOOKUP_MEMO_BYTES) return;
  // Oldest first (a Map iterates in insertion order; a hit re-inserts its entry).
  for (const [k] of remembered) {
    if (rememberedBytes + entry.bytes <= LOOKUP_MEMO_BYTES) break;
    forget(k);
  }
  remembered.set(key, entry);
  rememberedBytes += entry.bytes;
}

function forget(key: string) {
  const old = remembered.get(key);
  if (!old) return;
  remembered.delete(key);
  rememberedBytes -= old.bytes;
}

/**
 * The pass view's one call, answered as JSON text: school setting, the caller's preference and
 * every student in one D1 statement (selectLookupFacts), or the remembered answer (see above).
 */
export async function lookupPhotosJson(env: Env, origin: string, who: Principal, req: LookupRequest): Promise<string> {
  // Read from the nearest D1 replica (when read replication is on): pass views are read-heavy and global.
  const db = env.DB.withSession("first-unconstrained");
  const home = homeIdOf(env);
  // Teachers' URLs stop with the school's switch; admins' (review) URLs do not.
  const review = who.role !== "teacher";
  const exp = urlExpiry(Date.now(), Number(env.URL_TTL_SECONDS));
  const secret = env.URL_SIGNING_SECRET;
  // Student ids cannot hold a newline (StudentId's pattern), so the joined list is unambiguous.
  const key = `${origin}\n${home}\n${who.org}\n${review ? "review" : "pass"}\n${req.size}\n${req.with_names ? "names" : ""}\n${req.student_ids.join("\n")}`;
  let known = remembered.get(key);
  if (known && (known.exp !== exp || known.secret !== secret)) {
    forget(key);
    known = undefined;
  }
  const ids = [...new Set(req.student_ids)];
  const facts = await selectLookupFacts(db, who.org, who.sub, ids, known);
  if (!facts.students && known) {
    // Unchanged: the most recently used goes last, so it is evicted last.
    remembered.delete(key);
    remembered.set(key, known);
    return known.json;
  }
  const json = JSON.stringify(await answer(env, origin, who, req, facts.enabled, facts.hidden, facts.students ?? [], { home, review, exp }));
  remember(key, { generation: facts.generation, enabled: facts.enabled, hidden: facts.hidden, exp, secret, json, bytes: 2 * (key.length + json.length) });
  return json;
}

async function answer(
  env: Env,
  origin: string,
  who: Principal,
  req: LookupRequest,
  enabled: boolean,
  hidden: boolean,
  students: LookupStudentTuple[],
  { home, review, exp }: { home: string; review: boolean; exp: number },
) {
  const byId = new Map<string, LookupStudentTuple>();
  for (const s of students) byId.set(s[0], s);
  // Admins always see photos, to review them before enabling.
  const reason: "disabled" | "hidden_by_user" | null = who.role === "teacher" ? (!enabled ? "disabled" : hidden ? "hidden_by_user" : null) : null;
  const visible = reason === null;

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
