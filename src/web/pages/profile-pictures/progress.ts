// A submitted upload while it processes: the progress bar, polled until the upload ends.
import { get } from "../../lib/api";
import { h } from "../../lib/dom";
import { fmtNumber, fmtRelative, plural } from "../../lib/format";
import { statusLabel } from "../../lib/problems";
import { FINAL_STATUSES, type Upload } from "../../lib/types";
import { card, notice, progressBar, toast } from "../../lib/ui";
import { stepper, type PageState } from "./state";

export function processing(ps: PageState) {
  const u = ps.current!;
  const bar = progressBar("Processing photos");
  const c = u.counts;
  const total = c.processed + c.failed + c.pending;
  const done = c.processed + c.failed;
  bar.update(total ? (done / total) * 100 : 0, `${fmtNumber(done)} of ${plural(total, "photo")}`);
  schedulePoll(ps);
  return card(
    { class: "processing", label: "Processing" },
    h(
      "div",
      { class: "card-head" },
      h(
        "div",
        null,
        h("h2", { class: "card-title", tabindex: "-1" }, "Processing your upload"),
        h("p", { class: "muted" }, `Submitted ${fmtRelative(u.submitted_at)}.`),
      ),
    ),
    stepper(2),
    bar.el,
    notice(
      "info",
      "You can close this page.",
      "Processing continues on our side and usually takes a few minutes. When you come back, this page shows where it got to.",
    ),
  );
}

export function schedulePoll(ps: PageState, delay = 1500) {
  window.clearTimeout(ps.pollTimer);
  ps.pollTimer = window.setTimeout(async () => {
    if (!ps.alive() || ps.mode !== "processing" || !ps.current) return;
    try {
      ps.current = await get<Upload>(`/v1/uploads/${ps.current.id}`);
    } catch {
      schedulePoll(ps, 5000);
      return;
    }
    if (FINAL_STATUSES.has(ps.current.status)) {
      ps.mode = ps.current.status === "cancelled" ? "none" : "report";
      await ps.views.refreshAll().catch(() => {});
      ps.views.workspace();
      ps.workspace.querySelector<HTMLElement>("h2")?.focus();
      const label = statusLabel(ps.current.status);
      toast(
        `Upload ${label.text.toLowerCase()}: ${plural(ps.current.counts.processed, "photo")} added.`,
        label.tone === "danger" ? "danger" : label.tone === "warning" ? "warning" : "success",
      );
    } else {
      const c = ps.current.counts;
      const total = c.processed + c.failed + c.pending;
      const done = c.processed + c.failed;
      const bar = ps.workspace.querySelector<HTMLElement>(".processing [role=progressbar]");
      if (bar) {
        const pct = total ? Math.round((done / total) * 100) : 0;
        bar.setAttribute("aria-valuenow", String(pct));
        bar.setAttribute("aria-valuetext", `${fmtNumber(done)} of ${plural(total, "photo")}`);
        (bar.firstElementChild as HTMLElement | null)?.style.setProperty("width", `${pct}%`);
        const text = ps.workspace.querySelector(".processing .progress-text");
        if (text) text.textContent = `${fmtNumber(done)} of ${plural(total, "photo")}`;
      }
      schedulePoll(ps, 1500);
    }
  }, delay);
}
