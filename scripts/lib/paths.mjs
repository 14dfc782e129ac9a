// Where things live, resolved from this file so the scripts work from any working directory.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DEV_VARS = path.join(ROOT, ".dev.vars");
export const BIN = path.join(ROOT, "node_modules", ".bin");

/**
 * The node binary the project's tools need (wrangler needs a newer node than the machine may have):
 * the `node` devDependency when installed, else the node running this script.
 */
export function projectNode() {
  const candidates = process.platform === "win32" ? [path.join(BIN, "node.cmd"), path.join(BIN, "node.exe")] : [path.join(BIN, "node")];
  for (const c of candidates) if (existsSync(c)) return c;
  return process.execPath;
}

/** wrangler's JS entry point (run with projectNode(), so no shell or shebang is involved). */
export function wranglerEntry() {
  const entry = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  if (!existsSync(entry)) {
    throw new Error(`wrangler is not installed (${entry} is missing). Run \`npm install\` in ${ROOT} first.`);
  }
  return entry;
}

/** The environment for child tools: the project's node_modules/.bin first on PATH, no telemetry. */
export function toolEnv(extra = {}) {
  const sep = process.platform === "win32" ? ";" : ":";
  const PATH = [BIN, process.env.PATH ?? ""].filter(Boolean).join(sep);
  return { ...process.env, PATH, WRANGLER_SEND_METRICS: "false", ...extra };
}
