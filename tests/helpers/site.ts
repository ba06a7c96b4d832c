// Builds (when stale) and starts the real site against a real PocketBase, for e2e and security tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isBuildStale, outDir, sourceHash, stampPath } from "../../scripts/lib/build-stamp.ts";
import { freePort } from "../../scripts/lib/pocketbase-process.ts";
import { siteProcessArgs, siteProcessEnv } from "../../scripts/lib/processes.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `astro build` when the build folder is older than the sources (one build at a time per folder). */
export async function buildIfStale(): Promise<void> {
  // The e2e and security projects both need the site; their global setups may run at once,
  // so a lock directory next to the build folder makes the second wait for the first.
  const lock = `${outDir(root)}.build-lock`;
  const deadline = Date.now() + 600_000;
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock, { recursive: false });
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000 || Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!isBuildStale(root)) return;
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [path.join(root, "node_modules/astro/bin/astro.mjs"), "build"], {
        cwd: root,
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
      });
      child.on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new Error("astro build failed");
    writeFileSync(stampPath(root), sourceHash(root));
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Starts the built server on a free port and waits until /healthz answers, or, with
 * `ready: "port"`, only until the port takes connections (so that a test chooses the first
 * request the site answers).
 */
export async function startSite(
  env: Record<string, string>,
  options: { ready?: "healthz" | "port" } = {},
): Promise<{ baseUrl: string; child: ChildProcess; stop: () => Promise<void>; output: () => string }> {
  const port = await freePort();
  // Started as npm start starts it (scripts/lib/processes.ts).
  const child = spawn(process.execPath, siteProcessArgs(path.join(root, "scripts/serve.ts")), {
    cwd: root,
    // The projection cache is off unless the caller or the environment turns it on (vitest.config.ts says why).
    env: siteProcessEnv({
      ...process.env,
      CASEBOOK_PROJECTION_CACHE: process.env.CASEBOOK_PROJECTION_CACHE ?? "off",
      ...env,
      HOST: "127.0.0.1",
      PORT: String(port),
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-20000)));
  child.stderr?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-20000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (options.ready === "port" ? await accepts(port) : await fetch(`${baseUrl}/healthz`).catch(() => undefined)) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  if (child.exitCode !== null) throw new Error(`the site did not start:\n${output}`);
  return {
    baseUrl,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await done;
    },
  };
}

// Whether something accepts TCP connections on the loopback port (the connection is closed unused).
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
