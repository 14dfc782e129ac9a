import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { schemaStatements } from "./helpers/schema";

// migrations/ is how every database changes; schema.sql is the consolidated snapshot outside
// tools (and the e2e harness) build an empty database from. These tests keep the two equal, so a
// migration without its schema.sql change (or the reverse) fails here.

/** Everything about a database's shape that a query can depend on, in a comparable form. */
async function shape(db: D1Database) {
  const pragma = async (sql: string) => (await db.prepare(sql).all<Record<string, unknown>>()).results;
  const { results: objects } = await db
    .prepare(
      // sqlite_* are SQLite's own (sqlite_sequence, autoindexes are read through index_list);
      // _cf_* are D1's.
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY type, name",
    )
    .all<{ type: string; name: string; tbl_name: string; sql: string | null }>();
  const flat = (sql: string | null) => (sql ?? "").replace(/\s+/g, " ").trim();
  const out: Record<string, unknown> = {};
  for (const o of objects) {
    if (o.type === "table") {
      out[`table ${o.name}`] = {
        // cid order included: a migration appends columns, so schema.sql lists them in the same order
        columns: await pragma(`PRAGMA table_xinfo(${o.name})`),
        without_rowid: /\bWITHOUT\s+ROWID\s*$/i.test(o.sql ?? ""),
        indexes: await pragma(`PRAGMA index_list(${o.name})`).then((rows) =>
          rows.map(({ seq: _seq, ...r }) => r).sort((a, b) => String(a.name).localeCompare(String(b.name))),
        ),
        foreign_keys: await pragma(`PRAGMA foreign_key_list(${o.name})`),
      };
    } else if (o.type === "index") {
      out[`index ${o.name}`] = {
        table: o.tbl_name,
        columns: await pragma(`PRAGMA index_xinfo(${o.name})`),
        // a partial index's condition is only in its SQL
        where: / WHERE (.*)$/i.exec(flat(o.sql))?.[1] ?? null,
      };
    } else {
      out[`${o.type} ${o.name}`] = flat(o.sql);
    }
  }
  return out;
}

const migrationNames = async (db: D1Database) =>
  (await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>()).results.map((r) => r.name);

const fromSchemaSql = async (db: D1Database) => {
  await db.batch(schemaStatements(env.TEST_SCHEMA).map((sql) => db.prepare(sql)));
};

describe("migrations and schema.sql", () => {
  it("the migrations make exactly schema.sql's tables, columns and indexes, and schema.sql records them all", async () => {
    await fromSchemaSql(env.SNAPSHOT_DB);
    const migrated = await shape(env.DB); // test/setup.ts applied the migrations
    const snapshot = await shape(env.SNAPSHOT_DB);
    expect(Object.keys(migrated)).toContain("table photo_versions");
    expect(snapshot).toEqual(migrated);
    // a database made from schema.sql must know which migrations it already contains
    const names = env.TEST_MIGRATIONS.map((m) => m.name);
    expect(await migrationNames(env.SNAPSHOT_DB)).toEqual(names);
    expect(await migrationNames(env.DB)).toEqual(names);
  });

  it("a database made from schema.sql takes the migrations as already applied (and schema.sql runs twice)", async () => {
    await fromSchemaSql(env.SNAPSHOT_DB);
    await fromSchemaSql(env.SNAPSHOT_DB);
    const before = await shape(env.SNAPSHOT_DB);
    // without the recorded names, 0002's ALTER TABLE would fail here with "duplicate column name"
    await applyD1Migrations(env.SNAPSHOT_DB, env.TEST_MIGRATIONS);
    expect(await shape(env.SNAPSHOT_DB)).toEqual(before);
    expect(await migrationNames(env.SNAPSHOT_DB)).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
  });

  it("a live database made before migrations existed is brought up to date with its rows intact", async () => {
    // What production and old local state look like: the tables of 0001, made by the old
    // schema.sql, with rows in them and no migration history.
    const [initial] = env.TEST_MIGRATIONS;
    expect(initial?.name).toBe("0001_initial.sql");
    const db = env.UPGRADE_DB;
    await db.batch(initial!.queries.map((sql) => db.prepare(sql)));
    const now = "2026-09-01T07:50:00.000Z";
    await db.batch([
      db
        .prepare("INSERT INTO students (org, id, photo_version, restore_version, created_at, updated_at) VALUES ('sch', 'stu_1', 'v2', 'v1', ?1, ?1)")
        .bind(now),
      db
        .prepare(
          "INSERT INTO photo_versions (org, student_id, version, source, width, height, bytes, created_at, retired_at) VALUES ('sch', 'stu_1', 'v1', 'upload', 800, 1000, 51234, '2026-08-01T00:00:00.000Z', ?1)",
        )
        .bind(now),
      db
        .prepare(
          "INSERT INTO photo_versions (org, student_id, version, source, width, height, bytes, created_at) VALUES ('sch', 'stu_1', 'v2', 'single', 640, 800, 40960, ?1)",
        )
        .bind(now),
    ]);

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    expect(await shape(db)).toEqual(await shape(env.DB));
    const { results } = await db
      .prepare("SELECT student_id, version, source, width, height, bytes, created_at, retired_at, unserved_at FROM photo_versions ORDER BY version")
      .all();
    // every existing version's renditions are still where /img serves them from: NULL is the truth
    expect(results).toEqual([
      {
        student_id: "stu_1",
        version: "v1",
        source: "upload",
        width: 800,
        height: 1000,
        bytes: 51234,
        created_at: "2026-08-01T00:00:00.000Z",
        retired_at: now,
        unserved_at: null,
      },
      { student_id: "stu_1", version: "v2", source: "single", width: 640, height: 800, bytes: 40960, created_at: now, retired_at: null, unserved_at: null },
    ]);
    expect(await db.prepare("SELECT photo_version, restore_version FROM students WHERE org = 'sch' AND id = 'stu_1'").first()).toEqual({
      photo_version: "v2",
      restore_version: "v1",
    });
  });
});
