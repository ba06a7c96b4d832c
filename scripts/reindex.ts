// `npm run reindex`: rebuilds the search index from PocketBase (the source of truth), for
// Meilisearch when MEILI_URL is set, else as the embedded engine's snapshot under DATA_DIR.
import { stat } from "node:fs/promises";
import { ConfigError, getConfig, getSuperuserCredentials } from "../src/lib/server/config.ts";
import { connectAsSuperuser, setPocketBase } from "../src/lib/server/pocketbase.ts";
import { createEmbeddedEngine } from "../src/lib/server/search/embedded.ts";
import type { SearchEngine } from "../src/lib/server/search/engine.ts";
import { rebuildSearchIndex, snapshotPathOf } from "../src/lib/server/search/index.ts";
import { createMeilisearchEngine } from "../src/lib/server/search/meilisearch.ts";

const started = performance.now();
let config: ReturnType<typeof getConfig>;
try {
  config = getConfig();
  setPocketBase(await connectAsSuperuser(config.pocketbaseUrl, getSuperuserCredentials(config)));
} catch (error) {
  const message = error instanceof ConfigError ? error.message : `Cannot reach PocketBase at ${getConfig().pocketbaseUrl}: ${String(error)}`;
  console.error(`\n[reindex] ${message}\n`);
  process.exit(1);
}

const snapshotPath = snapshotPathOf(config.dataDir);
const embedded = config.meili ? null : createEmbeddedEngine({ snapshotPath });
const engine: SearchEngine = embedded ?? createMeilisearchEngine({ url: config.meili!.url, apiKey: config.meili!.apiKey });
console.log(`[reindex] engine: ${engine.name}${embedded ? ` (snapshot ${snapshotPath})` : ` (${config.meili!.url})`}`);
await engine.ensureIndex();

// One line per second at most; on a terminal it is rewritten in place.
let lastPrint = 0;
const tty = process.stdout.isTTY;
function progress(done: number, total: number, force = false): void {
  const now = performance.now();
  if (!force && now - lastPrint < 1000) return;
  lastPrint = now;
  const seconds = (now - started) / 1000;
  const rate = done / Math.max(seconds, 0.001);
  const left = rate > 0 ? (total - done) / rate : 0;
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const line = `[reindex] read ${done}/${total} documents (${percent} %), ${rate.toFixed(0)} docs/s, ~${left.toFixed(0)} s left`;
  if (tty) process.stdout.write(`\r${line}\u001b[K`);
  else console.log(line);
}

let total = 0;
const { count } = await rebuildSearchIndex(engine, {
  batchSize: 500,
  onProgress: ({ done, total: all }) => {
    total = all;
    progress(done, all, done === all);
  },
});
if (tty) process.stdout.write("\n");
const indexed = performance.now();
console.log(`[reindex] indexed ${count} documents in ${((indexed - started) / 1000).toFixed(1)} s`);

if (embedded) {
  console.log("[reindex] writing the snapshot…");
  await embedded.save();
  const size = (await stat(snapshotPath)).size;
  console.log(`[reindex] snapshot written: ${snapshotPath} (${(size / 1024 / 1024).toFixed(1)} MB, ${((performance.now() - indexed) / 1000).toFixed(1)} s)`);
  console.log("[reindex] a running server keeps its index in memory: restart it to load this snapshot.");
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `[reindex] done: ${count} of ${total} public documents indexed in ${seconds.toFixed(1)} s (${(count / Math.max(seconds, 0.001)).toFixed(0)} docs/s overall)`,
);
process.exit(0);
