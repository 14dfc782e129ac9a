// src/web/pages/profile-pictures/: the Profile Pictures page (Admin › Integrations): the
// integration's status, the bulk upload (folder or zip, mapping file, live preview, submit,
// processing, report), enable/disable, undo, and the history. One file per part of the page:
// index (the status card, the workspace and first render), state (the one state object the parts
// share), compose, sending, preview, progress, report, history. Browser code only: the rules
// shared with the server and the CLI come from src/shared, never copied here; no part imports
// index.ts or main.ts (parts call back through `ps.views`).
import { get, messageOf, post } from "../../lib/api";
import { h, replace, uid, type Child } from "../../lib/dom";
import { fmtNumber, plural } from "../../lib/format";
import type { PageContext } from "../../lib/page";
import type { IntegrationState, Upload } from "../../lib/types";
import { busy, button, card, confirmDialog, downloadFile, pageHead, spinner, toast } from "../../lib/ui";
import { compose } from "./compose";
import { renderHistory } from "./history";
import { processing } from "./progress";
import { report } from "./report";
import { loadHistory, loadIntegration, type PageState } from "./state";

export async function renderProfilePictures({ root }: PageContext) {
  const statusEl = card({ class: "status-card", label: "Status" });
  const workspace = h("div", { class: "workspace" });
  const historyEl = card({ class: "history-card", id: "history" });
  root.append(
    pageHead("Profile Pictures", "Students' photos on hall passes help staff see at a glance who is out of class.", null, [
      { label: "Admin" },
      { label: "Integrations" },
      { label: "Profile Pictures" },
    ]),
    statusEl,
    workspace,
    historyEl,
  );
  replace(statusEl, spinner("Loading the integration…"));

  const ps: PageState = {
    alive: () => root.isConnected,
    statusEl,
    workspace,
    historyEl,
    views: {
      status: () => renderStatus(ps),
      workspace: () => renderWorkspace(ps),
      refreshAll: () => refreshAll(ps),
    },
    // Loaded below, with the history, before anything renders it.
    integration: null as unknown as IntegrationState,
    history: [],
    historyCursor: null,
    current: null,
    mode: "none",
    resumed: false,
    pollTimer: 0,
    uploader: null,
    creating: null,
    transferHost: null,
    previewHost: null,
    mappingNote: null,
    transferBar: null,
    zipState: null,
    transferScheduled: false,
    previewTimer: 0,
    reportRows: null,
    reportText: "",
    reportFor: "",
    onlyProblems: false,
    onlyWarnings: false,
    reportPage: 0,
    people: new Map(),
  };
  await Promise.all([loadIntegration(ps), loadHistory(ps)]);

  // Pick up where the last visit left off: a draft to finish, an upload still processing, or the
  // latest result.
  const latest = ps.history.find((u) => u.status !== "cancelled");
  if (latest) {
    if (latest.status === "draft") {
      ps.current = await get<Upload>(`/v1/uploads/${latest.id}`);
      ps.resumed = true;
      ps.mode = "compose";
    } else if (latest.status === "processing") {
      ps.current = latest;
      ps.mode = "processing";
    } else if (latest.status !== "reverted") {
      ps.current = latest;
      ps.mode = "report";
    }
  }
  renderStatus(ps);
  renderWorkspace(ps);
  renderHistory(ps);

  // Leaving while files are still being sent loses them: say so.
  window.addEventListener("beforeunload", (e) => {
    if (ps.uploader?.busy || ps.zipState?.phase === "unpacking") e.preventDefault();
  });
}

// ───────────── status card ─────────────
function renderStatus(ps: PageState) {
  const s = ps.integration;
  const hasUploads = ps.history.length > 0 || s.last_upload !== null;
  const busyUpload = ps.mode === "compose" || ps.mode === "processing";
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
  if (s.can_enable)
    actions.push(button("Enable", { variant: "primary", icon: "power", onClick: (e) => void enable(ps, e.currentTarget as HTMLButtonElement) }));
  if (!busyUpload) {
    actions.push(
      button(hasUploads || s.photo_count ? "New upload" : "Set up", {
        variant: s.can_enable ? "secondary" : "primary",
        icon: hasUploads || s.photo_count ? "upload" : "plus",
        onClick: () => startCompose(ps),
      }),
    );
  }
  if (s.photo_count) {
    actions.push(
      button("Export photos", {
        variant: "ghost",
        icon: "download",
        onClick: (e) => void downloadFile(e.currentTarget as HTMLButtonElement, "/v1/photos/export.zip", "passpix-photos.zip"),
      }),
    );
  }
  if (s.enabled)
    actions.push(button("Disable photos", { variant: "danger-ghost", icon: "eyeOff", onClick: (e) => void disable(ps, e.currentTarget as HTMLButtonElement) }));

  const meterLabel = uid("cov");
  replace(
    ps.statusEl,
    h(
      "div",
      { class: "status-grid" },
      h(
        "div",
        { class: "status-main" },
        h(
          "div",
          { class: "status-kicker" },
          h("span", { class: `dot dot-${tone}`, "aria-hidden": "true" }),
          s.enabled ? "On" : s.photo_count ? "Off" : "Not set up",
        ),
        h("h2", { class: "status-title" }, headline),
        h("p", { class: "status-sub" }, sub),
        actions.length ? h("div", { class: "status-actions" }, actions) : null,
      ),
      h(
        "div",
        { class: "coverage" },
        h(
          "div",
          { class: "coverage-head" },
          h("span", { class: "coverage-pct" }, `${pct}%`),
          h("span", { class: "coverage-label", id: meterLabel }, "photo coverage"),
        ),
        h(
          "div",
          {
            class: "meter",
            role: "meter",
            "aria-labelledby": meterLabel,
            "aria-valuemin": 0,
            "aria-valuemax": 100,
            "aria-valuenow": pct,
            "aria-valuetext": `${pct}%`,
          },
          meterFill(pct),
        ),
        h(
          "p",
          { class: "coverage-text" },
          `${fmtNumber(s.eligible_photo_count)} of ${plural(s.eligible_count, "student")} have a photo` +
            (s.student_count > s.eligible_count ? ` · ${fmtNumber(s.student_count - s.eligible_count)} opted out` : ""),
        ),
        // The photo checks' count: photos stored but worth a look (possible duplicate, too dark…).
        s.warning_photo_count
          ? h(
              "p",
              { class: "coverage-text", "data-warning-count": String(s.warning_photo_count) },
              `${plural(s.warning_photo_count, "photo")} with warnings to check`,
            )
          : null,
        h(
          "p",
          { class: "coverage-links" },
          h("a", { href: "/admin/students?has_photo=false" }, "Students without a photo"),
          h("span", { "aria-hidden": "true" }, " · "),
          h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: (e: MouseEvent) => void downloadFile(e.currentTarget as HTMLButtonElement, "/v1/integration/missing.csv", "students-missing-photos.csv"),
            },
            "Download the list (CSV)",
          ),
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

async function enable(ps: PageState, btn: HTMLButtonElement) {
  try {
    ps.integration = await busy(btn, () => post<IntegrationState>("/v1/integration/enable"));
    toast("Photos are on. Teachers now see them on hall passes.");
    renderStatus(ps);
    if (ps.mode === "report") renderWorkspace(ps);
    (ps.statusEl.querySelector(".status-title") as HTMLElement | null)?.focus();
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}

async function disable(ps: PageState, btn: HTMLButtonElement) {
  const ok = await confirmDialog({
    title: "Disable photos for teachers?",
    body: h("p", null, "Teachers stop seeing students' photos on hall passes right away. The photos are kept, and you can enable them again at any time."),
    confirm: "Disable",
    danger: true,
  });
  if (!ok) return;
  try {
    ps.integration = await busy(btn, () => post<IntegrationState>("/v1/integration/disable"));
    toast("Photos are off. Teachers no longer see them.", "info");
    renderStatus(ps);
  } catch (err) {
    toast(messageOf(err), "danger");
  }
}

async function refreshAll(ps: PageState) {
  await Promise.all([loadIntegration(ps), loadHistory(ps)]);
  renderStatus(ps);
  renderHistory(ps);
}

// ───────────── workspace ─────────────
function startCompose(ps: PageState) {
  if (ps.current?.status !== "draft") ps.current = null;
  ps.uploader = null;
  ps.resumed = false;
  ps.mode = "compose";
  renderStatus(ps);
  renderWorkspace(ps);
  ps.workspace.querySelector<HTMLElement>("h2")?.focus();
}

function renderWorkspace(ps: PageState) {
  window.clearTimeout(ps.pollTimer);
  if (ps.mode === "none") {
    replace(ps.workspace, ps.history.length || ps.integration.photo_count ? null : onboarding());
  } else if (ps.mode === "compose") {
    replace(ps.workspace, compose(ps));
  } else if (ps.mode === "processing") {
    replace(ps.workspace, processing(ps));
  } else {
    replace(ps.workspace, report(ps));
  }
}

function onboarding() {
  const steps: Array<[string, string]> = [
    [
      "Get the pictures",
      "Download your students' pictures from your photography vendor (for example Lifetouch) and unzip them into one folder, or keep the zip file.",
    ],
    [
      "Add a mapping file",
      "A spreadsheet (CSV) with each student's email or school ID in the first column and the picture's file name in the second. Vendor index files (INDEX.TXT) work as they are.",
    ],
    [
      "Review, submit, turn on",
      "Check the matches before anything changes, submit, and press Enable when you are happy. Teachers can hide photos for themselves.",
    ],
  ];
  return card(
    { class: "onboarding", label: "How it works" },
    h("h2", { class: "card-title" }, "How it works"),
    h(
      "ol",
      { class: "howto" },
      steps.map(([t, d], i) =>
        h("li", null, h("span", { class: "howto-num", "aria-hidden": "true" }, String(i + 1)), h("div", null, h("h3", null, t), h("p", null, d))),
      ),
    ),
    h("p", { class: "muted small" }, "Supported pictures: JPEG, PNG and WebP. Large pictures are made smaller in your browser before they are sent."),
  );
}
