/** Photo export out: GET /v1/photos/export.zip, and the round trip back in through a bulk upload. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unzipSync, strFromU8 } from "fflate";
import Papa from "papaparse";
import { exportZipStream } from "../src/features/photos/export.service";
import { photoKey } from "../src/storage/keys";
import { as, demoStudents, expectError, importRoster, json, newOrg } from "./helpers/api";
import { BLUE, GREEN, RED, YELLOW, WHITE, BLACK, decodeJpeg, encodeJpeg, near, quadrants, type Color } from "./helpers/images";
import { newUpload, putFile, putMapping, submit, waitUntilFinal } from "./helpers/uploads";

type Admin = Awaited<ReturnType<typeof as>>;

// Each student's picture has its own four colours, so a swapped photo would show.
const ROSTER = [
  ...demoStudents,
  { id: "sis:0042", email: "jo.march@school.test", sis_id: "0042", first_name: "Jo", last_name: "March", grade: "09", homeroom: "B\t7" },
];
const COLOURS: Record<string, [Color, Color, Color, Color]> = {
  s1: [RED, GREEN, BLUE, YELLOW],
  s2: [BLUE, RED, YELLOW, GREEN],
  s3: [WHITE, BLACK, RED, BLUE],
  "sis:0042": [GREEN, YELLOW, BLACK, WHITE],
};
const picture = (id: string) => encodeJpeg(quadrants(400, 500, ...COLOURS[id]!), 92);

async function schoolWithPhotos() {
  const org = newOrg("export");
  await importRoster(org, ROSTER);
  const admin = await as(org, "admin");
  for (const id of Object.keys(COLOURS)) {
    const res = await admin("PUT", `/v1/students/${encodeURIComponent(id)}/photo`, { body: picture(id), headers: { "Content-Type": "image/jpeg" } });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  return { org, admin };
}

const fullUrlOf = async (admin: Admin, id: string) => (await json(await admin("GET", `/v1/students/${encodeURIComponent(id)}`))).photo.urls.full as string;
const bytesAt = async (url: string) => new Uint8Array(await (await exports.default.fetch(new Request(url))).arrayBuffer());

function expectPicture(bytes: Uint8Array, id: string) {
  const img = decodeJpeg(bytes);
  const [tl, tr, bl, br] = COLOURS[id]!;
  const [w, h] = [img.width, img.height];
  expect(near(img, w / 4, h / 4, tl), `${id} top left`).toBe(true);
  expect(near(img, (3 * w) / 4, h / 4, tr), `${id} top right`).toBe(true);
  expect(near(img, w / 4, (3 * h) / 4, bl), `${id} bottom left`).toBe(true);
  expect(near(img, (3 * w) / 4, (3 * h) / 4, br), `${id} bottom right`).toBe(true);
}

async function exportZip(admin: Admin) {
  const res = await admin("GET", "/v1/photos/export.zip");
  expect(res.status, res.status === 200 ? "" : await res.clone().text()).toBe(200);
  return { res, files: unzipSync(new Uint8Array(await res.arrayBuffer())) };
}

describe("photo export", () => {
  it("streams every current full photo with INDEX.TXT and photos.csv, as an audited attachment", async () => {
    const { admin } = await schoolWithPhotos();
    const { res, files } = await exportZip(admin);
    expect(res.headers.get("Content-Type")).toBe("application/zip");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="photos-export-[^"]+\.zip"$/);
    expect(Object.keys(files).sort()).toEqual(["INDEX.TXT", "images/s1.jpg", "images/s2.jpg", "images/s3.jpg", "images/sis_0042.jpg", "photos.csv"]);

    // the images are the served full renditions, byte for byte
    for (const id of Object.keys(COLOURS)) {
      expect(files[`images/${id.replace(":", "_")}.jpg`]).toEqual(await bytesAt(await fullUrlOf(admin, id)));
    }

    const csv = Papa.parse<string[]>(strFromU8(files["photos.csv"]!).replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(csv[0]).toEqual(["id", "email", "sis_id", "first_name", "last_name", "grade", "homeroom", "file"]);
    // roster order: last name, first name
    expect(csv.slice(1)).toEqual([
      ["s3", "grace.hopper@school.test", "001236", "Grace", "Hopper", "11", "103", "images/s3.jpg"],
      ["s1", "ada.lovelace@school.test", "001234", "Ada", "Lovelace", "9", "101", "images/s1.jpg"],
      ["sis:0042", "jo.march@school.test", "0042", "Jo", "March", "09", "B\t7", "images/sis_0042.jpg"],
      ["s2", "alan.turing@school.test", "001235", "Alan", "Turing", "10", "102", "images/s2.jpg"],
    ]);

    const index = strFromU8(files["INDEX.TXT"]!)
      .split("\r\n")
      .filter(Boolean)
      .map((l) => l.split("\t"));
    expect(index).toHaveLength(4);
    expect(index.every((cols) => cols.length === 13)).toBe(true);
    // Volume, Image Folder, Image File Name, Grade, Last Name, First Name, Homeroom, then empty columns
    expect(index[2]!.slice(1, 7)).toEqual(["images", "sis_0042.jpg", "09", "March", "Jo", "B 7"]);

    const audit = await json(await admin("GET", "/v1/audit"));
    expect(audit.events[0]).toMatchObject({ action: "photos.export", actor: "admin-1", details: { photos: 4 } });
  });

  it("gives another school only its own photos, refuses teachers and answers 409 when there is nothing to export", async () => {
    await schoolWithPhotos();
    const other = newOrg("export-other");
    await importRoster(other, ROSTER);
    const otherAdmin = await as(other, "admin");
    await expectError(await otherAdmin("GET", "/v1/photos/export.zip"), 409, "no_photos");
    const own = encodeJpeg(quadrants(400, 500, BLACK, BLACK, WHITE, WHITE), 92);
    expect((await otherAdmin("PUT", "/v1/students/s2/photo", { body: own, headers: { "Content-Type": "image/jpeg" } })).status).toBe(200);
    const { files } = await exportZip(otherAdmin);
    expect(Object.keys(files).sort()).toEqual(["INDEX.TXT", "images/s2.jpg", "photos.csv"]);
    expect(files["images/s2.jpg"]).toEqual(await bytesAt(await fullUrlOf(otherAdmin, "s2")));
    await expectError(await (await as(other, "teacher"))("GET", "/v1/photos/export.zip"), 403, "forbidden");
    const audit = await json(await otherAdmin("GET", "/v1/audit"));
    expect(audit.events.filter((e: any) => e.action === "photos.export")).toHaveLength(1);
  });

  it("round trip: the export uploaded into another school with the same roster gives every student the same picture", async () => {
    const { admin } = await schoolWithPhotos();
    const { files } = await exportZip(admin);

    const org2 = newOrg("import");
    await importRoster(org2, ROSTER);
    const admin2 = await as(org2, "admin");
    const id = await newUpload(admin2);
    const preview = await putMapping(admin2, id, files["photos.csv"]!, "photos.csv");
    expect(preview.counts).toMatchObject({ rows: 4, matched: 4, unmatched: 0 });
    for (const [name, bytes] of Object.entries(files)) if (name.startsWith("images/")) await putFile(admin2, id, name, bytes);
    await submit(admin2, id);
    const done = await waitUntilFinal(admin2, id);
    expect(done.status).toBe("completed");
    expect(done.counts).toMatchObject({ processed: 4, failed: 0 });
    for (const sid of Object.keys(COLOURS)) expectPicture(await bytesAt(await fullUrlOf(admin2, sid)), sid);
  });

  it("streams: the first bytes leave before most photos are read, one R2 read per pull, in order", async () => {
    const org = newOrg("export-stream");
    const count = 40;
    const rows = Array.from({ length: count }, (_, i) => ({
      id: `stu${String(i).padStart(3, "0")}`,
      email: null,
      sis_id: String(i),
      first_name: "F",
      last_name: `L${i}`,
      grade: "9",
      homeroom: null,
      photo_version: "v1",
    }));
    const photo = new Uint8Array(256 * 1024).map((_, i) => (i * 31) & 255);
    for (const r of rows) await env.PHOTOS.put(photoKey(org, r.id, "v1", "full"), photo);
    const reads: string[] = [];
    const bucket = {
      get: (key: string) => {
        reads.push(key);
        return env.PHOTOS.get(key);
      },
    } as Pick<R2Bucket, "get">;

    const reader = exportZipStream(bucket, org, rows).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    // Unread, the stream holds at most a photo or two: it does not run ahead through the school.
    expect(reads.length).toBeLessThanOrEqual(2);

    const chunks = [first.value!];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(reads).toEqual(rows.map((r) => photoKey(org, r.id, "v1", "full")));
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    const all = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    const files = unzipSync(all);
    expect(Object.keys(files).filter((n) => n.startsWith("images/"))).toHaveLength(count);
    expect(files["images/stu039.jpg"]).toEqual(photo);
  });
});
