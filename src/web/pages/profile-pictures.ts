// Admin › Integrations › Profile Pictures: the integration's status, the bulk upload (folder or zip,
// mapping file, live preview, submit, processing, report), enable/disable, undo, and the history.
import type { PageContext } from "../main";
import { get, getBlob, getText, messageOf, post, request, del } from "../lib/api";
import { parseCsvObjects } from "../../shared/report-csv";
import { displayCell } from "../lib/csv";
import { h, icon, replace, uid, type Child } from "../lib/dom";
import { baseName, MAX_UNPACKED_ENTRY_BYTES, UNPACK_AHEAD, unpackZip, type ZipSkipped } from "../../shared/delivery";
import { fromDataTransfer, fromFileList, isZip, usable, zipEntriesToSend, type PickedFile } from "../lib/files";
import { fmtDateTime, fmtNumber, fmtRelative, plural } from "../lib/format";
import { isWarning, problemInfo, statusLabel } from "../lib/problems";
import { FINAL_STATUSES, type IntegrationState, type LookupResponse, type Upload, type UploadProblem } from "../lib/types";
import { FileUploader } from "../lib/uploader";
import { avatar, badge, busy, button, card, confirmDialog, notice, pageHead, progressBar, saveBlob, spinner, toast } from "../lib/ui";

type Mode = "none" | "compose" | "processing" | "report";
type UploadList = { uploads: Upload[]; next_cursor: string | null };
type ReportRow = { row: string; identifier: string; file: string; student_id: string; status: string; code: string; message: string };

const REVERTABLE = new Set(["completed", "completed_with_errors", "failed"]);
const HISTORY_PAGE = 10;
const REPORT_PAGE = 25;

export async function renderProfilePictures({ root }: PageContext) {
  // ───────────── state ─────────────
  let integration: IntegrationState;
  let history: Upload[] = [];
  let historyCursor: string | null = null;
  let current: Upload | null = null;
  let mode: Mode = "none";
  let uploader: FileUploader | null = null;
  let resumed = false;
  let pollTimer = 0;

  const statusEl = card({ class: "status-card", label: "Status" });
  const workspace = h("div", { class: "workspace" });
  const historyEl = card({ class: "history-card", id: "history" });

  root.append(
    pageHead(
      "Profile Pictures",
      "Students' photos on hall passes help staff see at a glance who is out of class.",
      null,
      [{ label: "Admin" }, { label: "Integrations" }, { label: "Profile Pictures" }],
    ),
    statusEl,
    workspace,
    historyEl,
  );
  replace(statusEl, spinner("Loading the integration…"));

  const alive = () => root.isConnected;

  // ───────────── loading ─────────────
  async function loadIntegration() {
    integration = await get<IntegrationState>("/v1/integration");
  }

  async function loadHistory(more = false) {
    const page = await get<UploadList>(`/v1/uploads?limit=${HISTORY_PAGE}${more && historyCursor ? `&cursor=${encodeURIComponent(historyCursor)}` : ""}`);
    history = more ? [...history, ...page.uploads] : page.uploads;
    historyCursor = page.next_cursor;
  }


  // ───────────── status card ─────────────
  function renderStatus() {
    const s = integration;
    const hasUploads = history.length > 0 || s.last_upload !== null;
    const busyUpload = mode === "compose" || mode === "processing";
    const pct = Math.round(s.coverage * 100);
    let headline: string;
    let sub: string;
    let tone: "success" | "neutral" | "info";
    if (s.enabled) {
      headline = "Photos are on";
      sub = "Teachers see students' photos on hall passes. Each teacher can still hide them for themselves.";
      tone = "success";
    } else if (s.can_enable) {
      headline = "Photos are ready to turn on";
      sub = "Teachers do not see photos yet. Review the photos, then press Enable to show them on hall passes.";
      tone = "info";
    } else {
      headline = s.photo_count ? "Photos are off" : "Not set up yet";
      sub = s.photo_count
        ? "Teachers do not see photos on hall passes."
        : "Upload the pictures from your school photographer with a mapping file. Nothing is shown to teachers until you enable it.";
      tone = "neutral";
    }

    const actions: Child[] = [];
    if (s.can_enable) actions.push(button("Enable", { variant: "primary", icon: "power", onClick: (e) => void enable(e.currentTarget as HTMLButtonElement) }));
    if (!busyUpload) {
      actions.push(
        button(hasUploads || s.photo_count ? "New upload" : "Set up", {
          variant: s.can_enable ? "secondary" : "primary",
          icon: hasUploads || s.photo_count ? "upload" : "plus",
          onClick: startCompose,
        }),
      );
    }
    if (s.enabled) actions.push(button("Disable photos", { variant: "danger-ghost", icon: "eyeOff", onClick: (e) => void disable(e.currentTarget as HTMLButtonElement) }));

    const meterLabel = uid("cov");
    replace(
      statusEl,
      h(
        "div",
        { class: "status-grid" },
        h(
          "div",
          { class: "status-main" },
          h("div", { class: "status-kicker" }, h("span", { class: `dot dot-${tone}`, "aria-hidden": "true" }), s.enabled ? "On" : s.photo_count ? "Off" : "Not set up"),
          h("h2", { class: "status-title" }, headline),
          h("p", { class: "status-sub" }, sub),
          actions.length ? h("div", { class: "status-actions" }, actions) : null,
        ),
        h(
          "div",
          { class: "coverage" },
          h("div", { class: "coverage-head" }, h("span", { class: "coverage-pct" }, `${pct}%`), h("span", { class: "coverage-label", id: meterLabel }, "photo coverage")),
          h(
            "div",
            { class: "meter", role: "meter", "aria-labelledby": meterLabel, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct, "aria-valuetext": `${pct}%` },
            meterFill(pct),
          ),
          h(
            "p",
            { class: "coverage-text" },
            `${fmtNumber(s.eligible_photo_count)} of ${plural(s.eligible_count, "student")} have a photo` +
              (s.student_count > s.eligible_count ? ` · ${fmtNumber(s.student_count - s.eligible_count)} opted out` : ""),
          ),
          h(
            "p",
            { class: "coverage-links" },
            h("a", { href: "/admin/students?has_photo=false" }, "Students without a photo"),
            h("span", { "aria-hidden": "true" }, " · "),
            h("button", { type: "button", class: "link", onclick: (e: MouseEvent) => void downloadMissing(e.currentTarget as HTMLButtonElement) }, "Download the list (CSV)"),
          ),
        ),
      ),
    );
  }

  function meterFill(pct: number) {
    const fill = h("span", { class: "meter-fill" });
    fill.style.width = `${pct}%`;
    return fill;
  }

  async function enable(btn: HTMLButtonElement) {
    try {
      integration = await busy(btn, () => post<IntegrationState>("/v1/integration/enable"));
      toast("Photos are on. Teachers now see them on hall passes.");
      renderStatus();
      if (mode === "report") renderWorkspace();
      (statusEl.querySelector(".status-title") as HTMLElement | null)?.focus();
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  async function disable(btn: HTMLButtonElement) {
    const ok = await confirmDialog({
      title: "Disable photos for teachers?",
      body: h("p", null, "Teachers stop seeing students' photos on hall passes right away. The photos are kept, and you can enable them again at any time."),
      confirm: "Disable",
      danger: true,
    });
    if (!ok) return;
    try {
      integration = await busy(btn, () => post<IntegrationState>("/v1/integration/disable"));
      toast("Photos are off. Teachers no longer see them.", "info");
      renderStatus();
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  async function downloadMissing(btn: HTMLButtonElement) {
    try {
      const blob = await busy(btn, () => getBlob("/v1/integration/missing.csv"));
      saveBlob(blob, "students-missing-photos.csv");
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  async function refreshAll() {
    await Promise.all([loadIntegration(), loadHistory()]);
    renderStatus();
    renderHistory();
  }

  // ───────────── workspace ─────────────
  function startCompose() {
    if (current?.status !== "draft") current = null;
    uploader = null;
    resumed = false;
    mode = "compose";
    renderStatus();
    renderWorkspace();
    workspace.querySelector<HTMLElement>("h2")?.focus();
  }

  function renderWorkspace() {
    window.clearTimeout(pollTimer);
    if (mode === "none") {
      replace(workspace, history.length || integration.photo_count ? null : onboarding());
    } else if (mode === "compose") {
      replace(workspace, compose());
    } else if (mode === "processing") {
      replace(workspace, processing());
    } else {
      replace(workspace, report());
    }
  }

  function stepper(active: number) {
    const steps = ["Add photos", "Review", "Process", "Turn on"];
    return h(
      "ol",
      { class: "stepper", "aria-label": "Upload steps" },
      steps.map((label, i) =>
        h(
          "li",
          { class: i < active ? "is-done" : i === active ? "is-active" : "", "aria-current": i === active ? "step" : null },
          h("span", { class: "step-num", "aria-hidden": "true" }, i < active ? icon("check") : String(i + 1)),
          h("span", { class: "step-label" }, label),
        ),
      ),
    );
  }

  function onboarding() {
    const steps: Array<[string, string]> = [
      ["Get the pictures", "Download your students' pictures from your photography vendor (for example Lifetouch) and unzip them into one folder, or keep the zip file."],
      ["Add a mapping file", "A spreadsheet (CSV) with each student's email or school ID in the first column and the picture's file name in the second. Vendor index files (INDEX.TXT) work as they are."],
      ["Review, submit, turn on", "Check the matches before anything changes, submit, and press Enable when you are happy. Teachers can hide photos for themselves."],
    ];
    return card(
      { class: "onboarding", label: "How it works" },
      h("h2", { class: "card-title" }, "How it works"),
      h(
        "ol",
        { class: "howto" },
        steps.map(([t, d], i) => h("li", null, h("span", { class: "howto-num", "aria-hidden": "true" }, String(i + 1)), h("div", null, h("h3", null, t), h("p", null, d)))),
      ),
      h("p", { class: "muted small" }, "Supported pictures: JPEG, PNG and WebP. Large pictures are made smaller in your browser before they are sent."),
    );
  }

  // ─── compose: choose files, upload, live preview ───
  let transferHost: HTMLElement | null = null;
  let previewHost: HTMLElement | null = null;
  let mappingNote: HTMLElement | null = null;
  let transferBar: ReturnType<typeof progressBar> | null = null;
  let zipState: { name: string; phase: "unpacking" | "done" | "failed"; error?: string; skipped: ZipSkipped[] } | null = null;
  let transferScheduled = false;
  let previewTimer = 0;

  function compose() {
    const hasContent = current !== null && (current.counts.files_received > 0 || current.counts.rows > 0);
    const photosTitle = uid("photos");
    const photosHint = uid("photos-hint");
    const folderInput = h("input", {
      type: "file",
      id: "photos-input",
      class: "visually-hidden",
      multiple: true,
      webkitdirectory: true,
      "aria-labelledby": photosTitle,
      "aria-describedby": photosHint,
      onchange: (e: Event) => {
        const input = e.currentTarget as HTMLInputElement;
        if (input.files?.length) void addPhotos(fromFileList(input.files));
        input.value = "";
      },
    });
    const drop = h(
      "label",
      { class: "dropzone", for: "photos-input" },
      folderInput,
      h("span", { class: "dropzone-icon", "aria-hidden": "true" }, icon("folder")),
      h("span", { class: "dropzone-title", id: photosTitle }, "Photos"),
      h("span", { class: "dropzone-text", id: photosHint }, "Drag the folder of pictures here, or ", h("span", { class: "link-like" }, "choose a folder"), ". JPEG, PNG or WebP; a mapping file or INDEX.TXT inside it is found automatically."),
    );
    for (const type of ["dragenter", "dragover"]) {
      drop.addEventListener(type, (e) => {
        e.preventDefault();
        drop.classList.add("is-over");
      });
    }
    drop.addEventListener("dragleave", (e) => {
      if (!drop.contains(e.relatedTarget as Node | null)) drop.classList.remove("is-over");
    });
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("is-over");
      if (!e.dataTransfer) return;
      void fromDataTransfer(e.dataTransfer).then((files) => {
        const zips = files.filter((f) => isZip(f.file));
        if (zips.length === 1 && files.length === 1) void addZip(zips[0]!.file);
        else void addPhotos(files);
      });
    });

    // Phones and tablets cannot pick folders: individual pictures (and the mapping file) work too.
    const filesInput = h("input", {
      type: "file",
      id: "photo-files-input",
      class: "visually-hidden",
      multiple: true,
      accept: "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp,.csv,.txt",
      onchange: (e: Event) => {
        const input = e.currentTarget as HTMLInputElement;
        if (input.files?.length) void addPhotos(fromFileList(input.files));
        input.value = "";
      },
    });
    const filesAlt = h("p", { class: "dropzone-alt" }, "No folder at hand? ", filesInput, h("label", { for: "photo-files-input", class: "link-like" }, "Choose pictures"), " one by one.");

    const zipInput = h("input", {
      type: "file",
      id: "zip-input",
      class: "file-input",
      accept: ".zip,application/zip",
      onchange: (e: Event) => {
        const input = e.currentTarget as HTMLInputElement;
        const f = input.files?.[0];
        if (f) void addZip(f);
        input.value = "";
      },
    });
    const mappingInput = h("input", {
      type: "file",
      id: "mapping-input",
      class: "file-input",
      accept: ".csv,.tsv,.txt,text/csv,text/plain",
      "aria-describedby": "mapping-hint",
      onchange: (e: Event) => {
        const input = e.currentTarget as HTMLInputElement;
        const f = input.files?.[0];
        if (f) void addMapping(f);
        input.value = "";
      },
    });
    mappingNote = h("p", { class: "field-note", "aria-live": "polite" }, current?.mapping_file ? mappingText(current) : null);
    transferHost = h("div", { class: "transfer", "aria-live": "off" });
    previewHost = h("div", { class: "preview-host" });

    const body = card(
      { class: "compose", label: "New upload" },
      h(
        "div",
        { class: "card-head" },
        h("div", null, h("h2", { class: "card-title", tabindex: "-1" }, resumed ? "Finish your upload" : "New upload"), h("p", { class: "muted" }, resumed && current ? `Started ${fmtRelative(current.created_at)}. Add more files, or review and submit it.` : "Nothing changes for students or teachers until you submit and enable.")),
        current ? button("Cancel upload", { variant: "ghost", icon: "x", onClick: (e) => void cancelDraft(e.currentTarget as HTMLButtonElement) }) : null,
      ),
      stepper(hasContent ? 1 : 0),
      h(
        "div",
        { class: "sources" },
        h("div", { class: "drop-column" }, drop, filesAlt),
        h(
          "div",
          { class: "side-fields" },
          h(
            "div",
            { class: "field" },
            h("label", { for: "zip-input" }, icon("zip", "icon icon-label"), "Zip file"),
            h("p", { class: "hint" }, "Or choose the vendor's zip as it is, of any size: it is unpacked on this computer and its pictures are sent one by one."),
            zipInput,
          ),
          h(
            "div",
            { class: "field" },
            h("label", { for: "mapping-input" }, icon("table", "icon icon-label"), "Mapping file ", h("span", { class: "optional" }, "(optional)")),
            h("p", { class: "hint", id: "mapping-hint" }, "CSV: the student's email or school ID, then the picture's file name. Without one, pictures named after a school ID or email still match."),
            mappingInput,
            mappingNote,
            button("Download template", { variant: "ghost", size: "sm", icon: "download", onClick: (e) => void downloadTemplate(e.currentTarget as HTMLButtonElement) }),
          ),
        ),
      ),
      transferHost,
      previewHost,
    );
    renderTransfer();
    if (current) renderPreview(current);
    return body;
  }

  function mappingText(u: Upload) {
    return u.mapping_file ? [icon("check", "icon icon-ok"), ` Using ${u.mapping_file}`] : null;
  }

  async function downloadTemplate(btn: HTMLButtonElement) {
    try {
      const blob = await busy(btn, () => getBlob("/v1/uploads/template.csv"));
      saveBlob(blob, "passpix-mapping-template.csv");
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  // The folder, the zip and the mapping file can be chosen at once: they share one draft.
  let creating: Promise<string> | null = null;
  function ensureDraft(): Promise<string> {
    if (current?.status === "draft") return Promise.resolve(current.id);
    creating ??= createDraft().finally(() => (creating = null));
    return creating;
  }

  async function createDraft(): Promise<string> {
    const res = await post<{ upload: Upload }>("/v1/uploads");
    current = res.upload;
    void loadHistory().then(renderHistory);
    // the Cancel button appears now that there is something to cancel
    const head = workspace.querySelector(".compose .card-head");
    if (head && !head.querySelector("button")) head.append(button("Cancel upload", { variant: "ghost", icon: "x", onClick: (e) => void cancelDraft(e.currentTarget as HTMLButtonElement) }));
    return current.id;
  }

  async function addPhotos(picked: PickedFile[]) {
    const files = usable(picked);
    if (!files.length) {
      toast("No files found there. Choose the folder that holds the pictures.", "warning");
      return;
    }
    try {
      const id = await ensureDraft();
      const received = await receivedFiles(id);
      uploader ??= new FileUploader(id, { onChange: scheduleTransfer });
      uploader.add(files, received);
      schedulePreviewRefresh();
      await uploader.whenIdle();
      await refreshPreview();
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
  async function addZip(file: File) {
    zipState = { name: file.name, phase: "unpacking", skipped: [] };
    renderTransfer();
    try {
      const id = await ensureDraft();
      const [received, toSend] = await Promise.all([receivedFiles(id), zipEntriesToSend(file)]);
      const up = (uploader ??= new FileUploader(id, { onChange: scheduleTransfer }));
      let handed = 0;
      up.expecting = toSend ?? 0;
      schedulePreviewRefresh();
      const result = await unpackZip(file.stream().getReader(), {
        maxEntryBytes: MAX_UNPACKED_ENTRY_BYTES,
        shouldStop: () => !alive() || uploader !== up,
        onEntry: async (entry) => {
          handed++;
          up.expecting = Math.max(0, (toSend ?? 0) - handed);
          up.add([{ file: new File([entry.bytes as BlobPart], baseName(entry.name)), path: entry.name }], received);
          await up.whenRoom(UNPACK_AHEAD);
        },
      });
      up.expecting = 0;
      zipState = { name: file.name, phase: result.failure ? "failed" : "done", error: result.failure ?? undefined, skipped: result.skipped };
      renderTransfer();
      await up.whenIdle();
      await refreshPreview();
    } catch (err) {
      if (uploader) uploader.expecting = 0;
      zipState = { name: file.name, phase: "failed", error: messageOf(err), skipped: zipState?.skipped ?? [] };
      renderTransfer();
    }
  }

  async function addMapping(file: File) {
    try {
      const id = await ensureDraft();
      if (mappingNote) replace(mappingNote, `Reading ${file.name}…`);
      const res = await request("PUT", `/v1/uploads/${id}/mapping?name=${encodeURIComponent(file.name)}`, {
        body: file,
        contentType: /\.txt$/i.test(file.name) ? "text/plain" : "text/csv",
      });
      current = ((await res.json()) as { upload: Upload }).upload;
      if (mappingNote) replace(mappingNote, mappingText(current));
      renderPreview(current);
    } catch (err) {
      if (mappingNote) replace(mappingNote, h("span", { class: "field-error" }, messageOf(err)));
    }
  }

  function scheduleTransfer() {
    if (transferScheduled) return;
    transferScheduled = true;
    requestAnimationFrame(() => {
      transferScheduled = false;
      renderTransfer();
    });
  }

  function schedulePreviewRefresh() {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(async () => {
      if (!alive() || mode !== "compose") return;
      if (uploader?.busy || zipState?.phase === "unpacking") {
        await refreshPreview().catch(() => {});
        schedulePreviewRefresh();
      }
    }, 3000);
  }

  async function refreshPreview() {
    if (current?.status !== "draft" || !alive()) return;
    current = await get<Upload>(`/v1/uploads/${current.id}`);
    if (mode === "compose") renderPreview(current);
  }

  function renderTransfer() {
    if (!transferHost) return;
    const blocks: Child[] = [];
    if (uploader && uploader.items.length) {
      const s = uploader.stats();
      transferBar ??= progressBar("Uploading photos");
      const finished = !uploader.busy;
      const label = finished ? (s.failed ? "Some files did not upload" : "Photos uploaded") : "Uploading photos";
      transferBar.update(finished ? 100 : s.percent, `${fmtNumber(s.done)} of ${plural(s.total, "file")}${s.failed ? ` · ${fmtNumber(s.failed)} failed` : ""}`, label);
      transferBar.setTone(finished && s.failed ? "warning" : "default");
      blocks.push(transferBar.el);
      if (s.resized) blocks.push(h("p", { class: "muted small" }, `${plural(s.resized, "large picture was", "large pictures were")} made smaller before sending.`));
      const failed = uploader.items.filter((i) => i.state === "failed");
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
                uploader?.retryFailed();
                schedulePreviewRefresh();
                void uploader?.whenIdle().then(refreshPreview);
              },
            }),
          ),
        );
      }
    }
    if (uploader && uploader.items.some((i) => i.already)) {
      blocks.push(h("p", { class: "muted small" }, `${plural(uploader.stats().already, "file was", "files were")} already received earlier and not sent again.`));
    }
    if (zipState) {
      const z = zipState;
      if (z.phase === "unpacking") blocks.push(h("p", { class: "muted small zip-status" }, `Unpacking ${z.name} on this computer; its pictures are sent one by one.`));
      if (z.phase === "done") blocks.push(h("p", { class: "muted small zip-status" }, `${z.name} unpacked.`));
      if (z.phase === "failed") blocks.push(notice("danger", `${z.name} could not be read to the end`, `${z.error ?? "The zip file could not be unpacked."} Pictures read before the problem were kept.`));
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
    if (transferBar && blocks[0] === transferBar.el && transferHost.firstChild === transferBar.el && transferHost.childNodes.length === blocks.length && !zipState) return;
    replace(transferHost, blocks);
  }

  function tile(value: number, labels: [string, string], explain: string, tone: "success" | "danger" | "warning" | "neutral") {
    return h(
      "div",
      { class: `tile tile-${value ? tone : "neutral"}` },
      h("span", { class: "tile-value" }, fmtNumber(value)),
      h("span", { class: "tile-label" }, value === 1 ? labels[0] : labels[1]),
      h("span", { class: "tile-explain" }, explain),
    );
  }

  function renderPreview(u: Upload) {
    if (!previewHost) return;
    const c = u.counts;
    const stepEl = workspace.querySelector(".stepper");
    const hasContent = c.files_received > 0 || c.rows > 0;
    if (stepEl) stepEl.replaceWith(stepper(hasContent ? 1 : 0));
    if (mappingNote && u.mapping_file) replace(mappingNote, mappingText(u));
    if (!hasContent) {
      replace(previewHost, u.archive?.status === "extracting" ? spinner("Unpacking the zip file…") : null);
      return;
    }
    const uploading = (uploader?.busy ?? false) || zipState?.phase === "unpacking";
    const extracting = u.archive?.status === "extracting";
    const canSubmit = c.matched > 0 && !uploading && !extracting;
    const why = uploading
      ? "Wait until every file is uploaded."
      : extracting
        ? "Wait until the zip file is unpacked."
        : c.matched === 0
          ? "No row is ready yet: each row needs a student from your roster and its picture."
          : `${plural(c.matched, "photo")} will be added${c.unmatched ? `; ${plural(c.unmatched, "row")} with problems will be skipped` : ""}.`;
    const source =
      u.format === "file_names"
        ? "No mapping file: pictures named after a student's school ID or email are matched to that student."
        : u.format === "pspa"
          ? `Using the vendor's index file${u.mapping_file ? ` (${u.mapping_file})` : ""}: students are matched by name and grade.`
          : u.mapping_file
            ? `Mapping file ${u.mapping_file}: ${plural(c.rows, "row")}.`
            : c.rows
              ? `Mapping file found among the files: ${plural(c.rows, "row")}.`
              : "";

    const submitBtn = button("Submit upload", { variant: "primary", icon: "upload", disabled: !canSubmit, onClick: (e) => void submit(e.currentTarget as HTMLButtonElement) });
    replace(
      previewHost,
      h(
        "section",
        { class: "preview", "aria-labelledby": "preview-title" },
        h("div", { class: "section-head" }, h("h3", { id: "preview-title" }, "Review before submitting"), h("span", { class: "muted small" }, `${plural(c.files_received, "file")} received`)),
        source ? h("p", { class: "muted" }, source) : null,
        h(
          "div",
          { class: "tiles" },
          tile(c.matched, ["photo ready to add", "photos ready to add"], "Rows that match a student and their picture.", "success"),
          tile(c.unmatched, ["row needs attention", "rows need attention"], "Will be skipped; the reasons are below.", "danger"),
          tile(c.missing_files, ["picture missing", "pictures missing"], "Named in the mapping file but not added.", "warning"),
          tile(c.unreferenced_files, ["extra picture", "extra pictures"], "Added, but not named in the mapping file.", "neutral"),
        ),
        problemGroups(u.problems, u.problems_truncated),
        h(
          "div",
          { class: "submit-bar" },
          h("p", { class: canSubmit ? "submit-why" : "submit-why is-blocked", id: "submit-why" }, why),
          h("div", { class: "submit-actions" }, button("Download preview (CSV)", { variant: "ghost", icon: "download", onClick: (e) => void downloadReport(e.currentTarget as HTMLButtonElement, u) }), submitBtn),
        ),
      ),
    );
    submitBtn.setAttribute("aria-describedby", "submit-why");
  }

  function problemGroups(problems: UploadProblem[], truncated: boolean) {
    if (!problems.length) return h("p", { class: "all-good" }, icon("checkCircle"), "No problems found.");
    const groups = new Map<string, UploadProblem[]>();
    for (const p of problems) groups.set(p.code, [...(groups.get(p.code) ?? []), p]);
    const ordered = [...groups.entries()].sort(([a], [b]) => Number(isWarning(a)) - Number(isWarning(b)));
    return h(
      "div",
      { class: "problems" },
      h("h4", { class: "problems-title" }, "What we found"),
      ordered.map(([code, list], i) => {
        const info = problemInfo(code);
        return h(
          "details",
          { class: `problem problem-${info.severity}`, open: i === 0 && list.length <= 6 ? true : null },
          h(
            "summary",
            null,
            icon(info.severity === "warning" ? "info" : "alert", "icon problem-icon"),
            h("span", { class: "problem-title" }, info.title),
            h("span", { class: "problem-count" }, fmtNumber(list.length)),
          ),
          h("p", { class: "problem-explain" }, info.explain),
          h(
            "ul",
            { class: "problem-list" },
            list.slice(0, 50).map((p) =>
              h("li", null, h("span", { class: "problem-where" }, [p.row !== null ? `Row ${p.row}` : null, p.file].filter(Boolean).join(" · ") || "Upload"), h("span", null, p.message)),
            ),
            list.length > 50 ? h("li", { class: "muted" }, `and ${fmtNumber(list.length - 50)} more — download the CSV for every row.`) : null,
          ),
        );
      }),
      truncated ? h("p", { class: "muted small" }, "Only the first problems are listed here; the CSV has every row.") : null,
    );
  }

  async function submit(btn: HTMLButtonElement) {
    if (!current) return;
    try {
      const res = await busy(btn, () => post<{ upload: Upload }>(`/v1/uploads/${current!.id}/submit`));
      current = res.upload;
      uploader?.stop();
      uploader = null;
      transferBar = null;
      zipState = null;
      mode = "processing";
      renderStatus();
      renderWorkspace();
      workspace.querySelector<HTMLElement>("h2")?.focus();
      void loadHistory().then(renderHistory);
    } catch (err) {
      toast(messageOf(err), "danger");
      await refreshPreview().catch(() => {});
    }
  }

  async function cancelDraft(btn: HTMLButtonElement) {
    if (!current) {
      mode = "none";
      renderStatus();
      renderWorkspace();
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
      await busy(btn, () => del(`/v1/uploads/${current!.id}`));
      uploader?.stop();
      uploader = null;
      transferBar = null;
      zipState = null;
      current = null;
      mode = "none";
      toast("Upload cancelled.", "info");
      await refreshAll();
      renderWorkspace();
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  // ─── processing ───
  function processing() {
    const u = current!;
    const bar = progressBar("Processing photos");
    const c = u.counts;
    const total = c.processed + c.failed + c.pending;
    const done = c.processed + c.failed;
    bar.update(total ? (done / total) * 100 : 0, `${fmtNumber(done)} of ${plural(total, "photo")}`);
    schedulePoll();
    return card(
      { class: "processing", label: "Processing" },
      h("div", { class: "card-head" }, h("div", null, h("h2", { class: "card-title", tabindex: "-1" }, "Processing your upload"), h("p", { class: "muted" }, `Submitted ${fmtRelative(u.submitted_at)}.`))),
      stepper(2),
      bar.el,
      notice("info", "You can close this page.", "Processing continues on our side and usually takes a few minutes. When you come back, this page shows where it got to."),
    );
  }

  function schedulePoll(delay = 1500) {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(async () => {
      if (!alive() || mode !== "processing" || !current) return;
      try {
        current = await get<Upload>(`/v1/uploads/${current.id}`);
      } catch {
        schedulePoll(5000);
        return;
      }
      if (FINAL_STATUSES.has(current.status)) {
        mode = current.status === "cancelled" ? "none" : "report";
        await refreshAll().catch(() => {});
        renderWorkspace();
        workspace.querySelector<HTMLElement>("h2")?.focus();
        const label = statusLabel(current.status);
        toast(`Upload ${label.text.toLowerCase()}: ${plural(current.counts.processed, "photo")} added.`, label.tone === "danger" ? "danger" : label.tone === "warning" ? "warning" : "success");
      } else {
        const c = current.counts;
        const total = c.processed + c.failed + c.pending;
        const done = c.processed + c.failed;
        const bar = workspace.querySelector<HTMLElement>(".processing [role=progressbar]");
        if (bar) {
          const pct = total ? Math.round((done / total) * 100) : 0;
          bar.setAttribute("aria-valuenow", String(pct));
          bar.setAttribute("aria-valuetext", `${fmtNumber(done)} of ${plural(total, "photo")}`);
          (bar.firstElementChild as HTMLElement | null)?.style.setProperty("width", `${pct}%`);
          const text = workspace.querySelector(".processing .progress-text");
          if (text) text.textContent = `${fmtNumber(done)} of ${plural(total, "photo")}`;
        }
        schedulePoll(1500);
      }
    }, delay);
  }

  // ─── report ───
  let reportRows: ReportRow[] | null = null;
  let reportText = "";
  let reportFor = "";
  let onlyProblems = false;
  let reportPage = 0;

  function report() {
    const u = current!;
    const c = u.counts;
    const label = statusLabel(u.status);
    const skipped = Math.max(0, c.rows - c.processed - c.failed - c.pending);
    const headline =
      u.status === "reverted"
        ? "This upload was undone"
        : u.status === "failed"
          ? "No photos could be added"
          : `${plural(c.processed, "photo")} added`;
    const tableHost = h("div", { class: "report-table-host" }, spinner("Loading the report…"));
    const undoBtn = REVERTABLE.has(u.status) ? button("Undo this upload", { variant: "danger-ghost", icon: "undo", onClick: (e) => void undo(e.currentTarget as HTMLButtonElement) }) : null;
    const readyNote =
      u.status !== "reverted" && integration.can_enable
        ? notice("success", "These photos are ready for teachers.", "Teachers do not see them yet. Press Enable at the top of the page when you are happy with them.")
        : u.status !== "reverted" && integration.enabled && c.processed
          ? notice("success", "Teachers see these photos on hall passes now.")
          : null;
    void loadReport(u, tableHost);
    return card(
      { class: "report", label: "Upload report" },
      h(
        "div",
        { class: "card-head" },
        h(
          "div",
          null,
          h("div", { class: "report-kicker" }, badge(label.text, label.tone), h("span", { class: "muted small" }, `Uploaded ${fmtDateTime(u.submitted_at ?? u.created_at)}`)),
          h("h2", { class: "card-title", tabindex: "-1" }, headline),
        ),
        h("div", { class: "card-head-actions" }, undoBtn),
      ),
      u.status === "reverted" ? null : stepper(integration.enabled ? 4 : 3),
      h(
        "dl",
        { class: "stats" },
        stat("Added", c.processed, "success"),
        stat("Could not be processed", c.failed, "danger"),
        stat("Skipped", skipped, "neutral"),
        stat("Rows in mapping", c.rows, "neutral"),
      ),
      readyNote,
      tableHost,
    );
  }

  function stat(label: string, value: number, tone: string) {
    return h("div", { class: `stat stat-${value ? tone : "neutral"}` }, h("dt", null, label), h("dd", null, fmtNumber(value)));
  }

  async function loadReport(u: Upload, host: HTMLElement) {
    try {
      if (reportFor !== `${u.id}:${u.status}`) {
        reportText = await getText(`/v1/uploads/${u.id}/report.csv`);
        reportRows = parseCsvObjects(reportText) as ReportRow[];
        reportFor = `${u.id}:${u.status}`;
        onlyProblems = reportRows.length > 100 && reportRows.some(isProblemRow);
        reportPage = 0;
      }
      renderReportTable(u, host);
    } catch (err) {
      replace(host, notice("danger", "The report could not be loaded.", messageOf(err)));
    }
  }

  function isProblemRow(r: ReportRow) {
    return r.status === "failed" || (r.status === "skipped" && !isWarning(r.code)) || (r.code !== "" && !isWarning(r.code));
  }

  // Names and thumbnails for the rows on screen: one lookup call per page of the report.
  const people = new Map<string, { name: string | null; photo: string | null }>();
  async function resolvePeople(ids: string[]) {
    const missing = [...new Set(ids)].filter((id) => !people.has(id));
    if (!missing.length) return false;
    const res = await post<LookupResponse>("/v1/photos/lookup", { student_ids: missing, size: "thumb", with_names: true });
    for (const id of missing) people.set(id, { name: res.names?.[id] ?? null, photo: res.photos[id] ?? null });
    return true;
  }

  function renderReportTable(u: Upload, host: HTMLElement) {
    const all = reportRows ?? [];
    const problemCount = all.filter(isProblemRow).length;
    const rows = onlyProblems ? all.filter(isProblemRow) : all;
    const pages = Math.max(1, Math.ceil(rows.length / REPORT_PAGE));
    reportPage = Math.min(reportPage, pages - 1);
    const slice = rows.slice(reportPage * REPORT_PAGE, (reportPage + 1) * REPORT_PAGE);
    const rerender = () => renderReportTable(u, host);
    void resolvePeople(slice.map((r) => r.student_id).filter(Boolean))
      .then((changed) => changed && host.isConnected && rerender())
      .catch(() => {});
    const filter = h(
      "label",
      { class: "check" },
      h("input", {
        type: "checkbox",
        checked: onlyProblems,
        disabled: problemCount === 0,
        "data-focus": "only-problems",
        onchange: (e: Event) => {
          onlyProblems = (e.currentTarget as HTMLInputElement).checked;
          reportPage = 0;
          rerender();
        },
      }),
      h("span", null, `Only rows with problems (${fmtNumber(problemCount)})`),
    );
    replace(
      host,
      h(
        "div",
        { class: "report-toolbar" },
        h("h3", null, "Row by row"),
        filter,
        button("Download report (CSV)", { variant: "secondary", icon: "download", onClick: (e) => void downloadReport(e.currentTarget as HTMLButtonElement, u) }),
      ),
      all.length === 0
        ? h("p", { class: "muted" }, "This upload has no rows.")
        : h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "table report-table" },
              h("caption", { class: "visually-hidden" }, `Report of the upload of ${fmtDateTime(u.created_at)}`),
              h("thead", null, h("tr", null, h("th", { scope: "col", class: "num" }, "Row"), h("th", { scope: "col" }, "Student"), h("th", { scope: "col" }, "File"), h("th", { scope: "col" }, "Result"), h("th", { scope: "col" }, "Details"))),
              h(
                "tbody",
                null,
                slice.map((r) => {
                  const result = r.status === "processed" ? badge("Added", "success") : r.status === "failed" ? badge("Failed", "danger") : r.status === "pending" ? badge("Waiting", "info") : badge(r.status === "ready" ? "Ready" : "Skipped", isWarning(r.code) || r.status === "ready" ? "neutral" : "warning");
                  const details = r.message ? [h("strong", null, problemInfo(r.code).title), h("span", { class: "muted" }, ` — ${r.message}`)] : h("span", { class: "muted" }, r.status === "processed" ? "Photo added." : "—");
                  return h(
                    "tr",
                    null,
                    h("td", { class: "num" }, r.row),
                    h("td", null, studentCell(r)),
                    h("td", { class: "file-cell" }, displayCell(r.file) || "—"),
                    h("td", null, result),
                    h("td", { class: "details-cell" }, details),
                  );
                }),
              ),
            ),
          ),
      rows.length > REPORT_PAGE
        ? h(
            "div",
            { class: "pager" },
            h("span", { class: "muted small" }, `Rows ${fmtNumber(reportPage * REPORT_PAGE + 1)}–${fmtNumber(Math.min(rows.length, (reportPage + 1) * REPORT_PAGE))} of ${fmtNumber(rows.length)}`),
            h(
              "div",
              { class: "pager-buttons" },
              button("Previous", { size: "sm", icon: "chevronLeft", disabled: reportPage === 0, focusKey: "prev", onClick: () => ((reportPage -= 1), rerender()) }),
              button("Next", { size: "sm", disabled: reportPage >= pages - 1, focusKey: "next", onClick: () => ((reportPage += 1), rerender()) }),
            ),
          )
        : null,
    );
  }

  function studentCell(r: ReportRow) {
    const identifier = displayCell(r.identifier);
    if (!r.student_id) return h("span", { class: "report-student" }, h("span", { class: "report-id" }, identifier || "—"));
    const who = people.get(r.student_id);
    const name = who?.name ?? r.student_id;
    return h(
      "a",
      { class: "report-student", href: `/admin/students/${encodeURIComponent(r.student_id)}` },
      avatar(name, r.status === "processed" ? who?.photo : null, "sm"),
      h("span", { class: "report-who" }, h("span", { class: "report-name" }, name), h("span", { class: "report-id" }, identifier)),
    );
  }

  async function downloadReport(btn: HTMLButtonElement, u: Upload) {
    try {
      const text = u.status !== "draft" && reportFor === `${u.id}:${u.status}` ? reportText : await busy(btn, () => getText(`/v1/uploads/${u.id}/report.csv`));
      saveBlob(new Blob([text], { type: "text/csv;charset=utf-8" }), `passpix-upload-${u.id}-${u.status === "draft" ? "preview" : "report"}.csv`);
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  async function undo(btn: HTMLButtonElement) {
    if (!current) return;
    const u = current;
    const ok = await confirmDialog({
      title: "Undo this upload?",
      body: h(
        "div",
        null,
        h("p", null, `Every student whose photo this upload set (${plural(u.counts.processed, "student")}) gets back the photo they had before, or none.`),
        h("p", { class: "muted" }, "Students whose photo was changed again since keep their newer photo."),
      ),
      confirm: "Undo upload",
      cancel: "Keep photos",
      danger: true,
    });
    if (!ok) return;
    try {
      const res = await busy(btn, () => post<{ upload: Upload; students_reverted: number }>(`/v1/uploads/${u.id}/revert`));
      current = res.upload;
      toast(`Upload undone: ${plural(res.students_reverted, "student")} got their previous photo back.`, "info");
      await refreshAll();
      renderWorkspace();
      workspace.querySelector<HTMLElement>("h2")?.focus();
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  // ───────────── history ─────────────
  function renderHistory() {
    const rows = history.filter((u) => u.status !== "cancelled" || history.length < 20);
    replace(
      historyEl,
      h("div", { class: "card-head" }, h("h2", { class: "card-title" }, icon("history", "icon icon-title"), "Upload history")),
      rows.length === 0
        ? h("p", { class: "muted" }, "No uploads yet.")
        : h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "table history-table" },
              h("thead", null, h("tr", null, h("th", { scope: "col" }, "Started"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col", class: "num" }, "Photos added"), h("th", { scope: "col", class: "num" }, "Problems"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
              h(
                "tbody",
                null,
                rows.map((u) => {
                  const label = statusLabel(u.status);
                  const isDraft = u.status === "draft";
                  const problems = u.counts.failed + u.counts.unmatched;
                  const isCurrent = current?.id === u.id && mode !== "none";
                  return h(
                    "tr",
                    { class: isCurrent ? "is-current" : null },
                    h("td", null, h("span", { class: "nowrap" }, fmtDateTime(u.created_at)), h("span", { class: "muted small block" }, u.created_by)),
                    h("td", null, badge(label.text, label.tone)),
                    h("td", { class: "num" }, isDraft || u.status === "cancelled" ? "—" : fmtNumber(u.counts.processed)),
                    h("td", { class: "num" }, isDraft || u.status === "cancelled" ? "—" : fmtNumber(problems)),
                    h(
                      "td",
                      { class: "actions-cell" },
                      u.status === "cancelled" || isCurrent
                        ? null
                        : button(isDraft ? "Continue" : "View", { size: "sm", variant: "ghost", ariaLabel: `${isDraft ? "Continue" : "View"} the upload of ${fmtDateTime(u.created_at)}`, onClick: () => void openUpload(u) }),
                    ),
                  );
                }),
              ),
            ),
          ),
      historyCursor
        ? button("Show older uploads", {
            variant: "ghost",
            onClick: async (e) => {
              await busy(e.currentTarget as HTMLButtonElement, () => loadHistory(true));
              renderHistory();
            },
          })
        : null,
    );
  }

  async function openUpload(u: Upload) {
    try {
      current = await get<Upload>(`/v1/uploads/${u.id}`);
      mode = current.status === "draft" ? "compose" : current.status === "processing" ? "processing" : "report";
      resumed = current.status === "draft";
      uploader = null;
      transferBar = null;
      zipState = null;
      renderStatus();
      renderWorkspace();
      renderHistory();
      workspace.scrollIntoView({ behavior: "smooth", block: "start" });
      workspace.querySelector<HTMLElement>("h2")?.focus({ preventScroll: true });
    } catch (err) {
      toast(messageOf(err), "danger");
    }
  }

  // ───────────── first render ─────────────
  await Promise.all([loadIntegration(), loadHistory()]);

  // Pick up where the last visit left off: a draft to finish, an upload still processing, or the
  // latest result.
  const latest = history.find((u) => u.status !== "cancelled");
  if (latest) {
    if (latest.status === "draft") {
      current = await get<Upload>(`/v1/uploads/${latest.id}`);
      resumed = true;
      mode = "compose";
    } else if (latest.status === "processing") {
      current = latest;
      mode = "processing";
    } else if (latest.status !== "reverted") {
      current = latest;
      mode = "report";
    }
  }
  renderStatus();
  renderWorkspace();
  renderHistory();

  // Leaving while files are still being sent loses them: say so.
  window.addEventListener("beforeunload", (e) => {
    if (uploader?.busy || zipState?.phase === "unpacking") e.preventDefault();
  });
}
