import { describe, expect, it } from "vitest";
import { as, expectError, importRoster, json, newOrg } from "./helpers/api";

describe("roster import", () => {
  it("imports a CSV with a header in any column order, then reports updated and unchanged rows", async () => {
    const admin = await as(newOrg(), "admin");
    const csv = "\uFEFFEmail,ID,First Name,last_name,grade,SIS_ID\r\nada@x.test,a1,Ada,Lovelace,9,001\r\nalan@x.test,a2,Alan,Turing,10,002\r\n";
    const first = await json(await admin("POST", "/v1/students/import", { body: csv, headers: { "Content-Type": "text/csv" } }));
    expect(first).toEqual({ created: 2, updated: 0, unchanged: 0, problems: [] });

    const again = "id,email,first_name,last_name,grade,sis_id\na1,ada@x.test,Ada,Lovelace,9,001\na2,alan@x.test,Alan,Turing,11,002\n";
    const second = await json(await admin("POST", "/v1/students/import", { body: again, headers: { "Content-Type": "text/csv" } }));
    expect(second).toEqual({ created: 0, updated: 1, unchanged: 1, problems: [] });

    const student = await json(await admin("GET", "/v1/students/a2"));
    expect(student).toMatchObject({ id: "a2", grade: "11", sis_id: "002", has_photo: false, photo: null, photo_opt_out: false });
  });

  it("reports bad rows by spreadsheet row number and imports the rest", async () => {
    const admin = await as(newOrg(), "admin");
    const csv = [
      "id,email,sis_id,first_name,photo_opt_out",
      "ok1,ok1@x.test,,Ok,no",
      ",missing-id@x.test,,NoId,",
      "noids,,,Nobody,",
      "bademail,not-an-email,,Bad,",
      "ok1,dup@x.test,,Dup,",
      "optout,,123,Opt,yes",
      "badflag,,124,Flag,maybe",
    ].join("\n");
    const res = await json(await admin("POST", "/v1/students/import", { body: csv, headers: { "Content-Type": "text/csv" } }));
    expect(res.created).toBe(2);
    expect(res.problems.map((p: any) => [p.row, p.code])).toEqual([
      [3, "bad_row"],
      [4, "bad_row"],
      [5, "bad_row"],
      [6, "duplicate_student"],
      [8, "bad_row"],
    ]);
    expect(res.problems[1].message).toMatch(/email or a sis_id/);
    const optout = await json(await admin("GET", "/v1/students/optout"));
    expect(optout.photo_opt_out).toBe(true);
  });

  it("reports a row with more fields than the header as bad_row with both counts, and imports the others", async () => {
    const admin = await as(newOrg(), "admin");
    // Row 3's unquoted comma ("Smith, Jr.") would shift the last name into the grade column.
    const csv = "id,email,first_name,last_name,grade\nf1,f1@x.test,Ann,Lee,9\nf2,f2@x.test,John,Smith, Jr.,10\nf3,f3@x.test,Bo,Ray,11,\n";
    const res = await json(await admin("POST", "/v1/students/import", { body: csv, headers: { "Content-Type": "text/csv" } }));
    expect(res.created).toBe(2);
    expect(res.problems.map((p: any) => [p.row, p.code])).toEqual([[3, "bad_row"]]);
    expect(res.problems[0].message).toMatch(/Row 3 has 6 fields but the header has 5/);
    expect(res.problems[0].message).toMatch(/comma/);
    expect((await admin("GET", "/v1/students/f2")).status).toBe(404);
    // An empty field after the last column (a trailing comma) carries nothing and is no problem.
    expect(await json(await admin("GET", "/v1/students/f3"))).toMatchObject({ grade: "11" });
  });

  it("accepts JSON rows and validates each one", async () => {
    const admin = await as(newOrg(), "admin");
    const res = await json(
      await admin("POST", "/v1/students/import", { body: { students: [{ id: "j1", email: "J1@X.test" }, { id: "bad id!", email: "x@y.test" }, "nonsense"] } }),
    );
    expect(res.created).toBe(1);
    expect(res.problems.map((p: any) => p.row)).toEqual([2, 3]);
  });

  it("refuses a CSV without an id column, a wrong media type and a body that is not JSON", async () => {
    const admin = await as(newOrg(), "admin");
    const e = await expectError(
      await admin("POST", "/v1/students/import", { body: "email,name\na@b.c,A\n", headers: { "Content-Type": "text/csv" } }),
      400,
      "validation_failed",
    );
    expect(e.message).toMatch(/id column/);
    await expectError(
      await admin("POST", "/v1/students/import", { body: "<x/>", headers: { "Content-Type": "application/xml" } }),
      415,
      "unsupported_media_type",
    );
    await expectError(await admin("POST", "/v1/students/import", { body: "{nope", headers: { "Content-Type": "application/json" } }), 400, "validation_failed");
    await expectError(await admin("POST", "/v1/students/import", { body: { pupils: [] } }), 400, "validation_failed");
  });

  it("refuses a roster larger than the limit with 413 before reading it", async () => {
    const admin = await as(newOrg(), "admin");
    const big = "id,email\n" + "x".repeat(11 * 1024 * 1024);
    await expectError(await admin("POST", "/v1/students/import", { body: big, headers: { "Content-Type": "text/csv" } }), 413, "too_large");
  });
});

describe("student listing", () => {
  it("searches by name, email and sis_id, filters by photo and pages with a cursor", async () => {
    const org = newOrg();
    const students = Array.from({ length: 7 }, (_, i) => ({
      id: `p${i}`,
      email: `kid${i}@x.test`,
      sis_id: `00${i}`,
      first_name: `Kid${i}`,
      last_name: i % 2 ? "Zed" : "Abe",
    }));
    students.push({ id: "e1", email: "eva@x.test", sis_id: "999", first_name: "Éva", last_name: "Émile" });
    await importRoster(org, students);
    const admin = await as(org, "admin");

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(await admin("GET", `/v1/students?limit=3${cursor ? `&cursor=${cursor}` : ""}`));
      expect(page.students.length).toBeLessThanOrEqual(3);
      seen.push(...page.students.map((s: any) => s.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["p0", "p2", "p4", "p6", "p1", "p3", "p5", "e1"]);

    const byName = await json(await admin("GET", "/v1/students?q=kid3"));
    expect(byName.students.map((s: any) => s.id)).toEqual(["p3"]);
    const byFull = await json(await admin("GET", "/v1/students?q=Kid4%20Abe"));
    expect(byFull.students.map((s: any) => s.id)).toEqual(["p4"]);
    const bySis = await json(await admin("GET", "/v1/students?q=999"));
    expect(bySis.students.map((s: any) => s.id)).toEqual(["e1"]);
    const noPhoto = await json(await admin("GET", "/v1/students?has_photo=false&limit=500"));
    expect(noPhoto.students).toHaveLength(8);
    const withPhoto = await json(await admin("GET", "/v1/students?has_photo=true"));
    expect(withPhoto).toEqual({ students: [], next_cursor: null });
    const wildcard = await json(await admin("GET", "/v1/students?q=%25"));
    expect(wildcard.students).toEqual([]);
  });

  it("names the offending query fields", async () => {
    const admin = await as(newOrg(), "admin");
    const e = await expectError(await admin("GET", "/v1/students?limit=501&has_photo=maybe"), 400, "validation_failed");
    expect((e.details as any[]).map((d) => d.path).sort()).toEqual(["has_photo", "limit"]);
    await expectError(await admin("GET", "/v1/students?cursor=garbage"), 400, "validation_failed");
  });

  it("deletes a student, and another school's student is not found", async () => {
    const org = newOrg();
    await importRoster(org);
    const admin = await as(org, "admin");
    const other = await as(newOrg(), "admin");
    await expectError(await other("DELETE", "/v1/students/s1"), 404, "not_found");
    expect((await admin("DELETE", "/v1/students/s1")).status).toBe(204);
    await expectError(await admin("GET", "/v1/students/s1"), 404, "not_found");
    await expectError(await admin("DELETE", "/v1/students/s1"), 404, "not_found");
  });
});
