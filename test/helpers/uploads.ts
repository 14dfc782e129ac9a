import { expect } from "vitest";
import { zipSync } from "fflate";
import { json } from "./api";

type Caller = (method: string, path: string, opts?: { body?: any; headers?: Record<string, string> }) => Promise<Response>;

export async function newUpload(admin: Caller): Promise<string> {
  const res = await admin("POST", "/v1/uploads");
  expect(res.status).toBe(201);
  const { upload } = await json(res);
  expect(upload.status).toBe("draft");
  return upload.id;
}

export async function putFile(admin: Caller, id: string, name: string, bytes: Uint8Array) {
  const res = await admin("PUT", `/v1/uploads/${id}/files/${encodeURIComponent(name)}`, {
    body: bytes,
    headers: { "Content-Type": "application/octet-stream" },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json(res)).file;
}

export async function putMapping(admin: Caller, id: string, text: string | Uint8Array, name = "mapping.csv") {
  const res = await admin("PUT", `/v1/uploads/${id}/mapping?name=${encodeURIComponent(name)}`, { body: text, headers: { "Content-Type": "text/csv" } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json(res)).upload;
}

export async function putArchive(admin: Caller, id: string, files: Record<string, Uint8Array>) {
  const zip = zipSync(files, { level: 1 });
  const res = await admin("PUT", `/v1/uploads/${id}/archive`, {
    body: zip,
    headers: { "Content-Type": "application/zip", "Content-Length": String(zip.byteLength) },
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await json(res)).upload;
}

export async function getUpload(admin: Caller, id: string) {
  const res = await admin("GET", `/v1/uploads/${id}`);
  expect(res.status).toBe(200);
  return json(res);
}

export async function submit(admin: Caller, id: string) {
  const res = await admin("POST", `/v1/uploads/${id}/submit`);
  expect(res.status, await res.clone().text()).toBe(202);
  const { upload } = await json(res);
  expect(upload.status).toBe("processing");
  return upload;
}

const FINAL = new Set(["completed", "completed_with_errors", "failed", "cancelled", "reverted"]);

/** Polls until the upload is final, checking at every look that the counts add up. */
export async function waitUntilFinal(admin: Caller, id: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  let last: any;
  let lastProgress = -1;
  for (;;) {
    last = await getUpload(admin, id);
    const c = last.counts;
    expect(c.processed + c.failed + c.pending).toBeLessThanOrEqual(c.rows);
    expect(c.processed + c.failed).toBeGreaterThanOrEqual(lastProgress);
    lastProgress = c.processed + c.failed;
    if (FINAL.has(last.status)) return last;
    if (Date.now() > until) throw new Error(`upload ${id} still ${last.status}: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitForArchive(admin: Caller, id: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const upload = await getUpload(admin, id);
    if (upload.archive?.status !== "extracting") return upload;
    if (Date.now() > until) throw new Error("archive still extracting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function reportRows(admin: Caller, id: string) {
  const text = (await (await admin("GET", `/v1/uploads/${id}/report.csv`)).text()).replace(/^\uFEFF/, "");
  const [header, ...lines] = text.trim().split("\r\n");
  expect(header).toBe("row,identifier,file,student_id,status,code,message");
  return lines.map((l) => {
    const cells = l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, "").replace(/^"|"$/g, "").replace(/""/g, '"'));
    return {
      row: Number(cells[0]),
      identifier: cells[1],
      file: cells[2],
      student_id: cells[3] || null,
      status: cells[4],
      code: cells[5] || null,
      message: cells[6] || null,
    };
  });
}
