// Files picked from a folder input or dropped (folders included), with their path inside the folder.

export type PickedFile = { file: File; path: string };

const JUNK_NAMES = new Set(["thumbs.db", "desktop.ini", "icon\r"]);

/** System litter a folder carries (macOS resource forks, Windows thumbnails): never uploaded. */
export function isJunk(path: string): boolean {
  const parts = path.split("/");
  const base = (parts.at(-1) ?? "").toLowerCase();
  return parts.some((p) => p.startsWith(".") || p === "__MACOSX") || JUNK_NAMES.has(base);
}

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
