// Runs a PocketBase process on loopback with Casebook's migrations: used by `npm start`,
// the test global setups and the benchmark.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Absolute path of the project's migrations folder. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../pocketbase/pb_migrations", import.meta.url));
const SUPERUSER_HOOK_DIR = fileURLToPath(new URL("../../pocketbase/superuser_hook", import.meta.url));

// Data at rest is the owner's only (DESIGN.md §5.8): every PocketBase process runs with
// umask 077, so the databases, uploaded files and backups it creates are 0600 in 0700 folders.
const UMASK_WRAPPER = ["-c", 'umask 077 && exec "$0" "$@"'];

/** Runs a PocketBase command under umask 077 and returns what it printed. */
async function run(bin: string, args: string[], options: { timeout: number; env?: NodeJS.ProcessEnv }): Promise<string> {
  const { stdout, stderr } = await execFileAsync("/bin/sh", [...UMASK_WRAPPER, bin, ...args], { timeout: options.timeout, env: options.env ?? process.env });
  return `${stdout}${stderr}`;
}

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
  await mkdir(path.join(dataDir, "pb_data"), { recursive: true, mode: 0o700 });
  if (options.systemFirst) {
    // PocketBase's own migrations in a run of their own, so that `migrate down N` later
    // reverts exactly our N newest migrations and none of PocketBase's.
    const empty = await mkdtemp(path.join(os.tmpdir(), "casebook-no-migrations-"));
    await run(bin, ["migrate", "up", ...baseArgs(dataDir, empty)], { timeout: 120_000 });
    await rm(empty, { recursive: true, force: true });
  }
  await run(bin, ["migrate", "up", ...baseArgs(dataDir)], { timeout: 120_000 });
}

/** Creates or updates the superuser the app uses; the password goes through the environment, never the arguments. */
export async function upsertSuperuser(bin: string, dataDir: string, email: string, password: string): Promise<void> {
  // An empty migrations folder: this command only runs the hook, it never migrates.
  const empty = await mkdtemp(path.join(os.tmpdir(), "casebook-no-migrations-"));
  let output: string;
  try {
    output = await run(bin, ["migrate", "up", ...baseArgs(dataDir, empty), `--hooksDir=${SUPERUSER_HOOK_DIR}`], {
      timeout: 60_000,
      env: { ...process.env, CASEBOOK_SUPERUSER_EMAIL: email, CASEBOOK_SUPERUSER_PASSWORD: password },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    output = `${e.stdout ?? ""}${e.stderr ?? ""}` || e.message;
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
  // PocketBase exits 0 on some failures: only its own confirmation counts as success.
  if (!output.includes("casebook: superuser saved")) throw new Error(`PocketBase did not save the superuser ${email}. Its output:\n${output}`);
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
  const child = spawn(
    "/bin/sh",
    [...UMASK_WRAPPER, options.bin, "serve", `--http=127.0.0.1:${options.port}`, ...baseArgs(options.dataDir, options.migrationsDir)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
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
