// Sends the files of a bulk upload: ~6 at a time, large pictures resized first, byte progress
// from XMLHttpRequest, automatic retries with backoff for what can succeed later (no connection,
// 5xx, 429), and a list of failures the person can retry with one click.
import { ApiFailure, authHeaders, NETWORK_MESSAGE, noteFailure } from "./api";
import { prepareImage } from "./images";
import type { PickedFile } from "./files";

export type ItemState = "queued" | "preparing" | "sending" | "done" | "failed";

export type UploadItem = {
  path: string;
  file: File;
  /** Bytes to send (known once prepared; the original size until then). */
  size: number;
  loaded: number;
  state: ItemState;
  attempts: number;
  error: string | null;
  retryable: boolean;
  resized: boolean;
  /** The server already held this file (same name and size) when it was added: not sent again. */
  already: boolean;
};

/** Files an upload already holds, by name → bytes (GET /v1/uploads/:id/files). */
export type ReceivedFiles = ReadonlyMap<string, number>;

type Options = {
  concurrency?: number;
  maxAttempts?: number;
  onChange: () => void;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What a sent item keeps of its file: nothing but the name. A zip entry's bytes live only in its
 * File, so keeping them would hold the whole unpacked zip by the end; a done file is never read again.
 */
const sent = (file: File) => new File([], file.name, { type: file.type });

type XhrResult = { status: number; text: string; retryAfter: number | null };

/** PUT with upload progress (fetch has none). Resolves for every HTTP answer; status 0 = no connection. */
export function putWithProgress(url: string, body: Blob, contentType: string, onProgress: (loaded: number) => void): Promise<XhrResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [k, v] of Object.entries(authHeaders({ "Content-Type": contentType }))) xhr.setRequestHeader(k, v);
    xhr.timeout = 5 * 60_000;
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    const done = () => {
      const ra = Number(xhr.getResponseHeader("Retry-After"));
      resolve({ status: xhr.status, text: xhr.responseText, retryAfter: Number.isFinite(ra) && ra > 0 ? ra : null });
    };
    xhr.onload = done;
    xhr.onerror = () => resolve({ status: 0, text: "", retryAfter: null });
    xhr.ontimeout = () => resolve({ status: 0, text: "", retryAfter: null });
    xhr.send(body);
  });
}

export function failureOf(r: XhrResult): ApiFailure {
  if (r.status === 0) return new ApiFailure(0, "network", NETWORK_MESSAGE);
  try {
    const body = JSON.parse(r.text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new ApiFailure(r.status, body.error.code ?? `http_${r.status}`, body.error.message);
  } catch {
    // not JSON
  }
  return new ApiFailure(r.status, `http_${r.status}`, `The server answered ${r.status}.`);
}

export class FileUploader {
  readonly items: UploadItem[] = [];
  private running = 0;
  private stopped = false;
  private idle: Array<() => void> = [];
  private room: Array<() => void> = [];
  /** Files known to be coming (a zip's entries not unpacked yet): they count in the progress total. */
  expecting = 0;
  private readonly concurrency: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly uploadId: string,
    private readonly opts: Options,
  ) {
    this.concurrency = opts.concurrency ?? 6;
    this.maxAttempts = opts.maxAttempts ?? 4;
  }

  /**
   * Queues files and starts sending; a file with the same path as an earlier one replaces it.
   * Files in `received` with the same size are counted as done without sending them again
   * (resuming an upload after the tab was closed).
   */
  add(files: PickedFile[], received?: ReceivedFiles): void {
    for (const f of files) {
      const already = received?.get(f.path) === f.file.size;
      const item: UploadItem = {
        path: f.path,
        file: already ? sent(f.file) : f.file,
        size: f.file.size,
        loaded: already ? f.file.size : 0,
        state: already ? "done" : "queued",
        attempts: 0,
        error: null,
        retryable: true,
        resized: false,
        already,
      };
      const at = this.items.findIndex((i) => i.path === f.path && (i.state === "done" || i.state === "failed" || i.state === "queued"));
      if (at >= 0) this.items[at] = item;
      else this.items.push(item);
    }
    this.pump();
  }

  retryFailed(): void {
    for (const item of this.items) {
      if (item.state !== "failed") continue;
      Object.assign(item, { state: "queued", attempts: 0, error: null, loaded: 0, retryable: true });
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    for (const check of this.room.splice(0)) check();
  }

  get busy(): boolean {
    return this.items.some((i) => i.state === "queued" || i.state === "preparing" || i.state === "sending");
  }

  /** Resolves once at most `max` files wait or are being sent: a zip is unpacked no faster than it is sent. */
  whenRoom(max: number): Promise<void> {
    const waiting = () => this.items.filter((i) => i.state === "queued" || i.state === "preparing" || i.state === "sending").length;
    if (this.stopped || waiting() <= max) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.stopped || waiting() <= max ? resolve() : this.room.push(check));
      this.room.push(check);
    });
  }

  /** Resolves once nothing is queued or being sent. */
  whenIdle(): Promise<void> {
    return this.busy ? new Promise((resolve) => this.idle.push(resolve)) : Promise.resolve();
  }

  stats() {
    let done = 0;
    let failed = 0;
    let active = 0;
    let fraction = 0;
    for (const i of this.items) {
      if (i.state === "done") done++;
      else if (i.state === "failed") failed++;
      else if (i.state === "sending" || i.state === "preparing") active++;
      fraction += i.state === "done" || i.state === "failed" ? 1 : i.size ? Math.min(1, i.loaded / i.size) * 0.98 : 0;
    }
    const total = this.items.length + this.expecting;
    const resized = this.items.filter((i) => i.resized).length;
    const already = this.items.filter((i) => i.already).length;
    return { total, done, failed, active, resized, already, percent: total ? Math.floor((fraction / total) * 100) : 0 };
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency) {
      const next = this.items.find((i) => i.state === "queued");
      if (!next) break;
      next.state = "preparing";
      this.running++;
      void this.send(next).finally(() => {
        this.running--;
        this.opts.onChange();
        this.pump();
        for (const check of this.room.splice(0)) check();
        if (!this.busy) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
    this.opts.onChange();
  }

  private async send(item: UploadItem): Promise<void> {
    const prepared = await prepareImage(item.file, item.path);
    item.size = prepared.blob.size;
    item.resized = prepared.resized !== null;
    const type = ["image/jpeg", "image/png", "image/webp"].includes(prepared.blob.type) ? prepared.blob.type : "application/octet-stream";
    const url = `/v1/uploads/${encodeURIComponent(this.uploadId)}/files/${encodeURIComponent(item.path)}`;
    while (!this.stopped) {
      item.attempts++;
      item.state = "sending";
      item.loaded = 0;
      this.opts.onChange();
      const result = await putWithProgress(url, prepared.blob, type, (loaded) => {
        item.loaded = loaded;
        this.opts.onChange();
      });
      if (result.status >= 200 && result.status < 300) {
        item.state = "done";
        item.file = sent(item.file);
        item.loaded = item.size;
        item.error = null;
        return;
      }
      const failure = failureOf(result);
      if (failure.status === 401 || failure.status === 403) {
        noteFailure(failure);
        this.stop();
      }
      item.error = failure.message;
      item.retryable = failure.retryable;
      if (!failure.retryable || item.attempts >= this.maxAttempts) break;
      // 1 s, 2 s, 4 s (or what Retry-After asks), with a little jitter so retries do not stampede
      const wait = result.retryAfter ? Math.min(result.retryAfter, 60) * 1000 : 1000 * 2 ** (item.attempts - 1);
      await sleep(wait + Math.random() * 400);
    }
    item.state = "failed";
  }
}
