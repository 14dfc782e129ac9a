// Starts a real `wrangler dev` on 127.0.0.1 with its own fresh local state, for end-to-end tests
// and benchmarks. Every caller gets an empty database (schema.sql applied) and stops what it started.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor200 } from "../scripts/lib/http.mjs";
import { makeToken } from "../scripts/lib/jwt.mjs";
import { projectNode, ROOT, toolEnv, wranglerEntry } from "../scripts/lib/paths.mjs";

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function wrangler(args, opts = {}) {
  return spawnSync(projectNode(), [wranglerEntry(), ...args], { cwd: ROOT, env: toolEnv(), encoding: "utf8", ...opts });
}

/**
 * @param {{ port?: number, log?: (line: string) => void, vars?: Record<string, string>, config?: string }} [options]
 *   `config`: another wrangler config file (the benchmarks use one without the [build] step)
 * @returns {Promise<{ url: string, port: number, persistDir: string, token: (org: string, role: string, sub?: string) => string, stop: () => Promise<void> }>}
 */
export async function startServer(options = {}) {
  const port = options.port ?? (await freePort());
  const persistDir = mkdtempSync(path.join(tmpdir(), "passpix-e2e-"));
  const configArgs = options.config ? ["--config", options.config] : [];
  const schema = wrangler(["d1", "execute", "DB", "--local", ...configArgs, "--persist-to", persistDir, "--file", path.join(ROOT, "schema.sql")]);
  if (schema.status !== 0) throw new Error(`applying schema.sql failed:\n${schema.stdout}\n${schema.stderr}`);

  const varArgs = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn(
    projectNode(),
    [
      wranglerEntry(),
      "dev",
      ...configArgs,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistDir,
      "--show-interactive-dev-session=false",
      ...varArgs,
    ],
    { cwd: ROOT, env: toolEnv({ CI: "true" }), stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const log = options.log ?? (() => {});
  let exited = null;
  child.on("exit", (code) => (exited = code));
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) =>
      chunk
        .split("\n")
        .filter(Boolean)
        .forEach((l) => log(l)),
    );
  }
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitFor200(`${url}/health`, { timeoutMs: 90_000, shouldStop: () => exited !== null });
  const stop = async () => {
    if (exited === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {}
          r();
        }, 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          r();
        });
      });
    }
    rmSync(persistDir, { recursive: true, force: true });
  };
  if (!ready.ok) {
    await stop();
    throw new Error(`wrangler dev did not become ready on ${url}: ${JSON.stringify(ready)}`);
  }
  return { url, port, persistDir, token: (org, role, sub) => makeToken({ org, role, sub: sub ?? `${role}-e2e` }), stop };
}
