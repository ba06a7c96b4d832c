// The outbox worker: drains `search_outbox` into the search engine (DESIGN.md §1). Every
// write that changes what is public adds a row in the same PocketBase batch as the change;
// this worker applies the rows in order, retrying failures with exponential backoff, so the
// engine being down never blocks or loses a write. Delivery is at least once: an upsert
// re-reads the post from PocketBase, so applying a row twice is harmless.
import type { RecordModel } from "pocketbase";
import { getPocketBase } from "../pocketbase.ts";
import { INDEXED_COLLECTIONS, loadSearchDocuments } from "./documents.ts";
import type { IndexedCollection } from "./documents.ts";
import type { SearchDocument, SearchEngine } from "./engine.ts";
import { OUTBOX_RETENTION_MS, getSearchEngine } from "./index.ts";
import { type DrainLoopState, startDrainLoop, stopDrainLoop } from "../drainloop.ts";
import { type LeaseKeeper, createLeaseKeeper } from "../leases.ts";
import { SHUTDOWN_ORDER, onShutdown } from "../shutdown.ts";
import { registerBacklog } from "../observability.ts";

/** How long a process keeps the right to drain the outbox before another may take over (it renews while alive). */
export const OUTBOX_LEASE_MS = 15_000;
/** Rows handled per drain when the caller does not say. */
export const DEFAULT_DRAIN_LIMIT = 100;
/** First retry delay; doubled on each further failure. */
export const BACKOFF_BASE_MS = 1000;
/** Longest retry delay. */
export const BACKOFF_MAX_MS = 5 * 60 * 1000;

const MAX_ERROR_LENGTH = 2000;
// PocketBase's batch API accepts up to 200 requests (migration 1764320000); stay well below.
const MARK_BATCH = 50;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
const PRUNE_LIMIT = 500;
// How long the worker waits after a drain that itself failed (PocketBase unreachable).
const WORKER_ERROR_DELAY_MS = 5000;

const STATE = Symbol.for("casebook.search.outbox");
const globals = globalThis as { [STATE]?: WorkerState };
// On globalThis for the same reason as the search service: one loop per process, however
// many times this module is evaluated.
globals[STATE] ??= { running: null, draining: null, wake: null, lastPrune: 0, ensured: false };
const worker: WorkerState = globals[STATE];

/** Retry delay after a row's `attempts`-th failure: 1 s · 2^(attempts−1), capped at 5 minutes. */
export function backoffDelay(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}

/**
 * Applies due outbox rows (oldest first) to the search engine. A failed row gets its
 * attempts, error and next attempt time recorded and the drain goes on with other records;
 * later rows of that record wait until it succeeds, so a record's changes never apply out of order.
 */
export async function drainOutbox(options: { limit?: number; now?: Date } = {}): Promise<DrainResult> {
  // One drain at a time per process: two would race on the same rows.
  while (worker.draining) await worker.draining.catch(() => undefined);
  const run = drainOnce(options.limit ?? DEFAULT_DRAIN_LIMIT, options.now ?? new Date());
  worker.draining = run;
  try {
    return await run;
  } finally {
    worker.draining = null;
  }
}

async function drainOnce(limit: number, now: Date): Promise<DrainResult> {
  const engine = await getSearchEngine();
  const pb = await getPocketBase();
  const due = await pb.collection("search_outbox").getList(1, limit, {
    filter: pb.filter("processed_at = '' && (next_attempt_at = '' || next_attempt_at <= {:now})", { now }),
    // created has millisecond resolution; rowid breaks ties in insertion order.
    sort: "created,@rowid",
    fields: "id,record,collection_name,op,attempts",
    skipTotal: true,
  });
  if (due.items.length === 0) {
    await maybePrune(now);
    return { processed: 0, failed: 0 };
  }

  // A record with a pending row that is not due yet has an earlier failed row: its due rows
  // are later changes and must wait behind it.
  const blocked = await recordsWaitingForRetry(
    due.items.map((row) => row.record),
    now,
  );
  const groups = new Map<string, OutboxRow[]>();
  for (const row of due.items as unknown as OutboxRow[]) {
    if (blocked.has(row.record)) continue;
    const key = `${row.collection_name}\u0000${row.record}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }

  // Only the last row of a record decides its state: an upsert re-reads the post as it is
  // now, a delete removes it. The earlier rows are settled by the same engine write.
  const changes: Change[] = [];
  const unsupported: OutboxRow[] = [];
  for (const rows of groups.values()) {
    const last = rows[rows.length - 1]!;
    // A collection that is not indexed: its rows wait (visibly, in last_error) rather than
    // being dropped, so indexing it later loses nothing.
    if (!isIndexed(last.collection_name)) unsupported.push(rows[0]!);
    else changes.push({ record: last.record, collection: last.collection_name, op: last.op, rows });
  }
  for (const collection of INDEXED_COLLECTIONS) {
    const wanted = changes.filter((c) => c.collection === collection && c.op === "upsert");
    if (wanted.length === 0) continue;
    const docs = await loadSearchDocuments(
      wanted.map((c) => c.record),
      collection,
    );
    // Not public (any more), or gone: the document must not be in the index.
    for (const change of wanted) change.doc = docs.get(change.record) ?? null;
  }

  const failures = await applyChanges(engine, changes);
  const processedRows = changes.filter((c) => !failures.has(c)).flatMap((c) => c.rows);
  const failedRows: { row: OutboxRow; error: string }[] = [];
  for (const [change, error] of failures) failedRows.push({ row: change.rows[0]!, error });
  for (const row of unsupported) failedRows.push({ row, error: `collection ${row.collection_name} is not indexed` });

  await markRows(processedRows, failedRows, now);
  await maybePrune(now);
  return { processed: processedRows.length, failed: failedRows.length };
}

// One bulk write per kind when the engine is well; if a bulk write fails, each change is
// retried alone so one bad document cannot hold back the others.
async function applyChanges(engine: SearchEngine, changes: Change[]): Promise<Map<Change, string>> {
  const failures = new Map<Change, string>();
  const upserts = changes.filter((c) => c.doc);
  const removals = changes.filter((c) => !c.doc);
  const apply = async (subset: Change[], write: (subset: Change[]) => Promise<void>) => {
    if (subset.length === 0) return;
    try {
      await write(subset);
    } catch (error) {
      if (subset.length === 1) {
        failures.set(subset[0]!, messageOf(error));
        return;
      }
      for (const change of subset) {
        try {
          await write([change]);
        } catch (single) {
          failures.set(change, messageOf(single));
        }
      }
    }
  };
  await apply(upserts, (subset) => engine.upsert(subset.map((c) => c.doc!)));
  await apply(removals, (subset) => engine.remove(subset.map((c) => c.record)));
  return failures;
}

// Only the first row of a failed record is marked failed: it is the one that holds the
// record's place in line, and the later rows stay untouched until it goes through.
async function markRows(processed: OutboxRow[], failed: { row: OutboxRow; error: string }[], now: Date): Promise<void> {
  const pb = await getPocketBase();
  const writes: ((batch: ReturnType<typeof pb.createBatch>) => void)[] = [];
  const processedAt = new Date();
  for (const row of processed) {
    writes.push((batch) => batch.collection("search_outbox").update(row.id, { processed_at: processedAt, last_error: "" }));
  }
  for (const { row, error } of failed) {
    const attempts = (row.attempts ?? 0) + 1;
    const next = new Date(now.getTime() + backoffDelay(attempts));
    writes.push((batch) =>
      batch.collection("search_outbox").update(row.id, {
        attempts,
        next_attempt_at: next,
        last_error: error.slice(0, MAX_ERROR_LENGTH),
      }),
    );
  }
  for (let i = 0; i < writes.length; i += MARK_BATCH) {
    const batch = pb.createBatch();
    for (const write of writes.slice(i, i + MARK_BATCH)) write(batch);
    await batch.send();
  }
}

async function recordsWaitingForRetry(records: string[], now: Date): Promise<Set<string>> {
  const unique = [...new Set(records)];
  const waiting = new Set<string>();
  const pb = await getPocketBase();
  for (let i = 0; i < unique.length; i += 50) {
    const chunk = unique.slice(i, i + 50);
    const params: Record<string, unknown> = Object.fromEntries(chunk.map((r, k) => [`r${k}`, r]));
    params.now = now;
    const anyOf = chunk.map((_, k) => `record = {:r${k}}`).join(" || ");
    const rows = await pb.collection("search_outbox").getFullList({
      filter: pb.filter(`processed_at = '' && next_attempt_at > {:now} && (${anyOf})`, params),
      fields: "record",
    });
    for (const row of rows) waiting.add(row.record);
  }
  return waiting;
}

// Processed rows are only an audit trail after a while; keep the table small. Rows younger
// than the retention also tell the search service whether a snapshot is stale (index.ts).
async function maybePrune(now: Date): Promise<void> {
  if (now.getTime() - worker.lastPrune < PRUNE_EVERY_MS) return;
  worker.lastPrune = now.getTime();
  try {
    const pb = await getPocketBase();
    const cutoff = new Date(now.getTime() - OUTBOX_RETENTION_MS);
    const old = await pb.collection("search_outbox").getList(1, PRUNE_LIMIT, {
      filter: pb.filter("processed_at != '' && processed_at < {:cutoff}", { cutoff }),
      fields: "id",
      skipTotal: true,
    });
    for (let i = 0; i < old.items.length; i += MARK_BATCH) {
      const batch = pb.createBatch();
      for (const row of old.items.slice(i, i + MARK_BATCH)) batch.collection("search_outbox").delete(row.id);
      await batch.send();
    }
  } catch (error) {
    console.error(`[search] could not prune the outbox: ${messageOf(error)}`);
  }
}

/** Rows not yet applied to the search engine (due or waiting for a retry). */
export async function getOutboxBacklog(): Promise<number> {
  const pb = await getPocketBase();
  const page = await pb.collection("search_outbox").getList(1, 1, { filter: "processed_at = ''", fields: "id" });
  return page.totalItems;
}

/** Starts the in-process loop that drains the outbox every `intervalMs` (no-op when running). */
export function startOutboxWorker(options: { intervalMs?: number; limit?: number } = {}): void {
  const limit = options.limit ?? DEFAULT_DRAIN_LIMIT;
  worker.lease ??= createLeaseKeeper("outbox:search", OUTBOX_LEASE_MS);
  const lease = worker.lease;
  startDrainLoop(worker, {
    label: "search",
    intervalMs: options.intervalMs ?? 250,
    errorDelayMs: WORKER_ERROR_DELAY_MS,
    drain: async () => {
      // Several site processes on one PocketBase (and Meilisearch): one drains at a time, so two
      // never apply the same row at once and a record's rows stay in order; a crashed holder's
      // lease runs out and another process takes over (leases.ts).
      if (!(await lease.hold())) return null;
      const result = await drainOutbox({ limit });
      // A full batch means more is waiting: go on at once.
      return { more: result.processed + result.failed >= limit, counts: result };
    },
  });
}

/** Stops the worker loop, waits for its current drain to finish, and hands the outbox lease back. */
export async function stopOutboxWorker(): Promise<void> {
  await stopDrainLoop(worker);
  await worker.lease?.release();
}

/** Starts the outbox worker once per process, unless CASEBOOK_SEARCH_WORKER=0. */
export function ensureSearchWorker(): void {
  if (worker.ensured) return;
  worker.ensured = true;
  registerBacklog("search", getOutboxBacklog);
  if (process.env.CASEBOOK_SEARCH_WORKER === "0") return;
  startOutboxWorker();
  // At shutdown the worker finishes the batch it is applying; rows not reached stay in the
  // outbox for the next start (nothing is lost, nothing is applied twice at once).
  onShutdown("search outbox worker", SHUTDOWN_ORDER.workers, stopOutboxWorker);
}

function isIndexed(collection: string): collection is IndexedCollection {
  return (INDEXED_COLLECTIONS as readonly string[]).includes(collection);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What one drain did: rows applied, and rows that failed and will be retried. */
export type DrainResult = { processed: number; failed: number };

type OutboxRow = Pick<RecordModel, "id"> & { record: string; collection_name: string; op: "upsert" | "delete"; attempts: number };
type Change = { record: string; collection: IndexedCollection; op: "upsert" | "delete"; rows: OutboxRow[]; doc?: SearchDocument | null };
type WorkerState = DrainLoopState & {
  draining: Promise<DrainResult> | null;
  lastPrune: number;
  ensured: boolean;
  lease?: LeaseKeeper;
};
