-- Migration 0004 (issue 13): the face-aligned duplicate check, and what a received file's header
-- and bytes say, for the upload preview's warnings.
--
-- photo_checks.scheme: what fingerprint, signature and band0–3 hold.
--   1  the whole-card fingerprint and signature (every row written before this migration; the
--      default keeps them readable: new photos still compare against them with scheme 1's rule)
--   2  the face-aligned fingerprint and signature (src/imaging/checks.ts faceChecks)
-- upload_files.sha256, width, height: the file's SHA-256 (hex) and its displayed size from the
-- header (after EXIF orientation), recorded at PUT without decoding; NULL for files received
-- before (their rows simply get no preview warning from them) and for files that are not images.
-- ADD COLUMN only rewrites the tables' definitions: instant on a live database, rows kept.
ALTER TABLE photo_checks ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
ALTER TABLE upload_files ADD COLUMN sha256 TEXT;
ALTER TABLE upload_files ADD COLUMN width INTEGER;
ALTER TABLE upload_files ADD COLUMN height INTEGER;
