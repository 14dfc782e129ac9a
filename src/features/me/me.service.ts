import { nowIso } from "../common.schemas";
import { selectHidePictures, upsertHidePictures } from "./me.repo";
import type { Preferences } from "./me.schemas";

export async function getPreferences(db: D1Database, org: string, userId: string): Promise<Preferences> {
  return { hide_profile_pictures: await selectHidePictures(db, org, userId) };
}

export async function setPreferences(db: D1Database, org: string, userId: string, prefs: Preferences) {
  await upsertHidePictures(db, org, userId, prefs.hide_profile_pictures, nowIso());
  return prefs;
}
