/**
 * GET /v1/photos/export.zip: every current photo (the `full` rendition) as a zip streamed while
 * it is written, with a PSPA INDEX.TXT and a photos.csv our own bulk upload takes back as its
 * mapping. Memory stays flat whatever the school's size: the zip is pulled, one photo (one R2
 * read) per pull, in order, so a slow download slows the reads instead of filling memory. JPEGs
 * are already compressed: they are stored, not deflated. Nothing is kept between requests, so an
 * interrupted download is simply started again.
 */
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { conflict } from "../../http/errors";
import { toCsv } from "../../http/csv-response";
import { PSPA_COLUMNS } from "../../mapping/pspa";
import { photoKey } from "../../storage/keys";
import { auditStatement } from "../audit/audit.repo";
import { selectCurrentPhotos, type ExportPhotoRow } from "./photos.repo";

export const EXPORT_CSV_COLUMNS = ["id", "email", "sis_id", "first_name", "last_name", "grade", "homeroom", "file"] as const;
const IMAGE_FOLDER = "images";

/**
 * A file name per student, from the id (unique in the school): characters outside
 * [A-Za-z0-9._-] become "_" (no ":" or "@" trouble on Windows or in ID-card software), and names
 * that then collide, ignoring case (macOS and Windows file systems do), get "-2", "-3"…
 */
export function exportFileNames(ids: string[]): string[] {
  const taken = new Set<string>();
  return ids.map((id) => {
    const stem = id.replace(/[^A-Za-z0-9._-]+/g, "_");
    let name = `${stem}.jpg`;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${stem}-${n}.jpg`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** A PSPA cell: a tab or line break inside a value would shift every later column. */
const pspaCell = (v: string | null) => (v ?? "").replace(/[\t\r\n]+/g, " ").trim();

function indexTxt(org: string, rows: Array<{ s: ExportPhotoRow; name: string }>) {
  return rows
    .map(({ s, name }) => {
      const values: Record<(typeof PSPA_COLUMNS)[number], string | null> = {
        volume: org,
        folder: IMAGE_FOLDER,
        image_file_name: name,
        grade: s.grade,
        last_name: s.last_name,
        first_name: s.first_name,
        homeroom: s.homeroom,
        period: null,
        teacher: null,
        track: null,
        department: null,
        title: null,
        image_size: null,
      };
      return `${PSPA_COLUMNS.map((c) => pspaCell(values[c])).join("\t")}\r\n`;
    })
    .join("");
}

/** Opens the export: 409 when there is nothing to export; the audit event is written before the first byte. */
export async function startPhotoExport(env: Pick<Env, "DB" | "PHOTOS">, org: string, actor: string) {
  const rows = await selectCurrentPhotos(env.DB, org);
  if (rows.length === 0) throw conflict("no_photos", "There are no photos to export yet. Add photos first (a bulk upload or one student's page).");
  await auditStatement(env.DB, { org, actor, action: "photos.export", details: { photos: rows.length } }).run();
  return exportZipStream(env.PHOTOS, org, rows);
}

/** The zip as a pull stream: each pull reads one photo from R2 and writes it as one stored entry. */
export function exportZipStream(bucket: Pick<R2Bucket, "get">, org: string, rows: ExportPhotoRow[]): ReadableStream<Uint8Array> {
  const names = exportFileNames(rows.map((r) => r.id));
  const written: Array<{ s: ExportPhotoRow; name: string }> = [];
  const missing: string[] = [];
  let next = 0;
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  const zip = new Zip((err, chunk, final) => {
    if (done) return;
    if (err) {
      done = true;
      out.error(err);
      return;
    }
    out.enqueue(chunk);
    if (final) {
      done = true;
      out.close();
    }
  });
  const addText = (name: string, text: string) => {
    const entry = new ZipDeflate(name, { level: 6 });
    zip.add(entry);
    entry.push(new TextEncoder().encode(text), true);
  };
  let reading: ReadableStreamDefaultReader<Uint8Array> | null = null;

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        out = controller;
      },
      async pull() {
        if (done) return;
        if (next < rows.length) {
          const s = rows[next]!;
          const name = names[next]!;
          next++;
          const object = await bucket.get(photoKey(org, s.id, s.photo_version, "full"));
          if (!object) {
            // The pointer names a version whose bytes are gone: listed in MISSING.TXT, never silently left out.
            missing.push(`${s.id}\t${s.photo_version}`);
            return;
          }
          const entry = new ZipPassThrough(`${IMAGE_FOLDER}/${name}`);
          zip.add(entry);
          reading = object.body.getReader();
          for (;;) {
            const { done: end, value } = await reading.read();
            if (end) break;
            entry.push(value, false);
          }
          reading = null;
          entry.push(new Uint8Array(0), true);
          written.push({ s, name });
          return;
        }
        addText("INDEX.TXT", indexTxt(org, written));
        addText(
          "photos.csv",
          toCsv(
            EXPORT_CSV_COLUMNS,
            written.map(({ s, name }) => [s.id, s.email, s.sis_id, s.first_name, s.last_name, s.grade, s.homeroom, `${IMAGE_FOLDER}/${name}`]),
          ),
        );
        if (missing.length)
          addText("MISSING.TXT", `These students' current photos could not be read from storage (student id, version):\r\n${missing.join("\r\n")}\r\n`);
        zip.end();
      },
      async cancel() {
        done = true;
        zip.terminate();
        await reading?.cancel().catch(() => {});
      },
    },
    // One chunk ahead: the next R2 read starts only when the client has taken what came before.
    { highWaterMark: 1 },
  );
}
