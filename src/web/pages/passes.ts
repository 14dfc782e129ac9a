// The teacher's pass view: who is out of class right now. Names and photos for every pass come
// from ONE POST /v1/photos/lookup call; the "Hide profile pictures" switch is the teacher's own
// preference (PUT /v1/me/preferences), saved on the server so it follows them everywhere.
import type { PageContext } from "../lib/page";
import { get, messageOf, post, put } from "../lib/api";
import { h, icon, replace } from "../lib/dom";
import { fmtElapsed, fmtTime, plural } from "../lib/format";
import type { LookupResponse, Preferences } from "../lib/types";
import { avatar, notice, pageHead, spinner, toast } from "../lib/ui";
import { DEMO_PASSES, type SamplePass } from "./demo-passes";

type Pass = Omit<SamplePass, "elapsed"> & { startedAt: number | null };

const MAX_IDS = 500;

function passesFromUrl(): { passes: Pass[]; demo: boolean } {
  const raw = new URLSearchParams(location.search).get("students");
  if (raw !== null) {
    const ids = [
      ...new Set(
        raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ].slice(0, MAX_IDS);
    return { passes: ids.map((id) => ({ student_id: id, from: "", to: "", teacher: "", type: "Student request", limit: 0, startedAt: null })), demo: false };
  }
  const now = Date.now();
  return { passes: DEMO_PASSES.map(({ elapsed, ...p }) => ({ ...p, startedAt: now - elapsed * 1000 })), demo: true };
}

export async function renderPasses({ claims, root }: PageContext) {
  const { passes, demo } = passesFromUrl();
  let lookup: LookupResponse = { visible: false, reason: null, photos: {}, names: {} };
  let prefs: Preferences = { hide_profile_pictures: false };
  let loadedAt = new Date();

  const toggle = h("input", {
    type: "checkbox",
    role: "switch",
    id: "hide-pictures",
    class: "switch-input",
    "aria-describedby": "hide-hint",
  });
  const switchEl = h(
    "div",
    { class: "switch-field" },
    toggle,
    h("label", { for: "hide-pictures", class: "switch-label" }, "Hide profile pictures"),
    h("span", { id: "hide-hint", class: "visually-hidden" }, "Only for you. Other teachers are not affected."),
  );
  const reasonHost = h("div", { class: "reason-host", "aria-live": "polite" });
  const listHost = h("div", { class: "passes-host" }, spinner("Loading passes…"));
  const subtitle = h("span");

  root.append(pageHead("Active passes", subtitle, switchEl), reasonHost, listHost);

  toggle.addEventListener("change", async () => {
    const hide = toggle.checked;
    toggle.disabled = true;
    try {
      prefs = await put<Preferences>("/v1/me/preferences", { hide_profile_pictures: hide });
      await refresh();
      toast(hide ? "Profile pictures hidden. Only you are affected." : "Profile pictures shown again.", "info");
    } catch (err) {
      toggle.checked = !hide;
      toast(messageOf(err), "danger");
    } finally {
      toggle.disabled = false;
      toggle.focus();
    }
  });

  /** One call for every pass on screen: names (shown whether or not photos are visible) and signed URLs. */
  async function fetchLookup(): Promise<LookupResponse> {
    if (!passes.length) return { visible: false, reason: null, photos: {}, names: {} };
    return post<LookupResponse>("/v1/photos/lookup", { student_ids: passes.map((p) => p.student_id), size: "thumb", with_names: true });
  }

  async function refresh() {
    lookup = await fetchLookup();
    loadedAt = new Date();
    render();
  }

  function nameOf(id: string) {
    return lookup.names?.[id] ?? null;
  }

  function renderReason() {
    const isTeacher = claims.role === "teacher";
    if (!isTeacher) {
      replace(
        reasonHost,
        notice(
          "info",
          "You are viewing as an admin: you always see photos, so you can review them.",
          "Teachers see them only when photos are enabled for the school and they have not hidden them.",
        ),
      );
      return;
    }
    if (lookup.reason === "disabled") {
      replace(
        reasonHost,
        notice(
          "neutral",
          "Your school has turned profile pictures off.",
          prefs.hide_profile_pictures
            ? "You have also hidden them for yourself."
            : "Names are shown instead. Your school's passpix administrator can turn them on.",
        ),
      );
    } else if (lookup.reason === "hidden_by_user") {
      replace(reasonHost, notice("neutral", "You have hidden profile pictures.", "Only you are affected. Turn off “Hide profile pictures” to see them again."));
    } else {
      replace(reasonHost);
    }
  }

  function render() {
    toggle.checked = prefs.hide_profile_pictures;
    subtitle.textContent = passes.length
      ? `${plural(passes.length, "student is", "students are")} out of class${demo ? " (sample passes of the demo school)" : ""} · updated ${fmtTime(loadedAt)}`
      : "No one is out of class right now.";
    renderReason();
    if (!passes.length) {
      replace(
        listHost,
        h(
          "div",
          { class: "card empty" },
          icon("checkCircle", "icon empty-icon"),
          h("p", { class: "empty-title" }, "No active passes"),
          h("p", { class: "muted" }, "Students on a pass appear here."),
        ),
      );
      return;
    }
    replace(
      listHost,
      h(
        "ul",
        { class: "pass-grid", "aria-label": "Active passes" },
        passes.map((p) => {
          const name = nameOf(p.student_id);
          const display = name ?? "Unknown student";
          const url = lookup.photos[p.student_id] ?? null;
          const timer = h(
            "span",
            { class: "pass-timer-value", "data-started": p.startedAt ?? "" },
            p.startedAt ? fmtElapsed((Date.now() - p.startedAt) / 1000) : "Active",
          );
          return h(
            "li",
            { class: "pass-card", "data-limit": p.limit || null },
            avatar(display, url, "lg"),
            h(
              "div",
              { class: "pass-main" },
              h("p", { class: "pass-name" }, display, name === null ? h("span", { class: "muted small" }, ` (${p.student_id})`) : null),
              p.to
                ? h("p", { class: "pass-route" }, h("span", null, p.from), icon("arrowRight", "icon route-arrow"), h("span", { class: "pass-to" }, p.to))
                : h("p", { class: "pass-route muted" }, "On a hall pass"),
              p.teacher ? h("p", { class: "pass-meta" }, h("span", { class: "chip" }, p.type), h("span", null, p.teacher)) : null,
            ),
            h("div", { class: "pass-timer" }, icon("clock", "icon"), timer, p.limit ? h("span", { class: "pass-limit" }, `of ${p.limit} min`) : null),
          );
        }),
      ),
    );
    tick();
  }

  // Elapsed timers: one interval for all, stopped when the page is gone.
  function tick() {
    const now = Date.now();
    for (const el of listHost.querySelectorAll<HTMLElement>(".pass-timer-value[data-started]")) {
      const started = Number(el.dataset.started);
      if (!started) continue;
      const seconds = (now - started) / 1000;
      el.textContent = fmtElapsed(seconds);
      const card = el.closest<HTMLElement>(".pass-card");
      const limit = Number(card?.dataset.limit ?? 0) * 60;
      card?.classList.toggle("is-over", limit > 0 && seconds > limit);
      card?.classList.toggle("is-near", limit > 0 && seconds > limit * 0.8 && seconds <= limit);
    }
  }
  const interval = window.setInterval(() => {
    if (!root.isConnected) return window.clearInterval(interval);
    tick();
  }, 1000);

  [prefs, lookup] = await Promise.all([get<Preferences>("/v1/me/preferences"), fetchLookup()]);
  loadedAt = new Date();
  render();
}
