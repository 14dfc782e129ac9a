import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";
import { schemaStatements } from "../src/storage/schema";

beforeAll(async () => {
  await env.DB.batch(schemaStatements(env.TEST_SCHEMA).map((sql) => env.DB.prepare(sql)));
});
