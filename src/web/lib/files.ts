// Files picked from a folder input or dropped (folders included), with their path inside the folder.

import { entriesToUnpack, isJunkEntry, ZIP_TAIL_BYTES, zipDirectoryLocation, zipDirectoryNames } from "../../shared/delivery";

export type PickedFile = { file: File; path: string };

/** System litter a folder carries (macOS resource forks, Windows thumbnails): never uploaded; the server's rule. */
export const isJunk = isJunkEntry;

export function fromFileList(list: FileList | readonly File[]): PickedFile[] {
  return Array.from(list, (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/**
 * Drops the folder the person picked from every path ("Class photos/Grade 9/a.jpg" → "Grade 9/a.jpg"),
 * so the names match a mapping file written relative to that folder.
 */
export function stripCommonRoot(files: PickedFile[]): PickedFile[] {
  const first = files[0]?.path.split("/")[0];
  if (!first || !files.every((f) => f.path.includes("/") && f.path.split("/")[0] === first)) return files;
  return files.map((f) => ({ file: f.file, path: f.path.slice(first.length + 1) }));
}

export function usable(files: PickedFile[]): PickedFile[] {
  return stripCommonRoot(files.filter((f) => !isJunk(f.path) && f.file.size > 0));
}

/** Everything dropped: files, and folders read recursively (DataTransferItem.webkitGetAsEntry). */
export async function fromDataTransfer(dt: DataTransfer): Promise<PickedFile[]> {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  if (!entries.length) return fromFileList(dt.files);
  const out: PickedFile[] = [];
  await Promise.all(entries.map((e) => walk(e, out)));
  return out;
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, "") });
    return;
  }
  if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in batches (100 in Chrome) until an empty one.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      await Promise.all(batch.map((e) => walk(e, out)));
    }
  }
}

export const isZip = (f: File) => /\.zip$/i.test(f.name) || f.type === "application/zip" || f.type === "application/x-zip-compressed";
export const isMappingName = (name: string) => /\.(csv|tsv|txt)$/i.test(name);

/**
 * How many of a zip's entries will be unpacked and sent, from its central directory at the end
 * of the file (read without the rest), so the progress bar has its total from the start. Null
 * when the directory cannot be read (a damaged or ZIP64 file): the total then grows as entries are found.
 */
export async function zipEntriesToSend(zip: Blob): Promise<number | null> {
  try {
    const tail = new Uint8Array(await zip.slice(Math.max(0, zip.size - ZIP_TAIL_BYTES)).arrayBuffer());
    const at = zipDirectoryLocation(tail);
    if (!at || at.offset + at.size > zip.size) return null;
    const names = zipDirectoryNames(new Uint8Array(await zip.slice(at.offset, at.offset + at.size).arrayBuffer()));
    return entriesToUnpack(names).length;
  } catch {
    return null;
  }
}
