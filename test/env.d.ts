declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_DIRECTORY_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_SCHEMA: string;
    SNAPSHOT_DB: D1Database;
    UPGRADE_DB: D1Database;
  }
}
