-- Migration 0004 (issue 11): a per-school change counter for the pass view's lookup. Same statements as in schema.sql.

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
