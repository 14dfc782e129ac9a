/**
 * The R2 half of every photo pointer change: which versions sit in the served key space.
 *
 * `/img` reads no database row, so "is this version still served?" is answered by storage: the
 * served space (`photoKey`) holds only the current version of each student who has not opted
 * out; every other kept version sits in the retired space (`retiredPhotoKey`), which `/img`
 * never reads. Pointer changes commit in D1 first, then `syncPhotoObjects` makes R2 agree with
 * D1 (it reads the pointers again, so any retry converges on the truth whatever ran before).
 *
 * Why this order: the current photo's bytes are always in the served space (new bytes are
 * written there before the pointer moves; nothing current is moved away before the commit), so
 * a crash never breaks a served photo and never loses restorable bytes. A crash between the
 * commit and the moves leaves a retired version served until the next cron run re-syncs the
 * students whose versions were retired in the last minutes (`syncRecentlyRetired`, every minute):
 * about 1 minute, plus the edge cache's 2 minutes, an isolate's 30 s and the browser's 1 minute
 * (images.service.ts), inside the contract's 5. Opt-outs retire the bytes before their commit (they move no pointer the cron
 * could find).
 */
import { PHOTO_SIZES, type PhotoSize } from "../../imaging/pipeline";
import { photoKey, photosDisabledMarkerKey, retiredPhotoKey, studentPhotosPrefix } from "../../storage/keys";
import { selectServingFacts, selectStudentsWithRetiredVersions } from "./photos.repo";

type KeyOf = (org: string, studentId: string, version: string, size: PhotoSize) => string;

/**
 * Moves a version's renditions from one space to the other. R2 has no rename: each is copied
 * (get + put) and then its source deleted, so at every instant the bytes exist in at least one
 * space. Idempotent: a missing source means an earlier run already moved it.
 */
async function moveVersion(bucket: R2Bucket, org: string, studentId: string, version: string, from: KeyOf, to: KeyOf) {
  await Promise.all(
    PHOTO_SIZES.map(async (size) => {
      const source = await bucket.get(from(org, studentId, version, size));
      if (!source) return;
      await bucket.put(to(org, studentId, version, size), await source.arrayBuffer(), { httpMetadata: { contentType: "image/jpeg" } });
      await bucket.delete(from(org, studentId, version, size));
    }),
  );
}

/** Takes versions out of the served space (their URLs answer 404 from now on, once edge copies expire). */
export async function retirePhotoObjects(bucket: R2Bucket, org: string, studentId: string, versions: string[]) {
  for (const v of versions) await moveVersion(bucket, org, studentId, v, photoKey, retiredPhotoKey);
}

/** Puts a retired version back in the served space (restore, revert, opting back in). */
export async function restorePhotoObjects(bucket: R2Bucket, org: string, studentId: string, version: string) {
  await moveVersion(bucket, org, studentId, version, retiredPhotoKey, photoKey);
}

/** The versions with at least one rendition in the served space, and how many renditions each has. */
async function servedVersions(bucket: R2Bucket, org: string, studentId: string) {
  const prefix = studentPhotosPrefix(org, studentId);
  const found = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    for (const o of page.objects) {
      const version = o.key.slice(prefix.length).split("/")[0]!;
      found.set(version, (found.get(version) ?? 0) + 1);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found;
}

/**
 * Makes R2 agree with D1 for these students: the current version (unless opted out) served,
 * every other version retired. Safe to run any number of times, at any moment.
 */
export async function syncPhotoObjects(env: Pick<Env, "DB" | "PHOTOS">, org: string, studentIds: string[]) {
  const ids = [...new Set(studentIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const facts = new Map((await selectServingFacts(env.DB, org, chunk)).map((r) => [r.id, r]));
    for (let j = 0; j < chunk.length; j += 8) {
      await Promise.all(
        chunk.slice(j, j + 8).map(async (id) => {
          const s = facts.get(id);
          const want = s && s.photo_opt_out === 0 ? s.photo_version : null;
          const served = await servedVersions(env.PHOTOS, org, id);
          await retirePhotoObjects(
            env.PHOTOS,
            org,
            id,
            [...served.keys()].filter((v) => v !== want),
          );
          if (want && (served.get(want) ?? 0) < PHOTO_SIZES.length) await restorePhotoObjects(env.PHOTOS, org, id, want);
        }),
      );
    }
  }
}

/** Cron: re-syncs students whose versions were retired in the last few minutes (see the top of this file). */
export async function syncRecentlyRetired(env: Pick<Env, "DB" | "PHOTOS">, nowMs = Date.now(), minutes = 5, max = 2000) {
  const from = new Date(nowMs - minutes * 60_000).toISOString();
  const to = new Date(nowMs + 1000).toISOString();
  const students = await selectStudentsWithRetiredVersions(env.DB, from, to, max);
  const byOrg = new Map<string, string[]>();
  for (const s of students) byOrg.set(s.org, [...(byOrg.get(s.org) ?? []), s.student_id]);
  for (const [org, ids] of byOrg) await syncPhotoObjects(env, org, ids);
  return students.length;
}

/**
 * The school's photo switch as `/img` sees it. Disabling writes the marker before D1 commits
 * and enabling removes it after, so a crash in between errs on the side of not serving.
 */
export async function setPhotosDisabledMarker(bucket: R2Bucket, org: string, disabled: boolean) {
  if (disabled) await bucket.put(photosDisabledMarkerKey(org), "1");
  else await bucket.delete(photosDisabledMarkerKey(org));
}
