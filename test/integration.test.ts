import { describe, expect, it } from "vitest";
import { as, expectError, importRoster, json, newOrg } from "./helpers/api";

describe("integration state, preferences and audit", () => {
  it("cannot enable before any photo, reports counts, and lists students missing photos (not opted out)", async () => {
    const org = newOrg();
    await importRoster(org);
    const admin = await as(org, "admin");
    expect(await json(await admin("GET", "/v1/integration"))).toEqual({
      enabled: false,
      can_enable: false,
      photo_count: 0,
      warning_photo_count: 0,
      student_count: 4,
      eligible_count: 3,
      eligible_photo_count: 0,
      coverage: 0,
      last_upload: null,
    });
    const e = await expectError(await admin("POST", "/v1/integration/enable"), 409, "no_photos");
    expect(e.message).toMatch(/Upload photos first/);

    const res = await admin("GET", "/v1/integration/missing.csv");
    expect(res.headers.get("Content-Type")).toMatch(/text\/csv/);
    const lines = (await res.text())
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe("id,email,sis_id,first_name,last_name,grade,homeroom");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["s1", "s2", "s3"]);

    expect((await admin("POST", "/v1/integration/disable")).status).toBe(200);
  });

  it("keeps each user's preference to themselves", async () => {
    const org = newOrg();
    const t1 = await as(org, "teacher", "t1");
    const t2 = await as(org, "teacher", "t2");
    expect(await json(await t1("GET", "/v1/me/preferences"))).toEqual({ hide_profile_pictures: false });
    expect(await json(await t1("PUT", "/v1/me/preferences", { body: { hide_profile_pictures: true } }))).toEqual({ hide_profile_pictures: true });
    expect(await json(await t1("GET", "/v1/me/preferences"))).toEqual({ hide_profile_pictures: true });
    expect(await json(await t2("GET", "/v1/me/preferences"))).toEqual({ hide_profile_pictures: false });
    const e = await expectError(await t1("PUT", "/v1/me/preferences", { body: { hide_profile_pictures: "yes" } }), 400, "validation_failed");
    expect((e.details as any[])[0].path).toBe("hide_profile_pictures");
  });

  it("records who did what, newest first, with pagination", async () => {
    const org = newOrg();
    await importRoster(org);
    const admin = await as(org, "admin", "principal-skinner");
    await admin("POST", "/v1/integration/disable");
    await admin("DELETE", "/v1/students/s2");
    const page1 = await json(await admin("GET", "/v1/audit?limit=2"));
    expect(page1.events.map((e: any) => e.action)).toEqual(["student.delete", "integration.disable"]);
    expect(page1.events[0]).toMatchObject({ actor: "principal-skinner", student_id: "s2" });
    const page2 = await json(await admin("GET", `/v1/audit?limit=2&cursor=${page1.next_cursor}`));
    expect(page2.events.map((e: any) => e.action)).toEqual(["roster.import"]);
    expect(page2.next_cursor).toBeNull();
  });
});
