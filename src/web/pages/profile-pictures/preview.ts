// The live preview of a draft (what matched, what is missing, every problem in plain words) and
// submitting it.
import { get, messageOf, post } from "../../lib/api";
import { h, icon, replace } from "../../lib/dom";
import { fmtNumber, plural } from "../../lib/format";
import { isWarning, problemInfo } from "../../lib/problems";
import type { Upload, UploadProblem } from "../../lib/types";
import { busy, button, spinner, toast } from "../../lib/ui";
import { renderHistory } from "./history";
import { downloadReport, duplicatePair, resolvePeople } from "./report";
import { loadHistory, stepper, type PageState } from "./state";

export function mappingText(u: Upload) {
  return u.mapping_file ? [icon("check", "icon icon-ok"), ` Using ${u.mapping_file}`] : null;
}

export async function refreshPreview(ps: PageState) {
  if (ps.current?.status !== "draft" || !ps.alive()) return;
  ps.current = await get<Upload>(`/v1/uploads/${ps.current.id}`);
  if (ps.mode === "compose") renderPreview(ps, ps.current);
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

export function renderPreview(ps: PageState, u: Upload) {
  if (!ps.previewHost) return;
  const c = u.counts;
  const stepEl = ps.workspace.querySelector(".stepper");
  const hasContent = c.files_received > 0 || c.rows > 0;
  if (stepEl) stepEl.replaceWith(stepper(hasContent ? 1 : 0));
  if (ps.mappingNote && u.mapping_file) replace(ps.mappingNote, mappingText(u));
  if (!hasContent) {
    replace(ps.previewHost, u.archive?.status === "extracting" ? spinner("Unpacking the zip file…") : null);
    return;
  }
  const uploading = (ps.uploader?.busy ?? false) || ps.zipState?.phase === "unpacking";
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

  const submitBtn = button("Submit upload", {
    variant: "primary",
    icon: "upload",
    disabled: !canSubmit,
    onClick: (e) => void submit(ps, e.currentTarget as HTMLButtonElement),
  });
  replace(
    ps.previewHost,
    h(
      "section",
      { class: "preview", "aria-labelledby": "preview-title" },
      h(
        "div",
        { class: "section-head" },
        h("h3", { id: "preview-title" }, "Review before submitting"),
        h("span", { class: "muted small" }, `${plural(c.files_received, "file")} received`),
      ),
      source ? h("p", { class: "muted" }, source) : null,
      h(
        "div",
        { class: "tiles" },
        tile(c.matched, ["photo ready to add", "photos ready to add"], "Rows that match a student and their picture.", "success"),
        tile(c.unmatched, ["row needs attention", "rows need attention"], "Will be skipped; the reasons are below.", "danger"),
        tile(c.missing_files, ["picture missing", "pictures missing"], "Named in the mapping file but not added.", "warning"),
        tile(c.unreferenced_files, ["extra picture", "extra pictures"], "Added, but not named in the mapping file.", "neutral"),
      ),
      problemGroups(ps, u, u.problems_truncated),
      h(
        "div",
        { class: "submit-bar" },
        h("p", { class: canSubmit ? "submit-why" : "submit-why is-blocked", id: "submit-why" }, why),
        h(
          "div",
          { class: "submit-actions" },
          button("Download preview (CSV)", {
            variant: "ghost",
            icon: "download",
            onClick: (e) => void downloadReport(ps, e.currentTarget as HTMLButtonElement, u),
          }),
          submitBtn,
        ),
      ),
    ),
  );
  submitBtn.setAttribute("aria-describedby", "submit-why");
}

/** A photo check's warning (the only problems with details): a duplicate names the other student in details.student_id. */
const isPhotoWarning = (p: UploadProblem) => p.details !== undefined && p.row !== null;
const duplicateOf = (p: UploadProblem) => (p.code === "possible_duplicate" && typeof p.details?.student_id === "string" ? p.details.student_id : null);

function problemGroups(ps: PageState, u: Upload, truncated: boolean) {
  if (!u.problems.length) return h("p", { class: "all-good" }, icon("checkCircle"), "No problems found.");
  const warned = u.problems.filter(isPhotoWarning);
  const warnedRows = new Set(warned.map((p) => p.row)).size;
  const problems = ps.onlyWarnings && warned.length ? warned : u.problems;
  // Both students of a duplicate, by name and thumbnail: looked up once, then the preview is drawn again.
  const ids = problems.flatMap((p) => [duplicateOf(p), duplicateOf(p) ? p.student_id : null]).filter((id): id is string => typeof id === "string");
  void resolvePeople(ps, ids)
    .then((changed) => changed && ps.current?.id === u.id && ps.mode === "compose" && renderPreview(ps, ps.current))
    .catch(() => {});
  const filter = warned.length
    ? h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          checked: ps.onlyWarnings,
          "data-focus": "preview-only-warnings",
          onchange: (e: Event) => {
            ps.onlyWarnings = (e.currentTarget as HTMLInputElement).checked;
            renderPreview(ps, u);
          },
        }),
        h("span", null, `Only rows with photo warnings (${fmtNumber(warnedRows)})`),
      )
    : null;
  const groups = new Map<string, UploadProblem[]>();
  for (const p of problems) groups.set(p.code, [...(groups.get(p.code) ?? []), p]);
  const ordered = [...groups.entries()].sort(([a], [b]) => Number(isWarning(a)) - Number(isWarning(b)));
  return h(
    "div",
    { class: "problems" },
    h("h4", { class: "problems-title" }, "What we found"),
    filter,
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
          list
            .slice(0, 50)
            .map((p) =>
              h(
                "li",
                null,
                h("span", { class: "problem-where" }, [p.row !== null ? `Row ${p.row}` : null, p.file].filter(Boolean).join(" · ") || "Upload"),
                h("span", null, p.message),
                duplicateOf(p) ? duplicatePair(ps, p.student_id ?? null, duplicateOf(p)!) : null,
              ),
            ),
          list.length > 50 ? h("li", { class: "muted" }, `and ${fmtNumber(list.length - 50)} more — download the CSV for every row.`) : null,
        ),
      );
    }),
    truncated ? h("p", { class: "muted small" }, "Only the first problems are listed here; the CSV has every row.") : null,
  );
}

export async function submit(ps: PageState, btn: HTMLButtonElement) {
  if (!ps.current) return;
  try {
    const res = await busy(btn, () => post<{ upload: Upload }>(`/v1/uploads/${ps.current!.id}/submit`));
    ps.current = res.upload;
    ps.uploader?.stop();
    ps.uploader = null;
    ps.transferBar = null;
    ps.zipState = null;
    ps.mode = "processing";
    ps.views.status();
    ps.views.workspace();
    ps.workspace.querySelector<HTMLElement>("h2")?.focus();
    void loadHistory(ps).then(() => renderHistory(ps));
  } catch (err) {
    toast(messageOf(err), "danger");
    await refreshPreview(ps).catch(() => {});
  }
}
