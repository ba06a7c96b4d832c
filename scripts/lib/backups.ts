// Backups and restore of PocketBase's data (issue 16 §9), always through PocketBase's own
// backups API so that the zip is the one its dashboard makes and restores: `npm run backup`,
// `npm run restore` and the daily backup schedule that `npm start` applies.
import { createWriteStream, existsSync, openAsBlob, realpathSync } from "node:fs";
import { chmod, mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type PocketBase from "pocketbase";
import { z } from "zod";
import { type Config, ConfigError, getSuperuserCredentials, secretsPath } from "../../src/lib/server/config.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { bringUpPocketBase, ensureSecrets } from "./platform.ts";
import { ensurePocketBaseBinary } from "./pocketbase-binary.ts";
import { freePort, migrateUp, startPocketBase, upsertSuperuser } from "./pocketbase-process.ts";

/** A refusal or failure of a backup command; its message says what to do. */
export class BackupError extends Error {}

/** PocketBase's automatic backup schedule: a cron expression (UTC) or "" for none, and how many automatic backups to keep. */
export type BackupSchedule = { cron: string; keep: number };

const DEFAULT_CRON = "0 3 * * *";

// PocketBase validates the expression itself when the settings are saved; this catches the
// obvious mistakes before anything starts: five fields, or one of its @macros.
const backupEnvSchema = z.object({
  CASEBOOK_BACKUP_CRON: z
    .string()
    .trim()
    .refine((v) => v === "off" || /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(v) || v.split(/\s+/).length === 5, {
      error: 'CASEBOOK_BACKUP_CRON must be a five-field cron expression in UTC such as "0 3 * * *" (daily at 03:00), or "off" for no scheduled backups',
    })
    .default(DEFAULT_CRON),
  CASEBOOK_BACKUP_KEEP: z.coerce
    .number({ error: "CASEBOOK_BACKUP_KEEP must be a whole number of backups to keep, e.g. CASEBOOK_BACKUP_KEEP=7" })
    .int({ error: "CASEBOOK_BACKUP_KEEP must be a whole number of backups to keep, e.g. 7" })
    .min(1, { error: "CASEBOOK_BACKUP_KEEP must be at least 1 (use CASEBOOK_BACKUP_CRON=off for no scheduled backups)" })
    .max(10000, { error: "CASEBOOK_BACKUP_KEEP must be at most 10000" })
    .default(7),
});

/** Reads CASEBOOK_BACKUP_CRON and CASEBOOK_BACKUP_KEEP, or throws a ConfigError naming the variable and the fix. */
export function parseBackupSchedule(env: Record<string, string | undefined>): BackupSchedule {
  // Empty means unset, as for every other variable (src/lib/server/config.ts).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = backupEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`);
  }
  const cron = parsed.data.CASEBOOK_BACKUP_CRON.replace(/\s+/g, " ");
  return { cron: cron === "off" ? "" : cron, keep: parsed.data.CASEBOOK_BACKUP_KEEP };
}

/** Writes the backup schedule from the environment into PocketBase's settings (called once by `npm start`). */
export async function applyBackupSchedule(
  pb: PocketBase,
  log: (line: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<BackupSchedule> {
  const schedule = parseBackupSchedule(env);
  try {
    // PocketBase requires cronMaxKeep ≥ 1 even when the schedule is off.
    await pb.settings.update({ backups: { cron: schedule.cron, cronMaxKeep: schedule.keep } });
  } catch (error) {
    const detail = (error as { response?: { data?: { backups?: { cron?: { message?: string } } } } }).response?.data?.backups?.cron?.message;
    if (detail)
      throw new ConfigError(`Invalid configuration:\n  CASEBOOK_BACKUP_CRON: PocketBase rejects "${schedule.cron}" (${detail}); use e.g. "0 3 * * *"`);
    throw error;
  }
  log(
    schedule.cron
      ? `backups: PocketBase backs up its data on "${schedule.cron}" (UTC) and keeps the last ${schedule.keep} scheduled backups`
      : "backups: no scheduled backups (CASEBOOK_BACKUP_CRON=off); `npm run backup` makes one by hand",
  );
  return schedule;
}

/** Where PocketBase keeps the backups of a data folder. */
export function backupsDirOf(dataDir: string): string {
  return path.join(dataDir, "pb_data", "backups");
}

// Resolves symbolic links of the longest existing part, so a link cannot hide that a folder is inside another.
function realish(p: string): string {
  const absolute = path.resolve(p);
  let existing = absolute;
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  return path.join(realpathSync(existing), path.relative(existing, absolute));
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(realish(parent), realish(child));
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** Checks CASEBOOK_BACKUP_COPY_DIR: a folder outside DATA_DIR (a copy inside it would be lost with it). */
export function checkCopyDir(copyDir: string, dataDir: string): string {
  if (isInside(copyDir, dataDir)) {
    throw new BackupError(
      `CASEBOOK_BACKUP_COPY_DIR=${copyDir} is inside DATA_DIR (${dataDir}): a copy there is lost together with the data. Choose a folder outside DATA_DIR, ideally on another disk.`,
    );
  }
  return path.resolve(copyDir);
}

function stamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:]/g, "")
    .replace("T", "-");
}

/** Makes a backup through PocketBase's API (the platform's running PocketBase, else a temporary one on DATA_DIR) and optionally copies it out. */
export async function createBackup(
  config: Config,
  options: { copyDir?: string; log: (line: string) => void },
): Promise<{ key: string; file: string | undefined; size: number; copy?: string }> {
  const { log } = options;
  const copyDir = options.copyDir ? checkCopyDir(options.copyDir, config.dataDir) : undefined;
  const running = await answers(config.pocketbaseUrl);
  if (config.pocketbaseExternal && !running) {
    throw new BackupError(`POCKETBASE_URL=${config.pocketbaseUrl} does not answer: start that PocketBase, or unset POCKETBASE_URL to back up DATA_DIR.`);
  }
  let stop: (() => Promise<void>) | undefined;
  let pb: PocketBase;
  if (running) {
    log(`using the running PocketBase at ${config.pocketbaseUrl}`);
    pb = await connectAsSuperuser(config.pocketbaseUrl, getSuperuserCredentials(config));
  } else {
    log(`PocketBase is not running: starting it on ${config.dataDir} for the backup`);
    const up = await bringUpPocketBase(config, log);
    stop = up.process?.stop;
    pb = await connectAsSuperuser(up.url, up.credentials);
  }
  try {
    const key = `casebook-${stamp()}.zip`;
    await pb.backups.create(key);
    const info = (await pb.backups.getFullList()).find((b) => b.key === key);
    if (!info) throw new BackupError(`PocketBase reported the backup ${key} as made but does not list it; look at its logs (dashboard → Logs).`);
    // A PocketBase on POCKETBASE_URL keeps its backups in its own pb_data, not necessarily DATA_DIR.
    const local = path.join(backupsDirOf(config.dataDir), key);
    const file = existsSync(local) ? local : undefined;
    let copy: string | undefined;
    if (copyDir) {
      await mkdir(copyDir, { recursive: true, mode: 0o700 });
      copy = path.join(copyDir, key);
      const token = await pb.files.getToken();
      const res = await fetch(pb.backups.getDownloadURL(token, key));
      if (!res.ok || !res.body) throw new BackupError(`Downloading the backup ${key} from PocketBase failed (HTTP ${res.status}); the backup itself is made.`);
      await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(copy, { mode: 0o600, flags: "wx" }));
      await chmod(copy, 0o600);
    }
    return { key, file, size: info.size, copy };
  } finally {
    await stop?.();
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Checks that FILE is a zip made by PocketBase's backups (it holds data.db at its root); throws a BackupError otherwise. */
export async function checkBackupFile(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info)
    throw new BackupError(`${file} does not exist. Give the path of a backup zip, e.g. ${path.join(".data", "pb_data", "backups", "casebook-….zip")}.`);
  if (!info.isFile()) throw new BackupError(`${file} is not a file. Give the path of a backup zip made by \`npm run backup\` or PocketBase.`);
  const names = await zipEntryNames(file).catch(() => undefined);
  if (!names) throw new BackupError(`${file} is not a zip file, so not a PocketBase backup. Give a zip made by \`npm run backup\` or PocketBase.`);
  if (!names.includes("data.db")) {
    throw new BackupError(`${file} is a zip but not a PocketBase backup (it holds no data.db). Give a zip made by \`npm run backup\` or PocketBase.`);
  }
}

// The names in a zip's central directory (zip64 included), read without a zip library: the
// restore itself is PocketBase's, this only refuses a wrong file before anything is changed.
async function zipEntryNames(file: string): Promise<string[]> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const tailLength = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error("no end of central directory");
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || count === 0xffff || cdSize === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) throw new Error("zip64 locator missing");
      const record = Buffer.alloc(56);
      await handle.read(record, 0, 56, Number(tail.readBigUInt64LE(locator + 8)));
      if (record.readUInt32LE(0) !== 0x06064b50) throw new Error("zip64 record missing");
      count = Number(record.readBigUInt64LE(32));
      cdSize = Number(record.readBigUInt64LE(40));
      cdOffset = Number(record.readBigUInt64LE(48));
    }
    if (cdOffset + cdSize > size) throw new Error("central directory outside the file");
    const cd = Buffer.alloc(cdSize);
    await handle.read(cd, 0, cdSize, cdOffset);
    const names: string[] = [];
    let at = 0;
    for (let n = 0; n < count; n++) {
      if (at + 46 > cd.length || cd.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory entry");
      const nameLength = cd.readUInt16LE(at + 28);
      names.push(cd.toString("utf8", at + 46, at + 46 + nameLength));
      at += 46 + nameLength + cd.readUInt16LE(at + 30) + cd.readUInt16LE(at + 32);
    }
    return names;
  } finally {
    await handle.close();
  }
}

/** Process ids of PocketBase servers whose command line names this data folder (Linux /proc; empty elsewhere). */
export async function pocketBasesOn(dataDir: string): Promise<number[]> {
  const wanted = `--dir=${path.join(path.resolve(dataDir), "pb_data")}`;
  const pids: number[] = [];
  const entries = await readdir("/proc").catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const args = cmdline.split("\0");
    if (args.includes("serve") && args.includes(wanted)) pids.push(Number(entry));
  }
  return pids;
}

/** True when DATA_DIR already holds a PocketBase database. */
export function holdsData(dataDir: string): boolean {
  return existsSync(path.join(dataDir, "pb_data", "data.db"));
}

/** Restores a backup zip into DATA_DIR with PocketBase's own restore, after refusing anything that would lose data. */
export async function restoreBackup(
  config: Config,
  file: string,
  options: { force: boolean; log: (line: string) => void },
): Promise<{ keptAside?: string; searchRemoved: boolean }> {
  const { log } = options;
  const zip = path.resolve(file);
  await checkBackupFile(zip);
  if (config.pocketbaseExternal) {
    throw new BackupError(
      `POCKETBASE_URL is set (${config.pocketbaseUrl}): that PocketBase keeps its data elsewhere. Restore it from its own dashboard (Settings → Backups), or unset POCKETBASE_URL to restore into DATA_DIR.`,
    );
  }
  const pids = await pocketBasesOn(config.dataDir);
  if ((await answers(config.pocketbaseUrl)) || pids.length > 0) {
    throw new BackupError(
      `PocketBase is running on this platform (${pids.length > 0 ? `process ${pids.join(", ")} on ${config.dataDir}` : config.pocketbaseUrl}). Stop \`npm start\` (Ctrl-C) first, then run the restore again; nothing was changed.`,
    );
  }
  const pbData = path.join(config.dataDir, "pb_data");
  // Only a folder this command made itself is removed again if the restore fails.
  const madePbData = !existsSync(pbData);
  const madeSecrets = !existsSync(secretsPath(config.dataDir));
  const madeDataDir = !existsSync(config.dataDir);
  let keptAside: string | undefined;
  if (holdsData(config.dataDir)) {
    if (!options.force) {
      throw new BackupError(
        `DATA_DIR (${config.dataDir}) already holds PocketBase data, which the restore would replace; nothing was changed. To restore anyway, run again with --force: the current data is then kept aside as ${pbData}.before-restore-<time>.`,
      );
    }
    keptAside = `${pbData}.before-restore-${stamp()}`;
    await rename(pbData, keptAside);
    log(`the current data is kept aside in ${keptAside} (this command never deletes it)`);
  }

  try {
    await restoreThroughPocketBase(config, zip, log);
  } catch (error) {
    // Put DATA_DIR back as it was: the half-made pb_data goes, the kept-aside data returns.
    const reason = error instanceof Error ? error.message : String(error);
    if (keptAside || madePbData) {
      await rm(pbData, { recursive: true, force: true });
      if (keptAside) await rename(keptAside, pbData);
      if (madeSecrets) await rm(secretsPath(config.dataDir), { force: true });
      if (madeDataDir) await rmdir(config.dataDir).catch(() => undefined);
      throw new BackupError(`${reason}\nDATA_DIR was put back as it was before the restore.`);
    }
    throw new BackupError(`${reason}\n${pbData} may now hold an empty database; check it before running the restore again with --force.`);
  }
  // The embedded engine's snapshot describes the data before the restore: without it the next
  // start rebuilds the index from PocketBase.
  const searchDir = path.join(config.dataDir, "search");
  const searchRemoved = existsSync(searchDir);
  await rm(searchDir, { recursive: true, force: true });
  return { keptAside, searchRemoved };
}

// Restores ZIP with PocketBase's own restore on a fresh pb_data in DATA_DIR.
async function restoreThroughPocketBase(config: Config, zip: string, log: (line: string) => void): Promise<void> {
  // A fresh pb_data with the current schema and the app's superuser, so the API can take the upload.
  const bin = await ensurePocketBaseBinary(log);
  const credentials = await ensureSecrets(config);
  await migrateUp(bin, config.dataDir);
  await upsertSuperuser(bin, config.dataDir, credentials.email, credentials.password);
  let banners = 0;
  const output: string[] = [];
  const running = await startPocketBase({
    bin,
    dataDir: config.dataDir,
    port: await freePort(),
    onOutput: (line) => {
      if (line.includes("Server started at")) banners++;
      output.push(line);
      if (output.length > 20) output.shift();
    },
  });
  try {
    const pb = await connectAsSuperuser(running.url, credentials);
    const key = `restore-${stamp()}.zip`;
    log(`uploading ${zip} to a temporary PocketBase on ${config.dataDir}`);
    const blob = await openAsBlob(zip, { type: "application/zip" });
    await pb.backups.upload({ file: new File([blob], key, { type: "application/zip" }) });
    const before = banners;
    const requested = new Date(Date.now() - 1000);
    await pb.backups.restore(key);
    log("PocketBase is restoring the backup and restarts itself when it is done…");
    // PocketBase restores in the background and then re-executes itself (same process, same
    // output): its start banner printed again is the sign that the restored data is live.
    // A failure before that is written to its logs, which are polled meanwhile.
    const deadline = Date.now() + 15 * 60_000;
    while (banners === before) {
      if (running.child.exitCode !== null) {
        throw new BackupError(
          `PocketBase stopped while restoring ${zip} (exit code ${running.child.exitCode}); is the backup damaged? Its last output:\n${output.join("\n")}`,
        );
      }
      if (Date.now() > deadline) throw new BackupError("PocketBase did not finish the restore within 15 minutes; look at its logs (dashboard → Logs).");
      const failure = await pb.logs
        .getList(1, 1, { filter: pb.filter("message = {:m} && created >= {:since}", { m: "Failed to restore backup", since: requested }) })
        .then((page) => page.items[0])
        .catch(() => undefined);
      if (failure && banners === before)
        throw new BackupError(`PocketBase could not restore ${zip}: ${String((failure.data as { error?: string }).error ?? "see its logs")}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    while (!(await answers(running.url))) {
      if (Date.now() > deadline) throw new BackupError("PocketBase restarted after the restore but does not answer; start it with `npm start` to see why.");
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await running.stop();
  }
}
