import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { expectError, json, newOrg, tokenFor } from "./helpers/api";

function callWith(testEnv: Record<string, unknown>, token: string, method = "PUT", path = "/v1/me/preferences") {
  const req = new Request(`http://passpix.test${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: method === "GET" ? undefined : JSON.stringify({ hide_profile_pictures: true }),
  });
  return app.fetch(req, { ...env, ...testEnv } as unknown as Env, createExecutionContext());
}

describe("rate limits on write routes", () => {
  it("answer 429 with Retry-After past the per-user limit, and other users keep going", async () => {
    const org = newOrg();
    const limits = { USER_WRITE_LIMIT: undefined, SCHOOL_WRITE_LIMIT: undefined, FALLBACK_USER_WRITES_PER_10S: "3", FALLBACK_SCHOOL_WRITES_PER_10S: "100" };
    const alice = await tokenFor(org, "teacher", "alice");
    for (let i = 0; i < 3; i++) expect((await callWith(limits, alice)).status).toBe(200);
    const limited = await callWith(limits, alice);
    const err = await expectError(limited, 429, "rate_limited");
    expect(limited.headers.get("Retry-After")).toBe("10");
    expect(err.details).toMatchObject({ scope: "user" });
    // reads are not limited, nor is the pass view's lookup (a POST that only reads)
    expect((await callWith(limits, alice, "GET")).status).toBe(200);
    const lookup = new Request("http://passpix.test/v1/photos/lookup", {
      method: "POST",
      headers: { Authorization: `Bearer ${alice}`, "Content-Type": "application/json" },
      body: JSON.stringify({ student_ids: ["x"] }),
    });
    expect((await app.fetch(lookup, { ...env, ...limits } as unknown as Env, createExecutionContext())).status).toBe(200);
    const bob = await tokenFor(org, "teacher", "bob");
    expect((await callWith(limits, bob)).status).toBe(200);
  });

  it("answer 429 past the per-school limit", async () => {
    const org = newOrg();
    const limits = { USER_WRITE_LIMIT: undefined, SCHOOL_WRITE_LIMIT: undefined, FALLBACK_USER_WRITES_PER_10S: "100", FALLBACK_SCHOOL_WRITES_PER_10S: "4" };
    for (let i = 0; i < 4; i++) expect((await callWith(limits, await tokenFor(org, "teacher", `t${i}`))).status).toBe(200);
    const err = await expectError(await callWith(limits, await tokenFor(org, "teacher", "t9")), 429, "rate_limited");
    expect(err.details).toMatchObject({ scope: "school" });
    // another school is not affected
    expect((await callWith(limits, await tokenFor(newOrg(), "teacher", "t9"))).status).toBe(200);
  });

  it("uses the Workers rate-limiting bindings when they are bound", async () => {
    const org = newOrg();
    const keys: string[] = [];
    const binding = { limit: async ({ key }: { key: string }) => (keys.push(key), { success: !key.startsWith("u:") }) };
    const res = await callWith({ USER_WRITE_LIMIT: binding, SCHOOL_WRITE_LIMIT: binding }, await tokenFor(org, "admin", "ann"));
    await expectError(res, 429, "rate_limited");
    expect(keys.sort()).toEqual([`s:${org}`, `u:${org}:ann`]);
    expect(await json(await callWith({}, await tokenFor(org, "admin", "ann"), "GET"))).toEqual({ hide_profile_pictures: false });
  });

  it("counts a photo write once, though the roster's and the photo routes' guards both match its path", async () => {
    const org = newOrg();
    const keys: string[] = [];
    const binding = { limit: async ({ key }: { key: string }) => (keys.push(key), { success: true }) };
    const token = await tokenFor(org, "admin", "ann");
    await expectError(
      await callWith({ USER_WRITE_LIMIT: binding, SCHOOL_WRITE_LIMIT: binding }, token, "DELETE", "/v1/students/nobody/photo"),
      404,
      "not_found",
    );
    expect(keys.sort()).toEqual([`s:${org}`, `u:${org}:ann`]);
    // and the role is still checked by each guard
    await expectError(await callWith({}, await tokenFor(org, "teacher", "tom"), "DELETE", "/v1/students/nobody/photo"), 403, "forbidden");
  });
});
