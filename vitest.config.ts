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
      },
    }),
  ],
  test: {
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
