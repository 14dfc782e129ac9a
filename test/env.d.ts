declare namespace Cloudflare {
  interface Env {
    TEST_SCHEMA: string;
  }
}
