// Admin › Students › one student: the photo at card size with Replace / Delete / Restore on hover
// or focus (and a picture dropped onto it), or Add photo when there is none.
import type { PageContext } from "../lib/page";
import { ApiFailure, del, get, messageOf, post, request } from "../lib/api";
import { h, icon, replace } from "../lib/dom";
import { fmtDateTime, fmtRelative, fullName, initials } from "../lib/format";
import { prepareImage } from "../lib/images";
import type { Photo, StudentWithPhoto } from "../lib/types";
import { problemInfo } from "../lib/problems";
import { badge, busy, button, card, notice, pageHead } from "../lib/ui";

const ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp";

export async function renderStudent({ root }: PageContext) {
  const id = decodeURIComponent(location.pathname.split("/").filter(Boolean).at(-1) ?? "");
  let student: StudentWithPhoto;
  try {
    student = await get<StudentWithPhoto>(`/v1/students/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) {
      root.append(
        pageHead("Student not found", null, null, [{ label: "Admin" }, { label: "Students", href: "/admin/students" }, { label: "Not found" }]),
        notice("warning", "There is no student with this id at your school.", h("a", { href: "/admin/students" }, "Back to the student list")),
      );
      return;
    }
    throw err;
  }

  const name = fullName(student);
  document.title = `${name} · passpix`;
  const photoHost = h("div", { class: "photo-panel" });
  const message = h("div", { class: "photo-message", "aria-live": "polite" });
  const detailsHost = h("div");
  const fileInput = h("input", {
    type: "file",
    accept: ACCEPT,
    class: "visually-hidden",
    tabindex: "-1",
    "aria-hidden": "true",
    // Operated through Replace / Add photo, but every input needs a name of its own (WCAG 4.1.2).
    "aria-label": `Photo of ${name}`,
    onchange: (e: Event) => {
      const input = e.currentTarget as HTMLInputElement;
      const f = input.files?.[0];
      input.value = "";
      if (f) void setPhoto(f);
    },
  });

  root.append(
    pageHead(name, studentLine(), null, [{ label: "Admin" }, { label: "Students", href: "/admin/students" }, { label: name }]),
    h("div", { class: "student-layout" }, card({ class: "photo-card", label: "Photo" }, photoHost, message, fileInput), detailsHost),
  );
  render();

  function studentLine() {
    return [student.grade ? `Grade ${student.grade}` : null, student.homeroom ? `Homeroom ${student.homeroom}` : null, student.email]
      .filter(Boolean)
      .join(" · ");
  }

  function say(kind: "ok" | "error", text: string, title?: string) {
    replace(message, kind === "error" ? notice("danger", title ?? text, title ? text : undefined) : h("p", { class: "photo-ok" }, icon("checkCircle"), text));
  }

  function render() {
    renderPhoto();
    renderDetails();
  }

  function pick() {
    fileInput.click();
  }

  function renderPhoto() {
    const photo = student.photo;
    const optedOut = student.photo_opt_out;
    let frame: HTMLElement;
    if (photo) {
      frame = h(
        "figure",
        { class: "photo-frame has-photo" },
        h("img", { class: "photo-img", src: photo.urls.card, alt: name, width: 320, height: 400, draggable: "false" }),
        h(
          "div",
          { class: "photo-actions" },
          button("Replace photo", { size: "sm", icon: "camera", onClick: pick }),
          button("Delete photo", { size: "sm", icon: "trash", onClick: (e) => void deletePhoto(e.currentTarget as HTMLButtonElement) }),
          restoreButton(),
        ),
        h("div", { class: "drop-hint", "aria-hidden": "true" }, icon("upload"), "Drop to replace"),
      );
    } else {
      frame = h(
        "figure",
        { class: "photo-frame no-photo" },
        h("div", { class: "photo-empty", "aria-hidden": "true" }, h("span", { class: "photo-initials" }, initials(name))),
        h(
          "div",
          { class: "photo-actions is-static" },
          optedOut ? null : button("Add photo", { size: "sm", variant: "primary", icon: "plus", onClick: pick }),
          restoreButton(),
        ),
        h("div", { class: "drop-hint", "aria-hidden": "true" }, icon("upload"), "Drop to add"),
      );
    }
    if (!optedOut) enableDrop(frame);
    replace(
      photoHost,
      frame,
      h(
        "p",
        { class: "photo-meta" },
        optedOut
          ? "This student's family opted out of photos. Change photo_opt_out in the roster to add one."
          : photo
            ? photoMeta(photo)
            : "No photo yet. Add one, or drop a picture (JPEG, PNG or WebP) onto the frame.",
      ),
    );
  }

  /** Offered only when the API says there is a photo to bring back (can_restore). */
  function restoreButton() {
    return student.can_restore
      ? button("Restore photo", { size: "sm", icon: "undo", onClick: (e) => void restore(e.currentTarget as HTMLButtonElement) })
      : null;
  }

  /**
   * After a change, the student as the API now has it: whether Restore has anything to bring back
   * is the API's rule. Should that read fail, the change still shows (`changed`) and a stale
   * Restore gets the API's own 409 message.
   */
  async function reload(changed: StudentWithPhoto) {
    try {
      student = await get<StudentWithPhoto>(`/v1/students/${encodeURIComponent(student.id)}`);
    } catch {
      student = changed;
    }
  }

  function photoMeta(photo: Photo) {
    return `Updated ${fmtRelative(photo.updated_at)} ${photo.source === "upload" ? "by a bulk upload" : "on this page"} · original ${photo.width} × ${photo.height} pixels`;
  }

  function enableDrop(frame: HTMLElement) {
    frame.addEventListener("dragover", (e) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      frame.classList.add("is-over");
    });
    frame.addEventListener("dragleave", (e) => {
      if (!frame.contains(e.relatedTarget as Node | null)) frame.classList.remove("is-over");
    });
    frame.addEventListener("drop", (e) => {
      e.preventDefault();
      frame.classList.remove("is-over");
      const f = e.dataTransfer?.files[0];
      if (f) void setPhoto(f);
    });
  }

  function setWorking(text: string | null) {
    const frame = photoHost.querySelector(".photo-frame");
    frame?.classList.toggle("is-working", text !== null);
    frame?.setAttribute("aria-busy", text ? "true" : "false");
    if (text) replace(message, h("p", { class: "photo-working" }, h("span", { class: "spinner", "aria-hidden": "true" }), text));
  }

  async function setPhoto(file: File) {
    setWorking(student.photo ? "Replacing the photo…" : "Adding the photo…");
    try {
      const { blob } = await prepareImage(file);
      const type = ["image/jpeg", "image/png", "image/webp"].includes(blob.type) ? blob.type : "application/octet-stream";
      const res = await request("PUT", `/v1/students/${encodeURIComponent(student.id)}/photo`, { body: blob, contentType: type });
      const had = student.photo !== null;
      await reload({ ...student, has_photo: true, photo: ((await res.json()) as { photo: Photo }).photo });
      render();
      say("ok", had ? "Photo replaced. Restore photo brings back the previous one." : "Photo added.");
    } catch (err) {
      setWorking(null);
      say("error", messageOf(err), student.photo ? "The photo was not replaced" : "The photo was not added");
    }
  }

  async function deletePhoto(btn: HTMLButtonElement) {
    try {
      await busy(btn, () => del(`/v1/students/${encodeURIComponent(student.id)}/photo`));
      await reload({ ...student, has_photo: false, photo: null });
      render();
      say("ok", "Photo deleted. Teachers no longer see it. Restore photo brings it back.");
      photoHost.querySelector<HTMLElement>(".photo-actions button")?.focus();
    } catch (err) {
      say("error", messageOf(err), "The photo was not deleted");
    }
  }

  async function restore(btn: HTMLButtonElement) {
    try {
      const res = await busy(btn, () => post<{ photo: Photo }>(`/v1/students/${encodeURIComponent(student.id)}/photo/restore`));
      await reload({ ...student, has_photo: true, photo: res.photo });
      render();
      say("ok", "The previous photo is back.");
    } catch (err) {
      say("error", messageOf(err), err instanceof ApiFailure && err.code === "nothing_to_restore" ? "Nothing to restore" : "The photo was not restored");
    }
  }

  function renderDetails() {
    const s = student;
    const row = (label: string, value: string | null | undefined | Node) => h("div", { class: "dl-row" }, h("dt", null, label), h("dd", null, value ?? "—"));
    replace(
      detailsHost,
      card(
        { class: "details-card", label: "Details" },
        h("h2", { class: "card-title" }, "Details"),
        h(
          "dl",
          { class: "dl" },
          row("Name", fullName(s)),
          row("Email", s.email),
          row("School ID", s.sis_id),
          row("Grade", s.grade),
          row("Homeroom", s.homeroom),
          row("passpix id", h("span", { class: "mono" }, s.id)),
          row("Photo", s.photo_opt_out ? badge("Family opted out", "neutral") : s.photo ? badge("On file", "success") : badge("Missing", "warning")),
          s.photo ? row("Photo updated", fmtDateTime(s.photo.updated_at)) : null,
        ),
        photoWarnings(s.photo?.warnings ?? []),
        h("p", { class: "muted small" }, "Teachers see this photo on hall passes when photos are enabled for the school and they have not hidden them."),
      ),
    );
  }
}

/**
 * What the photo checks found on the current photo, headed by the shared wording
 * (src/shared/problem-codes.ts); a possible duplicate links to the other student.
 */
function photoWarnings(warnings: Photo["warnings"]) {
  if (!warnings.length) return null;
  return notice(
    "warning",
    "Check this photo",
    h(
      "ul",
      { class: "photo-warnings", "aria-label": "Photo warnings" },
      warnings.map((w) => {
        const other = typeof w.details.student_id === "string" ? w.details.student_id : null;
        return h(
          "li",
          { "data-code": w.code },
          h("strong", null, problemInfo(w.code).title),
          ` — ${w.message} `,
          other ? h("a", { href: `/admin/students/${encodeURIComponent(other)}` }, "Open the other student") : null,
        );
      }),
    ),
  );
}
