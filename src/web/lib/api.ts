// The pages' only way to the server: the public /v1 API with the tab's bearer token.
import { getToken } from "./session";

/** An answer that is not a success; `message` is the API's own sentence, written for a school admin. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

type AuthListener = (failure: ApiFailure) => void;
let onAuthFailure: AuthListener = () => {};

/** 401 and 403 end the page: the listener shows the sign-in form or the "needs an admin" message. */
export function setAuthFailureHandler(listener: AuthListener) {
  onAuthFailure = listener;
}

export const NETWORK_MESSAGE = "Could not reach passpix. Check your internet connection and try again.";

export async function failureFrom(res: Response): Promise<ApiFailure> {
  let code = `http_${res.status}`;
  let message = `The server answered ${res.status} ${res.statusText}.`;
  let details: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    details = body.error?.details;
  } catch {
    // not JSON (a proxy's page): keep the generic sentence
  }
  return new ApiFailure(res.status, code, message, details);
}

export function authHeaders(extra?: Record<string, string>): Record<string, string> {
  const token = getToken();
  return { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

/** Reports 401/403 to the page's handler; every other failure is the caller's to show. */
export function noteFailure(failure: ApiFailure): ApiFailure {
  if (failure.status === 401 || failure.status === 403) onAuthFailure(failure);
  return failure;
}

type RequestOptions = { json?: unknown; body?: BodyInit; contentType?: string; signal?: AbortSignal };

export async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers = authHeaders();
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.contentType) {
    headers["Content-Type"] = opts.contentType;
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, signal: opts.signal, cache: "no-store" });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiFailure(0, "network", NETWORK_MESSAGE);
  }
  if (!res.ok) throw noteFailure(await failureFrom(res));
  return res;
}

export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(method, path, opts);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("Content-Type") ?? "";
  return (type.includes("json") ? await res.json() : undefined) as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, json?: unknown) => api<T>("POST", path, json === undefined ? {} : { json });
export const put = <T>(path: string, json: unknown) => api<T>("PUT", path, { json });
export const del = <T = void>(path: string) => api<T>("DELETE", path);

export async function getText(path: string): Promise<string> {
  return (await request("GET", path)).text();
}

export async function getBlob(path: string): Promise<Blob> {
  return (await request("GET", path)).blob();
}

/** The message to show for anything thrown by the calls above. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof Error) return `Something went wrong: ${err.message}`;
  return "Something went wrong.";
}
