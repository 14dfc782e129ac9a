// The HS256 tokens the local dev server accepts, signed with hono/jwt: the same library that
// verifies them in the Worker, so the two cannot drift apart.
import { sign } from "hono/jwt";
import { readDevVars } from "./dev-vars.mjs";

export const ORG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ROLES = ["admin", "teacher", "support"];

/**
 * A passpix token: claims sub, org, role, iat, exp (ttlHours from now). Resolves to the JWT.
 * The secret defaults to JWT_SECRET from .dev.vars.
 */
export async function makeToken({ org, role, sub, ttlHours = 12, secret, now = Date.now() }) {
  if (!ORG_PATTERN.test(org ?? "")) throw new Error(`org must match [A-Za-z0-9_-]{1,64}; got ${JSON.stringify(org)}`);
  if (!ROLES.includes(role)) throw new Error(`role must be one of ${ROLES.join(", ")}; got ${JSON.stringify(role)}`);
  if (!(ttlHours > 0)) throw new Error(`ttl must be a positive number of hours; got ${ttlHours}`);
  const key = secret ?? readDevVars({ require: ["JWT_SECRET"] }).JWT_SECRET;
  if (!key) throw new Error("makeToken: a secret is required");
  const iat = Math.floor(now / 1000);
  return sign({ sub: sub || `${org}-${role}`, org, role, iat, exp: iat + Math.round(ttlHours * 3600) }, key, "HS256");
}
