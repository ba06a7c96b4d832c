// The embedded engine's hit threads (src/lib/server/search/hitpool.ts): a page's hits built on
// a thread are exactly the ones built on the request thread, a thread that dies or a document
// that cannot be read costs no wrong answer, and how many threads a process gets. The whole
// search contract also runs on a warmed thread (search-contract.test.ts).

import { spawn } from "node:child_process";
import { deflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/server/config.ts";
import { createEmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import { makeQuery } from "../../src/lib/server/search/engine.ts";
import type { SearchQuery, SearchResult } from "../../src/lib/server/search/engine.ts";
import { HitPool, defaultHitThreads } from "../../src/lib/server/search/hitpool.ts";
import { type HitBatch, buildHits } from "../../src/lib/server/search/snippets.ts";
import { chunk, corpus } from "./search-contract.ts";

const QUERIES: Partial<SearchQuery>[] = [
  { q: "triage" },
  { q: "infirmieres" },
  { q: "evaluaton" },
  { q: "chutes nocturnes", locale: "fr" },
  { q: "model", sort: "newest" },
  { q: "hospital", perPage: 5, page: 2 },
  { q: "" },
];

const withoutTime = ({ tookMs: _, ...rest }: SearchResult) => rest;

describe("search hits on a thread", () => {
  const threaded = new HitPool(1, { restartAfterMs: 0 });
  const inline = new HitPool(0);
  const onThread = createEmbeddedEngine({ hits: threaded });
  const here = createEmbeddedEngine({ hits: inline });

  beforeAll(async () => {
    expect(await threaded.warm()).toBe(1);
    await onThread.reindex(chunk(corpus, 10));
    await here.reindex(chunk(corpus, 10));
  }, 30_000);
  afterAll(() => threaded.close());

  it("builds the same hits, snippets and marks included, as the request thread", async () => {
    // The pools are shared with the tests below, which may run first (--sequence.shuffle): count from here.
    const before = { threaded: threaded.counts(), inline: inline.counts() };
    for (const partial of QUERIES) {
      const query = makeQuery(partial);
      const [a, b] = await Promise.all([onThread.search(query), here.search(query)]);
      expect(withoutTime(a), JSON.stringify(partial)).toEqual(withoutTime(b));
    }
    expect(threaded.counts().thread - before.threaded.thread).toBe(QUERIES.length);
    expect(threaded.counts().inline - before.threaded.inline).toBe(0);
    const { thread, inline: built, rebuilt } = inline.counts();
    expect({ thread, inline: built - before.inline.inline, rebuilt }).toEqual({ thread: 0, inline: QUERIES.length, rebuilt: 0 });
    // Not an empty comparison: the pages have hits with marked snippets.
    const sample = await onThread.search(makeQuery({ q: "triage" }));
    expect(sample.hits.length).toBeGreaterThan(0);
    expect(sample.hits.some((h) => h.snippet.includes("<mark>"))).toBe(true);
  });

  it("answers every page in flight when its thread dies, then starts another", async () => {
    // Twenty pages of twenty documents, posted at once: far more than a thread builds before
    // the kill lands.
    const docs = corpus.slice(0, 20);
    const blobs = docs.map((doc) => deflateRawSync(JSON.stringify(doc)));
    const batch: HitBatch = {
      bytes: Buffer.concat(blobs),
      ends: Int32Array.from(blobs, (_, i) => blobs.slice(0, i + 1).reduce((n, b) => n + b.length, 0)),
      terms: docs.map(() => ["triage", "model"]),
    };
    const expected = buildHits(batch);
    expect(expected.map((h) => h.id)).toEqual(docs.map((d) => d.id));
    const before = threaded.counts();
    const pages = Array.from({ length: 20 }, () => threaded.build(batch));
    await threaded.killThreadForTests();
    for (const hits of await Promise.all(pages)) expect(hits).toEqual(expected);
    const after = threaded.counts();
    expect(after.thread - before.thread + (after.rebuilt - before.rebuilt)).toBe(20);
    expect(after.rebuilt).toBeGreaterThan(before.rebuilt);
    expect(await threaded.warm()).toBe(1);
    await onThread.search(makeQuery({ q: "triage" }));
    expect(threaded.counts().thread).toBe(after.thread + 1);
  });

  it("fails a page whose document cannot be read, on a thread as on the request thread", async () => {
    const batch = { bytes: new Uint8Array([1, 2, 3, 4]), ends: Int32Array.of(4), terms: [["x"]] };
    const onThreadError = await threaded.build(batch).then(
      () => "built",
      (e: Error) => e.message,
    );
    const inlineError = await inline.build(batch).then(
      () => "built",
      (e: Error) => e.message,
    );
    expect(onThreadError).not.toBe("built");
    expect(onThreadError).toBe(inlineError);
    // The thread survives a bad page.
    expect(threaded.readyThreads()).toBe(1);
  });

  it("builds everything on the request thread once closed", async () => {
    const pool = new HitPool(1);
    expect(await pool.warm()).toBe(1);
    await pool.close();
    const engine = createEmbeddedEngine({ hits: pool });
    await engine.reindex(chunk(corpus, 10));
    const result = await engine.search(makeQuery({ q: "triage" }));
    expect(result.hits.length).toBeGreaterThan(0);
    expect(pool.counts().inline).toBe(1);
    expect(pool.readyThreads()).toBe(0);
  });
});

describe("a process with hit threads", () => {
  // A script that searched (bench:engines, reindex) must end when its work does: an idle hit
  // thread holds nothing up. (Adding the 'message' listener refs a worker: it once kept every
  // such script running for ever.)
  it("ends when its work is done, the thread started and idle", async () => {
    const pool = new URL("../../src/lib/server/search/hitpool.ts", import.meta.url).href;
    const script = `
      const { HitPool } = await import(${JSON.stringify(pool)});
      const pool = new HitPool(1);
      // As in a script that searches before its thread is ready: the page is built here, the
      // thread starts, and no page ever goes through it.
      await pool.build({ bytes: new Uint8Array(0), ends: new Int32Array(0), terms: [] });
      if ((await pool.warm()) !== 1) process.exit(2);
      console.log("done", JSON.stringify(pool.counts()));`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | string>((resolve) => {
      const stuck = setTimeout(() => {
        child.kill();
        resolve("still running 20 s after its work");
      }, 20_000);
      child.on("exit", (c) => {
        clearTimeout(stuck);
        resolve(c ?? "killed");
      });
    });
    expect(code).toBe(0);
    expect(out).toContain('done {"thread":0,"inline":1,"rebuilt":0}');
  }, 30_000);
});

describe("how many hit threads", () => {
  it("takes CASEBOOK_SEARCH_THREADS, else one per core beyond the first, at most four", () => {
    expect(defaultHitThreads(3, 2)).toBe(3);
    expect(defaultHitThreads(0, 8)).toBe(0);
    expect(defaultHitThreads(undefined, 1)).toBe(0);
    expect(defaultHitThreads(undefined, 2)).toBe(1);
    expect(defaultHitThreads(undefined, 16)).toBe(4);
  });

  it("refuses a CASEBOOK_SEARCH_THREADS that is not a whole number from 0 to 16, naming it", () => {
    expect(parseConfig({ CASEBOOK_SEARCH_THREADS: "2" }).searchThreads).toBe(2);
    expect(parseConfig({}).searchThreads).toBeUndefined();
    for (const v of ["-1", "1.5", "two", "17"]) expect(() => parseConfig({ CASEBOOK_SEARCH_THREADS: v })).toThrow(/CASEBOOK_SEARCH_THREADS/);
  });
});
