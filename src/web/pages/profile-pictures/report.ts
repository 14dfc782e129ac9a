// The report of a submitted upload: counts, the row-by-row table (a page at a time, with names and
// thumbnails), the CSV download, and Undo.
import { getText, messageOf, post } from "../../lib/api";
import { displayCell } from "../../lib/csv";
import { h, replace } from "../../lib/dom";
import { fmtDateTime, fmtNumber, plural } from "../../lib/format";
import { isWarning, problemInfo, statusLabel } from "../../lib/problems";
import type { LookupResponse, Upload } from "../../lib/types";
import { avatar, badge, busy, button, card, confirmDialog, notice, saveBlob, spinner, toast } from "../../lib/ui";
import { parseCsvObjects } from "../../../shared/report-csv";
import { REPORT_PAGE, REVERTABLE, stepper, type PageState, type ReportRow } from "./state";

export function report(ps: PageState) {
  const u = ps.current!;
  const c = u.counts;
  const label = statusLabel(u.status);
  const skipped = Math.max(0, c.rows - c.processed - c.failed - c.pending);
  const headline =
    u.status === "reverted" ? "This upload was undone" : u.status === "failed" ? "No photos could be added" : `${plural(c.processed, "photo")} added`;
  const tableHost = h("div", { class: "report-table-host" }, spinner("Loading the report…"));
  const undoBtn = REVERTABLE.has(u.status)
    ? button("Undo this upload", { variant: "danger-ghost", icon: "undo", onClick: (e) => void undo(ps, e.currentTarget as HTMLButtonElement) })
    : null;
  const readyNote =
    u.status !== "reverted" && ps.integration.can_enable
      ? notice(
          "success",
          "These photos are ready for teachers.",
          "Teachers do not see them yet. Press Enable at the top of the page when you are happy with them.",
        )
      : u.status !== "reverted" && ps.integration.enabled && c.processed
        ? notice("success", "Teachers see these photos on hall passes now.")
        : null;
  void loadReport(ps, u, tableHost);
  return card(
    { class: "report", label: "Upload report" },
    h(
      "div",
      { class: "card-head" },
      h(
        "div",
        null,
        h(
          "div",
          { class: "report-kicker" },
          badge(label.text, label.tone),
          h("span", { class: "muted small" }, `Uploaded ${fmtDateTime(u.submitted_at ?? u.created_at)}`),
        ),
        h("h2", { class: "card-title", tabindex: "-1" }, headline),
      ),
      h("div", { class: "card-head-actions" }, undoBtn),
    ),
    u.status === "reverted" ? null : stepper(ps.integration.enabled ? 4 : 3),
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

export async function loadReport(ps: PageState, u: Upload, host: HTMLElement) {
  try {
    if (ps.reportFor !== `${u.id}:${u.status}`) {
      ps.reportText = await getText(`/v1/uploads/${u.id}/report.csv`);
      ps.reportRows = parseCsvObjects(ps.reportText) as ReportRow[];
      ps.reportFor = `${u.id}:${u.status}`;
      ps.onlyProblems = ps.reportRows.length > 100 && ps.reportRows.some(isProblemRow);
      ps.reportPage = 0;
    }
    renderReportTable(ps, u, host);
  } catch (err) {
    replace(host, notice("danger", "The report could not be loaded.", messageOf(err)));
  }
}

function isProblemRow(r: ReportRow) {
  return r.status === "failed" || (r.status === "skipped" && !isWarning(r.code)) || (r.code !== "" && !isWarning(r.code));
}

// Names and thumbnails for the rows on screen: one lookup call per page of the report.
export async function resolvePeople(ps: PageState, ids: string[]) {
  const missing = [...new Set(ids)].filter((id) => !ps.people.has(id));
  if (!missing.length) return false;
  const res = await post<LookupResponse>("/v1/photos/lookup", { student_ids: missing, size: "thumb", with_names: true });
  for (const id of missing) ps.people.set(id, { name: res.names?.[id] ?? null, photo: res.photos[id] ?? null });
  return true;
}

/** The photo checks' warnings by row (the upload's problems that carry details: the checks' only). */
function checkWarningsByRow(u: Upload) {
  const byRow = new Map<number, { code: string; student_id?: string | null; details: Record<string, unknown> }[]>();
  for (const p of u.problems)
    if (p.details && p.row !== null) byRow.set(p.row, [...(byRow.get(p.row) ?? []), { code: p.code, student_id: p.student_id, details: p.details }]);
  return byRow;
}

/** A possible duplicate: both students' thumbnails side by side, so the admin sees at once whose face it is. */
export function duplicatePair(ps: PageState, studentId: string | null, otherId: string) {
  const side = (id: string) => {
    const who = ps.people.get(id);
    const name = who?.name ?? id;
    return h(
      "a",
      { class: "duplicate-side", href: `/admin/students/${encodeURIComponent(id)}` },
      avatar(name, who?.photo, "md"),
      h("span", { class: "small" }, name),
    );
  };
  return h("div", { class: "duplicate-pair", "data-duplicate-of": otherId }, studentId ? side(studentId) : null, side(otherId));
}

export function renderReportTable(ps: PageState, u: Upload, host: HTMLElement) {
  const all = ps.reportRows ?? [];
  const problemCount = all.filter(isProblemRow).length;
  const checks = checkWarningsByRow(u);
  const hasWarnings = (r: ReportRow) => checks.has(Number(r.row));
  const warningCount = all.filter(hasWarnings).length;
  const rows = all.filter((r) => (!ps.onlyProblems || isProblemRow(r)) && (!ps.onlyWarnings || hasWarnings(r)));
  const pages = Math.max(1, Math.ceil(rows.length / REPORT_PAGE));
  ps.reportPage = Math.min(ps.reportPage, pages - 1);
  const slice = rows.slice(ps.reportPage * REPORT_PAGE, (ps.reportPage + 1) * REPORT_PAGE);
  const rerender = () => renderReportTable(ps, u, host);
  const others = slice.flatMap((r) => (checks.get(Number(r.row)) ?? []).map((w) => w.details.student_id).filter((id): id is string => typeof id === "string"));
  void resolvePeople(ps, [...slice.map((r) => r.student_id).filter(Boolean), ...others])
    .then((changed) => changed && host.isConnected && rerender())
    .catch(() => {});
  const filter = h(
    "label",
    { class: "check" },
    h("input", {
      type: "checkbox",
      checked: ps.onlyProblems,
      disabled: problemCount === 0,
      "data-focus": "only-problems",
      onchange: (e: Event) => {
        ps.onlyProblems = (e.currentTarget as HTMLInputElement).checked;
        ps.reportPage = 0;
        rerender();
      },
    }),
    h("span", null, `Only rows with problems (${fmtNumber(problemCount)})`),
  );
  const warningFilter = h(
    "label",
    { class: "check" },
    h("input", {
      type: "checkbox",
      checked: ps.onlyWarnings,
      disabled: warningCount === 0,
      "data-focus": "only-warnings",
      onchange: (e: Event) => {
        ps.onlyWarnings = (e.currentTarget as HTMLInputElement).checked;
        ps.reportPage = 0;
        rerender();
      },
    }),
    h("span", null, `Only rows with photo warnings (${fmtNumber(warningCount)})`),
  );
  replace(
    host,
    h(
      "div",
      { class: "report-toolbar" },
      h("h3", null, "Row by row"),
      filter,
      warningFilter,
      button("Download report (CSV)", {
        variant: "secondary",
        icon: "download",
        onClick: (e) => void downloadReport(ps, e.currentTarget as HTMLButtonElement, u),
      }),
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
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", { scope: "col", class: "num" }, "Row"),
                h("th", { scope: "col" }, "Student"),
                h("th", { scope: "col" }, "File"),
                h("th", { scope: "col" }, "Result"),
                h("th", { scope: "col" }, "Details"),
              ),
            ),
            h(
              "tbody",
              null,
              slice.map((r) => {
                const result =
                  r.status === "processed"
                    ? badge("Added", "success")
                    : r.status === "failed"
                      ? badge("Failed", "danger")
                      : r.status === "pending"
                        ? badge("Waiting", "info")
                        : badge(r.status === "ready" ? "Ready" : "Skipped", isWarning(r.code) || r.status === "ready" ? "neutral" : "warning");
                const duplicate = (checks.get(Number(r.row)) ?? []).find((w) => w.code === "possible_duplicate" && typeof w.details.student_id === "string");
                const details = [
                  r.message
                    ? [h("strong", null, problemInfo(r.code).title), h("span", { class: "muted" }, ` — ${r.message}`)]
                    : h("span", { class: "muted" }, r.status === "processed" ? "Photo added." : "—"),
                  duplicate ? duplicatePair(ps, r.student_id || null, duplicate.details.student_id as string) : null,
                ];
                return h(
                  "tr",
                  null,
                  h("td", { class: "num" }, r.row),
                  h("td", null, studentCell(ps, r)),
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
          h(
            "span",
            { class: "muted small" },
            `Rows ${fmtNumber(ps.reportPage * REPORT_PAGE + 1)}–${fmtNumber(Math.min(rows.length, (ps.reportPage + 1) * REPORT_PAGE))} of ${fmtNumber(rows.length)}`,
          ),
          h(
            "div",
            { class: "pager-buttons" },
            button("Previous", {
              size: "sm",
              icon: "chevronLeft",
              disabled: ps.reportPage === 0,
              focusKey: "prev",
              onClick: () => {
                ps.reportPage -= 1;
                rerender();
              },
            }),
            button("Next", {
              size: "sm",
              disabled: ps.reportPage >= pages - 1,
              focusKey: "next",
              onClick: () => {
                ps.reportPage += 1;
                rerender();
              },
            }),
          ),
        )
      : null,
  );
}

export function studentCell(ps: PageState, r: ReportRow) {
  const identifier = displayCell(r.identifier);
  if (!r.student_id) return h("span", { class: "report-student" }, h("span", { class: "report-id" }, identifier || "—"));
  const who = ps.people.get(r.student_id);
  const name = who?.name ?? r.student_id;
  return h(
    "a",
    { class: "report-student", href: `/admin/students/${encodeURIComponent(r.student_id)}` },
    avatar(name, r.status === "processed" ? who?.photo : null, "sm"),
    h("span", { class: "report-who" }, h("span", { class: "report-name" }, name), h("span", { class: "report-id" }, identifier)),
  );
}

export async function downloadReport(ps: PageState, btn: HTMLButtonElement, u: Upload) {
  try {
    const text =
      u.status !== "draft" && ps.reportFor === `${u.id}:${u.status}` ? ps.reportText : await busy(btn, () => getText(`/v1/uploads/${u.id}/report.csv`));
    saveBlob(new Blob([text], { type: "text/csv;charset=utf-8" }), `passpix-upload-${u.id}-${u.status === "draft" ? "preview" : "report"}.csv`);
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}

export async function undo(ps: PageState, btn: HTMLButtonElement) {
  if (!ps.current) return;
  const u = ps.current;
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
    ps.current = res.upload;
    toast(`Upload undone: ${plural(res.students_reverted, "student")} got their previous photo back.`, "info");
    await ps.views.refreshAll();
    ps.views.workspace();
    ps.workspace.querySelector<HTMLElement>("h2")?.focus();
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}
