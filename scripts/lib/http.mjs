// A small HTTP client for the passpix API: bearer token, JSON in and out, retries with backoff on
// connection errors, 5xx and 429, and errors that say which request failed and what the API said.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An answer from the API that is not what the caller expected. */
export class ApiError extends Error {
  constructor({ method, url, status, code, message, details, body }) {
    const where = `${method} ${new URL(url).pathname}`;
    super(`${where} → ${status}${code ? ` ${code}` : ""}: ${message ?? "(no message)"}`);
    this.name = "ApiError";
    Object.assign(this, { method, url, status, code, apiMessage: message, details, body });
  }
}

/** The server could not be reached (after all retries). */
export class ConnectionError extends Error {
  constructor(method, url, cause) {
    super(`${method} ${url} failed: could not reach the server (${describeCause(cause)}). Is it running?`);
    this.name = "ConnectionError";
    this.cause = cause;
  }
}

function describeCause(err) {
  const c = err?.cause ?? err;
  return c?.code ?? c?.name ?? c?.message ?? String(c);
}

const isRetryableStatus = (s) => s === 429 || s === 502 || s === 503 || s === 504 || s === 500;

/**
 * createClient({ baseUrl, token, retries = 5, timeoutMs = 30000, log })
 *   .request(method, path, { json, body, headers, expect: [200], retry: true })
 *     → { status, headers, body } where body is parsed JSON when the answer is JSON, else a Buffer.
 *   .get / .post / .put / .delete shorthands.
 * `expect` lists the statuses the caller handles itself; anything else throws ApiError.
 */
export function createClient({ baseUrl, token, retries = 5, timeoutMs = 30_000, log = () => {} }) {
  const base = new URL(baseUrl);

  async function request(method, path, { json, body, headers = {}, expect = [200], retry = true } = {}) {
    const url = new URL(path, base).toString();
    const h = { accept: "application/json", ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload = body;
    if (json !== undefined) {
      payload = JSON.stringify(json);
      h["content-type"] = "application/json";
    }
    const attempts = retry ? retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await fetch(url, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        if (attempt < attempts) {
          const wait = backoff(attempt);
          log(`  ${method} ${new URL(url).pathname}: ${describeCause(err)}; retrying in ${wait} ms (${attempt}/${attempts - 1})`);
          await sleep(wait);
          continue;
        }
        throw new ConnectionError(method, url, err);
      }
      const type = res.headers.get("content-type") ?? "";
      const raw = Buffer.from(await res.arrayBuffer());
      let parsed = raw;
      if (/\bjson\b/i.test(type)) {
        try {
          parsed = JSON.parse(raw.toString("utf8"));
        } catch {
          parsed = raw.toString("utf8");
        }
      }
      if (expect.includes(res.status)) return { status: res.status, headers: res.headers, body: parsed };
      if (isRetryableStatus(res.status) && attempt < attempts) {
        const retryAfter = Number(res.headers.get("retry-after"));
        const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : backoff(attempt);
        log(`  ${method} ${new URL(url).pathname}: ${res.status}; retrying in ${wait} ms (${attempt}/${attempts - 1})`);
        await sleep(wait);
        continue;
      }
      const err = parsed && typeof parsed === "object" && !Buffer.isBuffer(parsed) ? parsed.error : undefined;
      throw new ApiError({
        method,
        url,
        status: res.status,
        code: err?.code,
        message: err?.message ?? (Buffer.isBuffer(parsed) ? parsed.toString("utf8").slice(0, 300) || res.statusText : String(parsed).slice(0, 300)),
        details: err?.details,
        body: parsed,
      });
    }
  }

  return {
    request,
    get: (path, opts) => request("GET", path, opts),
    post: (path, opts) => request("POST", path, opts),
    put: (path, opts) => request("PUT", path, opts),
    delete: (path, opts) => request("DELETE", path, opts),
  };
}

/** Exponential backoff with jitter: ~250 ms, 500 ms, 1 s, 2 s, 4 s … capped at 8 s. */
export function backoff(attempt) {
  const base = Math.min(8000, 250 * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Polls `url` until it answers 200 or `timeoutMs` passes. Returns { ok, status, error, ms }.
 * `shouldStop()` lets the caller give up early (e.g. the server process exited).
 */
export async function waitFor200(url, { timeoutMs = 60_000, intervalMs = 300, shouldStop = () => false } = {}) {
  const t0 = Date.now();
  let last = { status: undefined, error: undefined };
  while (Date.now() - t0 < timeoutMs) {
    if (shouldStop()) return { ok: false, stopped: true, ...last, ms: Date.now() - t0 };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(1000, Math.min(5000, timeoutMs))) });
      await res.arrayBuffer().catch(() => {});
      last = { status: res.status, error: undefined };
      if (res.status === 200) return { ok: true, status: 200, ms: Date.now() - t0 };
    } catch (err) {
      last = { status: undefined, error: describeCause(err) };
    }
    await sleep(intervalMs);
  }
  return { ok: false, ...last, ms: Date.now() - t0 };
}
