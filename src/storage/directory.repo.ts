/** SQL of the directory (binding DIRECTORY, migrations-directory/): which home each school lives in. */
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
