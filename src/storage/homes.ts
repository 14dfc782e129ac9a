/**
 * A school's *home* (one D1 database + one R2 bucket in one jurisdiction, see the homes design).
 * Until the homes step lands there is one home, `us-1`, backed by the DB and PHOTOS bindings;
 * these two functions are the only places that answer "which home" and "which bucket", so adding
 * homes changes them and nothing else. Image URLs already name the home, so `/img` picks its
 * bucket from the URL alone, with no directory or D1 read.
 */
export const HOMES = ["us-1"] as const;
export type HomeId = (typeof HOMES)[number];

/** The home a school lives in. */
export function homeOf(_org: string): HomeId {
  return "us-1";
}

/** The photo bucket of a home named in a URL; null for a name that is no home of ours. */
export function photosBucketOf(env: Pick<Env, "PHOTOS">, home: string): R2Bucket | null {
  return home === "us-1" ? env.PHOTOS : null;
}
