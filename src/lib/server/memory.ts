// Giving memory back after a large one-off job. A full rebuild of the embedded search index
// (20,000 posts) leaves ~150 MB of garbage in V8's heap — the PocketBase pages read, the
// analysed documents — which V8 keeps committed for later use, so the process stayed at ~600 MB
// where the index needs ~300. A compacting full collection ("last resort": the one V8 runs
// before giving up on memory) returns it. Only after rare jobs that take seconds anyway, never
// per request. Needs gc() exposed: the site process is started with --expose-gc
// (scripts/lib/processes.ts); elsewhere this does nothing.

/** Runs a compacting full garbage collection when gc() is exposed; true when it ran. */
export function releaseMemory(): boolean {
  const gc = (globalThis as { gc?: (options?: { type: string; execution: string; flavor: string }) => unknown }).gc;
  if (typeof gc !== "function") return false;
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
  return true;
}
