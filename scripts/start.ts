// `npm start` / `npm run dev`: the whole platform in one command (README Quick start).
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, parseConfig } from "../src/lib/server/config.ts";
import { randomBytes } from "node:crypto";
import { countAdmins, ensureAdmin, startupAdvice } from "../src/lib/server/admin.ts";
import { connectAsSuperuser } from "../src/lib/server/pocketbase.ts";
import { isBuildStale, sourceHash, stampPath } from "./lib/build-stamp.ts";
import { applyBackupSchedule } from "./lib/backups.ts";
import { bringUpPocketBase } from "./lib/platform.ts";
import { locateMeilisearch, newMasterKey, startMeilisearch } from "./lib/meilisearch-process.ts";
import { freePort } from "./lib/pocketbase-process.ts";
import { multiProcessProblem, parseProcesses, siteProcessArgs, siteProcessEnv } from "./lib/processes.ts";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { DEMO_PASSWORD, seedDemo } from "./lib/seed.ts";

// Everything this command and its children (PocketBase, the site) create is the owner's only
// (DESIGN.md §5.8): data, search snapshots, mail drop.
process.umask(0o077);

const root = fileURLToPath(new URL("..", import.meta.url));
const dev = process.argv.includes("--dev");
const started = Date.now();
const log = (line: string) => console.log(`[casebook] ${line}`);

function fail(message: string): never {
  console.error(`\n[casebook] ${message}\n`);
  process.exit(1);
}

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

// `--processes N`: N site processes on one port (scripts/serve.ts), checked before anything starts.
let processes = 1;
try {
  processes = parseProcesses(process.argv.slice(2));
} catch (error) {
  fail((error as Error).message);
}
if (processes > 1) {
  if (dev) fail("--processes runs the built site; `npm run dev` is one process. Use npm start -- --processes N.");
  const problem = multiProcessProblem(process.env);
  if (problem) fail(problem);
}

const children: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;

async function shutdown(code: number, message?: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (message) console.error(`\n[casebook] ${message}`);
    for (const child of [...children].reverse()) await child.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

// The site finishes its requests and outbox work first (scripts/serve.ts, up to its own
// timeouts), so it gets longer than PocketBase before it is killed.
function stopChild(child: ChildProcess, graceMs: number): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await done;
    clearTimeout(timer);
  };
}

try {
  log(
    `PocketBase: ${config.pocketbaseExternal ? `using ${config.pocketbaseUrl}` : `starting on 127.0.0.1:${config.pocketbasePort}, data in ${config.dataDir}`}`,
  );
  const pb = await bringUpPocketBase(config, log);
  if (pb.process) {
    const running = pb.process;
    children.push({ name: "pocketbase", stop: running.stop });
    void running.exited.then((code) => {
      if (!stopping) void shutdown(1, `PocketBase stopped unexpectedly (exit code ${code}). The site cannot run without it; stopping.`);
    });
  }

  const client = await connectAsSuperuser(pb.url, pb.credentials);
  await applyBackupSchedule(client, log);
  if (config.adminEmail) {
    const password = randomBytes(12).toString("base64url");
    const admin = await ensureAdmin(client, config.adminEmail, "Administrator", password);
    log(
      admin.created
        ? `administrator ${config.adminEmail} created; one-time password: ${password} (change it after signing in)`
        : `${config.adminEmail} is a platform administrator`,
    );
  }
  if (config.demo) {
    const seeded = await seedDemo(client, { log });
    log(seeded.created ? `demo content loaded (${seeded.posts} posts)` : "demo content already present");
  }

  if (!dev && isBuildStale(root)) {
    log("building the site (sources changed since the last build)…");
    const code = await new Promise<number>((resolve) => {
      const build = spawn(process.execPath, [path.join(root, "node_modules/astro/bin/astro.mjs"), "build"], { cwd: root, stdio: "inherit" });
      build.on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0) await shutdown(1, "The site build failed; see the output above.");
    writeFileSync(stampPath(root), sourceHash(root));
  }

  // MEILI_BIN (and no MEILI_URL): this command runs Meilisearch too, on loopback, with its data
  // and a master key kept under DATA_DIR so a restart finds its index again.
  const meiliEnv: Record<string, string> = {};
  if (!config.meili && process.env.MEILI_BIN) {
    const source = locateMeilisearch({ MEILI_BIN: process.env.MEILI_BIN });
    if (source.kind !== "bin") await shutdown(1, source.kind === "none" ? source.reason : "MEILI_BIN is not usable");
    const meiliDir = path.join(config.dataDir, "meilisearch");
    mkdirSync(meiliDir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(meiliDir, "master-key");
    if (!existsSync(keyFile)) writeFileSync(keyFile, newMasterKey(), { mode: 0o600 });
    const masterKey = readFileSync(keyFile, "utf8").trim();
    const bin = (source as { bin: string }).bin;
    log(`Meilisearch: starting ${bin} on loopback, data in ${meiliDir}`);
    const meili = await startMeilisearch({ bin, dataDir: meiliDir, port: await freePort(), masterKey });
    children.push({ name: "meilisearch", stop: meili.stop });
    void meili.exited.then((code) => {
      if (!stopping) void shutdown(1, `Meilisearch stopped unexpectedly (exit code ${code}); stopping.`);
    });
    meiliEnv.MEILI_URL = meili.url;
    meiliEnv.MEILI_MASTER_KEY = masterKey;
  } else if (config.meili) {
    log(`Meilisearch: using ${config.meili.url}`);
  }

  const env = {
    ...process.env,
    ...meiliEnv,
    HOST: config.host,
    PORT: String(config.port),
    DATA_DIR: config.dataDir,
    POCKETBASE_URL: pb.url,
    PB_SUPERUSER_EMAIL: pb.credentials.email,
    PB_SUPERUSER_PASSWORD: pb.credentials.password,
    CASEBOOK_ROLE: "server",
    CASEBOOK_PROCESSES: String(processes),
    // Several processes book sign-in attempts into the same counts (sharedlimits.ts).
    ...(processes > 1 ? { CASEBOOK_RATE_LIMITS: "pocketbase" } : {}),
    // Only `npm run dev` may print mailed links to the console (src/lib/server/mail.ts).
    CASEBOOK_DEV: dev ? "1" : "",
  };
  const args = dev
    ? [path.join(root, "node_modules/astro/bin/astro.mjs"), "dev", "--host", config.host, "--port", String(config.port)]
    : siteProcessArgs(path.join(root, "scripts/serve.ts"));
  const server = spawn(process.execPath, args, { cwd: root, env: siteProcessEnv(env), stdio: ["ignore", "inherit", "inherit"] });
  children.push({ name: "site", stop: stopChild(server, 60_000) });
  server.on("exit", (code) => {
    if (!stopping) void shutdown(code ?? 1, `The site server stopped (exit code ${code}).`);
  });

  const healthz = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}/healthz`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await fetch(healthz).catch(() => undefined);
    if (res?.ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(`ready in ${seconds} s → ${config.publicUrl}${processes > 1 ? ` (${processes} site processes)` : ""}`);
  if (config.demo) {
    log(`demo accounts (password "${DEMO_PASSWORD}"):`);
    for (const account of (await import("./lib/seed.ts")).demoAccounts()) log(`  ${account}`);
  }
  // A platform without demo content starts with no one who can verify anything: say how to begin.
  for (const line of startupAdvice({ admins: await countAdmins(client), contactEmail: config.contactEmail, publicUrl: config.publicUrl })) log(line);
  log("press Ctrl-C to stop");
} catch (error) {
  await shutdown(1, error instanceof Error ? error.message : String(error));
}
