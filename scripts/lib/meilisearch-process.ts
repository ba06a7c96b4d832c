// Finds and starts a Meilisearch server the way PocketBase is found and started: a running
// server at MEILI_URL, else a binary at MEILI_BIN or `meilisearch` on PATH, started on a free
// loopback port with its own data folder and master key. Nothing here builds or downloads
// Meilisearch (it publishes no binary any registry this project uses): a deployment brings its own.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";

/** Where a Meilisearch can be had from, or why none can. */
export type MeilisearchSource = { kind: "url"; url: string; apiKey?: string } | { kind: "bin"; bin: string } | { kind: "none"; reason: string };

/** MEILI_URL first (a server someone else runs), then MEILI_BIN, then `meilisearch` on PATH. */
export function locateMeilisearch(env: NodeJS.ProcessEnv = process.env): MeilisearchSource {
  if (env.MEILI_URL) return { kind: "url", url: env.MEILI_URL, apiKey: env.MEILI_MASTER_KEY || undefined };
  if (env.MEILI_BIN) {
    if (!isExecutable(env.MEILI_BIN)) return { kind: "none", reason: `MEILI_BIN=${env.MEILI_BIN} is not an executable file` };
    return { kind: "bin", bin: env.MEILI_BIN };
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "meilisearch");
    if (isExecutable(candidate)) return { kind: "bin", bin: candidate };
  }
  return { kind: "none", reason: "no Meilisearch: MEILI_URL is not set, MEILI_BIN is not set and no `meilisearch` is on PATH" };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A fresh master key: 32 random bytes, well over Meilisearch's 16-byte minimum in production. */
export function newMasterKey(): string {
  return randomBytes(32).toString("base64url");
}

/** Starts Meilisearch on 127.0.0.1:port with data under dataDir; resolves once /health answers. */
export async function startMeilisearch(options: {
  bin: string;
  dataDir: string;
  port: number;
  masterKey: string;
  onOutput?: (line: string) => void;
}): Promise<RunningMeilisearch> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(
    options.bin,
    [
      `--db-path=${path.join(options.dataDir, "data.ms")}`,
      `--dump-dir=${path.join(options.dataDir, "dumps")}`,
      `--snapshot-dir=${path.join(options.dataDir, "snapshots")}`,
      `--http-addr=127.0.0.1:${options.port}`,
      "--env=production",
      "--no-analytics",
    ],
    // The key goes through the environment so it never shows in a process list.
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, MEILI_MASTER_KEY: options.masterKey, MEILI_NO_ANALYTICS: "true" } },
  );
  let recent = "";
  const collect = (chunk: Buffer) => {
    recent = (recent + chunk.toString()).slice(-4000);
    if (options.onOutput) for (const line of chunk.toString().split("\n")) if (line.trim()) options.onOutput(line);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.on("error", (error) => {
    recent += `\n${error.message}`;
  });

  const deadline = Date.now() + 60_000;
  let ready = false;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(`Meilisearch (${options.bin}) did not start on ${url}. Its last output:\n${recent}`);
  }
  return {
    url,
    masterKey: options.masterKey,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A Meilisearch process started by this project. */
export type RunningMeilisearch = {
  url: string;
  masterKey: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(): Promise<void>;
};
