import { createMiddleware } from "hono/factory";
import { decode, verify, verifyWithJwks } from "hono/jwt";
import { ApiError } from "./errors";
import { TokenClaims, type Role } from "./auth-claims";
import type { AppEnv } from "./env";
import { enforceWriteLimits } from "./rate-limit";

const unauthorized = (message: string) => new ApiError(401, "unauthorized", message, undefined, { "WWW-Authenticate": 'Bearer realm="passpix"' });

/** Verifies the bearer JWT (HS256 with JWT_SECRET, or RS256 from JWT_JWKS_URL when configured). */
async function verifyBearer(header: string | undefined, env: Env) {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) throw unauthorized("Sign in: send an Authorization: Bearer <token> header.");
  const token = match[1];
  let payload: unknown;
  try {
    // The algorithm is pinned by us, never taken from the token: `alg: none` and HS/RS confusion fail here.
    const alg = decode(token).header.alg;
    if (alg === "RS256" && env.JWT_JWKS_URL) {
      payload = await verifyWithJwks(token, { jwks_uri: env.JWT_JWKS_URL, allowedAlgorithms: ["RS256"] });
    } else {
      payload = await verify(token, env.JWT_SECRET, "HS256");
    }
  } catch {
    throw unauthorized("Your sign-in token is invalid or has expired. Sign in again.");
  }
  const claims = TokenClaims.safeParse(payload);
  if (!claims.success) {
    throw unauthorized("Your sign-in token is missing required claims (sub, org, role, exp).");
  }
  return claims.data;
}

const forbidden = (allowed: Role[], role: Role) =>
  new ApiError(403, "forbidden", `This action needs the ${allowed.join(" or ")} role; you are signed in as ${role}.`);

const authenticate = (allowed: Role[], limitWrites: boolean) =>
  createMiddleware<AppEnv>(async (c, next) => {
    // Two features' guards can match one path (/v1/students/* and the photo routes under it): the
    // token is verified and the write counted once per request, and every guard checks its roles.
    const known = c.get("principal");
    if (known) {
      if (!allowed.includes(known.role)) throw forbidden(allowed, known.role);
      return next();
    }
    const claims = await verifyBearer(c.req.header("Authorization"), c.env);
    if (!allowed.includes(claims.role)) throw forbidden(allowed, claims.role);
    const principal = { sub: claims.sub, org: claims.org, role: claims.role };
    if (limitWrites && c.req.method !== "GET" && c.req.method !== "HEAD") await enforceWriteLimits(c.env, principal);
    c.set("principal", principal);
    await next();
  });

/**
 * Authenticates the caller and checks the role; every /v1 route declares the roles it admits.
 * Write requests are also counted against the caller's and the school's rate limits here, so no
 * write route can be added without them.
 */
export const requireRole = (...allowed: Role[]) => authenticate(allowed, true);

/** For a POST that only reads (the pass view's lookup): teachers' reads never eat the school's write budget. */
export const requireRoleToRead = (...allowed: Role[]) => authenticate(allowed, false);

export const ADMINS: Role[] = ["admin", "support"];
export const ANYONE: Role[] = ["admin", "support", "teacher"];
