import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Principal } from "../src/http/env";
import { lookupPhotosJson } from "../src/features/photos/lookup.service";
import { as, importRoster, newOrg } from "./helpers/api";
import { newUpload, putFile, submit, waitUntilFinal } from "./helpers/uploads";
import { portraitJpeg } from "./helpers/images";

/**
 * The lookup's per-isolate memo (src/features/photos/lookup.service.ts): a repeated lookup is
 * answered without reading the students, and every writer of what a lookup shows makes the next
 * lookup read them again (the students triggers of migration 0004, the switch, the preference,
 * the URL window).
 */

// Counts the lookups whose one statement had to return the students (a memo miss).
let studentReads = 0;
const countingDb = new Proxy(env.DB, {
  get(t, p) {
    if (p !== "withSession") return Reflect.get(t, p).bind(t);
    return (constraint?: string) => {
      const session = t.withSession(constraint as never);
      return new Proxy(session, {
        get(s, q) {
          if (q !== "prepare") return Reflect.get(s, q).bind(s);
          return (sql: string) => ({
            bind: (...args: unknown[]) => ({
              first: async () => {
                const row = await s
                  .prepare(sql)
                  .bind(...args)
                  .first<{ students: string | null }>();
                if (row?.students != null) studentReads++;
                return row;
              },
            }),
          });
        },
      });
    };
  },
});

const IDS = ["s1", "s2", "s3", "s4", "s9"];

async function school() {
  const org = newOrg();
  await importRoster(org);
  const admin = await as(org, "admin");
  for (const id of ["s1", "s2"]) {
    const res = await admin("PUT", `/v1/students/${id}/photo`, { body: portraitJpeg(320, 400), headers: { "Content-Type": "image/jpeg" } });
    expect(res.status).toBe(200);
  }
  await admin("POST", "/v1/integration/enable");
  const teacher: Principal = { org, sub: "teacher-1", role: "teacher" };
  const lookup = async (who: Principal = teacher) =>
    JSON.parse(await lookupPhotosJson({ ...env, DB: countingDb }, "https://passpix.test", who, { student_ids: IDS, size: "thumb", with_names: true }));
  /** Looks up twice (the second from the memo, no students read) and returns the answer. */
  const remembered = async (who?: Principal) => {
    const first = await lookup(who);
    const reads = studentReads;
    expect(await lookup(who)).toEqual(first);
    expect(studentReads).toBe(reads);
    return first;
  };
  /** The next lookup reads the students again and returns its (new) answer. */
  const fresh = async (who?: Principal) => {
    const reads = studentReads;
    const answer = await lookup(who);
    expect(studentReads).toBe(reads + 1);
    return answer;
  };
  return { org, admin, teacher, lookup, remembered, fresh };
}

describe("the lookup's memo", () => {
  it("answers a repeated lookup without reading the students, with the same text", async () => {
    const { remembered } = await school();
    const answer = await remembered();
    expect(answer.photos.s1).toMatch(/\/s1\/.+\/thumb\.jpg\?exp=/);
    expect(answer.names).toMatchObject({ s1: "Ada Lovelace", s9: null });
  });

  it("is made stale by every photo writer: replace, delete, restore, bulk processing and revert", async () => {
    const { admin, remembered, fresh } = await school();
    const before = await remembered();
    expect((await admin("PUT", "/v1/students/s1/photo", { body: portraitJpeg(320, 400, { seed: 9 }), headers: { "Content-Type": "image/jpeg" } })).status).toBe(
      200,
    );
    const replaced = await fresh();
    expect(replaced.photos.s1).toMatch(/thumb\.jpg/);
    expect(replaced.photos.s1).not.toBe(before.photos.s1);

    await remembered();
    expect((await admin("DELETE", "/v1/students/s1/photo")).status).toBe(204);
    expect((await fresh()).photos.s1).toBeNull();

    await remembered();
    expect((await admin("POST", "/v1/students/s1/photo/restore")).status).toBe(200);
    expect((await fresh()).photos.s1).toBe(replaced.photos.s1);

    expect((await remembered()).photos.s3).toBeNull();
    const upload = await newUpload(admin);
    await putFile(admin, upload, "001236.jpg", portraitJpeg(320, 400, { seed: 4 }));
    await submit(admin, upload);
    expect((await waitUntilFinal(admin, upload)).status).toBe("completed");
    expect((await fresh()).photos.s3).toMatch(/\/s3\/.+\/thumb\.jpg/);

    await remembered();
    expect((await admin("POST", `/v1/uploads/${upload}/revert`)).status).toBe(200);
    expect((await fresh()).photos.s3).toBeNull();
  });

  it("is made stale by the roster: opt-out, renames, new and deleted students", async () => {
    const { admin, lookup, remembered, fresh } = await school();
    expect((await remembered()).photos.s2).toMatch(/thumb/);
    await admin("POST", "/v1/students/import", {
      body: { students: [{ id: "s2", email: "alan.turing@school.test", sis_id: "001235", first_name: "Alan", last_name: "Turing", photo_opt_out: true }] },
    });
    expect((await fresh()).photos.s2).toBeNull();

    await remembered();
    await admin("POST", "/v1/students/import", {
      body: {
        students: [
          { id: "s1", email: "ada.lovelace@school.test", sis_id: "001234", first_name: "Augusta Ada", last_name: "King" },
          { id: "s9", email: "new.student@school.test", first_name: "New", last_name: "Student" },
        ],
      },
    });
    expect((await fresh()).names).toMatchObject({ s1: "Augusta Ada King", s9: "New Student" });

    await remembered();
    expect((await admin("DELETE", "/v1/students/s9")).status).toBe(204);
    expect((await fresh()).names.s9).toBeNull();

    // a roster row that changes nothing the lookup shows (the grade) keeps the memo
    const kept = await remembered();
    await admin("POST", "/v1/students/import", {
      body: { students: [{ id: "s3", email: "grace.hopper@school.test", sis_id: "001236", first_name: "Grace", last_name: "Hopper", grade: "12" }] },
    });
    const reads = studentReads;
    expect(await lookup()).toEqual(kept);
    expect(studentReads).toBe(reads);
  });

  it("is made stale by the school's switch, the teacher's preference, delete-all and the next URL window", async () => {
    const { org, admin, remembered, fresh } = await school();
    await remembered();
    await admin("POST", "/v1/integration/disable");
    expect(await fresh()).toMatchObject({ visible: false, reason: "disabled", photos: { s1: null } });
    await admin("POST", "/v1/integration/enable");
    expect((await fresh()).visible).toBe(true);

    await remembered();
    const teacher = await as(org, "teacher", "teacher-1");
    await teacher("PUT", "/v1/me/preferences", { body: { hide_profile_pictures: true } });
    expect(await fresh()).toMatchObject({ visible: false, reason: "hidden_by_user", photos: { s1: null } });
    await teacher("PUT", "/v1/me/preferences", { body: { hide_profile_pictures: false } });
    const shown = await fresh();
    expect(shown.visible).toBe(true);

    await remembered();
    const clock = vi.spyOn(Date, "now").mockReturnValue(Date.now() + 10 * 60_000);
    try {
      const later = await fresh();
      expect(later.photos.s1).not.toBe(shown.photos.s1);
      expect(new URL(later.photos.s1).searchParams.get("exp")).not.toBe(new URL(shown.photos.s1).searchParams.get("exp"));
    } finally {
      clock.mockRestore();
    }

    const asAdmin: Principal = { org, sub: "admin-1", role: "admin" };
    expect((await remembered(asAdmin)).photos.s1).toMatch(/thumb/);
    const support = await as(org, "support");
    expect((await support("DELETE", `/v1/photos?confirm=${org}`)).status).toBe(202);
    expect((await fresh(asAdmin)).photos).toEqual({ s1: null, s2: null, s3: null, s4: null, s9: null });
  });
});
