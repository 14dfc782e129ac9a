// Local secrets for `wrangler dev` and `npm run token`: created once, never committed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

const path = new URL("../.dev.vars", import.meta.url);
const has = existsSync(path) ? readFileSync(path, "utf8") : "";
const missing = [];
if (!/^JWT_SECRET=/m.test(has)) missing.push(`JWT_SECRET=${randomBytes(32).toString("hex")}`);
if (!/^URL_SIGNING_SECRET=/m.test(has)) missing.push(`URL_SIGNING_SECRET=${randomBytes(32).toString("hex")}`);
const head = has && !has.endsWith("\n") ? `${has}\n` : has;
if (missing.length) writeFileSync(path, `${head}${missing.join("\n")}\n`);
