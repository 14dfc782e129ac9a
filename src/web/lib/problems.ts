// How the pages show an upload's problems. The codes and their wording live in
// src/shared/problem-codes.ts (one table with the server and the CLI); the API's own message
// (one per row or file) is shown under these headings.

import { problemWording } from "../../shared/problem-codes";

export type Severity = "blocking" | "warning";
export type ProblemInfo = { title: string; explain: string; severity: Severity };

export function problemInfo(code: string): ProblemInfo {
  const { title, explain, warning } = problemWording(code);
  return { title, explain, severity: warning ? "warning" : "blocking" };
}

export const isWarning = (code: string | null | undefined) => Boolean(code && problemWording(code).warning);

/** Upload statuses as a person says them, with the badge tone to use. */
export function statusLabel(status: string): { text: string; tone: "neutral" | "info" | "success" | "warning" | "danger" } {
  switch (status) {
    case "draft":
      return { text: "Not submitted", tone: "info" };
    case "processing":
      return { text: "Processing", tone: "info" };
    case "completed":
      return { text: "Completed", tone: "success" };
    case "completed_with_errors":
      return { text: "Completed with problems", tone: "warning" };
    case "failed":
      return { text: "Failed", tone: "danger" };
    case "cancelled":
      return { text: "Cancelled", tone: "neutral" };
    case "reverted":
      return { text: "Undone", tone: "neutral" };
    default:
      return { text: status.replaceAll("_", " "), tone: "neutral" };
  }
}
