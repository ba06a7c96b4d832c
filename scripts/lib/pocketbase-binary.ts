// Finds or makes the PocketBase binary, in the order DESIGN.md §2 gives:
// POCKETBASE_BIN → `pocketbase` on PATH (pinned version) → cached build → Go build →
// official release download → a clear error.
import { execFile, spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The one place the PocketBase version is pinned. */
export const POCKETBASE_VERSION = "0.39.11";

/** Folder for cached builds, shared by every clone of the project on this machine. */
export function cacheDir(): string {
  const base = process.env.CASEBOOK_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "casebook");
  return path.join(base, `pocketbase-${POCKETBASE_VERSION}`);
}

async function versionOf(bin: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(bin, ["--version"], { timeout: 10_000 });
    return stdout.match(/version\s+v?(\d+\.\d+\.\d+)/)?.[1];
  } catch {
    return undefined;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function buildWithGo(target: string, log: (line: string) => void): Promise<boolean> {
  if (!(await onPath("go"))) return false;
  log(`Building PocketBase ${POCKETBASE_VERSION} from its Go module (first time only, takes a few minutes)…`);
  const work = await mkdtemp(path.join(os.tmpdir(), "casebook-pb-build-"));
  const started = Date.now();
  const ticker = setInterval(() => log(`  still building… ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
  try {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        "go",
        [
          "install",
          "-trimpath",
          "-ldflags",
          `-s -w -X github.com/pocketbase/pocketbase.Version=${POCKETBASE_VERSION}`,
          `github.com/pocketbase/pocketbase/examples/base@v${POCKETBASE_VERSION}`,
        ],
        { cwd: work, env: { ...process.env, CGO_ENABLED: "0", GOBIN: work, GOFLAGS: "-mod=mod" }, stdio: ["ignore", "pipe", "pipe"] },
      );
      const relay = (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n")) if (line.trim()) log(`  go: ${line.trim()}`);
      };
      child.stdout.on("data", relay);
      child.stderr.on("data", relay);
      child.on("close", (c) => resolve(c ?? 1));
      child.on("error", () => resolve(1));
    });
    if (code !== 0) {
      log("  the Go build failed (see the lines above)");
      return false;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(work, "base"), target);
    log(`  built in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
    return true;
  } finally {
    clearInterval(ticker);
    await rm(work, { recursive: true, force: true });
  }
}

async function downloadRelease(target: string, log: (line: string) => void): Promise<boolean> {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch as string];
  const platform = { linux: "linux", darwin: "darwin", win32: "windows" }[process.platform as string];
  if (!arch || !platform) return false;
  const url = `https://github.com/pocketbase/pocketbase/releases/download/v${POCKETBASE_VERSION}/pocketbase_${POCKETBASE_VERSION}_${platform}_${arch}.zip`;
  log(`Trying the official release archive ${url} …`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok || !res.body) return false;
    const work = await mkdtemp(path.join(os.tmpdir(), "casebook-pb-dl-"));
    const zip = path.join(work, "pb.zip");
    const out = createWriteStream(zip);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) out.write(chunk);
    await new Promise((r) => out.end(r));
    await run("unzip", ["-o", zip, "pocketbase", "-d", work]);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(work, "pocketbase"), target);
    await rm(work, { recursive: true, force: true });
    return true;
  } catch {
    log("  the download did not work (offline?)");
    return false;
  }
}

/** Returns the path of a PocketBase binary of the pinned version, making one if needed. */
export async function ensurePocketBaseBinary(log: (line: string) => void = console.log): Promise<string> {
  const fromEnv = process.env.POCKETBASE_BIN;
  if (fromEnv) {
    const version = await versionOf(fromEnv);
    if (!version) throw new Error(`POCKETBASE_BIN=${fromEnv} is not a runnable PocketBase binary; fix the path or unset it`);
    if (version !== POCKETBASE_VERSION) log(`Warning: POCKETBASE_BIN is PocketBase ${version}; Casebook is tested with ${POCKETBASE_VERSION}`);
    return fromEnv;
  }
  const global = await onPath("pocketbase");
  if (global && (await versionOf(global)) === POCKETBASE_VERSION) return global;

  const cached = path.join(cacheDir(), "pocketbase");
  if (existsSync(cached) && (await versionOf(cached)) === POCKETBASE_VERSION) return cached;

  if ((await buildWithGo(cached, log)) || (await downloadRelease(cached, log))) {
    await chmod(cached, 0o755);
    await writeFile(path.join(cacheDir(), "README.txt"), `PocketBase ${POCKETBASE_VERSION}, cached by Casebook's provisioning script.\n`);
    if ((await versionOf(cached)) === POCKETBASE_VERSION) return cached;
  }
  throw new Error(
    [
      `PocketBase ${POCKETBASE_VERSION} is needed and none could be found or made. Any one of these works:`,
      `  • install Go (https://go.dev/dl/) and run npm start again — it builds PocketBase from source;`,
      `  • download pocketbase_${POCKETBASE_VERSION} for your platform from https://github.com/pocketbase/pocketbase/releases`,
      `    and set POCKETBASE_BIN=/path/to/pocketbase (or put it on PATH);`,
      `  • or point Casebook at a running PocketBase with POCKETBASE_URL plus PB_SUPERUSER_EMAIL/PB_SUPERUSER_PASSWORD.`,
    ].join("\n"),
  );
}
