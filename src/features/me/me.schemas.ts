import { z } from "@hono/zod-openapi";

export const Preferences = z.object({ hide_profile_pictures: z.boolean() }).openapi("Preferences");
export type Preferences = z.infer<typeof Preferences>;
