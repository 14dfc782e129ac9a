import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";

// The migrations, as `wrangler d1 migrations apply` runs them for `npm start` and production
// (applied migrations are recorded, so running this again per test file changes nothing), to
// every home's database, and the directory's own migrations to the directory.
beforeAll(async () => {
  for (const db of [env.DB, env.DB_US_2, env.DB_EU_1]) await applyD1Migrations(db, env.TEST_MIGRATIONS);
  await applyD1Migrations(env.DIRECTORY, env.TEST_DIRECTORY_MIGRATIONS);
});
