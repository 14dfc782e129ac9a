import { readFileSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests build their database with the same migrations/ that `npm start` and production apply
// (test/setup.ts); test/migrations.test.ts also builds one from schema.sql, the snapshot, and
// compares the two.
const migrations = await readD1Migrations(new URL("./migrations", import.meta.url).pathname);
// The directory (org → home) has its own migrations, applied to the DIRECTORY binding only.
const directoryMigrations = await readD1Migrations(new URL("./migrations-directory", import.meta.url).pathname);
const schema = readFileSync(new URL("./schema.sql", import.meta.url), "utf8");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
          URL_SIGNING_SECRET: "test-url-secret-0123456789abcdef0123456789abcdef",
          TEST_MIGRATIONS: migrations,
          TEST_DIRECTORY_MIGRATIONS: directoryMigrations,
          TEST_SCHEMA: schema,
        },
        // Empty databases for test/migrations.test.ts only: one made from schema.sql, one taken
        // through the migrations one at a time with rows in it.
        d1Databases: ["SNAPSHOT_DB", "UPGRADE_DB"],
        // Suites push thousands of writes through one account in seconds; the limits themselves
        // are tested in test/rate-limit.test.ts.
        ratelimits: {
          USER_WRITE_LIMIT: { namespace_id: "7101", simple: { limit: 1_000_000, period: 10 } },
          SCHOOL_WRITE_LIMIT: { namespace_id: "7102", simple: { limit: 1_000_000, period: 10 } },
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
