// The search service: which engine serves this process, how it starts, and the one query
// entry point for routes. Meilisearch when MEILI_URL is set; otherwise the embedded engine,
// restored from its snapshot under DATA_DIR when that is provably current, else rebuilt from
// PocketBase (the source of truth). The outbox worker (outbox.ts) keeps it current after that.
import { randomUUID } from "node:crypto";
import { open, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { getConfig } from "../config.ts";
import { releaseMemory } from "../memory.ts";
import { getPocketBase } from "../pocketbase.ts";
import { SHUTDOWN_ORDER, onShutdown } from "../shutdown.ts";
import { recordSearch } from "../observability.ts";
import { countSearchableDocuments, loadAllSearchDocuments, loadPublishedFingerprint } from "./documents.ts";
import { createEmbeddedEngine } from "./embedded.ts";
import type { EmbeddedEngine } from "./embedded.ts";
import type { SearchEngine, SearchHealth, SearchQuery, SearchResult } from "./engine.ts";
import { createMeilisearchEngine } from "./meilisearch.ts";

/** How long processed outbox rows are kept, and how old a snapshot may be and still be trusted. */
export const OUTBOX_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

// Documents indexed between two collections during a full rebuild. Measured at 20,000 posts
// (npm run bench -- --hold, RSS polled): every 4,000 the process peaked at 529 MB, every 1,000 at
// 432 MB, for a rebuild of 22.7 s instead of 19.9 s (each collection ~0.1 s).
const RELEASE_EVERY = 1000;
// A failed start (PocketBase down) is retried by the next caller, at most this often.
const RETRY_AFTER_MS = 2000;
const HEALTH_TIMEOUT_MS = 2000;
const SEARCH_WAIT_MS = 10_000;

// On globalThis, so a module evaluated twice (dev server reloads, duplicated chunks) still
// shares one engine, one snapshot and one set of signal handlers per process.
const STATE = Symbol.for("casebook.search.service");
type Globals = { [STATE]?: ServiceState };
const globals = globalThis as Globals;
globals[STATE] ??= { service: null, lastFailure: null };
const state: ServiceState = globals[STATE];

/** The engine of this process, ready to search and to take writes (started on first use). */
export function getSearchEngine(): Promise<SearchEngine> {
  if (state.service) return state.service.ready;
  const failure = state.lastFailure;
  if (failure && Date.now() - failure.at < RETRY_AFTER_MS) return Promise.reject(failure.error);
  const service = getConfig().meili ? startMeilisearch() : startEmbedded();
  state.service = service;
  service.ready.catch((error: unknown) => {
    // Forget the failed start so a later call tries again (PocketBase may be back by then).
    if (state.service === service) state.service = null;
    state.lastFailure = { at: Date.now(), error: error instanceof Error ? error : new Error(String(error)) };
    console.error(`[search] could not start the ${service.engine.name} engine: ${messageOf(error)}`);
  });
  return service.ready;
}

/** Replaces the engine of this process (tests); null forgets it so the next use starts the configured one. */
export function setSearchEngine(engine: SearchEngine | null): void {
  state.lastFailure = null;
  state.service = engine ? { engine, ready: Promise.resolve(engine), status: "ready", snapshot: null, detail: null, started: null, writes: null } : null;
}

/**
 * The version of what the index holds, for the validators of pages built on it (pagecache.ts):
 * changes with every write the embedded engine of this process applies, and is null while one is
 * being applied, while the engine starts, and for engines whose version this process cannot know
 * (Meilisearch, written by whichever process drains the outbox; an engine set by tests).
 */
export function searchIndexVersion(): string | null {
  const writes = state.service?.status === "ready" ? state.service.writes : null;
  if (!writes || writes.pending > 0) return null;
  return `${writes.boot}.${writes.applied}`;
}

/** How the embedded engine of this process started (from its snapshot, or rebuilt from PocketBase and why); null while starting, for Meilisearch and for an engine set by tests. */
export function searchStartedFrom(): SearchStart | null {
  return state.service?.started ?? null;
}

/** Runs a validated query against the engine of this process; throws when it is unavailable or still starting after 10 s. */
export async function searchPosts(query: SearchQuery): Promise<SearchResult> {
  // A first rebuild of a large index takes minutes: better a prompt "try again" than a hung page.
  const engine = await withTimeout(getSearchEngine(), SEARCH_WAIT_MS, "the search index is still being built");
  const started = performance.now();
  const result = await engine.search(query);
  recordSearch(engine.name, performance.now() - started);
  return result;
}

/** The engine's health without waiting for it to start (for /healthz). */
export async function getSearchHealth(): Promise<SearchHealth & { engine: "embedded" | "meilisearch" }> {
  const name = state.service?.engine.name ?? (getConfig().meili ? "meilisearch" : "embedded");
  if (!state.service) {
    // Starting is cheap to ask for and must not be awaited here: a rebuild can take seconds.
    getSearchEngine().catch(() => undefined);
  }
  const service = state.service;
  if (!service) return { engine: name, ok: false, detail: `not started: ${state.lastFailure ? state.lastFailure.error.message : "starting"}` };
  if (service.status !== "ready") return { engine: name, ok: false, detail: service.detail ?? "starting" };
  try {
    const health = await withTimeout(service.engine.health(), HEALTH_TIMEOUT_MS, "the search engine did not answer in time");
    return { engine: name, ...health, ...(health.ok && service.detail ? { detail: service.detail } : {}) };
  } catch (error) {
    return { engine: name, ok: false, detail: messageOf(error) };
  }
}

/** Replaces the engine's contents with every published post and public call, reporting progress after each page read. */
export async function rebuildSearchIndex(
  engine: SearchEngine,
  options: { batchSize?: number; onProgress?: (progress: { done: number; total: number }) => void } = {},
): Promise<{ count: number }> {
  const total = options.onProgress ? await countSearchableDocuments() : 0;
  let done = 0;
  const pages = loadAllSearchDocuments(options.batchSize ?? 500);
  async function* counted() {
    for await (const page of pages) {
      const before = done;
      done += page.length;
      options.onProgress?.({ done, total: Math.max(total, done) });
      yield page;
      // The pages read and analysed so far are garbage: given back now and then, so that the
      // rebuild's peak is what the index holds, not what it read (memory.ts).
      if (Math.floor(done / RELEASE_EVERY) > Math.floor(before / RELEASE_EVERY)) releaseMemory();
    }
  }
  return engine.reindex(counted());
}

/** Path of the embedded engine's snapshot under DATA_DIR. */
export function snapshotPathOf(dataDir = getConfig().dataDir): string {
  return path.join(dataDir, "search", "embedded.index");
}

function startMeilisearch(): Service {
  const meili = getConfig().meili!;
  const engine = createMeilisearchEngine({ url: meili.url, apiKey: meili.apiKey });
  const service: Service = { engine, ready: null!, status: "starting", snapshot: null, detail: "connecting to Meilisearch", started: null, writes: null };
  service.ready = (async () => {
    await engine.ensureIndex();
    // Meilisearch persists its own index; only a count that disagrees with PocketBase
    // (a new server, a wiped volume) calls for a full rebuild.
    const [indexed, published, outdated] = await Promise.all([engine.count(), countSearchableDocuments(), engine.outdatedDocuments()]);
    if (indexed !== published || outdated) {
      service.detail = outdated
        ? "rebuilding from PocketBase (the index holds documents of an older format)"
        : `rebuilding from PocketBase (${indexed} indexed, ${published} published)`;
      console.warn(`[search] Meilisearch: ${service.detail}`);
      await rebuildSearchIndex(engine);
    }
    service.status = "ready";
    service.detail = null;
    return engine as SearchEngine;
  })();
  return service;
}

function startEmbedded(): Service {
  const snapshotPath = snapshotPathOf();
  const inner = createEmbeddedEngine({ snapshotPath });
  const snapshot: SnapshotState = { path: snapshotPath, dirty: false, saving: null, inner };
  const writes: IndexWrites = { boot: randomUUID().slice(0, 8), applied: 0, pending: 0 };
  // Writes mark the snapshot dirty, so shutdown saves only when there is something to save, and
  // move the index's version (searchIndexVersion), which has none while a write is under way.
  const write = async <T>(apply: () => Promise<T>): Promise<T> => {
    writes.pending++;
    try {
      return await apply();
    } finally {
      writes.applied++;
      writes.pending--;
      snapshot.dirty = true;
    }
  };
  const engine: SearchEngine = {
    name: "embedded",
    ensureIndex: () => inner.ensureIndex(),
    search: (query) => inner.search(query),
    health: () => inner.health(),
    count: () => inner.count(),
    upsert: (docs) => write(() => inner.upsert(docs)),
    remove: (ids) => write(() => inner.remove(ids)),
    reindex: (batches) => write(() => inner.reindex(batches)),
  };
  const service: Service = { engine, ready: null!, status: "starting", snapshot, detail: "loading the search snapshot", started: null, writes };
  service.ready = (async () => {
    await removeStaleTempFiles(snapshotPath);
    // The MiniSearch JSON snapshot of earlier versions (~200 MB at 20,000 posts) is never read again.
    await rm(path.join(path.dirname(snapshotPath), "embedded.json"), { force: true });
    const savedAt = await readSnapshotSavedAt(snapshotPath);
    const loaded = savedAt !== null && Date.now() - savedAt.getTime() < OUTBOX_RETENTION_MS && (await inner.load());
    // Trust a snapshot only if it holds exactly the published set and no outbox change was
    // applied after it was written (an edit keeps the set but changes a document).
    const current = loaded && inner.fingerprint() === (await loadPublishedFingerprint()) && !(await outboxProcessedSince(savedAt!));
    const started = performance.now();
    if (!current) {
      service.detail = "building the search index from PocketBase";
      const { count } = await rebuildSearchIndex(engine);
      console.log(
        `[search] embedded index rebuilt from PocketBase: ${count} documents in ${seconds(started)} s (${loaded ? "snapshot out of date" : "no usable snapshot"})`,
      );
      // Saved before taking searches (under a second at 20,000 posts): a crash now does not cost
      // another rebuild, and the saved documents are then read from the file, so their memory and
      // the rebuild's garbage can be given back (memory.ts) before the index is used.
      await saveSnapshot(snapshot);
      // The second collection of this start, and not the same as the first (in saveSnapshot):
      // that one clears the rebuild's garbage before the save allocates on top of it, this one
      // frees the documents the save moved to the file. Each measured to matter, ~0.1 s at
      // 20,000 posts, at start only.
      releaseMemory();
      service.started = { from: "pocketbase", reason: loaded ? "snapshot out of date" : "no usable snapshot" };
    } else {
      console.log(`[search] embedded index loaded from ${snapshotPath}: ${await inner.count()} documents`);
      service.started = { from: "snapshot" };
    }
    service.status = "ready";
    service.detail = null;
    registerShutdownSave();
    return engine;
  })();
  return service;
}

async function saveSnapshot(snapshot: SnapshotState): Promise<void> {
  if (snapshot.saving) return snapshot.saving;
  // A save allocates tens of MB (the vocabulary, the entries); at shutdown it came on top of a
  // heap grown by the requests just served and was the process's peak (bench: 522 MB against
  // 491 before the stop). Saves are rare: the garbage goes first (memory.ts).
  releaseMemory();
  snapshot.dirty = false;
  const started = performance.now();
  snapshot.saving = snapshot.inner
    .save()
    .then(() => console.log(`[search] snapshot saved to ${snapshot.path} in ${seconds(started)} s`))
    .catch((error: unknown) => {
      snapshot.dirty = true;
      console.error(`[search] could not save the snapshot ${snapshot.path}: ${messageOf(error)}`);
    })
    .finally(() => {
      snapshot.saving = null;
    });
  return snapshot.saving;
}

// Best effort: a snapshot saved at shutdown spares the next start a rebuild. It runs after
// the outbox workers have stopped (shutdown.ts order), so it holds everything they applied.
function registerShutdownSave(): void {
  onShutdown("search snapshot", SHUTDOWN_ORDER.save, async () => {
    // Whichever engine serves at that moment (tests may have replaced the first one).
    const snapshot = state.service?.status === "ready" ? state.service.snapshot : null;
    if (!snapshot) return;
    if (snapshot.saving) await snapshot.saving;
    if (snapshot.dirty) await saveSnapshot(snapshot);
  });
}

// The snapshot is written by JSON.stringify with `format` and `savedAt` first, so the time
// it was taken is in its first bytes: no need to parse megabytes to decide it is too old.
async function readSnapshotSavedAt(file: string): Promise<Date | null> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, "r");
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const match = /"savedAt":"([^"]+)"/.exec(buffer.subarray(0, bytesRead).toString("utf8"));
    const date = match ? new Date(match[1]!) : null;
    return date && !Number.isNaN(date.getTime()) ? date : null;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

async function outboxProcessedSince(since: Date): Promise<boolean> {
  const pb = await getPocketBase();
  const rows = await pb.collection("search_outbox").getList(1, 1, {
    filter: pb.filter("processed_at != '' && processed_at >= {:since}", { since }),
    fields: "id",
    skipTotal: true,
  });
  return rows.items.length > 0;
}

// A save killed mid-write (SIGKILL after a shutdown timeout) leaves its temp file behind.
async function removeStaleTempFiles(snapshotPath: string): Promise<void> {
  const dir = path.dirname(snapshotPath);
  const prefix = `${path.basename(snapshotPath)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith(".tmp")) await rm(path.join(dir, name), { force: true });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type SnapshotState = {
  path: string;
  /** Writes applied since the last save began. */
  dirty: boolean;
  saving: Promise<void> | null;
  inner: EmbeddedEngine;
};

type Service = {
  engine: SearchEngine;
  ready: Promise<SearchEngine>;
  status: "starting" | "ready";
  /** What a starting engine is doing, for /healthz. */
  detail: string | null;
  snapshot: SnapshotState | null;
  /** Set once the embedded engine is ready: the path its start took. */
  started: SearchStart | null;
  /** The embedded engine's writes, for its version; null for other engines. */
  writes: IndexWrites | null;
};

type IndexWrites = {
  /** Random per engine start, so versions of two starts never compare equal. */
  boot: string;
  /** Writes finished (or failed: a failed write may have changed part of the index). */
  applied: number;
  /** Writes under way. */
  pending: number;
};

/** The path an embedded engine's start took. */
export type SearchStart = { from: "snapshot" } | { from: "pocketbase"; reason: "snapshot out of date" | "no usable snapshot" };

type ServiceState = {
  service: Service | null;
  lastFailure: { at: number; error: Error } | null;
};
