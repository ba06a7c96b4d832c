// Brings up the whole platform — PocketBase (own process or external), migrations,
// superuser, demo content — for `npm start`, `npm run dev`, the e2e tests and the bench.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import type { Config } from "../../src/lib/server/config.ts";
import { secretsPath } from "../../src/lib/server/config.ts";
import { secureDataDir } from "./datadir.ts";
import { ensurePocketBaseBinary } from "./pocketbase-binary.ts";
import { migrateUp, startPocketBase, upsertSuperuser, type RunningPocketBase } from "./pocketbase-process.ts";

/** Superuser credentials and signing secret: from the config, else generated once into DATA_DIR/secrets.json (0600). */
export async function ensureSecrets(config: Config): Promise<{ email: string; password: string }> {
  const file = secretsPath(config.dataDir);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const existing = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as Partial<Secrets>) : {};
  const secrets: Secrets = {
    pbSuperuserEmail: existing.pbSuperuserEmail ?? "superuser@casebook.invalid",
    pbSuperuserPassword: existing.pbSuperuserPassword ?? generateSecret(24),
    appSecret: existing.appSecret ?? generateSecret(32),
  };
  if (JSON.stringify(existing) !== JSON.stringify(secrets)) {
    await writeFile(file, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
  }
  await chmod(file, 0o600);
  return config.superuser ?? { email: secrets.pbSuperuserEmail, password: secrets.pbSuperuserPassword };
}

type Secrets = { pbSuperuserEmail: string; pbSuperuserPassword: string; appSecret: string };

/** A random secret of hex digits: nothing a command line could read as a flag or a quote (issue 9 §10). */
export function generateSecret(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** Starts (or reaches) PocketBase with migrations applied and the superuser in place. */
export async function bringUpPocketBase(
  config: Config,
  log: (line: string) => void,
): Promise<{ url: string; credentials: { email: string; password: string }; process?: RunningPocketBase }> {
  await secureDataDir(config.dataDir, log);
  const credentials = await ensureSecrets(config);
  if (config.pocketbaseExternal) {
    const res = await fetch(`${config.pocketbaseUrl}/api/health`).catch(() => undefined);
    if (!res?.ok) throw new Error(`POCKETBASE_URL=${config.pocketbaseUrl} does not answer; start it or unset POCKETBASE_URL`);
    return { url: config.pocketbaseUrl, credentials };
  }
  const bin = await ensurePocketBaseBinary(log);
  const busy = await fetch(`http://127.0.0.1:${config.pocketbasePort}/api/health`).catch(() => undefined);
  if (busy) {
    throw new Error(`Port ${config.pocketbasePort} is already in use (another PocketBase or Casebook?). Stop it, or set POCKETBASE_PORT to a free port.`);
  }
  await migrateUp(bin, config.dataDir);
  await upsertSuperuser(bin, config.dataDir, credentials.email, credentials.password);
  const running = await startPocketBase({ bin, dataDir: config.dataDir, port: config.pocketbasePort });
  return { url: running.url, credentials, process: running };
}
