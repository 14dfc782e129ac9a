-- Migration 0005 (issue 13): the face-aligned duplicate check, and what a received file's header
-- and bytes say, for the upload preview's warnings.
--
-- photo_checks.scheme: what fingerprint, signature and band0–3 hold.
--   1  the whole-card fingerprint and signature (every row written before this migration; the
--      default keeps them readable: new photos still compare against them with scheme 1's rule)
--   2  the face-aligned fingerprint and signature (src/imaging/checks.ts faceChecks)
-- upload_files.sha256, width, height: the file's SHA-256 (hex) and its displayed size from the
-- header (after EXIF orientation), recorded at PUT without decoding; NULL for files received
-- before (their rows simply get no preview warning from them) and for files that are not images.
-- photo_checks.head: scheme 2's signature head part (what the duplicate lookup reads for each
-- candidate). photo_checks is rebuilt so that the large signature is its LAST column: SQLite keeps a
-- 2.8 KB value in overflow pages, and reading any column stored after it walks those pages; the
-- lookup reads a few hundred candidates' small columns per photo. Rows are copied as scheme 1.
-- upload_files: ADD COLUMN only rewrites the table's definition: instant on a live database.
CREATE TABLE photo_checks_rebuilt (
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
  scheme INTEGER NOT NULL DEFAULT 1,
  head TEXT,
  signature TEXT NOT NULL,
  PRIMARY KEY (org, student_id, version)
) WITHOUT ROWID;
INSERT INTO photo_checks_rebuilt (org, student_id, version, fingerprint, band0, band1, band2, band3, upload_id, upload_row, warnings, scheme, head, signature)
  SELECT org, student_id, version, fingerprint, band0, band1, band2, band3, upload_id, upload_row, warnings, 1, NULL, signature FROM photo_checks;
DROP TABLE photo_checks;
ALTER TABLE photo_checks_rebuilt RENAME TO photo_checks;
CREATE INDEX photo_checks_band0 ON photo_checks (org, band0);
CREATE INDEX photo_checks_band1 ON photo_checks (org, band1);
CREATE INDEX photo_checks_band2 ON photo_checks (org, band2);
CREATE INDEX photo_checks_band3 ON photo_checks (org, band3);
ALTER TABLE upload_files ADD COLUMN sha256 TEXT;
ALTER TABLE upload_files ADD COLUMN width INTEGER;
ALTER TABLE upload_files ADD COLUMN height INTEGER;
