import { env, exports } from "cloudflare:workers";
import { it, expect } from "vitest";
it("runs", async () => {
  const r = await env.DB.prepare("select count(*) as n from students").first();
  expect(r).toEqual({ n: 0 });
  const res = await exports.default.fetch("http://x/");
  expect(res.status).toBe(200);
});
