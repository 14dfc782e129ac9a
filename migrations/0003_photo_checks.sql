-- Migration 0003 (issue 13): photo checks. Same statements as in schema.sql.

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
  -- the verification of a fingerprint match (src/imaging/checks.ts signature), hex
  signature TEXT NOT NULL,
  band0 INTEGER NOT NULL,
  band1 INTEGER NOT NULL,
  band2 INTEGER NOT NULL,
  band3 INTEGER NOT NULL,
  upload_id TEXT,
  upload_row INTEGER,
  warnings TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (org, student_id, version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS photo_checks_band0 ON photo_checks (org, band0);
CREATE INDEX IF NOT EXISTS photo_checks_band1 ON photo_checks (org, band1);
CREATE INDEX IF NOT EXISTS photo_checks_band2 ON photo_checks (org, band2);
CREATE INDEX IF NOT EXISTS photo_checks_band3 ON photo_checks (org, band3);
