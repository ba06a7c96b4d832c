// `npm run restore -- FILE [--force]`: puts a backup zip back into DATA_DIR with PocketBase's own
// restore (README "Backups and recovery"). Refuses, changing nothing, whenever data could be lost.
import { ConfigError, parseConfig } from "../src/lib/server/config.ts";
import { BackupError, restoreBackup } from "./lib/backups.ts";

process.umask(0o077);
const log = (line: string) => console.log(`[restore] ${line}`);
const args = process.argv.slice(2);
const force = args.includes("--force");
const files = args.filter((a) => a !== "--force");
const unknown = files.filter((a) => a.startsWith("--"));

if (files.length !== 1 || unknown.length > 0) {
  console.error(
    `\n[restore] ${unknown.length > 0 ? `Unknown option ${unknown.join(", ")}. ` : ""}Usage: npm run restore -- FILE.zip [--force]\n  FILE.zip  a backup made by \`npm run backup\` (DATA_DIR/pb_data/backups/) or PocketBase\n  --force   restore even though DATA_DIR holds data (the current data is kept aside, never deleted)\n`,
  );
  process.exit(2);
}

try {
  const config = parseConfig(process.env);
  const result = await restoreBackup(config, files[0]!, { force, log });
  log(`restored ${files[0]} into ${config.dataDir}`);
  if (result.keptAside) {
    log(`the data from before the restore is in ${result.keptAside} (its earlier backups under backups/); delete it yourself once you no longer need it`);
  }
  if (config.meili || process.env.MEILI_BIN) {
    log("search runs on Meilisearch, which keeps its own index: after `npm start`, run `npm run reindex` so search shows the restored data");
  } else {
    log(`the search index ${result.searchRemoved ? "was removed and " : ""}is rebuilt from the restored data on the next \`npm start\``);
  }
  log("start the platform again with: npm start");
  process.exit(0);
} catch (error) {
  const message =
    error instanceof BackupError || error instanceof ConfigError
      ? error.message
      : `The restore failed: ${error instanceof Error ? error.message : String(error)}`;
  console.error(`\n[restore] ${message}\n`);
  process.exit(1);
}
