// HS256 JWTs with node:crypto only: the tokens the local dev server accepts.
import { createHmac } from "node:crypto";
import { readDevVars } from "./dev-vars.mjs";

export const ORG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ROLES = ["admin", "teacher", "support"];

const b64url = (input) => Buffer.from(input).toString("base64url");

/** Signs `payload` (an object) with HS256. */
export function signHs256(payload, secret) {
  if (!secret) throw new Error("signHs256: a secret is required");
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

/**
 * A passpix token: claims sub, org, role, iat, exp (ttlHours from now).
 * The secret defaults to JWT_SECRET from .dev.vars.
 */
export function makeToken({ org, role, sub, ttlHours = 12, secret, now = Date.now() }) {
  if (!ORG_PATTERN.test(org ?? "")) throw new Error(`org must match [A-Za-z0-9_-]{1,64}; got ${JSON.stringify(org)}`);
  if (!ROLES.includes(role)) throw new Error(`role must be one of ${ROLES.join(", ")}; got ${JSON.stringify(role)}`);
  if (!(ttlHours > 0)) throw new Error(`ttl must be a positive number of hours; got ${ttlHours}`);
  const key = secret ?? readDevVars({ require: ["JWT_SECRET"] }).JWT_SECRET;
  const iat = Math.floor(now / 1000);
  return signHs256({ sub: sub || `${org}-${role}`, org, role, iat, exp: iat + Math.round(ttlHours * 3600) }, key);
}
