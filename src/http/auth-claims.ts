import { z } from "@hono/zod-openapi";

export const ORG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const roles = ["admin", "teacher", "support"] as const;
export type Role = (typeof roles)[number];

/** The claims a passpix token must carry (the contract's Identity section). */
export const TokenClaims = z.object({
  sub: z.string().min(1).max(256),
  org: z.string().regex(ORG_PATTERN),
  role: z.enum(roles),
  exp: z.number().int(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;
