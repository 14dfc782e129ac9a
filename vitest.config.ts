import { readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests apply the same schema.sql that `npm start` and production use.
const schema = readFileSync(new URL("./schema.sql", import.meta.url), "utf8");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
          URL_SIGNING_SECRET: "test-url-secret-0123456789abcdef0123456789abcdef",
          TEST_SCHEMA: schema,
        },
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
