import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runHousekeeping } from "../src/features/housekeeping/housekeeping.service";
import { as, importRoster, newOrg } from "./helpers/api";
import { portraitJpeg } from "./helpers/images";
import { getUpload, newUpload, putFile, submit, waitUntilFinal } from "./helpers/uploads";

const DAY = 86_400_000;
const staged = async (org: string, id: string) => (await env.PHOTOS.list({ prefix: `orgs/${org}/uploads/${id}/` })).objects.length;

describe("housekeeping (cron trigger)", () => {
  it("cancels drafts abandoned for a week and drops the originals of finished uploads", async () => {
    const org = newOrg();
    await importRoster(org);
    const admin = await as(org, "admin");
    const abandoned = await newUpload(admin);
    await putFile(admin, abandoned, "001235.jpg", portraitJpeg(120, 150));
    const finished = await newUpload(admin);
    await putFile(admin, finished, "001234.jpg", portraitJpeg(120, 150));
    await submit(admin, finished);
    await waitUntilFinal(admin, finished);

    await runHousekeeping(env, "", Date.now() + DAY);
    expect((await getUpload(admin, abandoned)).status).toBe("draft");
    expect(await staged(org, finished)).toBe(1);

    await runHousekeeping(env, "", Date.now() + 8 * DAY);
    expect((await getUpload(admin, abandoned)).status).toBe("cancelled");
    expect(await staged(org, abandoned)).toBe(0);
    expect(await staged(org, finished)).toBe(0);
    // the report survives; the photo it set is still served
    const report = await (await admin("GET", `/v1/uploads/${finished}/report.csv`)).text();
    expect(report).toContain("processed");
    expect((await admin("GET", "/v1/students/s1").then((r) => r.json<any>())).photo.source).toBe("upload");
  });
});
