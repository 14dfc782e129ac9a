import type { Role } from "./auth-claims";

export type Principal = { sub: string; org: string; role: Role };

/** The Hono environment every router shares: bindings from `wrangler types`, the caller once authenticated. */
export type AppEnv = {
  Bindings: Env;
  Variables: { principal: Principal };
};
