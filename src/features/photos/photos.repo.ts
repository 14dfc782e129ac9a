/**
 * The photos' SQL, all of it: photo_versions rows, the students' photo pointers
 * (photo_version, restore_version), the pass view's lookup batch and support's delete-all.
 */
import { CHECKS_SCHEME, faceHead } from "../../imaging/checks";
import { STUDENT_COLUMNS, type StudentColumns } from "../students/students.repo";

export type PhotoVersionRow = {
  org: string;
  student_id: string;
  version: string;
  source: "api" | "upload";
  upload_id: string | null;
  width: number;
  height: number;
  bytes: number;
  created_at: string;
  retired_at: string | null;
};

export type NewVersion = Pick<PhotoVersionRow, "org" | "student_id" | "version" | "source" | "upload_id" | "width" | "height" | "bytes" | "created_at">;

/** Written retired: it becomes current only when the pointer moves to it. A repeat changes nothing. */
export async function insertRetiredVersion(db: D1Database, v: NewVersion) {
  await db
    .prepare(
      `INSERT INTO photo_versions (org, student_id, version, source, upload_id, width, height, bytes, created_at, retired_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) ON CONFLICT DO NOTHING`,
    )
    .bind(v.org, v.student_id, v.version, v.source, v.upload_id, v.width, v.height, v.bytes, v.created_at)
    .run();
}

/** Moves the pointer to `version` (the old one becomes restorable); with `expectedCurrent`, only if the pointer still names it. */
export function movePointerStatement(db: D1Database, org: string, studentId: string, version: string, now: string, expectedCurrent?: string | null) {
  const conditional = expectedCurrent !== undefined;
  return db
    .prepare(
      `UPDATE students SET restore_version = photo_version, photo_version = ?3, photo_updated_at = ?4, updated_at = ?4
       WHERE org = ?1 AND id = ?2 AND photo_version IS NOT ?3 ${conditional ? "AND photo_version IS ?5" : ""}`,
    )
    .bind(org, studentId, version, now, ...(conditional ? [expectedCurrent] : []));
}

/** Restore: swaps in `version` only while it is still the restore pointer. */
export function restorePointerStatement(db: D1Database, org: string, studentId: string, version: string, now: string) {
  return db
    .prepare(
      `UPDATE students SET restore_version = photo_version, photo_version = ?3, photo_updated_at = ?4, updated_at = ?4
       WHERE org = ?1 AND id = ?2 AND restore_version = ?3`,
    )
    .bind(org, studentId, version, now);
}

/** Delete: nothing is served from now on; the deleted version becomes restorable. */
export function clearPointerStatement(db: D1Database, org: string, studentId: string, now: string) {
  return db
    .prepare(
      `UPDATE students SET restore_version = photo_version, photo_version = NULL, photo_updated_at = ?3, updated_at = ?3
       WHERE org = ?1 AND id = ?2`,
    )
    .bind(org, studentId, now);
}

/** After a pointer move to `current`: every other version is retired, `current` is not (no-ops if the pointer did not move). */
export function pointerFollowers(db: D1Database, org: string, studentId: string, current: string, now: string) {
  const pointerIs = "EXISTS (SELECT 1 FROM students WHERE org = ?1 AND id = ?2 AND photo_version = ?3)";
  return [
    db
      .prepare(`UPDATE photo_versions SET retired_at = ?4 WHERE org = ?1 AND student_id = ?2 AND version <> ?3 AND retired_at IS NULL AND ${pointerIs}`)
      .bind(org, studentId, current, now),
    db
      .prepare(`UPDATE photo_versions SET retired_at = NULL WHERE org = ?1 AND student_id = ?2 AND version = ?3 AND ${pointerIs}`)
      .bind(org, studentId, current),
  ];
}

export function retireAllVersionsStatement(db: D1Database, org: string, studentId: string, now: string) {
  return db.prepare("UPDATE photo_versions SET retired_at = ?3 WHERE org = ?1 AND student_id = ?2 AND retired_at IS NULL").bind(org, studentId, now);
}

export function deletePhotoVersionsOfStudentStatement(db: D1Database, org: string, studentId: string) {
  return db.prepare("DELETE FROM photo_versions WHERE org = ?1 AND student_id = ?2").bind(org, studentId);
}

export function deletePhotoChecksOfStudentStatement(db: D1Database, org: string, studentId: string) {
  return db.prepare("DELETE FROM photo_checks WHERE org = ?1 AND student_id = ?2").bind(org, studentId);
}

export async function selectVersion(db: D1Database, org: string, studentId: string, version: string) {
  return db.prepare("SELECT * FROM photo_versions WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(org, studentId, version).first<PhotoVersionRow>();
}

/** Whether the version's row (and so its bytes) is still kept. */
export async function versionKept(db: D1Database, org: string, studentId: string, version: string) {
  const row = await db
    .prepare("SELECT version FROM photo_versions WHERE org = ?1 AND student_id = ?2 AND version = ?3")
    .bind(org, studentId, version)
    .first<{ version: string }>();
  return row?.version ?? null;
}

export type VersionRef = { org: string; student_id: string; version: string };

/** Versions retired before `cutoff` that no pointer names. */
export async function selectPurgeableVersions(db: D1Database, cutoff: string, max: number) {
  const { results } = await db
    .prepare(
      `SELECT v.org, v.student_id, v.version FROM photo_versions v
       WHERE v.retired_at IS NOT NULL AND v.retired_at < ?1
         AND NOT EXISTS (SELECT 1 FROM students s WHERE s.org = v.org AND s.id = v.student_id AND s.photo_version = v.version)
       LIMIT ?2`,
    )
    .bind(cutoff, max)
    .all<VersionRef>();
  return results;
}

/** Forgets a purged version: its row, and a restore pointer that named it. */
export function forgetVersionStatements(db: D1Database, v: VersionRef) {
  return [
    db.prepare("DELETE FROM photo_checks WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(v.org, v.student_id, v.version),
    db.prepare("DELETE FROM photo_versions WHERE org = ?1 AND student_id = ?2 AND version = ?3").bind(v.org, v.student_id, v.version),
    db.prepare("UPDATE students SET restore_version = NULL WHERE org = ?1 AND id = ?2 AND restore_version = ?3").bind(v.org, v.student_id, v.version),
  ];
}

/** One student of a lookup as the query hands it over: [id, first_name, last_name, photo_opt_out, photo_version]. */
export type LookupStudentTuple = [id: string, firstName: string | null, lastName: string | null, photoOptOut: number, photoVersion: string | null];

/** What a lookup's memo was made from (lookup.service.ts): with these unchanged, the students are not read. */
export type LookupBasis = { generation: number; enabled: boolean; hidden: boolean };

/**
 * The pass view's one round trip: school setting, the caller's preference, the school's
 * lookup generation (bumped by triggers on students, migration 0004) and every requested
 * student, as ONE row of one statement. The students come back as one JSON text
 * (json_group_array), not as 500 rows: decoding 500 row objects (in D1 and again in the Worker)
 * was most of a lookup's CPU. When `known` still holds (same generation, switch and preference)
 * SQLite's CASE skips the students entirely and `students` is null. The ids travel as one JSON
 * array because D1 binds at most 100 parameters.
 */
export async function selectLookupFacts(db: D1DatabaseSession, org: string, userId: string, ids: string[], known?: LookupBasis) {
  const row = await db
    .prepare(
      `SELECT f.enabled, f.hidden, f.generation,
         CASE WHEN f.generation = ?4 AND f.enabled = ?5 AND f.hidden = ?6 THEN NULL
           ELSE (SELECT json_group_array(json_array(id, first_name, last_name, photo_opt_out, photo_version)) FROM students
                 WHERE org = ?1 AND id IN (SELECT value FROM json_each(?3)))
         END AS students
       FROM (SELECT
         coalesce((SELECT photos_enabled FROM orgs WHERE org = ?1), 0) AS enabled,
         coalesce((SELECT hide_profile_pictures FROM user_preferences WHERE org = ?1 AND user_id = ?2), 0) AS hidden,
         coalesce((SELECT generation FROM lookup_generations WHERE org = ?1), 0) AS generation) AS f`,
    )
    .bind(org, userId, JSON.stringify(ids), known?.generation ?? -1, known?.enabled ? 1 : 0, known?.hidden ? 1 : 0)
    .first<{ enabled: number; hidden: number; generation: number; students: string | null }>();
  return {
    enabled: row?.enabled === 1,
    hidden: row?.hidden === 1,
    generation: row?.generation ?? 0,
    students: row?.students == null ? null : (JSON.parse(row.students) as LookupStudentTuple[]),
  };
}

/** Delete-all, rows first: from this transaction on, no photo of the school is served or restorable. */
export function forgetAllPhotosStatements(db: D1Database, org: string, now: string) {
  return [
    db
      .prepare(
        "UPDATE students SET photo_version = NULL, restore_version = NULL, photo_updated_at = ?2 WHERE org = ?1 AND (photo_version IS NOT NULL OR restore_version IS NOT NULL)",
      )
      .bind(org, now),
    db.prepare("DELETE FROM photo_versions WHERE org = ?1").bind(org),
    db.prepare("DELETE FROM photo_checks WHERE org = ?1").bind(org),
    db.prepare("DELETE FROM upload_files WHERE org = ?1").bind(org),
    db.prepare("UPDATE uploads SET status = 'cancelled', completed_at = ?2 WHERE org = ?1 AND status = 'draft'").bind(org, now),
    db
      .prepare(
        "UPDATE upload_rows SET status = 'skipped', code = 'deleted_by_support', message = 'Every photo of the school was deleted by support before this row was processed.', updated_at = ?2 WHERE org = ?1 AND status = 'pending'",
      )
      .bind(org, now),
  ];
}

export async function selectProcessingUploadIds(db: D1Database, org: string) {
  const { results } = await db.prepare("SELECT id FROM uploads WHERE org = ?1 AND status = 'processing'").bind(org).all<{ id: string }>();
  return results.map((r) => r.id);
}

export type ExportPhotoRow = StudentColumns & { photo_version: string };

/** Every current photo of the school, in roster order (last name, first name, id); opted-out students are left out. */
export async function selectCurrentPhotos(db: D1Database, org: string) {
  const { results } = await db
    .prepare(
      `SELECT ${STUDENT_COLUMNS}, photo_version FROM students
       WHERE org = ?1 AND photo_version IS NOT NULL AND photo_opt_out = 0
       ORDER BY lower(coalesce(last_name,'')), lower(coalesce(first_name,'')), id`,
    )
    .bind(org)
    .all<ExportPhotoRow>();
  return results;
}

export type ServingFactsRow = { id: string; photo_version: string | null; photo_opt_out: number };

/** What decides which version of each student R2 may serve: the pointer and the opt-out. */
export async function selectServingFacts(db: D1Database, org: string, ids: string[]) {
  const { results } = await db
    .prepare("SELECT id, photo_version, photo_opt_out FROM students WHERE org = ?1 AND id IN (SELECT value FROM json_each(?2))")
    .bind(org, JSON.stringify(ids))
    .all<ServingFactsRow>();
  return results;
}

/**
 * Students with a version retired in [from, to) (replaced, deleted, swapped out by restore or
 * revert): the cron re-checks that those versions left the served space, in case the request
 * that retired them died between its D1 commit and its R2 moves. Uses photo_versions_retired.
 */
export async function selectStudentsWithRetiredVersions(db: D1Database, from: string, to: string, max: number) {
  const { results } = await db
    .prepare("SELECT DISTINCT org, student_id FROM photo_versions WHERE retired_at >= ?1 AND retired_at < ?2 LIMIT ?3")
    .bind(from, to, max)
    .all<{ org: string; student_id: string }>();
  return results;
}

// ---------------------------------------------------------------------------------------------
// Photo checks (photo_checks): a version's fingerprint bands and its warnings

export type PhotoWarning = { code: string; message: string; details: Record<string, unknown> };
export type NewChecks = {
  org: string;
  student_id: string;
  version: string;
  fingerprint: string;
  signature: string;
  bands: readonly number[];
  upload_id: string | null;
  upload_row: number | null;
  warnings: PhotoWarning[];
};
export type HashCandidate = {
  student_id: string;
  version: string;
  /** 1: a whole-card fingerprint and signature (stored before migration 0005); 2: face-aligned; 3: face-aligned with the head's surroundings, found by face-key.ts's bands. */
  scheme: number;
  fingerprint: string;
  /** Scheme 1: the whole signature (its rule needs it). Schemes 2 and 3: only the head part (checks.ts faceHead). */
  signature: string;
  upload_id: string | null;
  upload_row: number | null;
};

/** Written before the duplicate lookup, so two rows processed at once see at least one another. A repeat changes nothing. Always the current scheme (CHECKS_SCHEME). */
export async function insertChecks(db: D1Database, c: NewChecks) {
  await db
    .prepare(
      `INSERT INTO photo_checks (org, student_id, version, fingerprint, signature, band0, band1, band2, band3, upload_id, upload_row, warnings, scheme, head)
       VALUES (?1, ?2, ?3, ?4, ?12, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?14, ?13) ON CONFLICT DO NOTHING`,
    )
    .bind(
      c.org,
      c.student_id,
      c.version,
      c.fingerprint,
      c.bands[0],
      c.bands[1],
      c.bands[2],
      c.bands[3],
      c.upload_id,
      c.upload_row,
      JSON.stringify(c.warnings),
      c.signature,
      faceHead(c.signature),
      CHECKS_SCHEME,
    )
    .run();
}

/** selectHashCandidates' statement (exported for the test that reads its query plan). */
export const CANDIDATES_SQL = `WITH cand AS (
    SELECT p.student_id, p.version FROM json_each(?3) k CROSS JOIN photo_checks p ON p.org = ?1 AND p.band0 = k.value
    UNION SELECT p.student_id, p.version FROM json_each(?4) k CROSS JOIN photo_checks p ON p.org = ?1 AND p.band1 = k.value
    UNION SELECT p.student_id, p.version FROM json_each(?5) k CROSS JOIN photo_checks p ON p.org = ?1 AND p.band2 = k.value
    UNION SELECT p.student_id, p.version FROM json_each(?6) k CROSS JOIN photo_checks p ON p.org = ?1 AND p.band3 = k.value)
  SELECT c.student_id, c.version, c.scheme, c.fingerprint,
         CASE c.scheme WHEN 1 THEN c.signature ELSE c.head END AS signature,
         c.upload_id, c.upload_row
  FROM cand JOIN photo_checks c ON c.org = ?1 AND c.student_id = cand.student_id AND c.version = cand.version
  WHERE c.student_id <> ?2
    AND CASE c.scheme WHEN 1 THEN c.band0 = ?8 OR c.band1 = ?9 OR c.band2 = ?10 OR c.band3 = ?11
                      WHEN 2 THEN c.band0 = ?12 OR c.band1 = ?13 OR c.band2 = ?14 OR c.band3 = ?15
                      ELSE c.band0 IN (SELECT value FROM json_each(?16)) OR c.band1 IN (SELECT value FROM json_each(?17))
                        OR c.band2 IN (SELECT value FROM json_each(?18)) OR c.band3 IN (SELECT value FROM json_each(?19)) END
    AND ((?7 IS NOT NULL AND c.upload_id = ?7)
         OR EXISTS (SELECT 1 FROM students s WHERE s.org = c.org AND s.id = c.student_id AND s.photo_version = c.version))
  LIMIT ?20`;

/**
 * Other students' photos that may hold the same picture: their current photos, and any version
 * written by `uploadId` (rows of the same upload not yet committed), found through the band
 * indexes only. A UNION of four covering-index searches, one per band (an OR over the bands, or
 * `band IN (SELECT … json_each)`, scans the school's rows instead: EXPLAIN QUERY PLAN, tested),
 * each the index probed once per key of a JSON list (CROSS JOIN keeps the list outside): the
 * photo's probes of that band (scheme 3, face-key.ts), its scheme-2 band and its scheme-1 band, so
 * rows stored under every scheme are found; a row counts only as a candidate of its own scheme.
 * The cost is the candidates (0.45–1.44 % of a class: BENCHMARKS.md), not the school's photos.
 */
export async function selectHashCandidates(
  db: D1Database,
  org: string,
  studentId: string,
  keys: { probes: readonly (readonly number[])[]; scheme2: readonly number[]; scheme1: readonly number[] },
  uploadId: string | null,
) {
  const perBand = [0, 1, 2, 3].map((b) => JSON.stringify([...keys.probes[b]!, keys.scheme2[b], keys.scheme1[b]]));
  const scheme3 = [0, 1, 2, 3].map((b) => JSON.stringify(keys.probes[b]));
  const { results } = await db
    .prepare(CANDIDATES_SQL)
    .bind(org, studentId, ...perBand, uploadId, ...keys.scheme1, ...keys.scheme2, ...scheme3, MAX_HASH_CANDIDATES)
    .all<HashCandidate>();
  if (results.length === MAX_HASH_CANDIDATES)
    console.warn(JSON.stringify({ at: "checks.candidates_capped", org, student_id: studentId, cap: MAX_HASH_CANDIDATES }));
  return results;
}

/**
 * A photo's probes reach 0.45–1.44 % of a class of distinct generated students (BENCHMARKS.md,
 * photo checks), so 5,000 photos give 20–70 candidates of a few hundred bytes each (the head part
 * only); the cap leaves room for a school of many look-alikes. Reaching it is logged (a school of
 * many identical pictures).
 */
const MAX_HASH_CANDIDATES = 1000;

/** A photo_checks row's key in selectCheckSignatures' answer. */
export const checkKey = (c: { student_id: string; version: string }) => `${c.student_id}\u0000${c.version}`;

/** The whole scheme-2 signatures of a few candidates (those that passed isNearFace). */
export async function selectCheckSignatures(db: D1Database, org: string, keys: { student_id: string; version: string }[]) {
  if (!keys.length) return new Map<string, string>();
  const { results } = await db
    .prepare(
      `SELECT c.student_id, c.version, c.signature FROM json_each(?2) k
       JOIN photo_checks c ON c.org = ?1 AND c.student_id = k.value ->> '$[0]' AND c.version = k.value ->> '$[1]'`,
    )
    .bind(org, JSON.stringify(keys.map((k) => [k.student_id, k.version])))
    .all<{ student_id: string; version: string; signature: string }>();
  return new Map(results.map((r) => [checkKey(r), r.signature]));
}

/** Adds a warning to a version's checks unless one with its code is there already (idempotent). */
export function addVersionWarningStatement(db: D1Database, org: string, studentId: string, version: string, warning: PhotoWarning) {
  return db
    .prepare(
      `UPDATE photo_checks SET warnings = json_insert(warnings, '$[#]', json(?4))
       WHERE org = ?1 AND student_id = ?2 AND version = ?3
         AND NOT EXISTS (SELECT 1 FROM json_each(photo_checks.warnings) w WHERE w.value ->> 'code' = ?5)`,
    )
    .bind(org, studentId, version, JSON.stringify(warning), warning.code);
}

/**
 * Whether warning `w` (a json_each row over photo_checks `c`'s warnings) is still open: every
 * warning is, except a possible_duplicate whose other student no longer has the photo it matched
 * (details.version; a warning from before it was recorded: while they have any photo). Replacing or
 * deleting either picture of a pair closes it, which is what an admin fixing a mix-up expects.
 * The one home of that rule: the student's photo and the integration card's count both use it.
 */
export const openWarningSql = (c: string, w: string) =>
  `(${w}.value ->> 'code' <> 'possible_duplicate' OR EXISTS (
     SELECT 1 FROM students other WHERE other.org = ${c}.org AND other.id = ${w}.value ->> '$.details.student_id'
       AND other.photo_version = coalesce(${w}.value ->> '$.details.version', other.photo_version)))`;

export type DescribedVersion = PhotoVersionRow & { warnings: string | null };

/** A version with its checks' open warnings (JSON; null for a version from before the checks). */
export async function selectVersionWithWarnings(db: D1Database, org: string, studentId: string, version: string) {
  return db
    .prepare(
      `SELECT v.*, CASE WHEN c.warnings IS NULL THEN NULL
                   ELSE (SELECT json_group_array(json(w.value)) FROM json_each(c.warnings) w WHERE ${openWarningSql("c", "w")}) END AS warnings
       FROM photo_versions v
       LEFT JOIN photo_checks c ON c.org = v.org AND c.student_id = v.student_id AND c.version = v.version
       WHERE v.org = ?1 AND v.student_id = ?2 AND v.version = ?3`,
    )
    .bind(org, studentId, version)
    .first<DescribedVersion>();
}
