// `npm run backup`: one PocketBase backup now, through its backups API (README "Backups and recovery").
import { ConfigError, parseConfig } from "../src/lib/server/config.ts";
import { BackupError, createBackup } from "./lib/backups.ts";

// The backup zip and its copy are the owner's only, like everything under DATA_DIR.
process.umask(0o077);
const log = (line: string) => console.log(`[backup] ${line}`);

try {
  const config = parseConfig(process.env);
  const result = await createBackup(config, { copyDir: process.env.CASEBOOK_BACKUP_COPY_DIR?.trim() || undefined, log });
  const size = `${(result.size / 1024 / 1024).toFixed(1)} MB`;
  log(
    result.file
      ? `backup made: ${result.file} (${size})`
      : `backup made in PocketBase at ${config.pocketbaseUrl}: ${result.key} (${size}; in that PocketBase's pb_data/backups)`,
  );
  if (result.copy) log(`copied to ${result.copy}`);
  log(`restore it with: npm run restore -- ${result.copy ?? result.file ?? result.key}`);
  process.exit(0);
} catch (error) {
  const message =
    error instanceof BackupError || error instanceof ConfigError
      ? error.message
      : `The backup failed: ${error instanceof Error ? error.message : String(error)}`;
  console.error(`\n[backup] ${message}\n`);
  process.exit(1);
}
