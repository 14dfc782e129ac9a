// Zips over the platform's body cap are unpacked on the admin's machine (the page and the CLI):
// the rules they share with the server (src/shared/delivery.ts), the cap PUT …/archive enforces
// in the contract's shape, and the file list a resuming client reads to skip what arrived.
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { archiveBodyLimit } from "../src/http/body-limits";
import { entriesToUnpack, unpackZip, zipDirectoryLocation, zipDirectoryNames, ZIP_TAIL_BYTES, type ZipEntry } from "../src/shared/delivery";
import { as, expectError, importRoster, json, newOrg } from "./helpers/api";
import { ascii, portraitJpeg } from "./helpers/images";
import { newUpload, putFile } from "./helpers/uploads";

/** A reader over `bytes` in chunks of `size` (as File.stream() or a file stream hands them over). */
function chunked(bytes: Uint8Array, size = 1000) {
  let at = 0;
  return {
    read: async () => {
      if (at >= bytes.byteLength) return { done: true };
      const value = bytes.subarray(at, at + size);
      at += size;
      return { done: false, value };
    },
  };
}

async function unpack(bytes: Uint8Array, maxEntryBytes = 1 << 20) {
  const got: ZipEntry[] = [];
  const result = await unpackZip(chunked(bytes), { maxEntryBytes, onEntry: (e) => void got.push(e) });
  return { ...result, got };
}

const delivery = () =>
  zipSync(
    {
      "Delivery/": new Uint8Array(0),
      "Delivery/Grade 9/001234.jpg": portraitJpeg(160, 200, { seed: 1 }),
      "Delivery/Grade 9/IMG_2.HEIC": ascii("not really a heic"),
      "Delivery/INDEX.TXT": ascii("V1\tF\tP1.jpg\t09\tLovelace\tAda\t101"),
      "Delivery/README.pdf": ascii("%PDF-1.4"),
      "Delivery/nested.zip": zipSync({ "a.jpg": new Uint8Array(10) }),
      "Delivery/.DS_Store": ascii("junk"),
      "__MACOSX/Delivery/._001234.jpg": ascii("junk"),
      "Delivery/Thumbs.db": ascii("junk"),
      "../../etc/001235.jpg": portraitJpeg(160, 200, { seed: 2 }),
      "Delivery/huge.png": new Uint8Array(5000),
    },
    { level: 1 },
  );

describe("unpacking a zip on the admin's machine (src/shared/delivery.ts)", () => {
  it("hands over photos and tables entry by entry, names as the server stores them; lists what it passes over", async () => {
    const r = await unpack(delivery(), 4096);
    expect(r.failure).toBeNull();
    expect(r.got.map((e) => [e.name, e.use])).toEqual([
      ["Delivery/Grade 9/001234.jpg", "photo"],
      ["Delivery/Grade 9/IMG_2.HEIC", "photo"],
      ["Delivery/INDEX.TXT", "table"],
      ["etc/001235.jpg", "photo"],
    ]);
    expect(r.got[0]!.bytes).toEqual(portraitJpeg(160, 200, { seed: 1 }));
    expect(r.junk).toBe(3);
    expect(r.skipped).toEqual([
      { name: "Delivery/README.pdf", reason: "not_needed" },
      { name: "Delivery/nested.zip", reason: "not_needed" },
      { name: "Delivery/huge.png", reason: "too_large" },
    ]);
  });

  it("waits for each entry's handler before reading on (memory stays bounded by the caller's queue)", async () => {
    const zip = delivery();
    let inHandler = false;
    let readWhileHandling = false;
    const inner = chunked(zip, 300);
    const reader = {
      read: async () => {
        if (inHandler) readWhileHandling = true;
        return inner.read();
      },
    };
    const result = await unpackZip(reader, {
      maxEntryBytes: 1 << 20,
      onEntry: async () => {
        inHandler = true;
        await new Promise((r) => setTimeout(r, 5));
        inHandler = false;
      },
    });
    expect(result.entries).toBe(5);
    expect(readWhileHandling).toBe(false);
  });

  it("a zip cut short, damaged or not a zip at all: a failure in plain words, entries read whole are still handed over", async () => {
    const zip = delivery();
    const cut = await unpack(zip.subarray(0, zip.byteLength - 40));
    expect(cut.failure).toMatch(/ends early|damaged or incomplete/);
    expect(cut.got.length).toBe(5);
    const midEntry = await unpack(zip.subarray(0, 600));
    expect(midEntry.failure).toMatch(/ends early|damaged or incomplete/);
    expect((await unpack(ascii("this is not a zip at all"))).failure).toMatch(/not a zip|ends early/);
  });

  it("the central directory gives the entry names before unpacking (the progress bar's total)", () => {
    const zip = delivery();
    const loc = zipDirectoryLocation(zip.subarray(Math.max(0, zip.byteLength - ZIP_TAIL_BYTES)))!;
    const names = zipDirectoryNames(zip.subarray(loc.offset, loc.offset + loc.size));
    expect(names).toHaveLength(11);
    expect(entriesToUnpack(names).map((e) => e.name)).toEqual([
      "Delivery/Grade 9/001234.jpg",
      "Delivery/Grade 9/IMG_2.HEIC",
      "Delivery/INDEX.TXT",
      "etc/001235.jpg",
      "Delivery/huge.png",
    ]);
    expect(zipDirectoryLocation(zip.subarray(0, zip.byteLength - 1))).toBeNull();
  });
});

describe("PUT …/archive above MAX_ARCHIVE_BODY_BYTES", () => {
  it("reads the cap from the var, falling back to the Free/Pro plans' 100 MB", () => {
    expect(archiveBodyLimit({ MAX_ARCHIVE_BODY_BYTES: "2048" } as never)).toBe(2048);
    for (const v of ["", "0", "-5", "lots"]) expect(archiveBodyLimit({ MAX_ARCHIVE_BODY_BYTES: v } as never)).toBe(100 * 1024 * 1024);
  });

  it("a larger zip gets the contract's 413 saying what works instead, before any byte is stored", async () => {
    const org = newOrg();
    await importRoster(org);
    const admin = await as(org, "admin");
    const id = await newUpload(admin);
    const declared = 100 * 1024 * 1024 + 1;
    const body = new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(16)), c.close()) });
    const err = await expectError(
      await admin("PUT", `/v1/uploads/${id}/archive`, { body, headers: { "Content-Type": "application/zip", "Content-Length": String(declared) } }),
      413,
      "too_large",
    );
    expect(err.message).toMatch(/zip file is 100 MB; the limit is 100 MB\. .*Profile Pictures page.*npm run upload/);
    expect(err.details).toEqual({ size: declared, limit: 100 * 1024 * 1024 });
    const upload = await json(await admin("GET", `/v1/uploads/${id}`));
    expect(upload.archive).toBeNull();
  });
});

describe("GET /v1/uploads/:id/files", () => {
  it("lists what the upload holds, by name and in pages, so a resumed upload skips it", async () => {
    const org = newOrg();
    await importRoster(org);
    const admin = await as(org, "admin");
    const id = await newUpload(admin);
    await putFile(admin, id, "Grade 9/b.jpg", portraitJpeg(160, 200, { seed: 3 }));
    await putFile(admin, id, "a.jpg", portraitJpeg(160, 200, { seed: 4 }));
    await putFile(admin, id, "c.heic", ascii("not an image"));
    const first = await json(await admin("GET", `/v1/uploads/${id}/files?limit=2`));
    expect(first.files.map((f: any) => f.name)).toEqual(["Grade 9/b.jpg", "a.jpg"]);
    expect(first.files[1]).toMatchObject({ bytes: portraitJpeg(160, 200, { seed: 4 }).byteLength, type: "jpeg", problem: null });
    const second = await json(await admin("GET", `/v1/uploads/${id}/files?limit=2&cursor=${first.next_cursor}`));
    expect(second.files.map((f: any) => [f.name, f.problem?.code])).toEqual([["c.heic", "unsupported_type"]]);
    expect(second.next_cursor).toBeNull();
    // another school's upload is not found; a teacher may not look
    const other = await as(newOrg(), "admin");
    await expectError(await other("GET", `/v1/uploads/${id}/files`), 404, "not_found");
    await expectError(await (await as(org, "teacher"))("GET", `/v1/uploads/${id}/files`), 403, "forbidden");
  });
});
