// The tab's sign-in: a token handed over in the URL fragment (#token=<jwt>) or pasted into the form,
// kept in sessionStorage for this browser tab only. Never a cookie, never sent to the server other
// than as the Authorization header of API calls.

import { decode } from "hono/jwt";

const KEY = "passpix.token";

export type Role = "admin" | "teacher" | "support";
export type Claims = { sub: string; org: string; role: Role; exp: number };

/** Moves a #token=… from the address bar into sessionStorage, and out of the URL and history. */
export function captureTokenFromUrl(): void {
  const hash = location.hash.replace(/^#/, "");
  if (!hash) return;
  const params = new URLSearchParams(hash);
  const token = params.get("token");
  if (token === null) return;
  params.delete("token");
  if (token.trim()) setToken(token.trim());
  const rest = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // storage unavailable: nothing stored either
  }
}

/** The token's claims, for display only (the server verifies every call). */
export function decodeClaims(token: string): Claims | null {
  try {
    // decode only reads the token (it throws on a malformed one); it checks neither signature nor expiry.
    const claims = decode(token.trim()).payload as Partial<Claims>;
    if (typeof claims.sub !== "string" || typeof claims.org !== "string" || typeof claims.role !== "string") return null;
    return { sub: claims.sub, org: claims.org, role: claims.role as Role, exp: typeof claims.exp === "number" ? claims.exp : 0 };
  } catch {
    return null;
  }
}

export const isExpired = (claims: Claims, nowMs = Date.now()) => claims.exp > 0 && claims.exp * 1000 <= nowMs;
export const isAdmin = (claims: Claims) => claims.role === "admin" || claims.role === "support";
