// Admin › Students: search the roster, filter to students without a photo (retake day), export that list.
import type { PageContext } from "../lib/page";
import { api, messageOf, post } from "../lib/api";
import { h, icon, replace } from "../lib/dom";
import { fmtNumber, fullName, plural } from "../lib/format";
import type { LookupResponse, Page, Student } from "../lib/types";
import { avatar, badge, busy, button, card, notice, pageHead, downloadFile, spinner } from "../lib/ui";

type Filter = "all" | "true" | "false";
const PAGE_SIZE = 50;

export async function renderStudents({ root }: PageContext) {
  const params = new URLSearchParams(location.search);
  let q = params.get("q") ?? "";
  let filter: Filter = params.get("has_photo") === "true" ? "true" : params.get("has_photo") === "false" ? "false" : "all";
  let students: Student[] = [];
  let cursor: string | null = null;
  let photos: Record<string, string | null> = {};
  let seq = 0;
  let controller: AbortController | null = null;

  const exportBtn = button("Missing photos (CSV)", {
    variant: "secondary",
    icon: "download",
    onClick: () => void downloadFile(exportBtn, "/v1/integration/missing.csv", "students-missing-photos.csv"),
  });

  const search = h("input", {
    type: "search",
    id: "student-search",
    name: "q",
    value: q,
    placeholder: "Name, email or school ID",
    autocomplete: "off",
    spellcheck: "false",
  });
  let debounce = 0;
  search.addEventListener("input", () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => {
      q = search.value.trim();
      void load();
    }, 250);
  });

  const filterGroup = h(
    "fieldset",
    { class: "segmented" },
    h("legend", { class: "visually-hidden" }, "Photo"),
    (
      [
        ["all", "All students"],
        ["true", "With photo"],
        ["false", "Missing photo"],
      ] as Array<[Filter, string]>
    ).map(([value, label]) =>
      h(
        "label",
        null,
        h("input", {
          type: "radio",
          name: "has_photo",
          value,
          checked: filter === value,
          onchange: () => {
            filter = value;
            void load();
          },
        }),
        h("span", null, label),
      ),
    ),
  );

  const summary = h("p", { class: "muted small results-summary", role: "status" });
  const results = h("div", { class: "results" }, spinner("Loading students…"));
  const more = h("div", { class: "load-more" });

  root.append(
    pageHead("Students", "Find a student to add, replace or remove their photo. Use “Missing photo” to plan a retake day.", exportBtn, [
      { label: "Admin" },
      { label: "Students" },
    ]),
    card(
      { class: "students-card", label: "Students" },
      h(
        "form",
        { class: "toolbar", role: "search", onsubmit: (e: SubmitEvent) => (e.preventDefault(), (q = search.value.trim()), void load()) },
        h(
          "div",
          { class: "search-field" },
          h("label", { for: "student-search", class: "visually-hidden" }, "Search students"),
          icon("search", "icon search-icon"),
          search,
        ),
        filterGroup,
      ),
      summary,
      results,
      more,
    ),
  );

  function syncUrl() {
    const p = new URLSearchParams();
    if (q) p.set("q", q);
    if (filter !== "all") p.set("has_photo", filter);
    const qs = p.toString();
    history.replaceState(history.state, "", `${location.pathname}${qs ? `?${qs}` : ""}`);
  }

  async function fetchPage(after: string | null, signal: AbortSignal) {
    const p = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (q) p.set("q", q);
    if (filter !== "all") p.set("has_photo", filter);
    if (after) p.set("cursor", after);
    const page = await api<Page<"students", Student>>("GET", `/v1/students?${p}`, { signal });
    // One lookup call for the page's thumbnails (an admin always sees photos).
    const withPhoto = page.students.filter((s) => s.has_photo).map((s) => s.id);
    const looked = withPhoto.length ? await post<LookupResponse>("/v1/photos/lookup", { student_ids: withPhoto, size: "thumb" }) : { photos: {} };
    return { page, photos: looked.photos };
  }

  async function load(append = false) {
    const mine = ++seq;
    controller?.abort();
    controller = new AbortController();
    if (!append) {
      syncUrl();
      results.setAttribute("aria-busy", "true");
    }
    try {
      const { page, photos: found } = await fetchPage(append ? cursor : null, controller.signal);
      if (mine !== seq) return;
      students = append ? [...students, ...page.students] : page.students;
      photos = append ? { ...photos, ...found } : found;
      cursor = page.next_cursor;
      render();
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") return;
      if (mine !== seq) return;
      replace(results, notice("danger", "Students could not be loaded.", messageOf(err)));
    } finally {
      if (mine === seq) results.removeAttribute("aria-busy");
    }
  }

  function render() {
    const what = filter === "false" ? "without a photo" : filter === "true" ? "with a photo" : "";
    summary.textContent = students.length
      ? `Showing ${plural(students.length, "student")}${what ? ` ${what}` : ""}${q ? ` matching “${q}”` : ""}${cursor ? " (more below)" : ""}`
      : "";
    if (!students.length) {
      replace(
        results,
        h(
          "div",
          { class: "empty" },
          icon(filter === "false" && !q ? "checkCircle" : "search", "icon empty-icon"),
          h("p", { class: "empty-title" }, filter === "false" && !q ? "Every student has a photo" : "No students found"),
          h(
            "p",
            { class: "muted" },
            q
              ? "Try part of the name, the email or the school ID."
              : filter === "false"
                ? "Students whose families opted out are not listed."
                : "Import the roster first (POST /v1/students/import).",
          ),
        ),
      );
    } else {
      replace(
        results,
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "table students-table" },
            h("caption", { class: "visually-hidden" }, "Students"),
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", { scope: "col" }, "Student"),
                h("th", { scope: "col", class: "col-optional" }, "Email"),
                h("th", { scope: "col", class: "col-wide" }, "School ID"),
                h("th", { scope: "col", class: "num col-wide" }, "Grade"),
                h("th", { scope: "col", class: "col-optional" }, "Homeroom"),
                h("th", { scope: "col" }, "Photo"),
              ),
            ),
            h(
              "tbody",
              null,
              students.map((s) => {
                const name = fullName(s);
                return h(
                  "tr",
                  null,
                  h(
                    "td",
                    null,
                    h(
                      "a",
                      { class: "student-link", href: `/admin/students/${encodeURIComponent(s.id)}` },
                      avatar(name, photos[s.id], "sm"),
                      h(
                        "span",
                        { class: "student-who" },
                        h("span", { class: "student-name" }, name),
                        h("span", { class: "student-sub" }, [s.grade ? `Grade ${s.grade}` : null, s.sis_id].filter(Boolean).join(" · ")),
                      ),
                    ),
                  ),
                  h("td", { class: "col-optional muted" }, s.email ?? "—"),
                  h("td", { class: "mono col-wide" }, s.sis_id ?? "—"),
                  h("td", { class: "num col-wide" }, s.grade ?? "—"),
                  h("td", { class: "col-optional" }, s.homeroom ?? "—"),
                  h("td", null, s.photo_opt_out ? badge("Opted out", "neutral") : s.has_photo ? badge("Photo", "success") : badge("Missing", "warning")),
                );
              }),
            ),
          ),
        ),
      );
    }
    replace(
      more,
      cursor
        ? button(`Show more students`, {
            variant: "secondary",
            onClick: async (e) => {
              await busy(e.currentTarget as HTMLButtonElement, () => load(true));
            },
          })
        : students.length > PAGE_SIZE
          ? h("p", { class: "muted small" }, `That is all ${fmtNumber(students.length)}.`)
          : null,
    );
  }

  await load();
}
