// A hit thread (hitpool.ts starts it): builds search hits from the documents the request
// thread copied for it. This module is imported by the thread itself, by its own URL — a chunk
// of its own in the build, since hitpool.ts imports it dynamically — so the thread loads the
// snippet code and nothing of the server (no PocketBase client, no index).
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import type { SearchHit } from "./engine.ts";
import { type HitBatch, buildHits } from "./snippets.ts";

/** What a hit thread is started with, so that importing this module elsewhere does nothing. */
export const HIT_WORKER_TAG = "casebook-search-hits";

/** A thread's start data: the tag, and a stop flag (0: carry on; else one more than the exit code to leave with). */
export type HitWorkerData = { tag: typeof HIT_WORKER_TAG; stop: SharedArrayBuffer };

/** This module's URL, for the thread to import. */
export const HIT_WORKER_URL = import.meta.url;

/** A page of hits to build, or a wake-up to read the stop flag. */
export type HitRequest = { id: number; batch: HitBatch } | { stop: true };

/** The thread's answers: ready once loaded, then one per request. */
export type HitReply = { ready: true } | { id: number; hits: SearchHit[] } | { id: number; error: string };

// Stryker disable all: this block runs only in the hit thread, where Stryker cannot switch mutants on
// (its switch is a global of the test's thread); tests/unit/search-hits.test.ts exercises it through a pool.
const data = workerData as HitWorkerData | undefined;
if (!isMainThread && data?.tag === HIT_WORKER_TAG && parentPort) {
  const port = parentPort;
  const stop = new Int32Array(data.stop);
  port.on("message", (request: HitRequest) => {
    // Read before each page, so that a stop skips the pages queued behind it: the thread leaves
    // between pages, never inside one (see HitPool.#stop).
    const code = Atomics.load(stop, 0);
    if (code !== 0) process.exit(code - 1);
    if ("stop" in request) return;
    try {
      port.postMessage({ id: request.id, hits: buildHits(request.batch) } satisfies HitReply);
    } catch (error) {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies HitReply);
    }
  });
  port.postMessage({ ready: true } satisfies HitReply);
}
// Stryker restore all
