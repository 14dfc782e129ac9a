// The D1 databases wrangler.toml binds, with the migrations folder of each: every home's database
// takes migrations/, the directory takes migrations-directory/. Read from wrangler.toml itself so
// `npm start` and the e2e harness prepare exactly the databases the Worker is bound to (a new
// shard there is prepared with no change here).
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./paths.mjs";

/** @returns {{ binding: string, migrationsDir: string | null }[]} */
export function d1Bindings(configPath = path.join(ROOT, "wrangler.toml")) {
  const toml = readFileSync(configPath, "utf8");
  return toml
    .split(/^\[\[d1_databases\]\]\s*$/m)
    .slice(1)
    .map((block) => block.split(/^\[/m)[0])
    .map((block) => ({
      binding: /^binding\s*=\s*"([^"]+)"/m.exec(block)?.[1],
      migrationsDir: /^migrations_dir\s*=\s*"([^"]+)"/m.exec(block)?.[1] ?? null,
    }))
    .filter((b) => b.binding);
}
