import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { runHousekeeping } from "../src/features/housekeeping/housekeeping.service";
import { as, call, demoStudents, expectError, importRoster, json, newOrgIn, tokenFor } from "./helpers/api";
import { portraitJpeg } from "./helpers/images";
import { getUpload, newUpload, putFile, submit, waitUntilFinal } from "./helpers/uploads";

const DAY = 86_400_000;
const BUCKETS = { us: env.PHOTOS, eu: env.PHOTOS_EU } as const;

const count = async (db: D1Database, table: string, org: string) =>
  (await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE org = ?1`).bind(org).first<{ n: number }>())!.n;
const objects = async (bucket: R2Bucket, org: string) => (await bucket.list({ prefix: `orgs/${org}/` })).objects.length;
const directoryRow = (org: string) => env.DIRECTORY.prepare("SELECT org, jurisdiction, home FROM org_homes WHERE org = ?1").bind(org).first();

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A school moved to the EU by support before it holds any data. */
async function euSchool() {
  const org = newOrgIn("eu-1", "eu");
  const res = await (await as(org, "support"))("PUT", "/v1/org", { body: { jurisdiction: "eu" } });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await json(res)).toMatchObject({ org, jurisdiction: "eu", home: "eu-1" });
  return org;
}

describe("homes: US shards", () => {
  it("puts two schools in different US shards, and each sees only its own data", async () => {
    const a = newOrgIn("us-1", "shard-a");
    const b = newOrgIn("us-2", "shard-b");
    await importRoster(a);
    await importRoster(b, [{ id: "b1", email: "b1@school.test", first_name: "Bea", last_name: "B" }]);
    const adminA = await as(a, "admin");
    const adminB = await as(b, "admin");
    expect(await json(await adminA("GET", "/v1/org"))).toMatchObject({ org: a, jurisdiction: "us", home: "us-1" });
    expect(await json(await adminB("GET", "/v1/org"))).toMatchObject({ org: b, jurisdiction: "us", home: "us-2" });

    expect((await json(await adminA("GET", "/v1/students"))).students.map((s: any) => s.id).sort()).toEqual(demoStudents.map((s) => s.id).sort());
    expect((await json(await adminB("GET", "/v1/students"))).students.map((s: any) => s.id)).toEqual(["b1"]);
    await expectError(await adminB("GET", "/v1/students/s1"), 404, "not_found");
    // the rows are where the directory says, and only there
    expect(await count(env.DB, "students", a)).toBe(demoStudents.length);
    expect(await count(env.DB_US_2, "students", a)).toBe(0);
    expect(await count(env.DB_US_2, "students", b)).toBe(1);
    expect(await count(env.DB, "students", b)).toBe(0);
  });
});

describe("homes: an EU school", () => {
  it("keeps its rows and bytes only in the EU pair, through the API, the queue and housekeeping", async () => {
    const org = await euSchool();
    await importRoster(org);
    const admin = await as(org, "admin");
    // a photo set directly, and a bulk upload processed by the queue consumer
    const put = await admin("PUT", "/v1/students/s1/photo", { body: portraitJpeg(120, 150), headers: { "Content-Type": "image/jpeg" } });
    expect(put.status, await put.clone().text()).toBe(200);
    const upload = await newUpload(admin);
    await putFile(admin, upload, "001235.jpg", portraitJpeg(120, 150));
    await submit(admin, upload);
    expect((await waitUntilFinal(admin, upload)).status).toBe("completed");
    const s2 = await json(await admin("GET", "/v1/students/s2"));
    expect(s2.photo.source).toBe("upload");
    // the signed URL serves the EU bytes
    const thumb = new URL(s2.photo.urls.thumb);
    const img = await call("GET", thumb.pathname + thumb.search);
    expect(img.status).toBe(200);
    expect((await img.arrayBuffer()).byteLength).toBeGreaterThan(0);

    for (const table of ["students", "photo_versions", "uploads", "upload_rows", "audit_events"]) {
      expect(await count(env.DB_EU_1, table, org), table).toBeGreaterThan(0);
      expect(await count(env.DB, table, org), table).toBe(0);
      expect(await count(env.DB_US_2, table, org), table).toBe(0);
    }
    expect(await objects(BUCKETS.eu, org)).toBeGreaterThan(0);
    expect(await objects(BUCKETS.us, org)).toBe(0);

    // housekeeping runs in the EU home too: an abandoned draft there is cancelled, its staged file dropped
    const draft = await newUpload(admin);
    await putFile(admin, draft, "001236.jpg", portraitJpeg(120, 150));
    const stagedDraft = async () => (await env.PHOTOS_EU.list({ prefix: `orgs/${org}/uploads/${draft}/` })).objects.length;
    expect(await stagedDraft()).toBe(1);
    await runHousekeeping(env, "", Date.now() + 8 * DAY);
    expect((await getUpload(admin, draft)).status).toBe("cancelled");
    expect(await stagedDraft()).toBe(0);

    // delete-all (a queue message) empties the EU bucket
    const support = await as(org, "support");
    expect((await support("DELETE", `/v1/photos?confirm=${org}`)).status).toBe(202);
    await waitFor(async () => (await env.PHOTOS_EU.list({ prefix: `orgs/${org}/students/` })).objects.length === 0, "delete-all in the EU bucket");
  });
});

describe("GET/PUT /v1/org", () => {
  it("shows admins and support the school's home; only support sets the jurisdiction, and only before data", async () => {
    const org = newOrgIn("us-2", "org");
    const [admin, support, teacher] = await Promise.all([as(org, "admin"), as(org, "support"), as(org, "teacher")]);
    await expectError(await teacher("GET", "/v1/org"), 403, "forbidden");
    const got = await json(await admin("GET", "/v1/org"));
    expect(got).toMatchObject({ org, jurisdiction: "us", home: "us-2" });
    expect(Date.parse(got.created_at)).not.toBeNaN();
    expect(await directoryRow(org)).toEqual({ org, jurisdiction: "us", home: "us-2" });

    await expectError(await admin("PUT", "/v1/org", { body: { jurisdiction: "eu" } }), 403, "forbidden");
    await expectError(await support("PUT", "/v1/org", { body: { jurisdiction: "mars" } }), 400, "validation_failed");
    await expectError(await support("PUT", "/v1/org", { body: {} }), 400, "validation_failed");

    const moved = await json(await support("PUT", "/v1/org", { body: { jurisdiction: "eu" } }));
    expect(moved).toMatchObject({ org, jurisdiction: "eu", home: "eu-1", created_at: got.created_at });
    expect(await directoryRow(org)).toEqual({ org, jurisdiction: "eu", home: "eu-1" });
    // the next request already uses the new home (this isolate forgot the old one)
    expect(await json(await admin("GET", "/v1/org"))).toMatchObject({ home: "eu-1" });
    await importRoster(org);
    expect(await count(env.DB_EU_1, "students", org)).toBe(demoStudents.length);
    expect(await count(env.DB_US_2, "students", org)).toBe(0);

    // now it holds data: no move, and nothing changes
    const err = await expectError(await support("PUT", "/v1/org", { body: { jurisdiction: "us" } }), 409, "school_has_data");
    expect(err.details).toMatchObject({ jurisdiction: "eu", home: "eu-1" });
    expect(await directoryRow(org)).toEqual({ org, jurisdiction: "eu", home: "eu-1" });
    // asking for the jurisdiction it already has is not a move
    expect((await support("PUT", "/v1/org", { body: { jurisdiction: "eu" } })).status).toBe(200);
  });
});

describe("the directory lookup", () => {
  it("is remembered per isolate: a second request does not read the directory", async () => {
    let queries = 0;
    const directory = new Proxy(env.DIRECTORY, {
      get(target, prop) {
        if (prop === "prepare") queries++;
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const counted = { ...env, DIRECTORY: directory } as Env;
    const org = newOrgIn("us-2", "cached");
    const token = await tokenFor(org, "admin");
    const get = async () => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request("http://passpix.test/v1/integration", { headers: { Authorization: `Bearer ${token}` } }), counted, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(200);
    };
    await get();
    expect(queries).toBeGreaterThan(0); // first sight: read, provision, read back
    const afterFirst = queries;
    await get();
    await get();
    expect(queries).toBe(afterFirst);
  });
});

describe("/img and the directory", () => {
  it("makes its own table when the local directory was never migrated (only DB prepared, as the contract allows)", async () => {
    // Storage is reset after each test, so dropping the table here touches no other test.
    await env.DIRECTORY.prepare("DROP TABLE org_homes").run();
    const org = newOrgIn("us-1", "unmigrated");
    await importRoster(org);
    expect(await directoryRow(org)).toMatchObject({ org, jurisdiction: "us", home: "us-1" });
  });

  it("never provisions a school from an image URL, and answers an unknown school or home like a known one", async () => {
    const org = newOrgIn("us-2", "never-seen");
    const exp = Math.floor(Date.now() / 1000) + 600;
    // The URL names the home: /img reads neither the directory nor D1, and a forged URL learns nothing.
    await expectError(await call("GET", `/img/us-2/${org}/s1/v1/thumb.jpg?exp=${exp}&sig=forged`), 403, "invalid_signature");
    await expectError(await call("GET", `/img/mars-1/${org}/s1/v1/thumb.jpg?exp=${exp}&sig=forged`), 403, "invalid_signature");
    expect(await directoryRow(org)).toBeNull();
  });
});
