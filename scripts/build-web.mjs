#!/usr/bin/env node
// Builds the pages' browser code: src/web/main.ts and src/web/styles.css → public/assets/app.{js,css},
// served by Workers Static Assets ([assets] in wrangler.toml); the HTML shells come from the Worker
// (src/routes/pages). public/ is build output (gitignored).
//
// Runs from `npm install` (postinstall), `npm test` (pretest), `npm start` (prestart) and from
// wrangler's `[build] command` (so `npx wrangler dev` and `wrangler deploy` always serve fresh code).
//   node scripts/build-web.mjs [--dev]    --dev: no minification
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = path.join(ROOT, "public");
const ASSETS = path.join(OUT, "assets");
const dev = process.argv.includes("--dev");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch (err) {
  // `npm install --omit=dev` has no esbuild: that install serves no pages, so it must not fail.
  if (process.env.npm_lifecycle_event === "postinstall") {
    console.warn(`[build-web] esbuild is not installed (${err.code ?? err.message}); pages not built. Run \`npm install\` with dev dependencies.`);
    process.exit(0);
  }
  console.error(`[build-web] esbuild is not installed: run \`npm install\` first.`);
  process.exit(1);
}

const started = Date.now();
rmSync(ASSETS, { recursive: true, force: true });
mkdirSync(ASSETS, { recursive: true });

try {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [
      { in: "src/web/main.ts", out: "app" },
      { in: "src/web/styles.css", out: "app" },
    ],
    outdir: ASSETS,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome109", "firefox115", "safari16"],
    minify: !dev,
    sourcemap: "linked",
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
    metafile: true,
  });
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith(".map"))
    .map(([file, o]) => `${path.basename(file)} ${(o.bytes / 1024).toFixed(1)} KB`);
  copyFileSync(path.join(ROOT, "src/web/favicon.svg"), path.join(ASSETS, "favicon.svg"));
  // Headers for the static files (Workers Static Assets reads public/_headers and never serves it).
  writeFileSync(
    path.join(OUT, "_headers"),
    ["/assets/*", "  X-Content-Type-Options: nosniff", "  Referrer-Policy: no-referrer", "  Cache-Control: public, max-age=0, must-revalidate", ""].join("\n"),
  );
  console.log(`[build-web] ${sizes.join(", ")} in ${Date.now() - started} ms`);
} catch (err) {
  // esbuild has already printed the errors with file and line.
  console.error(`[build-web] build failed${err.errors ? ` (${err.errors.length} error(s))` : `: ${err.message}`}`);
  process.exit(1);
}
