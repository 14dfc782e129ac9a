// Experiments without touching src/: a copy of src/ under .bench/variants/<name>/src with string
// patches applied (each must match exactly once), bundled like the real Worker. Used to measure
// what a proposed change would gain before proposing it.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_DIR, ROOT, ensureDir } from "./common.mjs";
import { buildBundle } from "./servers.mjs";

const SNAPSHOT = path.join(BENCH_DIR, "variants", "_snapshot");

/**
 * Freezes the source every variant starts from, once per experiments run, so that concurrent edits
 * to src/ by others cannot change (or break) it halfway: "worktree" copies src/ as it is now,
 * "head" takes src/ of the last commit (git archive).
 */
export function snapshotSource(from = "worktree") {
  rmSync(SNAPSHOT, { recursive: true, force: true });
  ensureDir(SNAPSHOT);
  if (from === "head") {
    const tar = execFileSync("git", ["archive", "--format=tar", "HEAD", "src"], { cwd: ROOT, maxBuffer: 256 * 2 ** 20 });
    execFileSync("tar", ["-x", "-C", SNAPSHOT], { input: tar });
  } else {
    cpSync(path.join(ROOT, "src"), path.join(SNAPSHOT, "src"), { recursive: true });
  }
  return SNAPSHOT;
}

/** patches: [{ file: "src/…", find: string, replace: string }] → a bundle for startWorkerd({ bundle }). */
export function buildVariant(name, patches = [], { dropAssets = false, assetsExtra } = {}) {
  const dir = path.join(BENCH_DIR, "variants", name);
  rmSync(dir, { recursive: true, force: true });
  ensureDir(dir);
  const from = existsSync(path.join(SNAPSHOT, "src")) ? path.join(SNAPSHOT, "src") : path.join(ROOT, "src");
  cpSync(from, path.join(dir, "src"), { recursive: true });
  for (const p of patches) {
    const file = path.join(dir, p.file);
    const text = readFileSync(file, "utf8");
    const count = text.split(p.find).length - 1;
    if (count !== 1) throw new Error(`variant ${name}: patch for ${p.file} matches ${count} times (src/ changed?): ${p.find.slice(0, 80)}`);
    writeFileSync(
      file,
      text.replace(p.find, () => p.replace),
    );
  }
  return buildBundle({ main: path.join(dir, "src", "index.ts"), outdir: path.join(dir, "dist"), dropAssets, assetsExtra, tag: name });
}
