/**
 * OneRoster in: files built as the 1EdTech OneRoster CSV binding lays them out (1.1 and 1.2
 * column order, a required header, RFC 4180 quoting, list fields in one quoted cell, empty
 * optional fields, CRLF, a BOM the importer must tolerate).
 */
import { describe, expect, it } from "vitest";
import { zipSync, strToU8 } from "fflate";
import { as, expectError, json, newOrg } from "./helpers/api";

const USERS_11 =
  "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password";
const USERS_12 =
  "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrg,pronouns";
const ROLES_12 = "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId";
const ORGS = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId";
const MANIFEST = (version: string) =>
  `${["propertyName,value", "manifest.version,1.0", `oneroster.version,${version}`, "file.users,bulk", "file.orgs,bulk", `file.roles,${version === "1.2" ? "bulk" : "absent"}`, "file.enrollments,absent", "source.systemName,PowerSchool"].join("\r\n")}\r\n`;

const csv = (header: string, rows: string[]) => `\uFEFF${[header, ...rows].join("\r\n")}\r\n`;

/** One school (Lincoln High, org "sch-lincoln" under district "dist-1"): students, staff, a guardian, a tobedeleted student. */
const LINCOLN_11 = csv(USERS_11, [
  // bulk file: status and dateLastModified empty; grades a quoted list; a family name with a comma, quoted
  `stu-1001,,,true,sch-lincoln,student,ada.l,"{SIS:1001}",Ada,Lovelace,Augusta,001001,ada.lovelace@lincoln.test,,,"guard-1",09,`,
  `stu-1002,,,true,"sch-lincoln",student,alan.t,,Alan,"Turing, Jr.",,001002,alan.turing@lincoln.test,,,,"10,11",`,
  // email empty, identifier set
  `stu-1003,active,2026-08-01T12:00:00.000Z,true,sch-lincoln,student,,,"Grace","Hopper",,001003,,,,,"09,10",`,
  `tch-1,,,true,sch-lincoln,teacher,m.curie,,Marie,Curie,,T001,marie.curie@lincoln.test,,,,,`,
  `adm-1,,,true,"dist-1,sch-lincoln",administrator,p.principal,,Pat,Principal,,A001,pat@lincoln.test,,,,,`,
  `guard-1,,,true,sch-lincoln,guardian,,,Anne,Lovelace,,,anne@home.test,,,"stu-1001",,`,
  `stu-1004,tobedeleted,2026-08-02T00:00:00.000Z,true,sch-lincoln,student,,,Gone,Away,,001004,gone@lincoln.test,,,,12,`,
  "",
]);

const ORGS_TWO_SCHOOLS = csv(ORGS, [
  "dist-1,,,Springfield District,district,D1,",
  "sch-lincoln,,,Lincoln High School,school,LHS,dist-1",
  "sch-roosevelt,,,Roosevelt Middle,school,RMS,dist-1",
]);

const DISTRICT_11 = csv(USERS_11, [
  `stu-1001,,,true,sch-lincoln,student,,,Ada,Lovelace,,001001,ada.lovelace@lincoln.test,,,,09,`,
  `stu-1002,,,true,sch-lincoln,student,,,Alan,Turing,,001002,alan.turing@lincoln.test,,,,10,`,
  `stu-2001,,,true,sch-roosevelt,student,,,Rosa,Parks,,002001,rosa.parks@roosevelt.test,,,,07,`,
  `tch-9,,,true,"sch-lincoln,sch-roosevelt",teacher,,,Tom,Teacher,,T9,tom@district.test,,,,,`,
]);

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));

async function post(admin: Awaited<ReturnType<typeof as>>, body: string | Uint8Array, query = "") {
  const type = typeof body === "string" ? "text/csv" : "application/zip";
  return admin("POST", `/v1/students/import${query}`, { body, headers: { "Content-Type": type } });
}

describe("OneRoster import", () => {
  it("imports the active students of a 1.1 users.csv and reports staff, guardians and tobedeleted rows", async () => {
    const admin = await as(newOrg(), "admin");
    const res = await post(admin, LINCOLN_11);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ created: 3, updated: 0, unchanged: 0, skipped: 4 });
    expect(body.problems.map((p: any) => [p.row, p.code])).toEqual([
      [5, "not_a_student"],
      [6, "not_a_student"],
      [7, "not_a_student"],
      [8, "tobedeleted"],
    ]);
    expect(body.problems[0].message).toBe('1 row is role "teacher", not students, and was not imported (row 5).');
    expect(body.problems[1].message).toContain('role "administrator"');
    expect(body.problems[2].message).toContain('role "guardian"');

    const alan = await json(await admin("GET", "/v1/students/stu-1002"));
    expect(alan).toMatchObject({ first_name: "Alan", last_name: "Turing, Jr.", grade: "10", sis_id: "001002", email: "alan.turing@lincoln.test" });
    const grace = await json(await admin("GET", "/v1/students/stu-1003"));
    expect(grace).toMatchObject({ email: null, sis_id: "001003", grade: "09" });
    expect((await admin("GET", "/v1/students/tch-1")).status).toBe(404);
    expect((await admin("GET", "/v1/students/stu-1004")).status).toBe(404);

    // the same file again changes nothing
    const again = await json(await post(admin, LINCOLN_11));
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });

  it("keeps homeroom and photo opt-out, which OneRoster does not carry", async () => {
    const admin = await as(newOrg(), "admin");
    const ours = "id,email,sis_id,first_name,last_name,grade,homeroom,photo_opt_out\nstu-1001,ada.lovelace@lincoln.test,001001,Ada,Lovelace,09,101,yes\n";
    expect((await post(admin, ours)).status).toBe(200);
    const body = await json(await post(admin, LINCOLN_11));
    expect(body).toMatchObject({ created: 2, updated: 0, unchanged: 1 });
    expect(await json(await admin("GET", "/v1/students/stu-1001"))).toMatchObject({ homeroom: "101", photo_opt_out: true });
  });

  it("reports a tobedeleted student who is on file by name and does not delete them", async () => {
    const admin = await as(newOrg(), "admin");
    const active = LINCOLN_11.replace("stu-1004,tobedeleted,", "stu-1004,active,");
    expect(await json(await post(admin, active))).toMatchObject({ created: 4 });
    const body = await json(await post(admin, LINCOLN_11));
    expect(body).toMatchObject({ created: 0, unchanged: 3 });
    const p = body.problems.find((x: any) => x.code === "tobedeleted_student");
    expect(p).toMatchObject({ row: 8 });
    expect(p.message).toContain("Gone Away (stu-1004)");
    expect(p.message).toContain("not deleted");
    expect((await admin("GET", "/v1/students/stu-1004")).status).toBe(200);
  });

  it("refuses a district zip with two schools, listing them by name, and imports one with ?school=", async () => {
    const admin = await as(newOrg(), "admin");
    const file = zip({ "manifest.csv": MANIFEST("1.1"), "users.csv": DISTRICT_11, "orgs.csv": ORGS_TWO_SCHOOLS });
    const refused = await expectError(await post(admin, file), 400, "school_required");
    expect(refused.message).toContain("Lincoln High School (sch-lincoln)");
    expect(refused.message).toContain("Roosevelt Middle (sch-roosevelt)");
    expect(refused.details).toEqual({
      schools: [
        { sourcedId: "sch-lincoln", name: "Lincoln High School" },
        { sourcedId: "sch-roosevelt", name: "Roosevelt Middle" },
      ],
    });
    expect((await admin("GET", "/v1/students/stu-1001")).status).toBe(404);

    const unknown = await expectError(await post(admin, file, "?school=sch-nowhere"), 400, "unknown_school");
    expect(unknown.message).toContain("Roosevelt Middle");

    const body = await json(await post(admin, file, "?school=sch-roosevelt"));
    expect(body).toMatchObject({ created: 1, skipped: 3 });
    expect(body.problems.map((p: any) => p.code).sort()).toEqual(["not_a_student", "other_school"]);
    expect((await admin("GET", "/v1/students/stu-2001")).status).toBe(200);
    expect((await admin("GET", "/v1/students/stu-1001")).status).toBe(404);

    // the bare users.csv names the schools by id only
    const bare = await expectError(await post(admin, DISTRICT_11), 400, "school_required");
    expect(bare.message).toContain("sch-lincoln, sch-roosevelt");
  });

  it("imports a OneRoster 1.2 zip (roles in roles.csv) and refuses its users.csv alone", async () => {
    const admin = await as(newOrg(), "admin");
    const users = csv(USERS_12, [
      `stu-1,,,true,ada.l,,Ada,Lovelace,,001001,ada@lincoln.test,,,,"09,10",,,,,,,sch-lincoln,she/her`,
      `tch-1,,,true,m.curie,,Marie,Curie,,T001,marie@lincoln.test,,,,,,,,,,,sch-lincoln,`,
      `stu-2,active,,true,,,Alan,Turing,,001002,,,,,11,,,,,,,sch-lincoln,`,
    ]);
    const roles = csv(ROLES_12, [
      "r1,,,stu-1,primary,student,,,sch-lincoln,",
      "r2,,,tch-1,primary,teacher,,,sch-lincoln,",
      "r3,,,stu-2,primary,student,,,sch-lincoln,",
    ]);
    const alone = await expectError(await post(admin, users), 400, "validation_failed");
    expect(alone.message).toContain("roles.csv");

    const file = zip({
      "oneroster/manifest.csv": MANIFEST("1.2"),
      "oneroster/users.csv": users,
      "oneroster/roles.csv": roles,
      "oneroster/orgs.csv": ORGS_TWO_SCHOOLS,
    });
    const body = await json(await post(admin, file));
    expect(body).toMatchObject({ created: 2, skipped: 1 });
    expect(await json(await admin("GET", "/v1/students/stu-1"))).toMatchObject({ grade: "09", sis_id: "001001" });
  });

  it("?dry_run=true counts what would change and writes nothing", async () => {
    const admin = await as(newOrg(), "admin");
    const dry = await json(await post(admin, LINCOLN_11, "?dry_run=true"));
    expect(dry).toMatchObject({ created: 3, updated: 0, skipped: 4, dry_run: true });
    expect((await admin("GET", "/v1/students/stu-1001")).status).toBe(404);
    const audit = await json(await admin("GET", "/v1/audit"));
    expect(audit.events.filter((e: any) => e.action === "roster.import")).toHaveLength(0);
    expect(await json(await post(admin, LINCOLN_11))).toMatchObject({ created: 3 });
    const bad = await expectError(await post(admin, LINCOLN_11, "?dry_run=yes"), 400, "validation_failed");
    expect(bad.message).toContain("dry_run");
    const ours = await expectError(await post(admin, "id,email\ns9,s9@school.test\n", "?school=sch-lincoln"), 400, "validation_failed");
    expect(ours.message).toContain("OneRoster files only");
  });

  it("refuses a zip without users.csv and a damaged zip with a clear error", async () => {
    const admin = await as(newOrg(), "admin");
    const noUsers = await expectError(await post(admin, zip({ "orgs.csv": ORGS_TWO_SCHOOLS })), 400, "validation_failed");
    expect(noUsers.message).toContain("users.csv");
    const whole = zip({ "users.csv": LINCOLN_11 });
    await expectError(await post(admin, whole.subarray(0, whole.length - 30)), 400, "validation_failed");
  });
});
