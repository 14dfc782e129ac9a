// Walking a delivery folder: which files are photos, mapping files, system clutter or other.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { classifyFileName, extOf, findMappingInArchive, isJunkEntry } from "../../src/shared/delivery.ts";

/** The mapping files the server looks for among received files (a PSPA index, a .csv or .tsv). */
export const isMappingCandidate = (rel) => findMappingInArchive([rel]) !== null;

const CONTENT_TYPES = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jpe: "image/jpeg",
  jfif: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  gif: "image/gif",
  tif: "image/tiff",
  tiff: "image/tiff",
  bmp: "image/bmp",
  svg: "image/svg+xml",
  avif: "image/avif",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
};

export const contentTypeFor = (name) => CONTENT_TYPES[extOf(name)] ?? "application/octet-stream";

/**
 * Walks a delivery folder. Returns { files: [{ abs, rel, size, kind: "image"|"photo_like"|"mapping" }],
 * junk: [rel], other: [rel] } with `rel` using "/" whatever the OS; files sorted by rel.
 * Symbolic links are followed (each real folder once).
 */
export async function scanFolder(root) {
  const files = [];
  const junk = [];
  const other = [];
  const seen = new Set();
  async function walk(dir, prefix) {
    const real = await fsp.realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (isJunkEntry(rel)) {
        junk.push(rel);
        continue;
      }
      let st;
      try {
        st = await fsp.stat(abs);
      } catch {
        other.push(rel); // a broken link
        continue;
      }
      if (st.isDirectory()) {
        await walk(abs, rel);
        continue;
      }
      if (!st.isFile()) continue;
      const kind = classifyFileName(rel);
      if (kind === "image" && extOf(rel) !== "") files.push({ abs, rel, size: st.size, kind: "image" });
      else if (kind === "unsupported_image") files.push({ abs, rel, size: st.size, kind: "photo_like" });
      else if (isMappingCandidate(rel)) files.push({ abs, rel, size: st.size, kind: "mapping" });
      else other.push(rel);
    }
  }
  await walk(root, "");
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, junk, other };
}
