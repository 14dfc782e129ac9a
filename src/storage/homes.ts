/**
 * Homes: every school lives in one home, a D1 database plus an R2 bucket in one jurisdiction. This
 * is the one place that picks a binding; everything downstream reads `env.DB` / `env.PHOTOS` of
 * the Env that homeEnv() hands it. A school's home is chosen when it is first seen (a stable hash
 * over the homes of its jurisdiction) and written to the directory, so adding a shard never moves
 * an existing school: only schools seen later hash over the enlarged set.
 */
import { createDirectoryTableIfMissing, type DirectoryRow, hasSchema, insertOrgHomeIfAbsent, selectOrgHome, updateOrgHome } from "./directory.repo";

export type Jurisdiction = "us" | "eu";
export const JURISDICTIONS = ["us", "eu"] as const satisfies readonly Jurisdiction[];
export const DEFAULT_JURISDICTION: Jurisdiction = "us";

type Home = { id: string; jurisdiction: Jurisdiction; db: (env: Env) => D1Database; photos: (env: Env) => R2Bucket };

/** The table of homes. A new shard: its [[d1_databases]] binding in wrangler.toml plus one row here. */
export const HOMES: readonly Home[] = [
  { id: "us-1", jurisdiction: "us", db: (env) => env.DB, photos: (env) => env.PHOTOS },
  { id: "us-2", jurisdiction: "us", db: (env) => env.DB_US_2, photos: (env) => env.PHOTOS },
  { id: "eu-1", jurisdiction: "eu", db: (env) => env.DB_EU_1, photos: (env) => env.PHOTOS_EU },
];

export type HomeId = string;

/** Where a request for a school the directory does not know looks (it finds nothing there). */
export const DEFAULT_HOME: HomeId = "us-1";

/** The home with this id, or undefined (e.g. an /img URL naming a home that does not exist). */
export const homeById = (id: string): Home | undefined => HOMES.find((h) => h.id === id);

// Keep the original bindings: homeEnv() of an Env that is already a home's Env must still find
// every home (the queue consumer and housekeeping may be handed one).
const ROOT = Symbol("passpix.rootEnv");
const rootOf = (env: Env): Env => (env as Env & { [ROOT]?: Env })[ROOT] ?? env;

const HOME_ID = Symbol("passpix.homeId");

/** An Env whose DB and PHOTOS are this home's; every other binding and var is unchanged. */
export function homeEnv(env: Env, home: HomeId): Env {
  const root = rootOf(env);
  const h = homeById(home);
  if (!h) throw new Error(`unknown home ${JSON.stringify(home)}`);
  return { ...root, DB: h.db(root), PHOTOS: h.photos(root), [ROOT]: root, [HOME_ID]: h.id } as Env;
}

/** The home an Env from homeEnv() belongs to (image URLs name it); the root Env is DEFAULT_HOME's. */
export const homeIdOf = (env: object): HomeId => (env as { [HOME_ID]?: HomeId })[HOME_ID] ?? DEFAULT_HOME;

/** The photo bucket of a home named in an image URL; null for a name that is no home of ours. */
export function photosBucketOf(env: Env, home: string): R2Bucket | null {
  const h = homeById(home);
  return h ? h.photos(rootOf(env)) : null;
}

/** The directory database (the one global D1), for the org feature and resolveHome. */
export const directoryOf = (env: Env) => rootOf(env).DIRECTORY;

/** FNV-1a: stable across isolates, deploys and runtimes (unlike any built-in hash). */
function fnv1a(text: string) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Where a new school of this jurisdiction goes: a stable hash over the homes of that jurisdiction. */
export function pickHome(org: string, jurisdiction: Jurisdiction): HomeId {
  const candidates = HOMES.filter((h) => h.jurisdiction === jurisdiction);
  return candidates[fnv1a(org) % candidates.length]!.id;
}

// Per isolate: homes whose database holds the schema. A home nobody migrated takes no new school
// (locally the contract lets outside tools prepare only DB, with schema.sql); in production every
// home is migrated before it is bound, so this only costs one read per home and isolate.
const readyHomes = new Set<HomeId>();
async function isReady(env: Env, h: Home) {
  if (readyHomes.has(h.id)) return true;
  const ok = await hasSchema(h.db(rootOf(env)));
  if (ok) readyHomes.add(h.id);
  return ok;
}

/** pickHome, skipping homes whose database has no schema yet (the first ready one of the jurisdiction instead). */
async function pickReadyHome(env: Env, org: string, jurisdiction: Jurisdiction): Promise<HomeId> {
  const preferred = pickHome(org, jurisdiction);
  if (await isReady(env, homeById(preferred)!)) return preferred;
  for (const h of HOMES) if (h.jurisdiction === jurisdiction && (await isReady(env, h))) return h.id;
  return preferred;
}

/** The directory row, making the directory's table first if this local directory was never migrated. */
async function readDirectory(db: D1Database, org: string) {
  try {
    return await selectOrgHome(db, org);
  } catch (err) {
    if (!String(err).includes("no such table")) throw err;
    await createDirectoryTableIfMissing(db);
    return selectOrgHome(db, org);
  }
}

// Per isolate: a school's home changes only through PUT /v1/org (before it holds data), which
// forgets the entry here; the directory is not read again for every request.
const remembered = new Map<string, DirectoryRow>();

/** Forget a school's remembered home (after PUT /v1/org moved it). */
export const forgetHome = (org: string) => void remembered.delete(org);

/**
 * THE function that says where a school lives: the directory row, remembered per isolate; a
 * school seen for the first time is provisioned in the default jurisdiction. Insert-if-absent and
 * read back, so two isolates provisioning at once agree on one home.
 */
export async function resolveHome(env: Env, org: string): Promise<DirectoryRow>;
export async function resolveHome(env: Env, org: string, opts: { provision: false }): Promise<DirectoryRow | null>;
export async function resolveHome(env: Env, org: string, opts = { provision: true }): Promise<DirectoryRow | null> {
  const known = remembered.get(org);
  if (known) return known;
  const db = directoryOf(env);
  let row = await readDirectory(db, org);
  // Unauthenticated callers (/img) only look: a school is provisioned by its signed-in users.
  if (!row && !opts.provision) return null;
  if (!row) {
    const home = await pickReadyHome(env, org, DEFAULT_JURISDICTION);
    await insertOrgHomeIfAbsent(db, { org, jurisdiction: DEFAULT_JURISDICTION, home, created_at: new Date().toISOString() });
    row = await selectOrgHome(db, org);
    if (!row) throw new Error(`the directory has no row for ${org} after provisioning it`);
  }
  remembered.set(org, row);
  return row;
}

/** Moves a school's directory row to a home of another jurisdiction (PUT /v1/org checks it holds no data first). */
export async function moveSchool(env: Env, org: string, jurisdiction: Jurisdiction): Promise<DirectoryRow> {
  const current = await resolveHome(env, org);
  if (current.jurisdiction !== jurisdiction) {
    await updateOrgHome(directoryOf(env), org, jurisdiction, await pickReadyHome(env, org, jurisdiction));
  }
  forgetHome(org);
  return resolveHome(env, org);
}
