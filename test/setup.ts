import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";

// The migrations, as `wrangler d1 migrations apply` runs them for `npm start` and production
// (applied migrations are recorded, so running this again per test file changes nothing).
beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
