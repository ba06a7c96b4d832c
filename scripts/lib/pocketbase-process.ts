// Runs a PocketBase process on loopback with Casebook's migrations: used by `npm start`,
// the test global setups and the benchmark.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Absolute path of the project's migrations folder. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../pocketbase/pb_migrations", import.meta.url));

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function baseArgs(dataDir: string, migrationsDir = MIGRATIONS_DIR): string[] {
  return [`--dir=${path.join(dataDir, "pb_data")}`, `--migrationsDir=${migrationsDir}`, "--automigrate=false", "--dev=false"];
}

/** Applies pending migrations without starting the server. */
export async function migrateUp(bin: string, dataDir: string, options: { systemFirst?: boolean } = {}): Promise<void> {
  await mkdir(path.join(dataDir, "pb_data"), { recursive: true });
  if (options.systemFirst) {
    // PocketBase's own migrations in a run of their own, so that `migrate down N` later
    // reverts exactly our N newest migrations and none of PocketBase's.
    const empty = await mkdtemp(path.join(os.tmpdir(), "casebook-no-migrations-"));
    await run(bin, ["migrate", "up", ...baseArgs(dataDir, empty)], { timeout: 120_000 });
    await rm(empty, { recursive: true, force: true });
  }
  await run(bin, ["migrate", "up", ...baseArgs(dataDir)], { timeout: 120_000 });
}

/** Creates or updates the superuser the app uses. */
export async function upsertSuperuser(bin: string, dataDir: string, email: string, password: string): Promise<void> {
  await run(bin, ["superuser", "upsert", email, password, ...baseArgs(dataDir)], { timeout: 60_000 });
}

/** Starts PocketBase on 127.0.0.1:port and resolves once it answers /api/health. */
export async function startPocketBase(options: {
  bin: string;
  dataDir: string;
  port: number;
  /** Migrations folder; PocketBase applies pending ones when it starts. */
  migrationsDir?: string;
  onOutput?: (line: string) => void;
}): Promise<RunningPocketBase> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(options.bin, ["serve", `--http=127.0.0.1:${options.port}`, ...baseArgs(options.dataDir, options.migrationsDir)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let recent = "";
  const collect = (chunk: Buffer) => {
    recent = (recent + chunk.toString()).slice(-4000);
    if (options.onOutput) for (const line of chunk.toString().split("\n")) if (line.trim()) options.onOutput(line);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  let ready = false;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
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
    throw new Error(`PocketBase did not start on ${url}. Its last output:\n${recent}`);
  }
  return {
    url,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A PocketBase process started by this project. */
export type RunningPocketBase = {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(): Promise<void>;
};
