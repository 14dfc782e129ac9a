-- The directory (binding DIRECTORY): which home each school lives in. Written once when a school
-- is first seen (src/storage/homes.ts resolveHome) and changed only by PUT /v1/org while the
-- school holds no data, so a school's rows are never looked for in the wrong database.
CREATE TABLE org_homes (
  org TEXT PRIMARY KEY,
  jurisdiction TEXT NOT NULL CHECK (jurisdiction IN ('us', 'eu')),
  home TEXT NOT NULL,
  created_at TEXT NOT NULL
);
