// Reads the local secrets file (.dev.vars, dotenv syntax) that `npm install` creates.
import { existsSync, readFileSync } from "node:fs";
import { DEV_VARS } from "./paths.mjs";

/** Parses dotenv-style text: KEY=value, optional `export `, quotes, # comments. */
export function parseDevVars(text) {
  const vars = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) {
      value = value.slice(1, value.lastIndexOf(q));
      if (q === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    vars[m[1]] = value;
  }
  return vars;
}

/** The variables in .dev.vars (or the file given); a clear error when the file or a required key is missing. */
export function readDevVars({ file = DEV_VARS, require = [] } = {}) {
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist. Run \`npm install\` (it creates the local secrets) or \`node scripts/ensure-dev-vars.mjs\`.`);
  }
  const vars = parseDevVars(readFileSync(file, "utf8"));
  const missing = require.filter((k) => !vars[k]);
  if (missing.length) {
    throw new Error(`${file} has no ${missing.join(", ")}. Run \`node scripts/ensure-dev-vars.mjs\` to add the missing secrets.`);
  }
  return vars;
}
