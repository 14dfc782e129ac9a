// Sending a draft's files: the draft itself (created once, whatever is chosen first), a folder's
// photos, a zip unpacked here, the mapping file; the transfer's progress; cancelling the draft.
import { del, get, messageOf, post, request } from "../../lib/api";
import { h, replace, type Child } from "../../lib/dom";
import { usable, zipEntriesToSend, type PickedFile } from "../../lib/files";
import { fmtNumber, plural } from "../../lib/format";
import type { Upload } from "../../lib/types";
import { FileUploader } from "../../lib/uploader";
import { busy, button, confirmDialog, notice, progressBar, toast } from "../../lib/ui";
import { baseName, MAX_UNPACKED_ENTRY_BYTES, UNPACK_AHEAD, unpackZip, type ZipSkipped } from "../../../shared/delivery";
import { renderHistory } from "./history";
import { mappingText, refreshPreview, renderPreview } from "./preview";
import { loadHistory, type PageState } from "./state";

// The folder, the zip and the mapping file can be chosen at once: they share one draft.
export function ensureDraft(ps: PageState): Promise<string> {
  if (ps.current?.status === "draft") return Promise.resolve(ps.current.id);
  ps.creating ??= createDraft(ps).finally(() => (ps.creating = null));
  return ps.creating;
}

export async function createDraft(ps: PageState): Promise<string> {
  const res = await post<{ upload: Upload }>("/v1/uploads");
  ps.current = res.upload;
  void loadHistory(ps).then(() => renderHistory(ps));
  // the Cancel button appears now that there is something to cancel
  const head = ps.workspace.querySelector(".compose .card-head");
  if (head && !head.querySelector("button"))
    head.append(button("Cancel upload", { variant: "ghost", icon: "x", onClick: (e) => void cancelDraft(ps, e.currentTarget as HTMLButtonElement) }));
  return ps.current.id;
}

export async function addPhotos(ps: PageState, picked: PickedFile[]) {
  const files = usable(picked);
  if (!files.length) {
    toast("No files found there. Choose the folder that holds the pictures.", "warning");
    return;
  }
  try {
    const id = await ensureDraft(ps);
    const received = await receivedFiles(id);
    ps.uploader ??= new FileUploader(id, { onChange: () => scheduleTransfer(ps) });
    ps.uploader.add(files, received);
    schedulePreviewRefresh(ps);
    await ps.uploader.whenIdle();
    await refreshPreview(ps);
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}

/** What the upload already holds (name → bytes): resuming it skips those files. */
async function receivedFiles(id: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const page: { files: Array<{ name: string; bytes: number }>; next_cursor: string | null } = await get(
      `/v1/uploads/${encodeURIComponent(id)}/files?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    for (const f of page.files) out.set(f.name, f.bytes);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/**
 * A zip is unpacked here, entry by entry as it is read (never whole: Cloudflare refuses request
 * bodies over 100 MB, and a school's delivery is often 300 MB), and its photos go through the
 * same uploader as a folder's: junk rules, resizing, progress, retries. Entries keep their
 * folders in their names, and a mapping file or INDEX.TXT inside is sent as a file, so the
 * server finds it exactly as when it unpacks a zip itself. Files the upload already holds (the
 * same zip chosen again after the tab was closed) are not sent again.
 */
export async function addZip(ps: PageState, file: File) {
  ps.zipState = { name: file.name, phase: "unpacking", skipped: [] };
  renderTransfer(ps);
  try {
    const id = await ensureDraft(ps);
    const [received, toSend] = await Promise.all([receivedFiles(id), zipEntriesToSend(file)]);
    const up = (ps.uploader ??= new FileUploader(id, { onChange: () => scheduleTransfer(ps) }));
    let handed = 0;
    up.expecting = toSend ?? 0;
    schedulePreviewRefresh(ps);
    const result = await unpackZip(file.stream().getReader(), {
      maxEntryBytes: MAX_UNPACKED_ENTRY_BYTES,
      shouldStop: () => !ps.alive() || ps.uploader !== up,
      onEntry: async (entry) => {
        handed++;
        up.expecting = Math.max(0, (toSend ?? 0) - handed);
        up.add([{ file: new File([entry.bytes as BlobPart], baseName(entry.name)), path: entry.name }], received);
        await up.whenRoom(UNPACK_AHEAD);
      },
    });
    up.expecting = 0;
    ps.zipState = { name: file.name, phase: result.failure ? "failed" : "done", error: result.failure ?? undefined, skipped: result.skipped };
    renderTransfer(ps);
    await up.whenIdle();
    await refreshPreview(ps);
  } catch (err) {
    if (ps.uploader) ps.uploader.expecting = 0;
    ps.zipState = { name: file.name, phase: "failed", error: messageOf(err), skipped: ps.zipState?.skipped ?? [] };
    renderTransfer(ps);
  }
}

export async function addMapping(ps: PageState, file: File) {
  try {
    const id = await ensureDraft(ps);
    if (ps.mappingNote) replace(ps.mappingNote, `Reading ${file.name}…`);
    const res = await request("PUT", `/v1/uploads/${id}/mapping?name=${encodeURIComponent(file.name)}`, {
      body: file,
      contentType: /\.txt$/i.test(file.name) ? "text/plain" : "text/csv",
    });
    ps.current = ((await res.json()) as { upload: Upload }).upload;
    if (ps.mappingNote) replace(ps.mappingNote, mappingText(ps.current));
    renderPreview(ps, ps.current);
  } catch (err) {
    if (ps.mappingNote) replace(ps.mappingNote, h("span", { class: "field-error" }, messageOf(err)));
  }
}

export function scheduleTransfer(ps: PageState) {
  if (ps.transferScheduled) return;
  ps.transferScheduled = true;
  requestAnimationFrame(() => {
    ps.transferScheduled = false;
    renderTransfer(ps);
  });
}

export function schedulePreviewRefresh(ps: PageState) {
  window.clearTimeout(ps.previewTimer);
  ps.previewTimer = window.setTimeout(async () => {
    if (!ps.alive() || ps.mode !== "compose") return;
    if (ps.uploader?.busy || ps.zipState?.phase === "unpacking") {
      await refreshPreview(ps).catch(() => {});
      schedulePreviewRefresh(ps);
    }
  }, 3000);
}

export function renderTransfer(ps: PageState) {
  if (!ps.transferHost) return;
  const blocks: Child[] = [];
  if (ps.uploader && ps.uploader.items.length) {
    const s = ps.uploader.stats();
    ps.transferBar ??= progressBar("Uploading photos");
    const finished = !ps.uploader.busy;
    const label = finished ? (s.failed ? "Some files did not upload" : "Photos uploaded") : "Uploading photos";
    ps.transferBar.update(
      finished ? 100 : s.percent,
      `${fmtNumber(s.done)} of ${plural(s.total, "file")}${s.failed ? ` · ${fmtNumber(s.failed)} failed` : ""}`,
      label,
    );
    ps.transferBar.setTone(finished && s.failed ? "warning" : "default");
    blocks.push(ps.transferBar.el);
    if (s.resized)
      blocks.push(h("p", { class: "muted small" }, `${plural(s.resized, "large picture was", "large pictures were")} made smaller before sending.`));
    const failed = ps.uploader.items.filter((i) => i.state === "failed");
    if (failed.length && finished) {
      blocks.push(
        notice(
          "warning",
          `${plural(failed.length, "file")} could not be uploaded`,
          h(
            "ul",
            { class: "file-errors" },
            failed.slice(0, 8).map((i) => h("li", null, h("strong", null, i.path), " — ", i.error ?? "Failed.")),
            failed.length > 8 ? h("li", null, `and ${fmtNumber(failed.length - 8)} more`) : null,
          ),
          button("Retry failed files", {
            variant: "secondary",
            icon: "refresh",
            onClick: () => {
              ps.uploader?.retryFailed();
              schedulePreviewRefresh(ps);
              void ps.uploader?.whenIdle().then(() => refreshPreview(ps));
            },
          }),
        ),
      );
    }
  }
  if (ps.uploader && ps.uploader.items.some((i) => i.already)) {
    blocks.push(
      h("p", { class: "muted small" }, `${plural(ps.uploader.stats().already, "file was", "files were")} already received earlier and not sent again.`),
    );
  }
  if (ps.zipState) {
    const z = ps.zipState;
    if (z.phase === "unpacking")
      blocks.push(h("p", { class: "muted small zip-status" }, `Unpacking ${z.name} on this computer; its pictures are sent one by one.`));
    if (z.phase === "done") blocks.push(h("p", { class: "muted small zip-status" }, `${z.name} unpacked.`));
    if (z.phase === "failed")
      blocks.push(
        notice(
          "danger",
          `${z.name} could not be read to the end`,
          `${z.error ?? "The zip file could not be unpacked."} Pictures read before the problem were kept.`,
        ),
      );
    if (z.skipped.length) {
      const why: Record<ZipSkipped["reason"], string> = {
        not_needed: "not a picture or a mapping file",
        too_large: `larger than ${Math.round(MAX_UNPACKED_ENTRY_BYTES / 1048576)} MB`,
        unsupported_compression: "compressed in a way that cannot be read; zip the folder again with your computer's built-in zip tool",
      };
      blocks.push(
        notice(
          "info",
          `${plural(z.skipped.length, "file")} in ${z.name} ${z.skipped.length === 1 ? "was" : "were"} not sent`,
          h(
            "ul",
            { class: "file-errors" },
            z.skipped.slice(0, 8).map((f) => h("li", null, h("strong", null, f.name), " — ", why[f.reason])),
            z.skipped.length > 8 ? h("li", null, `and ${fmtNumber(z.skipped.length - 8)} more`) : null,
          ),
        ),
      );
    }
  }
  // Update the bar in place (keeps screen readers and layout calm); rebuild only the rest.
  if (
    ps.transferBar &&
    blocks[0] === ps.transferBar.el &&
    ps.transferHost.firstChild === ps.transferBar.el &&
    ps.transferHost.childNodes.length === blocks.length &&
    !ps.zipState
  )
    return;
  replace(ps.transferHost, blocks);
}

export async function cancelDraft(ps: PageState, btn: HTMLButtonElement) {
  if (!ps.current) {
    ps.mode = "none";
    ps.views.status();
    ps.views.workspace();
    return;
  }
  const ok = await confirmDialog({
    title: "Cancel this upload?",
    body: h("p", null, "The files added to it are deleted. No student's photo has changed."),
    confirm: "Cancel upload",
    cancel: "Keep it",
    danger: true,
  });
  if (!ok) return;
  try {
    await busy(btn, () => del(`/v1/uploads/${ps.current!.id}`));
    ps.uploader?.stop();
    ps.uploader = null;
    ps.transferBar = null;
    ps.zipState = null;
    ps.current = null;
    ps.mode = "none";
    toast("Upload cancelled.", "info");
    await ps.views.refreshAll();
    ps.views.workspace();
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}
