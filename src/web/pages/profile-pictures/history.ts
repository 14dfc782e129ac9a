// The history card: past uploads, each opened (continued, followed or its report shown) in the workspace.
import { get, messageOf } from "../../lib/api";
import { h, icon, replace } from "../../lib/dom";
import { fmtDateTime, fmtNumber } from "../../lib/format";
import { statusLabel } from "../../lib/problems";
import type { Upload } from "../../lib/types";
import { badge, busy, button, toast } from "../../lib/ui";
import { loadHistory, type PageState } from "./state";

export function renderHistory(ps: PageState) {
  const rows = ps.history.filter((u) => u.status !== "cancelled" || ps.history.length < 20);
  replace(
    ps.historyEl,
    h("div", { class: "card-head" }, h("h2", { class: "card-title" }, icon("history", "icon icon-title"), "Upload history")),
    rows.length === 0
      ? h("p", { class: "muted" }, "No uploads yet.")
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "table history-table" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", { scope: "col" }, "Started"),
                h("th", { scope: "col" }, "Status"),
                h("th", { scope: "col", class: "num" }, "Photos added"),
                h("th", { scope: "col", class: "num" }, "Problems"),
                h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
              ),
            ),
            h(
              "tbody",
              null,
              rows.map((u) => {
                const label = statusLabel(u.status);
                const isDraft = u.status === "draft";
                const problems = u.counts.failed + u.counts.unmatched;
                const isCurrent = ps.current?.id === u.id && ps.mode !== "none";
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
                      : button(isDraft ? "Continue" : "View", {
                          size: "sm",
                          variant: "ghost",
                          ariaLabel: `${isDraft ? "Continue" : "View"} the upload of ${fmtDateTime(u.created_at)}`,
                          onClick: () => void openUpload(ps, u),
                        }),
                  ),
                );
              }),
            ),
          ),
        ),
    ps.historyCursor
      ? button("Show older uploads", {
          variant: "ghost",
          onClick: async (e) => {
            await busy(e.currentTarget as HTMLButtonElement, () => loadHistory(ps, true));
            renderHistory(ps);
          },
        })
      : null,
  );
}

export async function openUpload(ps: PageState, u: Upload) {
  try {
    ps.current = await get<Upload>(`/v1/uploads/${u.id}`);
    ps.mode = ps.current.status === "draft" ? "compose" : ps.current.status === "processing" ? "processing" : "report";
    ps.resumed = ps.current.status === "draft";
    ps.uploader = null;
    ps.transferBar = null;
    ps.zipState = null;
    ps.views.status();
    ps.views.workspace();
    renderHistory(ps);
    ps.workspace.scrollIntoView({ behavior: "smooth", block: "start" });
    ps.workspace.querySelector<HTMLElement>("h2")?.focus({ preventScroll: true });
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}
