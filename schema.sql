-- passpix schema: the consolidated snapshot of migrations/ (the migrations are how databases are
-- changed: `npm start`, the tests and production apply them; test/migrations.test.ts proves that this
-- file makes exactly the same tables, columns and indexes, and records the same migrations).
-- Idempotent: `wrangler d1 execute DB --local --file schema.sql` prepares an EMPTY database and is
-- safe to run again; an existing database is brought up to date with `wrangler d1 migrations apply`.
-- Every table is keyed by `org`: one school's rows are never reachable with another's org.

CREATE TABLE IF NOT EXISTS orgs (
  org TEXT PRIMARY KEY,
  photos_enabled INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS students (
  org TEXT NOT NULL,
  id TEXT NOT NULL,
  email TEXT,
  email_lower TEXT,
  sis_id TEXT,
  first_name TEXT,
  last_name TEXT,
  grade TEXT,
  homeroom TEXT,
  photo_opt_out INTEGER NOT NULL DEFAULT 0,
  -- the version served now (NULL: no photo) and the one POST …/photo/restore brings back
  photo_version TEXT,
  restore_version TEXT,
  photo_updated_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (org, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS students_by_email ON students (org, email_lower);
CREATE INDEX IF NOT EXISTS students_by_sis ON students (org, sis_id);
CREATE INDEX IF NOT EXISTS students_by_name ON students (org, last_name COLLATE NOCASE, first_name COLLATE NOCASE, id);

-- Every processed photo. Bytes live in R2 under orgs/<org>/photos/<student>/<version>/<size>.jpg.
-- retired_at is set whenever a version is not the current one; the cron trigger purges versions
-- retired longer than PHOTO_RETENTION_DAYS (a version whose pointer move never happened is retired
-- from birth, so it is purged the same way).
CREATE TABLE IF NOT EXISTS photo_versions (
  org TEXT NOT NULL,
  student_id TEXT NOT NULL,
  version TEXT NOT NULL,
  source TEXT NOT NULL,
  upload_id TEXT,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  retired_at TEXT,
  -- when the renditions were moved out of the key space /img serves; NULL: still there (0002)
  unserved_at TEXT,
  PRIMARY KEY (org, student_id, version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS photo_versions_retired ON photo_versions (retired_at) WHERE retired_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS user_preferences (
  org TEXT NOT NULL,
  user_id TEXT NOT NULL,
  hide_profile_pictures INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (org, user_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  org TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  student_id TEXT,
  upload_id TEXT,
  details TEXT
);
CREATE INDEX IF NOT EXISTS audit_by_org ON audit_events (org, seq DESC);

-- Bulk uploads. A draft collects a mapping file and images (staged in R2 under
-- orgs/<org>/uploads/<id>/); submit turns matched rows into queue messages.
CREATE TABLE IF NOT EXISTS uploads (
  org TEXT NOT NULL,
  id TEXT NOT NULL,
  status TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  submitted_at TEXT,
  completed_at TEXT,
  reverted_at TEXT,
  format TEXT,
  mapping_name TEXT,
  -- a zip is extracted by the queue consumer: NULL (none) | extracting | extracted | failed
  archive_status TEXT,
  archive_message TEXT,
  -- frozen at submit: the preview's counts and its problems that belong to no row (JSON)
  frozen_counts TEXT,
  frozen_problems TEXT,
  PRIMARY KEY (org, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_by_org ON uploads (org, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS uploads_drafts ON uploads (status, created_at);

CREATE TABLE IF NOT EXISTS upload_files (
  org TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  name TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  -- what the header says (jpeg/png/webp) or, when it is not a usable image, the problem found on arrival
  type TEXT,
  problem_code TEXT,
  problem_message TEXT,
  received_at TEXT NOT NULL,
  -- SHA-256 (hex) and displayed size (after EXIF orientation) from the header, recorded at PUT for
  -- the preview's warnings; NULL for files that are not images (migration 0005)
  sha256 TEXT,
  width INTEGER,
  height INTEGER,
  PRIMARY KEY (org, upload_id, name)
) WITHOUT ROWID;

-- One row per mapping row (or per file when there is no mapping), frozen at submit.
-- status: pending → processed | failed | skipped; previous_version is what revert puts back.
CREATE TABLE IF NOT EXISTS upload_rows (
  org TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  row INTEGER NOT NULL,
  identifier TEXT NOT NULL,
  file TEXT NOT NULL,
  student_id TEXT,
  matched_file TEXT,
  status TEXT NOT NULL,
  code TEXT,
  message TEXT,
  previous_version TEXT,
  new_version TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (org, upload_id, row)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS upload_rows_status ON upload_rows (org, upload_id, status);

-- Warnings on a frozen row (leading_zeros_ignored and the like from the preview; photo checks may
-- add theirs): kept apart from the row's outcome (status, code, message), so that processing a
-- row, which rewrites its outcome, never erases them. One per code and row, so writing the same
-- warning again (a redelivered queue message) changes nothing. seq keeps the preview's order.
CREATE TABLE IF NOT EXISTS upload_row_warnings (
  org TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  row INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  details TEXT,
  PRIMARY KEY (org, upload_id, row, code)
) WITHOUT ROWID;

-- Photo checks (issue 13): each version's perceptual fingerprint, split into four 16-bit bands
-- so that near matches are found through an index (any two fingerprints within 3 bits share a
-- band exactly; the Hamming distance is then computed on the few candidates), and the warnings the
-- checks gave it (`{code, message, details}`, JSON). upload_row names the bulk-upload row that
-- wrote it, so a duplicate within one upload can be reported on the later row. Kept and purged
-- with its version.
CREATE TABLE IF NOT EXISTS photo_checks (
  org TEXT NOT NULL,
  student_id TEXT NOT NULL,
  version TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  band0 INTEGER NOT NULL,
  band1 INTEGER NOT NULL,
  band2 INTEGER NOT NULL,
  band3 INTEGER NOT NULL,
  upload_id TEXT,
  upload_row INTEGER,
  warnings TEXT NOT NULL DEFAULT '[]',
  -- 1: whole-card fingerprint and signature (rows from before migration 0005); 2: face-aligned;
  -- 3: face-aligned with the head's surroundings, band0–3 the face key's 32-bit bands
  -- (src/imaging/checks/face-key.ts; schemes 1 and 2 hold 16-bit hash quarters there)
  scheme INTEGER NOT NULL DEFAULT 1,
  -- schemes 2 and 3: the signature's head part (src/imaging/checks.ts faceHead), what the duplicate
  -- lookup reads for every candidate; NULL for scheme 1
  head TEXT,
  -- the verification of a fingerprint match (src/imaging/checks/face.ts), hex; 2.8–3.5 KB, so it is the
  -- last column: SQLite keeps a large value in overflow pages, and a column after it could only
  -- be read by walking them (the lookup reads a few hundred candidates' other columns per photo)
  signature TEXT NOT NULL,
  PRIMARY KEY (org, student_id, version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS photo_checks_band0 ON photo_checks (org, band0);
CREATE INDEX IF NOT EXISTS photo_checks_band1 ON photo_checks (org, band1);
CREATE INDEX IF NOT EXISTS photo_checks_band2 ON photo_checks (org, band2);
CREATE INDEX IF NOT EXISTS photo_checks_band3 ON photo_checks (org, band3);

-- lookup_generations: a number per school that changes whenever a students column the lookup
-- reads (id, first_name, last_name, photo_opt_out, photo_version) changes, bumped by these
-- triggers, so no writer can forget it (roster import, photo PUT/DELETE/restore, bulk processing,
-- revert, delete-all, student deletion). The lookup reads it in its one statement and an isolate
-- answers a repeated lookup from memory while it is unchanged (src/features/photos/lookup.service.ts).
-- Statements inside a trigger share a line: schema.sql is split at a semicolon that ends a line.
-- No INSERT OR IGNORE in them: an outer statement's conflict clause (the roster's upsert) would
-- replace it and the insert would fail the import.
CREATE TABLE IF NOT EXISTS lookup_generations (
  org TEXT PRIMARY KEY,
  generation INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS students_lookup_insert AFTER INSERT ON students
BEGIN
  INSERT INTO lookup_generations (org, generation) SELECT NEW.org, 0 WHERE NOT EXISTS (SELECT 1 FROM lookup_generations WHERE org = NEW.org); UPDATE lookup_generations SET generation = generation + 1 WHERE org = NEW.org; END;
CREATE TRIGGER IF NOT EXISTS students_lookup_delete AFTER DELETE ON students
BEGIN
  INSERT INTO lookup_generations (org, generation) SELECT OLD.org, 0 WHERE NOT EXISTS (SELECT 1 FROM lookup_generations WHERE org = OLD.org); UPDATE lookup_generations SET generation = generation + 1 WHERE org = OLD.org; END;
CREATE TRIGGER IF NOT EXISTS students_lookup_update AFTER UPDATE OF org, id, first_name, last_name, photo_opt_out, photo_version ON students
WHEN OLD.org IS NOT NEW.org OR OLD.id IS NOT NEW.id OR OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name
  OR OLD.photo_opt_out IS NOT NEW.photo_opt_out OR OLD.photo_version IS NOT NEW.photo_version
BEGIN
  INSERT INTO lookup_generations (org, generation) SELECT NEW.org, 0 WHERE NOT EXISTS (SELECT 1 FROM lookup_generations WHERE org = NEW.org); UPDATE lookup_generations SET generation = generation + 1 WHERE org IN (OLD.org, NEW.org); END;

-- The migrations this snapshot contains, in wrangler's own table (the same definition
-- `wrangler d1 migrations apply` creates), so that a database made from this file later takes
-- only the migrations added after it. A new migration adds its line here in the same change.
CREATE TABLE IF NOT EXISTS d1_migrations(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE,
  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);
INSERT OR IGNORE INTO d1_migrations (name) VALUES
  ('0001_initial.sql'),
  ('0002_photo_versions_unserved_at.sql'),
  ('0003_photo_checks.sql'),
  ('0004_lookup_generations.sql'),
  ('0005_face_checks_and_file_facts.sql');
