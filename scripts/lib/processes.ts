// Several site processes (issue 16 §5): what `npm start -- --processes N` accepts, and what a
// deployment of several processes needs before it may start.

/** The number after `--processes` (or `--processes=N`), 1 without one; an Error naming the fix otherwise. */
export function parseProcesses(argv: readonly string[]): number {
  const index = argv.findIndex((a) => a === "--processes" || a.startsWith("--processes="));
  if (index === -1) return 1;
  const raw = argv[index]!.includes("=") ? argv[index]!.slice("--processes=".length) : argv[index + 1];
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || n < 1 || n > 64) {
    throw new Error(`--processes needs a whole number of site processes from 1 to 64, e.g. --processes 2 (got ${raw === undefined ? "nothing" : `"${raw}"`})`);
  }
  return n;
}

/** Why N > 1 site processes cannot run with this environment, or null when they can. */
export function multiProcessProblem(env: NodeJS.ProcessEnv): string | null {
  if (!env.MEILI_URL && !env.MEILI_BIN) {
    return "Several site processes need Meilisearch: the embedded search engine keeps its index inside one process, so each process would search its own copy and only one would see new posts. Set MEILI_BIN=/path/to/meilisearch (npm start runs it) or MEILI_URL, or run one process.";
  }
  if (env.CASEBOOK_RATE_LIMITS && env.CASEBOOK_RATE_LIMITS !== "pocketbase") {
    return `Several site processes need CASEBOOK_RATE_LIMITS=pocketbase (it is "${env.CASEBOOK_RATE_LIMITS}"): with counts in each process's memory, a guesser whose requests are spread over N processes gets N times the sign-in tries. Unset it, and npm start shares the counts.`;
  }
  return null;
}

/**
 * Node's arguments for a site process (`npm start`, the tests and the bench start it the same
 * way): scripts/serve.ts, with gc() exposed so that after a full search rebuild the process hands
 * the rebuild's garbage back to the system (src/lib/server/memory.ts), and V8's young generation
 * held to 16 MB semi-spaces: on this 24 GB machine V8 let them grow to 64 MB each under search
 * load, 128 MB of a 212 MB heap whose live objects were 86 MB (measured through /metrics: RSS
 * 439 MB after 20 s of searches at 16 connections, 348 MB with the cap, same throughput).
 * Its old generation grows by at most half after each full collection (V8 chooses up to 4× under
 * load): the search pages' garbage had the heap grow in steps the process then kept. Measured on the
 * bench's 20,000 posts (searches, search pages, listings, publishes; six runs without, four with):
 * peak RSS 463 → 432 MB on average, searches and search pages a second unchanged within the runs'
 * spread; 30 % lowered the peak as much but cost ~8 % of search throughput.
 */
export function siteProcessArgs(serveScript: string): string[] {
  return ["--expose-gc", "--max-semi-space-size=16", "--heap-growing-percent=50", serveScript];
}

/**
 * The environment of a site process: `env` with glibc's allocator told to return large freed
 * blocks to the system (unless `env` says otherwise). By default glibc raises its mmap threshold
 * to the largest block freed so far, so after a rebuild the index's arrays of several MB came
 * from the heap and their memory stayed with the process when they were freed (measured at
 * 20,000 posts: 462 MB after the rebuild and a full collection, 290 MB with these two). One
 * arena, not two: since search hits are built on a thread (search/hitpool.ts), that thread's
 * inflates and message copies filled a second arena of their own — the bench's RSS peak was
 * 515–541 MB with two arenas, 486 MB with one (throughput within the runs' spread). Blocks from
 * 64 KB up are mapped on their own (not 128 KB): with the faster search page the bench's peak was
 * 469–545 MB over five runs at 128 KB, 478 and 493 at 64 KB with the same throughput; 32 KB gave
 * 454–455 MB but a fifth less plain-search throughput (each socket read and zlib window an mmap).
 */
export function siteProcessEnv<T extends Record<string, string | undefined>>(env: T): T & { MALLOC_ARENA_MAX: string; MALLOC_MMAP_THRESHOLD_: string } {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || "1", MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ || "65536" };
}
