// The Profile Pictures page's state: one object that every part of the page reads and changes,
// passed explicitly (no part keeps state of its own), plus the pieces more than one part uses.
import { get } from "../../lib/api";
import { h, icon } from "../../lib/dom";
import type { IntegrationState, Upload } from "../../lib/types";
import type { FileUploader } from "../../lib/uploader";
import type { progressBar } from "../../lib/ui";
import type { ZipSkipped } from "../../../shared/delivery";

export type Mode = "none" | "compose" | "processing" | "report";
type UploadList = { uploads: Upload[]; next_cursor: string | null };
export type ReportRow = { row: string; identifier: string; file: string; student_id: string; status: string; code: string; message: string };
export type ZipState = { name: string; phase: "unpacking" | "done" | "failed"; error?: string; skipped: ZipSkipped[] };

export const REVERTABLE = new Set(["completed", "completed_with_errors", "failed"]);
const HISTORY_PAGE = 10;
export const REPORT_PAGE = 25;

/**
 * What the parts call back into index.ts for: redrawing the status card and the workspace, and
 * reloading both cards. A hook rather than an import, so no part imports index.ts (no cycle).
 */
export type PageViews = { status(): void; workspace(): void; refreshAll(): Promise<void> };

export type PageState = {
  alive: () => boolean;
  statusEl: HTMLElement;
  workspace: HTMLElement;
  historyEl: HTMLElement;
  views: PageViews;
  integration: IntegrationState;
  history: Upload[];
  historyCursor: string | null;
  /** The upload the workspace shows (a draft being composed, one processing, or a report). */
  current: Upload | null;
  mode: Mode;
  /** Set when the page reopens a draft a previous visit left. */
  resumed: boolean;
  pollTimer: number;
  // compose: what is being sent, and where the preview goes
  uploader: FileUploader | null;
  creating: Promise<string> | null;
  transferHost: HTMLElement | null;
  previewHost: HTMLElement | null;
  mappingNote: HTMLElement | null;
  transferBar: ReturnType<typeof progressBar> | null;
  zipState: ZipState | null;
  transferScheduled: boolean;
  previewTimer: number;
  // report: the CSV of the upload shown, cached per upload and status
  reportRows: ReportRow[] | null;
  reportText: string;
  reportFor: string;
  onlyProblems: boolean;
  /** The report (and a draft's preview) shows only rows the photo checks warned about (possible duplicate, too dark…). */
  onlyWarnings: boolean;
  reportPage: number;
  /** Names and thumbnails of the report's students, looked up a page at a time. */
  people: Map<string, { name: string | null; photo: string | null }>;
};

export async function loadIntegration(ps: PageState) {
  ps.integration = await get<IntegrationState>("/v1/integration");
}

export async function loadHistory(ps: PageState, more = false) {
  const page = await get<UploadList>(`/v1/uploads?limit=${HISTORY_PAGE}${more && ps.historyCursor ? `&cursor=${encodeURIComponent(ps.historyCursor)}` : ""}`);
  ps.history = more ? [...ps.history, ...page.uploads] : page.uploads;
  ps.historyCursor = page.next_cursor;
}

export function stepper(active: number) {
  const steps = ["Add photos", "Review", "Process", "Turn on"];
  return h(
    "ol",
    { class: "stepper", "aria-label": "Upload steps" },
    steps.map((label, i) =>
      h(
        "li",
        { class: i < active ? "is-done" : i === active ? "is-active" : "", "aria-current": i === active ? "step" : null },
        h("span", { class: "step-num", "aria-hidden": "true" }, i < active ? icon("check") : String(i + 1)),
        h("span", { class: "step-label" }, label),
      ),
    ),
  );
}
