// Threads that build the embedded engine's search hits. A search has two halves: the query on
// the index (postings, vocabulary and facets, which live in the request thread's memory) and
// the page's hits — each hit's document inflated and parsed, its snippet found in its body —
// about half of a search's CPU (profiled at 20,000 posts under load). The hits need only the
// documents' bytes, so the request thread copies them (~60 KB a page) and a hit thread builds
// the page while the request thread takes the next request: a second core serves searches
// without a second copy of the index. Without a thread (one core, CASEBOOK_SEARCH_THREADS=0,
// a thread not started yet, failed or dead), hits are built where the search runs, by the same
// function; a thread that dies costs its pending pages a rebuild here, never a failed search.

import os from "node:os";
import { Worker } from "node:worker_threads";
import { getConfig } from "../config.ts";
import type { SearchHit } from "./engine.ts";
import type { HitReply, HitRequest, HitWorkerData } from "./hitworker.ts";
import { type HitBatch, buildHits } from "./snippets.ts";

// Loading the snippet code is not a search's cost, but a thread that never answers must be given up.
const START_TIMEOUT_MS = 30_000;
// After a thread fails or dies, none is started sooner than this: a broken build must not
// start a thread per search.
const RESTART_AFTER_MS = 5_000;
// A thread asked to stop leaves after the page it is building; one that has not left by then is terminated.
const STOP_TIMEOUT_MS = 5_000;

type Pending = { batch: HitBatch; resolve: (hits: SearchHit[]) => void; reject: (error: Error) => void };
type Slot = { worker: Worker; ready: boolean; pending: Map<number, Pending>; stop: Int32Array };

/** Where the hits of each page were built since the pool was made. */
export type HitCounts = { thread: number; inline: number; rebuilt: number };

/** Hit threads (started on first use, one at a time); `build` is what a search calls. */
export class HitPool {
  readonly threads: number;
  readonly #slots: Slot[] = [];
  #starting = false;
  #failedAt = Number.NEGATIVE_INFINITY;
  #nextId = 1;
  #closed = false;
  readonly #restartAfterMs: number;
  readonly #counts: HitCounts = { thread: 0, inline: 0, rebuilt: 0 };
  // Called whenever a thread becomes ready or is lost (warm() waits on them).
  #changes: (() => void)[] = [];

  constructor(threads: number, options: { restartAfterMs?: number } = {}) {
    this.threads = threads;
    this.#restartAfterMs = options.restartAfterMs ?? RESTART_AFTER_MS;
  }

  /** Starts the threads and resolves with how many are ready once each has started or failed. */
  async warm(): Promise<number> {
    for (;;) {
      this.#pick();
      if (!this.#starting) return this.readyThreads();
      await new Promise<void>((resolve) => this.#changes.push(resolve));
    }
  }

  /** The hits of `batch`, in its order: built on a hit thread when one is ready, else here. */
  build(batch: HitBatch): Promise<SearchHit[]> {
    const slot = this.#pick();
    if (slot === null) {
      this.#counts.inline++;
      return new Promise((resolve) => resolve(buildHits(batch)));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { batch, resolve, reject });
      // A page in flight keeps the process up (an idle thread does not).
      if (slot.pending.size === 1) slot.worker.ref();
      // Copied, not transferred: if the thread dies, the page is rebuilt here from the same bytes.
      slot.worker.postMessage({ id, batch } satisfies HitRequest);
    });
  }

  /** Pages built on a thread, here, and here again after their thread died. */
  counts(): HitCounts {
    return { ...this.#counts };
  }

  /** The threads that are ready. */
  readyThreads(): number {
    return this.#slots.filter((s) => s.ready).length;
  }

  /** Stops every thread; pages in flight are built here. The pool builds everything here from now on. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map((slot) => this.#stop(slot, 0)));
  }

  /** Tests: ends a thread with its pages in flight unanswered, as a crash would. */
  async killThreadForTests(): Promise<void> {
    const slot = this.#slots.find((s) => s.ready);
    if (slot) await this.#stop(slot, 1);
  }

  // Asks a thread to exit with `code` before its next page and waits until it has. Not
  // worker.terminate() first: terminating a thread inside a page (in zlib's inflate) aborted the
  // whole process in Node 24 ("close before init" in node_zlib.cc, seen once in CI); terminate()
  // is kept for a thread that does not leave.
  async #stop(slot: Slot, code: number): Promise<void> {
    let late: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => {
      slot.worker.once("exit", () => resolve());
      late = setTimeout(() => void slot.worker.terminate().then(() => resolve()), STOP_TIMEOUT_MS);
    });
    Atomics.store(slot.stop, 0, code + 1);
    slot.worker.postMessage({ stop: true } satisfies HitRequest);
    await exited;
    clearTimeout(late);
  }

  // The ready thread with the fewest pages in flight, or null; starts a thread when one is missing.
  #pick(): Slot | null {
    if (this.threads === 0 || this.#closed) return null;
    if (this.#slots.length < this.threads && !this.#starting && performance.now() - this.#failedAt >= this.#restartAfterMs) this.#start();
    let best: Slot | null = null;
    for (const slot of this.#slots) if (slot.ready && (best === null || slot.pending.size < best.pending.size)) best = slot;
    return best;
  }

  #start(): void {
    this.#starting = true;
    import("./hitworker.ts")
      .then(({ HIT_WORKER_TAG, HIT_WORKER_URL }) => {
        if (this.#closed) {
          this.#starting = false;
          this.#changed();
          return;
        }
        const stop = new SharedArrayBuffer(4);
        const worker = new Worker(`import(${JSON.stringify(HIT_WORKER_URL)});`, {
          eval: true,
          workerData: { tag: HIT_WORKER_TAG, stop } satisfies HitWorkerData,
          // A page's documents are ~150 KB of JSON: a thread needs little, and its memory is the server's.
          resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
        });
        const slot: Slot = { worker, ready: false, pending: new Map(), stop: new Int32Array(stop) };
        this.#slots.push(slot);
        const timer = setTimeout(() => void worker.terminate(), START_TIMEOUT_MS);
        timer.unref();
        worker.on("message", (reply: HitReply) => {
          if ("ready" in reply) {
            clearTimeout(timer);
            // Kept up while starting (so that warm() can be awaited), idle from now on: an idle
            // thread must not keep a script or a test run alive. Not unref'd at creation: adding
            // the 'message' listener refs the worker again.
            if (slot.pending.size === 0) worker.unref();
            slot.ready = true;
            this.#starting = false;
            this.#changed();
            return;
          }
          const pending = slot.pending.get(reply.id);
          if (!pending) return;
          slot.pending.delete(reply.id);
          if (slot.pending.size === 0) worker.unref();
          if ("hits" in reply) {
            this.#counts.thread++;
            pending.resolve(reply.hits);
          } else {
            pending.reject(new Error(reply.error));
          }
        });
        worker.on("error", (error) => this.#lost(slot, error.message));
        worker.on("exit", (code) => {
          clearTimeout(timer);
          this.#lost(slot, `exit code ${code}`);
        });
      })
      .catch((error: unknown) => {
        this.#starting = false;
        this.#failedAt = performance.now();
        this.#changed();
        console.error(
          `[search] could not start a hit thread (${error instanceof Error ? error.message : String(error)}); hits are built on the request thread`,
        );
      });
  }

  // A thread failed or ended: its pages in flight are built here, and it is replaced later.
  #lost(slot: Slot, why: string): void {
    const at = this.#slots.indexOf(slot);
    if (at === -1) return;
    this.#slots.splice(at, 1);
    if (!slot.ready) this.#starting = false;
    if (!this.#closed) {
      this.#failedAt = performance.now();
      console.error(`[search] a hit thread stopped (${why}); ${slot.pending.size} page(s) in flight built on the request thread`);
    }
    for (const { batch, resolve, reject } of slot.pending.values()) {
      this.#counts.rebuilt++;
      try {
        resolve(buildHits(batch));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    slot.pending.clear();
    this.#changed();
  }

  #changed(): void {
    const waiting = this.#changes;
    this.#changes = [];
    for (const resolve of waiting) resolve();
  }
}

/** The number of hit threads: CASEBOOK_SEARCH_THREADS, else one per core beyond the first (at most 4). */
export function defaultHitThreads(configured: number | undefined, cores = os.availableParallelism()): number {
  return configured ?? Math.max(0, Math.min(4, cores - 1));
}

let shared: HitPool | null = null;

/** The process's hit pool (embedded engines share it). */
export function sharedHitPool(): HitPool {
  shared ??= new HitPool(defaultHitThreads(getConfig().searchThreads));
  return shared;
}
