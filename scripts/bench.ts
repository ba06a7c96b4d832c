// `npm run bench [-- --posts N --duration S --samples N --heap-mb MB --hold]`: measures Casebook against the
// targets of issue 15 (DESIGN.md §8) on this machine. Seeds a throwaway PocketBase with N synthetic
// published posts (Zipf-distributed EN/FR/NL vocabulary, bodies of 300–1,500 words), starts
// the built site with the embedded engine on loopback (projection cache on, as deployed), and
// measures: start to ready without an index (bulk rebuild) and, after a restart, with one; server
// memory sampled through the run; /api/search latency and throughput (plain, typo and faceted
// queries, 1 and 16 connections); SSR throughput of post, discussion, home, listing and search
// pages relative to a static file; PocketBase requests per page (first visit and repeat) and the
// projection cache's hit rate; publish → searchable latency through the outbox; JavaScript shipped.
// Prints a table and writes bench/results/<date>.json. Not part of `npm test`: a 20,000-post run
// takes minutes. `--hold` keeps the seeded platform up after indexing, for profiling by hand.
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type PocketBase from "pocketbase";
import { connectAsSuperuser } from "../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../tests/helpers/pocketbase.ts";
import { buildIfStale, startSite } from "../tests/helpers/site.ts";
import { type CorpusRefs, benchCorpus } from "./lib/bench-corpus.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// autocannon ships no type declarations; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

// ---------------------------------------------------------------------------------------
// Options

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} needs a positive whole number`);
    process.exit(2);
  }
  return value;
}
const POSTS = flag("posts", 20_000);
const DURATION = flag("duration", 10);
const SAMPLES = flag("samples", 30);
const SEED = flag("seed", 20260101);
// Node sizes its heap from the machine's memory (GBs here) and collects lazily, so RSS grows
// far past the live data under load; --heap-mb caps the server's old space as a deployment would.
const HEAP_MB = args.includes("--heap-mb") ? flag("heap-mb", 0) : null;
const BUDGET_POSTS = 20_000;
const HOLD = args.includes("--hold");
const METRICS_TOKEN = "bench-metrics-token-0123456789abcdef";

const log = (line: string) => console.log(`[bench] ${line}`);

const corpus = benchCorpus(SEED);
const { pick, int, syntheticPost, plainQueries, typoQueries, facetedQueries, OUTCOMES, CARE_SETTINGS, AI_TYPES, ORG_KINDS, REGIONS, POOL } = corpus;
type Refs = CorpusRefs;

async function seed(pb: PocketBase): Promise<{ slugs: string[]; discussionSlugs: string[]; refs: Refs; seconds: number }> {
  const started = performance.now();
  const author = await pb.collection("users").create({
    email: "bench@casebook.test",
    password: "bench-password-0123",
    passwordConfirm: "bench-password-0123",
    name: "Bench Author",
    role: "member",
    locale: "en",
    verified: true,
  });
  const orgs: string[] = [];
  for (let i = 0; i < 60; i++) {
    const kind = pick(ORG_KINDS);
    const org = await pb.collection("organizations").create({
      name: `Bench ${kind.replace("_", " ")} ${i}`,
      slug: `bench-org-${i}`,
      kind,
      region: pick(REGIONS),
      country: "BE",
      verified: true,
      verification_status: "verified",
    });
    orgs.push(org.id);
  }
  const funders: string[] = [];
  const calls: string[] = [];
  for (let i = 0; i < 6; i++) {
    const funder = await pb.collection("organizations").create({
      name: `Bench Care Fund ${i}`,
      slug: `bench-fund-${i}`,
      kind: "funder",
      region: pick(REGIONS),
      country: "BE",
      verified: true,
      verification_status: "verified",
    });
    funders.push(funder.id);
    for (let c = 0; c < 3; c++) {
      const call = await pb.collection("funding_calls").create({
        slug: `bench-call-${i}-${c}`,
        funder: funder.id,
        title: `Bench call ${i}.${c}`,
        programme: "Bench programme",
        status: "closed",
        currency: "EUR",
      });
      calls.push(call.id);
    }
  }
  const refs: Refs = {
    orgs,
    funders,
    funderNames: ["Regional Innovation Agency", "Fondation Santé Numérique", "Zorgfonds Vlaanderen", "EU Horizon Health"],
    calls,
    author: author.id,
  };

  const BATCH = 100;
  const IN_FLIGHT = 3;
  const slugs: string[] = [];
  const discussionSlugs: string[] = [];
  let next = 0;
  let done = 0;
  let lastPrint = 0;
  async function lane(): Promise<void> {
    while (next < POSTS) {
      const from = next;
      const to = Math.min(POSTS, next + BATCH);
      next = to;
      const batch = pb.createBatch();
      for (let i = from; i < to; i++) {
        const post = syntheticPost(i, refs);
        slugs.push(String(post.slug));
        if (post.kind === "discussion") discussionSlugs.push(String(post.slug));
        batch.collection("posts").create(post);
      }
      await batch.send();
      done += to - from;
      if (performance.now() - lastPrint > 2000 || done === POSTS) {
        lastPrint = performance.now();
        const s = (performance.now() - started) / 1000;
        log(`seeded ${done}/${POSTS} posts (${(done / s).toFixed(0)}/s)`);
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { slugs, discussionSlugs, refs, seconds: (performance.now() - started) / 1000 };
}

const apiPaths = {
  plain: plainQueries.map((q) => `/api/search?${new URLSearchParams({ q })}`),
  typo: typoQueries.map((q) => `/api/search?${new URLSearchParams({ q })}`),
  faceted: facetedQueries.map((p) => `/api/search?${p}`),
};

// ---------------------------------------------------------------------------------------
// Measurement helpers

type LoadResult = {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  statuses: Record<string, number>;
  sampleFailure?: string;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function load(baseUrl: string, paths: string[], connections: number, seconds = DURATION): Promise<LoadResult> {
  let i = 0;
  // Only successful responses count: an error page is fast, and would flatter the figures.
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const instance = autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
  });
  instance.on("response", (_client, status, _bytes, responseTime) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  let sampleFailure: string | undefined;
  if (result.non2xx > 0) {
    // Say what went wrong: the first failing path's status and the start of its body.
    for (const p of paths.slice(0, 50)) {
      const res = await fetch(`${baseUrl}${p}`);
      if (!res.ok) {
        sampleFailure = `${p} → ${res.status}: ${(await res.text()).replace(/\s+/g, " ").slice(0, 300)}`;
        break;
      }
    }
  }
  return {
    statuses,
    ...(sampleFailure ? { sampleFailure } : {}),
    requests: latencies.length,
    rps: round(latencies.length / seconds, 0),
    p50: round(percentile(latencies, 50), 2),
    p95: round(percentile(latencies, 95), 2),
    p99: round(percentile(latencies, 99), 2),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function rssOf(pid: number): { rssMB: number; hwmMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMB: round(kb("VmRSS") / 1024, 0), hwmMB: round(kb("VmHWM") / 1024, 0) };
}

// One series of the site's /metrics (summed over label sets matching `labels`).
async function metric(baseUrl: string, name: string, labels = ""): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`/metrics: HTTP ${res.status}`);
  let total = 0;
  for (const line of (await res.text()).split("\n")) if (line.startsWith(name) && line.includes(labels)) total += Number(line.split(" ").pop());
  return total;
}
const pocketbaseRequests = (baseUrl: string) => metric(baseUrl, "casebook_pocketbase_requests_total{");

/** Asks for each path once, `inFlight` at a time: how long all took and the slowest page. */
async function firstVisits(baseUrl: string, paths: string[], inFlight: number): Promise<{ wallMs: number; slowestMs: number; slowestPath: string }> {
  const started = performance.now();
  let next = 0;
  let slowest = { ms: 0, path: "" };
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < paths.length) {
        const p = paths[next++]!;
        const t = performance.now();
        const res = await fetch(`${baseUrl}${p}`, { signal: AbortSignal.timeout(120_000) });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
        const ms = performance.now() - t;
        if (ms > slowest.ms) slowest = { ms, path: p };
      }
    }),
  );
  return { wallMs: round(performance.now() - started, 0), slowestMs: round(slowest.ms, 0), slowestPath: slowest.path };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

// Bytes of JavaScript a page loads: inline scripts plus external ones, gzipped.
async function javascriptOf(baseUrl: string, pagePath: string): Promise<number> {
  const html = await (await fetch(`${baseUrl}${pagePath}`)).text();
  let bytes = 0;
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const src = /\bsrc="([^"]+)"/.exec(match[1]!)?.[1];
    const type = /\btype="([^"]+)"/.exec(match[1]!)?.[1];
    if (type && !/javascript|module/.test(type)) continue;
    const code = src ? await (await fetch(new URL(src, `${baseUrl}${pagePath}`))).text() : match[2]!;
    bytes += gzipSync(code).length;
  }
  return round(bytes / 1024, 1);
}

// ---------------------------------------------------------------------------------------
// The run

const cleanup: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  cleanup.length = 0;
}
process.on("SIGINT", () => void cleanUp().then(() => process.exit(130)));

try {
  const started = new Date();
  const loadBefore = os.loadavg().map((n) => round(n, 2));
  log(
    `${POSTS} posts, ${DURATION} s per load run, ${SAMPLES} publish samples, server heap ${HEAP_MB ? `capped at ${HEAP_MB} MB` : "Node default"}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${loadBefore.join(" ")}`,
  );
  const [pbServer] = await Promise.all([startTestPocketBase(), buildIfStale()]);
  cleanup.push(() => pbServer.stop());
  const pb = await connectAsSuperuser(pbServer.url, TEST_SUPERUSER);
  const seeded = await seed(pb);
  const meanWords = Math.round(corpus.wordsTotal() / POSTS);
  log(`seeded ${POSTS} posts (mean ${meanWords} words) in ${round(seeded.seconds)} s`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), "casebook-bench-data-"));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const siteStarted = performance.now();
  const siteEnvironment: Record<string, string> = {
    POCKETBASE_URL: pbServer.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: dataDir,
    CASEBOOK_SECRET: "bench-signing-secret-0123456789abcdef-xyz",
    NODE_ENV: "production",
    MEILI_URL: "",
    MEILI_MASTER_KEY: "",
    CASEBOOK_SEARCH_WORKER: "1",
    // As deployed: public pages read through the projection cache (issue 15 §2).
    CASEBOOK_PROJECTION_CACHE: "on",
    CASEBOOK_METRICS_TOKEN: METRICS_TOKEN,
    ...(HEAP_MB ? { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } : {}),
  };
  const site = await startSite(siteEnvironment);
  // Cleanup runs last-in first-out: the site stops before PocketBase and its data go.
  cleanup.push(() => site.stop());
  let serverLog = "";
  site.child.stdout?.on("data", (c: Buffer) => (serverLog += c.toString()));
  site.child.stderr?.on("data", (c: Buffer) => (serverLog += c.toString()));
  let pid = site.child.pid!;
  const baseUrl = site.baseUrl;
  // RSS sampled through the whole run (VmHWM gives the peak too, but only since the process started).
  const rssSamples: number[] = [];
  // The peak of each phase, so a peak over budget says which load set it.
  let phase = "indexing";
  const phasePeaks: Record<string, number> = {};
  const sampler = setInterval(() => {
    try {
      const { rssMB } = rssOf(pid);
      // A process that is exiting has no VmRSS line any more.
      if (Number.isFinite(rssMB)) {
        rssSamples.push(rssMB);
        phasePeaks[phase] = Math.max(phasePeaks[phase] ?? 0, rssMB);
      }
    } catch {
      // between a stop and the next start
    }
  }, 250);
  cleanup.push(async () => clearInterval(sampler));

  // The first request (startSite's /healthz) starts the engine: no snapshot in a fresh
  // DATA_DIR, so it rebuilds from PocketBase.
  type Healthz = { search: { ok: boolean; documents?: number; detail?: string } };
  const indexDeadline = Date.now() + 30 * 60_000;
  let health: Healthz;
  for (;;) {
    health = await getJson<Healthz>(`${baseUrl}/healthz`);
    if (health.search.ok && (health.search.documents ?? 0) >= POSTS) break;
    if (Date.now() > indexDeadline) throw new Error(`index not ready after 30 minutes: ${JSON.stringify(health)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const indexSeconds = (performance.now() - siteStarted) / 1000;
  const rebuiltLine = /\[search\] embedded index rebuilt[^\n]*/.exec(serverLog)?.[0] ?? "";
  const serverIndexSeconds = Number(/in ([\d.]+) s/.exec(rebuiltLine)?.[1] ?? NaN);
  const afterIndex = rssOf(pid);
  phase = "snapshot save";
  log(
    `indexed ${health.search.documents} documents: ${round(indexSeconds)} s from server start (server says: ${rebuiltLine || "n/a"}); RSS ${afterIndex.rssMB} MB`,
  );

  // The snapshot save blocks the server's event loop for seconds: wait for it to finish
  // rather than let it land in the middle of a latency run.
  const snapshot = path.join(dataDir, "search", "embedded.index");
  const saveDeadline = Date.now() + 10 * 60_000;
  while (!existsSync(snapshot) && Date.now() < saveDeadline) {
    if (site.child.exitCode !== null || site.child.signalCode !== null) {
      throw new Error(`the site stopped (${site.child.exitCode ?? site.child.signalCode}) before its snapshot was written:\n${site.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // The site saves its snapshot before it takes searches, and says how long that took.
  const savedLine = /\[search\] snapshot saved[^\n]* in ([\d.]+) s/.exec(serverLog);
  const snapshotSeconds = savedLine ? Number(savedLine[1]) : (performance.now() - siteStarted) / 1000 - indexSeconds;
  const snapshotMB = existsSync(snapshot) ? round(statSync(snapshot).size / 1024 / 1024, 1) : NaN;
  await getJson(`${baseUrl}/healthz`);
  log(`snapshot written (${snapshotMB} MB) in ~${round(snapshotSeconds)} s${savedLine ? " (before the index was ready)" : " after the index was ready"}`);
  if (HOLD) {
    // --hold: keep the seeded platform up for profiling by hand; Ctrl-C cleans up.
    log(`holding: site ${baseUrl}, PocketBase ${pbServer.url} (superuser ${TEST_SUPERUSER.email}); Ctrl-C to stop`);
    await new Promise(() => undefined);
  }

  // Let the garbage left by the save be collected before anything is timed.
  await new Promise((r) => setTimeout(r, 3000));
  // Warm-up: JIT, connection pools, PocketBase caches.
  phase = "warm-up";
  await load(baseUrl, [...apiPaths.plain.slice(0, 50), ...apiPaths.faceted.slice(0, 50), "/en/search?q=model", `/en/posts/${seeded.slugs[0]}`], 4, 3);
  const afterWarmup = rssOf(pid);

  const searchRuns: Record<string, Record<string, LoadResult>> = {};
  for (const kind of ["plain", "typo", "faceted"] as const) {
    searchRuns[kind] = {};
    for (const connections of [1, 16]) {
      phase = `search API ${kind} c=${connections}`;
      const result = await load(baseUrl, apiPaths[kind], connections);
      searchRuns[kind]![`c${connections}`] = result;
      log(
        `/api/search ${kind.padEnd(7)} c=${String(connections).padStart(2)}: p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, ${result.rps} req/s${result.non2xx + result.errors ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ""}`,
      );
    }
  }

  // Pages under a language prefix: an unprefixed page URL answers 302 to the visitor's language.
  const postPaths = Array.from({ length: 500 }, () => `/en/posts/${pick(seeded.slugs)}`);
  const searchPagePaths = plainQueries.map((q) => `/en/search?${new URLSearchParams({ q })}`);
  const discussionPaths = Array.from({ length: 200 }, () => `/en/posts/${pick(seeded.discussionSlugs)}`);
  // Home and the listings a visitor browses: outcome, care setting and AI type pages, discussions.
  const listingPaths = [
    ...OUTCOMES.map((v) => `/en/outcomes/${v}`),
    ...CARE_SETTINGS.map((v) => `/en/care-settings/${v}`),
    ...AI_TYPES.map((v) => `/en/ai-types/${v}`),
    "/en/discussions",
    "/en/failures",
  ];
  const pagePaths = { post: postPaths, discussion: discussionPaths, search: searchPagePaths, home: ["/en/", "/fr/", "/nl/"], listing: listingPaths };
  // What a page costs PocketBase: requests the site sent, per page, on a first visit and on a repeat.
  const pocketbasePerPage: Record<string, { first: number; repeat: number }> = {};
  phase = "first page visits";
  for (const [name, paths] of Object.entries(pagePaths)) {
    const sample = [...new Set(paths)].slice(0, 10);
    const visit = async () => {
      const before = await pocketbaseRequests(baseUrl);
      for (const p of sample) await (await fetch(`${baseUrl}${p}`)).arrayBuffer();
      return round(((await pocketbaseRequests(baseUrl)) - before) / sample.length, 1);
    };
    pocketbasePerPage[name] = { first: await visit(), repeat: await visit() };
  }
  log(
    `PocketBase requests per page (first visit / repeat): ${Object.entries(pocketbasePerPage)
      .map(([k, v]) => `${k} ${v.first} / ${v.repeat}`)
      .join(", ")}`,
  );
  // Listings after a public change: any change to public content drops every projection, so the
  // next visitors to each listing wait on PocketBase. A record of a public collection is saved
  // unchanged (PocketBase still sends the event), then every listing page is asked for at once,
  // 16 in flight, as visitors would after a publish. This also leaves every listing path warm
  // for the throughput run below, as the other page runs are.
  phase = "listings after a change";
  const eventsBefore = await metric(baseUrl, "casebook_projection_cache", 'result="events"');
  const someOrganization = await pb.collection("organizations").getFirstListItem("", { fields: "id" });
  await pb.collection("organizations").update(someOrganization.id, {});
  const eventDeadline = Date.now() + 10_000;
  while ((await metric(baseUrl, "casebook_projection_cache", 'result="events"')) === eventsBefore) {
    if (Date.now() > eventDeadline) throw new Error("the site was not told of a change to public content within 10 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  const coldListings = await firstVisits(baseUrl, listingPaths, 16);
  log(`listings after a change: ${listingPaths.length} pages in ${coldListings.wallMs} ms, slowest ${coldListings.slowestMs} ms (${coldListings.slowestPath})`);
  const ssrLoad = (name: string, paths: string[]) => {
    phase = `${name} page c=16`;
    return load(baseUrl, paths, 16);
  };
  const ssr = {
    static: await ssrLoad("static", ["/favicon.svg"]),
    post: await ssrLoad("post", postPaths),
    discussion: await ssrLoad("discussion", discussionPaths),
    home: await ssrLoad("home", pagePaths.home),
    listing: await ssrLoad("listing", listingPaths),
    search: await ssrLoad("search", searchPagePaths),
  };
  const ratio = (r: LoadResult) => round((r.rps / ssr.static.rps) * 100, 1);
  const postRatio = ratio(ssr.post);
  const searchRatio = ratio(ssr.search);
  const homeRatio = ratio(ssr.home);
  const listingRatio = ratio(ssr.listing);
  const discussionRatio = ratio(ssr.discussion);
  log(
    `SSR c=16: static ${ssr.static.rps} req/s, post page ${ssr.post.rps} req/s (${postRatio} %), discussion ${ssr.discussion.rps} (${discussionRatio} %), home ${ssr.home.rps} (${homeRatio} %), listings ${ssr.listing.rps} (${listingRatio} %), search page ${ssr.search.rps} req/s (${searchRatio} %)`,
  );

  // Publish → searchable: a post and its outbox row in one batch (as the app writes them),
  // then poll the API until the post is found.
  const publishLatencies: number[] = [];
  phase = "publish → searchable";
  for (let s = 0; s < SAMPLES; s++) {
    const token = `zqpub${s}x${Math.random().toString(36).slice(2, 8).replace(/\d/g, "k")}`;
    const id = Array.from(crypto.getRandomValues(new Uint8Array(15)), (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");
    const post = { ...syntheticPost(POSTS + s, seeded.refs), id, slug: `bench-publish-${s}`, title: `Published sample ${token}` };
    const batch = pb.createBatch();
    batch.collection("posts").create(post);
    batch.collection("search_outbox").create({ record: id, collection_name: "posts", op: "upsert", attempts: 0 });
    const t0 = performance.now();
    await batch.send();
    const deadline = t0 + 15_000;
    for (;;) {
      const found = await getJson<{ total: number }>(`${baseUrl}/api/search?${new URLSearchParams({ q: token })}`);
      if (found.total > 0) {
        publishLatencies.push(performance.now() - t0);
        break;
      }
      if (performance.now() > deadline) {
        publishLatencies.push(Infinity);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, int(50, 300)));
  }
  publishLatencies.sort((a, b) => a - b);
  const publish = {
    samples: SAMPLES,
    p50: round(percentile(publishLatencies, 50), 0),
    p95: round(percentile(publishLatencies, 95), 0),
    max: round(publishLatencies.at(-1)!, 0),
  };
  log(`publish → searchable: p50 ${publish.p50} ms, p95 ${publish.p95} ms, max ${publish.max} ms`);

  const javascript = {
    home: await javascriptOf(baseUrl, "/en/"),
    post: await javascriptOf(baseUrl, `/en/posts/${seeded.slugs[0]}`),
    search: await javascriptOf(baseUrl, "/en/search?q=model"),
  };
  const final = rssOf(pid);
  const cache = {
    hits: await metric(baseUrl, "casebook_projection_cache", 'result="hit"'),
    misses: await metric(baseUrl, "casebook_projection_cache", 'result="miss"'),
    bypass: await metric(baseUrl, "casebook_projection_cache", 'result="bypass"'),
  };
  const hitRate = round((cache.hits / Math.max(1, cache.hits + cache.misses + cache.bypass)) * 100, 1);
  log(`projection cache: ${cache.hits} hits, ${cache.misses} misses, ${cache.bypass} uncached loads (${hitRate} % hits)`);
  // Whole anonymous pages served without a render (pagecache.ts): the page figures above depend on it.
  const pages = {
    hits: await metric(baseUrl, "casebook_page_cache", 'result="hit"'),
    misses: await metric(baseUrl, "casebook_page_cache", 'result="miss"'),
    evicted: await metric(baseUrl, "casebook_page_cache", 'result="evicted"'),
    megabytes: round((await metric(baseUrl, "casebook_page_cache", 'result="bytes"')) / 1024 / 1024, 1),
  };
  const pageHitRate = round((pages.hits / Math.max(1, pages.hits + pages.misses)) * 100, 1);
  log(`rendered-page cache: ${pages.hits} hits, ${pages.misses} misses (${pageHitRate} % hits), ${pages.evicted} evicted, ${pages.megabytes} MB held`);
  // Where the search pages' hits were built (src/lib/server/search/hitpool.ts).
  const hitPages = {
    thread: await metric(baseUrl, "casebook_search_hit_pages", 'where="thread"'),
    request: await metric(baseUrl, "casebook_search_hit_pages", 'where="request"'),
    rebuilt: await metric(baseUrl, "casebook_search_hit_pages", 'where="rebuilt"'),
    threadsReady: await metric(baseUrl, "casebook_search_hit_pages", 'where="threads_ready"'),
  };
  log(
    `search hit pages: ${hitPages.thread} built on a hit thread, ${hitPages.request} on the request thread, ${hitPages.rebuilt} rebuilt after a thread stopped (${hitPages.threadsReady} thread(s) ready)`,
  );

  // Cold start with the index the first start built: stop (the snapshot is saved at shutdown) and
  // start again on the same data folder, until the search answers with every document.
  phase = "restart with the index";
  await site.stop();
  const restarted = performance.now();
  const again = await startSite({ ...siteEnvironment });
  cleanup.push(() => again.stop());
  pid = again.child.pid!;
  for (;;) {
    const h = await getJson<Healthz>(`${again.baseUrl}/healthz`);
    if (h.search.ok && (h.search.documents ?? 0) >= POSTS) break;
    if (performance.now() - restarted > 30 * 60_000) throw new Error("restart: index not ready after 30 minutes");
    await new Promise((r) => setTimeout(r, 50));
  }
  const warmStartSeconds = round((performance.now() - restarted) / 1000, 2);
  const afterRestart = rssOf(pid);
  log(`start with the existing index: ready in ${warmStartSeconds} s, RSS ${afterRestart.rssMB} MB`);
  clearInterval(sampler);
  const sampledPeakMB = Math.max(...rssSamples);
  const loadAfter = os.loadavg().map((n) => round(n, 2));

  // -------------------------------------------------------------------------------------
  // Report

  const at20k = POSTS >= BUDGET_POSTS;
  type Row = { what: string; value: string; budget: string; pass: boolean | null };
  // The targets of issue 15 (DESIGN.md §8).
  const c16 = (["plain", "typo", "faceted"] as const).map((kind) => searchRuns[kind]!.c16!);
  const c16p95 = Math.max(...c16.map((r) => r.p95));
  const c16rps = Math.min(...c16.map((r) => r.rps));
  const peakMB = Math.max(sampledPeakMB, final.hwmMB);
  const rows: Row[] = [
    ...(["plain", "typo", "faceted"] as const).map((kind) => ({
      what: `search API p95, ${kind}, 1 client`,
      value: `${searchRuns[kind]!.c1!.p95} ms`,
      budget: "≤ 15 ms",
      pass: searchRuns[kind]!.c1!.p95 <= 15,
    })),
    { what: "search API at 16 connections: worst p95", value: `${c16p95} ms`, budget: "≤ 60 ms", pass: c16p95 <= 60 },
    { what: "search API at 16 connections: least req/s", value: `${c16rps} req/s`, budget: "≥ 600 req/s", pass: c16rps >= 600 },
    { what: "search page / static", value: `${searchRatio} %`, budget: "≥ 10 %", pass: searchRatio >= 10 },
    { what: "post page / static", value: `${postRatio} %`, budget: "≥ 40 %", pass: postRatio >= 40 },
    { what: "discussion page / static", value: `${discussionRatio} %`, budget: "≥ 40 %", pass: discussionRatio >= 40 },
    { what: "home page / static", value: `${homeRatio} %`, budget: "≥ 30 %", pass: homeRatio >= 30 },
    { what: "listing pages / static", value: `${listingRatio} %`, budget: "≥ 30 %", pass: listingRatio >= 30 },
    { what: "server RSS after indexing", value: `${afterIndex.rssMB} MB`, budget: "≤ 350 MB", pass: afterIndex.rssMB <= 350 },
    { what: "server RSS peak during the bench", value: `${peakMB} MB`, budget: "≤ 500 MB", pass: peakMB <= 500 },
    { what: "start to ready, existing index", value: `${warmStartSeconds} s`, budget: "≤ 3 s", pass: warmStartSeconds <= 3 },
    { what: "start to ready, no index", value: `${round(indexSeconds)} s`, budget: "≤ 30 s", pass: indexSeconds <= 30 },
    { what: "publish → searchable p95", value: `${publish.p95} ms`, budget: "≤ 500 ms", pass: publish.p95 <= 500 },
    {
      what: "JS on content pages (home, post)",
      value: `${Math.max(javascript.home, javascript.post)} KB gz`,
      budget: "0 KB",
      pass: javascript.home === 0 && javascript.post === 0,
    },
    { what: "JS on the search page", value: `${javascript.search} KB gz`, budget: "≤ 30 KB gz", pass: javascript.search <= 30 },
  ];
  const info: [string, string][] = [
    ["bulk index (server start → ready)", `${round(indexSeconds)} s`],
    ["  of which rebuild (server log)", `${serverIndexSeconds} s`],
    ["snapshot save", `~${round(snapshotSeconds)} s, ${snapshotMB} MB`],
    ["seeding PocketBase", `${round(seeded.seconds)} s`],
    ...(["plain", "typo", "faceted"] as const).flatMap((kind) =>
      [1, 16].map((c): [string, string] => {
        const r = searchRuns[kind]![`c${c}`]!;
        return [`search ${kind} c=${c}`, `p50 ${r.p50} / p95 ${r.p95} / p99 ${r.p99} ms, ${r.rps} req/s`];
      }),
    ),
    ...Object.entries(ssr).map(([name, r]): [string, string] => [`${name} page c=16`, `${r.rps} req/s (p95 ${r.p95} ms)`]),
    ...Object.entries(pocketbasePerPage).map(([name, v]): [string, string] => [
      `PocketBase requests per ${name} page`,
      `${v.first} first visit, ${v.repeat} repeat`,
    ]),
    ["listing pages after a public change", `${listingPaths.length} pages (16 in flight) in ${coldListings.wallMs} ms, slowest ${coldListings.slowestMs} ms`],
    ["projection cache", `${cache.hits} hits, ${cache.misses} misses, ${cache.bypass} uncached (${hitRate} % hits)`],
    ["rendered-page cache", `${pages.hits} hits, ${pages.misses} misses (${pageHitRate} % hits), ${pages.evicted} evicted, ${pages.megabytes} MB`],
    ["RSS after the restart with an index", `${afterRestart.rssMB} MB`],
    ["RSS: sampled peak, VmHWM of the first process", `${sampledPeakMB} MB, ${final.hwmMB} MB`],
    [
      "RSS peak by phase",
      Object.entries(phasePeaks)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
  ];
  const width = Math.max(...rows.map((r) => r.what.length), ...info.map(([k]) => k.length)) + 2;
  console.log(
    `\nCasebook bench — ${POSTS} posts (mean ${meanWords} words), ${os.cpus().length} CPUs, Node ${process.version}, load average ${loadBefore[0]} → ${loadAfter[0]}${at20k ? "" : ` — budgets are set for ${BUDGET_POSTS} posts`}`,
  );
  console.log(`${"what".padEnd(width)}${"measured".padEnd(26)}${"budget".padEnd(14)}result`);
  for (const r of rows) console.log(`${r.what.padEnd(width)}${r.value.padEnd(26)}${r.budget.padEnd(14)}${r.pass === null ? "" : r.pass ? "PASS" : "FAIL"}`);
  console.log("");
  for (const [k, v] of info) console.log(`${k.padEnd(width)}${v}`);

  const errors = Object.values(searchRuns)
    .flatMap((runs) => Object.values(runs))
    .concat(Object.values(ssr))
    .reduce((n, r) => n + r.errors + r.non2xx, 0);
  if (errors > 0) {
    console.log(`\nWARNING: ${errors} failed or non-2xx responses during the load runs (not counted in the figures above):`);
    for (const [name, r] of [
      ...Object.entries(searchRuns).flatMap(([k, runs]) => Object.entries(runs).map(([c, r]) => [`search ${k} ${c}`, r] as const)),
      ...Object.entries(ssr).map(([k, r]) => [`ssr ${k}`, r] as const),
    ]) {
      if (r.errors + r.non2xx > 0)
        console.log(`  ${name}: statuses ${JSON.stringify(r.statuses)}, ${r.errors} errors${r.sampleFailure ? `; e.g. ${r.sampleFailure}` : ""}`);
    }
  }

  const report = {
    date: started.toISOString(),
    command: `npm run bench -- ${args.join(" ")}`.trim(),
    // Other work on the machine skews every figure: the load average says how busy it was.
    loadAverage: { before: loadBefore, after: loadAfter },
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? null,
      memoryGB: round(os.totalmem() / 1024 ** 3, 1),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    config: { posts: POSTS, meanWords, durationSeconds: DURATION, publishSamples: SAMPLES, seed: SEED, queryPool: POOL, serverHeapMB: HEAP_MB },
    seeding: { seconds: round(seeded.seconds) },
    index: {
      secondsFromStart: round(indexSeconds),
      rebuildSeconds: serverIndexSeconds,
      rss: afterIndex,
      snapshot: { seconds: round(snapshotSeconds), megabytes: snapshotMB },
    },
    memory: { afterIndex, afterWarmup, final, afterRestart, sampledPeakMB, phasePeaksMB: phasePeaks, samples: rssSamples.length },
    start: { withoutIndexSeconds: round(indexSeconds), withIndexSeconds: warmStartSeconds },
    pocketbaseRequestsPerPage: pocketbasePerPage,
    listingsAfterChange: { pages: listingPaths.length, inFlight: 16, ...coldListings },
    projectionCache: { ...cache, hitRatePercent: hitRate },
    pageCache: { ...pages, hitRatePercent: pageHitRate },
    searchHitPages: hitPages,
    search: searchRuns,
    ssr: {
      ...ssr,
      postRatioPercent: postRatio,
      searchRatioPercent: searchRatio,
      homeRatioPercent: homeRatio,
      listingRatioPercent: listingRatio,
      discussionRatioPercent: discussionRatio,
    },
    publish,
    javascriptKBgz: javascript,
    budgets: rows,
    loadErrors: errors,
  };
  const dir = path.join(root, "bench", "results");
  await mkdir(dir, { recursive: true });
  const file = path.join(
    dir,
    `${started
      .toISOString()
      .replace(/[:]/g, "-")
      .replace(/\.\d+Z$/, "Z")}.json`,
  );
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n[bench] results written to ${path.relative(root, file)}`);
} catch (error) {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

type AutocannonResult = { errors: number; timeouts: number; non2xx: number };
type AutocannonInstance = Promise<AutocannonResult> & {
  on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
};
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: { method: string; setupRequest: (request: Record<string, unknown>) => Record<string, unknown> }[];
}) => AutocannonInstance;
