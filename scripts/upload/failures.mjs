// Failures explained to the admin in plain words: what went wrong talking to the server, and what to do.
import { ApiError, ConnectionError } from "../lib/http.mjs";

/** A failure already explained to the admin in plain words: print the message, exit 1. */
export class UploadFailure extends Error {
  constructor(message, { code = 1, hint } = {}) {
    super(message);
    this.name = "UploadFailure";
    this.exitCode = code;
    this.hint = hint;
  }
}

export const isAuthError = (e) => e instanceof ApiError && (e.status === 401 || e.status === 403);

export function authFailure(e) {
  return new UploadFailure(
    `Your token is invalid/expired or not an admin token (the server said: ${e.status} ${e.code ?? ""}${e.apiMessage ? `, “${e.apiMessage}”` : ""}).`,
    { hint: "Ask for a new admin token for your school and run the command again." },
  );
}

/** The most telling reason in an error's cause chain: a code like ECONNREFUSED, else the innermost message. */
export function causeText(e) {
  let c = e;
  for (let depth = 0; c && depth < 6; depth++) {
    if (typeof c.code === "string") return c.code;
    const inner = Array.isArray(c.errors) ? c.errors.find((x) => typeof x?.code === "string") : null;
    if (inner) return inner.code;
    if (!c.cause) break;
    c = c.cause;
  }
  return c?.message || String(c ?? "no answer");
}

export function connectionFailure(url, e) {
  return new UploadFailure(`Could not reach the passpix service at ${url} (${causeText(e)}).`, {
    hint: "Check the --url (copy it from the passpix admin page), your network connection, and that the service is running.",
  });
}

/** Turns the errors of a step the run cannot go on without into plain failures. */
export function explain(e, url, what) {
  if (e instanceof UploadFailure) return e;
  if (isAuthError(e)) return authFailure(e);
  if (e instanceof ConnectionError) return connectionFailure(url, e);
  if (e instanceof ApiError) {
    if (e.status === 404 && what.includes("upload"))
      return new UploadFailure(`${what} failed: that upload was not found (it may belong to another school, or --url points at the wrong service).`);
    return new UploadFailure(`${what} failed: ${e.apiMessage ?? "the server gave no reason"} (${e.status}${e.code ? ` ${e.code}` : ""}).`);
  }
  return new UploadFailure(`${what} failed: ${e?.message ?? e}`);
}
