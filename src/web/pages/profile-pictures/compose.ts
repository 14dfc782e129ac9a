// Setting up or starting an upload: the form that takes a folder of photos (dropped or chosen),
// single pictures, a zip and a mapping file, and hosts the transfer's progress and the preview.
import { h, icon, uid } from "../../lib/dom";
import { fromDataTransfer, fromFileList, isZip } from "../../lib/files";
import { fmtRelative } from "../../lib/format";
import { button, card, downloadFile } from "../../lib/ui";
import { mappingText, renderPreview } from "./preview";
import { addMapping, addPhotos, addZip, cancelDraft, renderTransfer } from "./sending";
import { stepper, type PageState } from "./state";

export function compose(ps: PageState) {
  const hasContent = ps.current !== null && (ps.current.counts.files_received > 0 || ps.current.counts.rows > 0);
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
      if (input.files?.length) void addPhotos(ps, fromFileList(input.files));
      input.value = "";
    },
  });
  const drop = h(
    "label",
    { class: "dropzone", for: "photos-input" },
    folderInput,
    h("span", { class: "dropzone-icon", "aria-hidden": "true" }, icon("folder")),
    h("span", { class: "dropzone-title", id: photosTitle }, "Photos"),
    h(
      "span",
      { class: "dropzone-text", id: photosHint },
      "Drag the folder of pictures here, or ",
      h("span", { class: "link-like" }, "choose a folder"),
      ". JPEG, PNG or WebP; a mapping file or INDEX.TXT inside it is found automatically.",
    ),
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
      if (zips.length === 1 && files.length === 1) void addZip(ps, zips[0]!.file);
      else void addPhotos(ps, files);
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
      if (input.files?.length) void addPhotos(ps, fromFileList(input.files));
      input.value = "";
    },
  });
  const filesAlt = h(
    "p",
    { class: "dropzone-alt" },
    "No folder at hand? ",
    filesInput,
    h("label", { for: "photo-files-input", class: "link-like" }, "Choose pictures"),
    " one by one.",
  );

  const zipInput = h("input", {
    type: "file",
    id: "zip-input",
    class: "file-input",
    accept: ".zip,application/zip",
    onchange: (e: Event) => {
      const input = e.currentTarget as HTMLInputElement;
      const f = input.files?.[0];
      if (f) void addZip(ps, f);
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
      if (f) void addMapping(ps, f);
      input.value = "";
    },
  });
  ps.mappingNote = h("p", { class: "field-note", "aria-live": "polite" }, ps.current?.mapping_file ? mappingText(ps.current) : null);
  ps.transferHost = h("div", { class: "transfer", "aria-live": "off" });
  ps.previewHost = h("div", { class: "preview-host" });

  const body = card(
    { class: "compose", label: "New upload" },
    h(
      "div",
      { class: "card-head" },
      h(
        "div",
        null,
        h("h2", { class: "card-title", tabindex: "-1" }, ps.resumed ? "Finish your upload" : "New upload"),
        h(
          "p",
          { class: "muted" },
          ps.resumed && ps.current
            ? `Started ${fmtRelative(ps.current.created_at)}. Add more files, or review and submit it.`
            : "Nothing changes for students or teachers until you submit and enable.",
        ),
      ),
      ps.current ? button("Cancel upload", { variant: "ghost", icon: "x", onClick: (e) => void cancelDraft(ps, e.currentTarget as HTMLButtonElement) }) : null,
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
          h(
            "p",
            { class: "hint", id: "mapping-hint" },
            "CSV: the student's email or school ID, then the picture's file name. Without one, pictures named after a school ID or email still match.",
          ),
          mappingInput,
          ps.mappingNote,
          button("Download template", {
            variant: "ghost",
            size: "sm",
            icon: "download",
            onClick: (e) => void downloadFile(e.currentTarget as HTMLButtonElement, "/v1/uploads/template.csv", "passpix-mapping-template.csv"),
          }),
        ),
      ),
    ),
    ps.transferHost,
    ps.previewHost,
  );
  renderTransfer(ps);
  if (ps.current) renderPreview(ps, ps.current);
  return body;
}
