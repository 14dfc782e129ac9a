import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { bodyLimitFor } from "../src/http/body-limits";
import { as, call, expectError, importRoster, json, newOrg, tokenFor, type Role } from "./helpers/api";

const ADMINS: Role[] = ["admin", "support"];
const ANYONE: Role[] = ["admin", "support", "teacher"];

/**
 * Every authenticated route and who may call it. The OpenAPI test below fails when a route is
 * added without a line here, so no route escapes the matrix.
 */
export const ROUTE_ROLES: Array<{ method: string; path: string; roles: Role[]; body?: unknown }> = [
  { method: "POST", path: "/v1/students/import", roles: ADMINS, body: { students: [] } },
  { method: "GET", path: "/v1/students", roles: ADMINS },
  { method: "GET", path: "/v1/students/{id}", roles: ADMINS },
  { method: "DELETE", path: "/v1/students/{id}", roles: ADMINS },
  { method: "PUT", path: "/v1/students/{id}/photo", roles: ADMINS },
  { method: "DELETE", path: "/v1/students/{id}/photo", roles: ADMINS },
  { method: "POST", path: "/v1/students/{id}/photo/restore", roles: ADMINS },
  { method: "POST", path: "/v1/photos/lookup", roles: ANYONE, body: { student_ids: [] } },
  { method: "GET", path: "/v1/integration", roles: ADMINS },
  { method: "POST", path: "/v1/integration/enable", roles: ADMINS },
  { method: "POST", path: "/v1/integration/disable", roles: ADMINS },
  { method: "GET", path: "/v1/integration/missing.csv", roles: ADMINS },
  { method: "GET", path: "/v1/me/preferences", roles: ANYONE },
  { method: "PUT", path: "/v1/me/preferences", roles: ANYONE, body: { hide_profile_pictures: false } },
  { method: "GET", path: "/v1/audit", roles: ADMINS },
  { method: "GET", path: "/v1/uploads/template.csv", roles: ADMINS },
  { method: "POST", path: "/v1/uploads", roles: ADMINS },
  { method: "GET", path: "/v1/uploads", roles: ADMINS },
  { method: "GET", path: "/v1/uploads/{id}", roles: ADMINS },
  { method: "DELETE", path: "/v1/uploads/{id}", roles: ADMINS },
  { method: "PUT", path: "/v1/uploads/{id}/mapping", roles: ADMINS, body: "email,file\n" },
  { method: "PUT", path: "/v1/uploads/{id}/files/{name}", roles: ADMINS, body: "x" },
  { method: "GET", path: "/v1/uploads/{id}/files", roles: ADMINS },
  { method: "PUT", path: "/v1/uploads/{id}/archive", roles: ADMINS, body: "PK" },
  { method: "POST", path: "/v1/uploads/{id}/submit", roles: ADMINS },
  { method: "GET", path: "/v1/uploads/{id}/report.csv", roles: ADMINS },
  { method: "POST", path: "/v1/uploads/{id}/revert", roles: ADMINS },
  { method: "DELETE", path: "/v1/photos", roles: ["support"] },
];
const PUBLIC = new Set(["GET /health", "GET /img/{org}/{student}/{version}/{file}"]);

const concrete = (path: string) => path.replace("/uploads/{id}", "/uploads/0000000000000000").replace("{id}", "nobody").replace("{name}", "a.jpg");

describe("role × route matrix", () => {
  it("covers every route in the OpenAPI document", async () => {
    const doc = await json(await call("GET", "/openapi.json"));
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const listed = new Set([...ROUTE_ROLES.map((r) => `${r.method} ${r.path}`), ...PUBLIC]);
    expect(documented.filter((r) => !listed.has(r))).toEqual([]);
    expect([...listed].filter((r) => !documented.includes(r))).toEqual([]);
  });

  for (const route of ROUTE_ROLES) {
    it(`${route.method} ${route.path}`, async () => {
      const org = newOrg();
      const anonymous = await call(route.method, concrete(route.path), { body: route.body as any });
      await expectError(anonymous, 401, "unauthorized");
      expect(anonymous.headers.get("WWW-Authenticate")).toMatch(/Bearer/);
      for (const role of ["admin", "teacher", "support"] as Role[]) {
        const res = await call(route.method, concrete(route.path), { token: await tokenFor(org, role), body: route.body as any });
        if (route.roles.includes(role)) expect([200, 201, 202, 204, 400, 404, 409, 411, 415, 422], `${role}`).toContain(res.status);
        else await expectError(res, 403, "forbidden");
      }
    });
  }
});

describe("oversized bodies", () => {
  for (const route of ROUTE_ROLES.filter((r) => r.method !== "GET")) {
    it(`${route.method} ${route.path} → 413 before reading the body`, async () => {
      const path = concrete(route.path);
      const limit = bodyLimitFor(route.method, new URL(`http://x${path}`).pathname);
      const role = route.roles[0]!;
      const res = await call(route.method, path, {
        token: await tokenFor(newOrg(), role),
        body: new Uint8Array(16),
        headers: { "Content-Type": "application/octet-stream", "Content-Length": String(limit.bytes + 1) },
      });
      const err = await expectError(res, 413, limit.what === "image" ? "image_too_large" : "too_large");
      expect(err.message).toMatch(/limit/);
    });
  }

  /** A body without a length, `chunks` × 64 KB, counting how much of it was read. */
  function chunkedBody(chunks: number) {
    const state = { pulled: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled === chunks) return controller.close();
        state.pulled++;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { stream, state };
  }

  // Over a real socket, answering before the client has sent everything resets the connection
  // (e2e/bodies.test.mjs); here we check the body is read to its end before the 413 goes out.
  for (const [route, code] of [
    ["PUT /v1/students/{id}/photo", "image_too_large"],
    ["PUT /v1/uploads/{id}/files/{name}", "image_too_large"],
    ["POST /v1/students/import", "too_large"],
  ] as const) {
    it(`${route} without a Content-Length → 413, after draining the rest of the body`, async () => {
      const org = newOrg();
      await importRoster(org);
      const admin = await as(org, "admin");
      const { upload } = await json(await admin("POST", "/v1/uploads"));
      const [method, template] = route.split(" ") as [string, string];
      const path = template.replace("{id}", template.includes("uploads") ? upload.id : "s1").replace("{name}", "big.jpg");
      const limit = bodyLimitFor(method, path).bytes;
      const chunks = Math.ceil((limit * 1.5) / (64 * 1024));
      const { stream, state } = chunkedBody(chunks);
      const res = await admin(method, path, { body: stream, headers: { "Content-Type": method === "POST" ? "text/csv" : "image/jpeg" } });
      const err = await expectError(res, 413, code);
      expect(err.message).toMatch(/limit/);
      expect(state.pulled).toBe(chunks);
    });
  }

  it("a small body without a Content-Length still reaches the validator", async () => {
    const admin = await as(newOrg(), "admin");
    const body = new TextEncoder().encode(JSON.stringify({ students: [{ id: "stu_9", email: "nine@school.org", first_name: "N", last_name: "I" }] }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(body);
        controller.close();
      },
    });
    const res = await admin("POST", "/v1/students/import", { body: stream, headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(200);
    expect((await json(res)).created).toBe(1);
  });
});

describe("file names are only names", () => {
  it("keeps ../, absolute and backslash paths inside the upload", async () => {
    const org = newOrg();
    const admin = await as(org, "admin");
    const { upload } = await json(await admin("POST", "/v1/uploads"));
    const names: Record<string, string> = {
      "../../../../etc/passwd.jpg": "etc/passwd.jpg",
      "/abs/olute.jpg": "abs/olute.jpg",
      "..\\..\\win\\dows.jpg": "win/dows.jpg",
      "./a/./b/../c.jpg": "a/b/c.jpg",
    };
    for (const [raw, expected] of Object.entries(names)) {
      const res = await admin("PUT", `/v1/uploads/${upload.id}/files/${encodeURIComponent(raw)}`, { body: new TextEncoder().encode("not an image") });
      expect(res.status).toBe(200);
      expect((await json(res)).file.name).toBe(expected);
    }
    const keys = (await env.PHOTOS.list({ prefix: "orgs/" })).objects.map((o) => o.key).filter((k) => k.includes(upload.id));
    expect(keys.every((k) => k.startsWith(`orgs/${org}/uploads/${upload.id}/files/`))).toBe(true);
    await expectError(
      await admin("PUT", `/v1/uploads/${upload.id}/files/${encodeURIComponent("../..")}`, { body: new Uint8Array(4) }),
      400,
      "validation_failed",
    );
  });
});

describe("tokens", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");

  it("refuses alg none, a wrong key, expiry, missing claims, bad org and unknown roles", async () => {
    const claims = { sub: "u1", org: "school-a", role: "admin", exp: now() + 600 };
    const bad = [
      `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
      await sign(claims, "not-the-secret", "HS256"),
      await sign({ ...claims, exp: now() - 10 }, env.JWT_SECRET, "HS256"),
      await sign({ sub: "u1", org: "school-a", role: "admin" }, env.JWT_SECRET, "HS256"),
      await sign({ ...claims, org: "../other" }, env.JWT_SECRET, "HS256"),
      await sign({ ...claims, role: "superuser" }, env.JWT_SECRET, "HS256"),
      await sign({ ...claims, sub: "" }, env.JWT_SECRET, "HS256"),
      await sign(claims, env.JWT_SECRET, "HS512"),
      "garbage",
    ];
    for (const token of bad) {
      await expectError(await call("GET", "/v1/integration", { token }), 401, "unauthorized");
    }
    await expectError(await call("GET", "/v1/integration", { headers: { Authorization: "Basic abc" } }), 401, "unauthorized");
    expect((await call("GET", "/v1/integration", { token: await sign(claims, env.JWT_SECRET, "HS256") })).status).toBe(200);
  });
});

describe("two schools", () => {
  it("every route that names a resource answers 404 for another school's", async () => {
    const a = newOrg("a");
    await importRoster(a);
    const adminA = await as(a, "admin");
    const { upload } = await json(await adminA("POST", "/v1/uploads"));
    const named = ROUTE_ROLES.filter((r) => r.path.includes("{id}"));
    expect(named.length).toBeGreaterThan(10);
    for (const route of named) {
      const path = route.path.replace("/uploads/{id}", `/uploads/${upload.id}`).replace("{id}", "s1").replace("{name}", "a.jpg");
      for (const role of route.roles) {
        const res = await call(route.method, path, { token: await tokenFor(newOrg("b"), role), body: route.body as any });
        await expectError(res, 404, "not_found");
      }
    }
    // and school A still has everything
    expect((await adminA("GET", "/v1/students/s1")).status).toBe(200);
    expect((await adminA("GET", `/v1/uploads/${upload.id}`)).status).toBe(200);
  });

  it("never see each other's students, preferences or audit", async () => {
    const a = newOrg("a");
    const b = newOrg("b");
    await importRoster(a);
    const adminB = await as(b, "admin");
    await expectError(await adminB("GET", "/v1/students/s1"), 404, "not_found");
    await expectError(await adminB("DELETE", "/v1/students/s1/photo"), 404, "not_found");
    await expectError(await adminB("POST", "/v1/students/s1/photo/restore"), 404, "not_found");
    expect((await json(await adminB("GET", "/v1/students"))).students).toEqual([]);
    expect((await json(await adminB("GET", "/v1/audit"))).events).toEqual([]);
    expect((await json(await adminB("GET", "/v1/integration"))).student_count).toBe(0);
    const teacherB = await as(b, "teacher");
    const lookup = await json(await teacherB("POST", "/v1/photos/lookup", { body: { student_ids: ["s1"], with_names: true } }));
    expect(lookup.photos).toEqual({ s1: null });
    expect(lookup.names).toEqual({ s1: null });
  });
});

describe("service routes", () => {
  it("serves health, the OpenAPI document and the docs page without a token", async () => {
    expect(await json(await call("GET", "/health"))).toEqual({ ok: true });
    const doc = await json(await call("GET", "/openapi.json"));
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths["/v1/photos/lookup"].post.requestBody.content["application/json"].schema).toBeTruthy();
    const docs = await call("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/openapi\.json/);
    await expectError(await call("GET", "/v1/nothing-here"), 404, "not_found");
  });
});
