// Admin › Students › Import roster: a OneRoster zip or users.csv (or our own roster CSV). The file
// is first sent with ?dry_run=true, so the admin sees what would be created, updated and skipped
// (and picks the school of a district file) before anything is written.
import { ApiFailure, api, messageOf } from "../lib/api";
import { h, replace } from "../lib/dom";
import { fmtNumber, plural } from "../lib/format";
import { isZip } from "../lib/files";
import type { ImportResult } from "../lib/types";
import { busy, button, card, notice } from "../lib/ui";

type School = { sourcedId: string; name: string | null };

/** The import card; `onImported` reloads the list once students were written. */
export function rosterImportCard(onImported: () => void): HTMLElement {
  let file: File | null = null;
  let school = "";
  const out = h("div", { class: "import-result", "aria-live": "polite" });

  const send = (dryRun: boolean) => {
    const p = new URLSearchParams();
    if (dryRun) p.set("dry_run", "true");
    if (school) p.set("school", school);
    const qs = p.toString();
    return api<ImportResult>("POST", `/v1/students/import${qs ? `?${qs}` : ""}`, {
      body: file!,
      contentType: isZip(file!) ? "application/zip" : "text/csv",
    });
  };

  const counts = (r: ImportResult, dryRun: boolean) =>
    h(
      "ul",
      { class: "import-counts" },
      h("li", null, `${dryRun ? "Will create" : "Created"}: ${fmtNumber(r.created)}`),
      h("li", null, `${dryRun ? "Will update" : "Updated"}: ${fmtNumber(r.updated)}`),
      h("li", null, `Unchanged: ${fmtNumber(r.unchanged)}`),
      h("li", null, `Skipped: ${fmtNumber(r.skipped ?? 0)}`),
    );
  const problems = (r: ImportResult) =>
    r.problems.length
      ? h(
          "ul",
          { class: "import-problems small" },
          r.problems.map((p) => h("li", null, `Row ${p.row}: ${p.message}`)),
        )
      : null;

  async function preview() {
    if (!file) return;
    replace(out, h("p", { class: "muted" }, `Checking ${file.name}…`));
    try {
      const r = await send(true);
      const importBtn = button("Import students", {
        variant: "primary",
        disabled: r.created + r.updated === 0,
        onClick: (e) => void commit(e.currentTarget as HTMLButtonElement),
      });
      replace(
        out,
        notice(
          "info",
          r.created + r.updated ? `Ready to import ${file.name}` : `${file.name} changes nothing`,
          h("div", null, counts(r, true), problems(r)),
          importBtn,
        ),
      );
    } catch (err) {
      const schools = err instanceof ApiFailure ? (err.details as { schools?: School[] } | undefined)?.schools : undefined;
      if (schools?.length) {
        // A district file: choose the school, then check again.
        const select = h(
          "select",
          {
            id: "roster-school",
            onchange: (e: Event) => {
              school = (e.currentTarget as HTMLSelectElement).value;
              void preview();
            },
          },
          h("option", { value: "" }, "Choose…"),
          schools.map((s) => h("option", { value: s.sourcedId, selected: s.sourcedId === school }, s.name ? `${s.name} (${s.sourcedId})` : s.sourcedId)),
        );
        replace(
          out,
          notice(
            "warning",
            "Choose the school to import",
            h("div", null, h("p", null, messageOf(err)), h("label", { for: "roster-school" }, "School "), select),
          ),
        );
      } else {
        replace(out, notice("danger", "This file cannot be imported.", messageOf(err)));
      }
    }
  }

  async function commit(btn: HTMLButtonElement) {
    try {
      const r = await busy(btn, () => send(false));
      replace(out, notice("success", `Imported ${plural(r.created + r.updated, "student")}`, h("div", null, counts(r, false), problems(r))));
      onImported();
    } catch (err) {
      replace(out, notice("danger", "The import failed.", messageOf(err)));
    }
  }

  const input = h("input", {
    type: "file",
    id: "roster-file",
    class: "file-input",
    accept: ".csv,.zip,text/csv,application/zip",
    onchange: (e: Event) => {
      const el = e.currentTarget as HTMLInputElement;
      file = el.files?.[0] ?? null;
      school = "";
      el.value = "";
      void preview();
    },
  });

  return card(
    { class: "import-card", label: "Import roster" },
    h("h2", { class: "card-title" }, "Import roster"),
    h(
      "p",
      { class: "muted small" },
      "A OneRoster export from your student information system (the zip, or its users.csv), or a CSV with id, email, sis_id, first_name, last_name, grade, homeroom. You see what will change before anything is imported.",
    ),
    h("label", { for: "roster-file" }, "Roster file"),
    input,
    out,
  );
}
