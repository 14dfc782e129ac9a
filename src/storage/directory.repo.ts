/** SQL of the directory (binding DIRECTORY, migrations-directory/): which home each school lives in; and whether a home's database holds our schema. */
export type DirectoryRow = { org: string; jurisdiction: "us" | "eu"; home: string; created_at: string };

export const selectOrgHome = (db: D1Database, org: string) =>
  db.prepare("SELECT org, jurisdiction, home, created_at FROM org_homes WHERE org = ?").bind(org).first<DirectoryRow>();

/** First writer wins: two isolates provisioning the same school at once both read back one row. */
export const insertOrgHomeIfAbsent = (db: D1Database, row: DirectoryRow) =>
  db
    .prepare("INSERT INTO org_homes (org, jurisdiction, home, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (org) DO NOTHING")
    .bind(row.org, row.jurisdiction, row.home, row.created_at)
    .run();

export const updateOrgHome = (db: D1Database, org: string, jurisdiction: "us" | "eu", home: string) =>
  db.prepare("UPDATE org_homes SET jurisdiction = ?, home = ? WHERE org = ?").bind(jurisdiction, home, org).run();

/**
 * The directory's table, made on first need when nobody migrated the local directory: the contract
 * lets outside tools prepare only `DB` (`wrangler d1 execute DB --local --file schema.sql`) before
 * `wrangler dev`. The same definition as migrations-directory/0001_directory.sql.
 */
export const createDirectoryTableIfMissing = (db: D1Database) =>
  db
    .prepare(
      `CREATE TABLE IF NOT EXISTS org_homes (
         org TEXT PRIMARY KEY,
         jurisdiction TEXT NOT NULL CHECK (jurisdiction IN ('us', 'eu')),
         home TEXT NOT NULL,
         created_at TEXT NOT NULL
       )`,
    )
    .run();

/** Whether a home's database has been given our schema (a read of sqlite_master, remembered by the caller). */
export const hasSchema = async (db: D1Database) =>
  (await db.prepare("SELECT 1 AS ok FROM sqlite_master WHERE type = 'table' AND name = 'students'").first()) !== null;
