// Structured logs and metrics (issue 16 §12).
//
// Logs: one JSON line on stdout per request and per background job run (CASEBOOK_LOG=json, the
// default; `off` silences them). A request line holds the request id, method, the route
// *pattern* (`/posts/[slug]`), status and duration — never the path or query string, which can
// carry a searched person's name or a mailed token, and no address, account or user agent:
// nothing personal. Job lines name the job, what it handled and how long it took.
//
// Metrics: prom-client (the kept Prometheus client for Node) on a registry of our own, kept on
// globalThis because the bundle and scripts may evaluate this module twice. With several site
// processes (scripts/serve.ts supervising a cluster), a scrape that reaches any process answers
// with the sum over all of them, collected by the supervisor (prom-client's AggregatorRegistry).
import cluster from "node:cluster";
import { randomUUID, timingSafeEqual } from "node:crypto";
import client from "prom-client";
import { getConfig } from "./config.ts";
import { projectionCounts } from "./projections.ts";
import { pageCacheCounts } from "./pagecache.ts";
import { sharedHitPool } from "./search/hitpool.ts";

/** Where a log line comes from. */
export type LogKind = "request" | "job";

type Metrics = {
  registry: client.Registry;
  requests: client.Counter<"method" | "route" | "status">;
  requestSeconds: client.Histogram<"method" | "route">;
  searchSeconds: client.Histogram<"engine">;
  jobs: client.Counter<"job" | "status">;
  jobSeconds: client.Histogram<"job">;
  pocketbaseRequests: client.Counter<"method">;
  backlogReaders: Map<string, () => Promise<number>>;
};

const STATE = Symbol.for("casebook.metrics");
type Holder = { [STATE]?: Metrics };

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function metrics(): Metrics {
  const holder = globalThis as Holder;
  if (holder[STATE]) return holder[STATE];
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const backlogReaders = new Map<string, () => Promise<number>>();
  const made: Metrics = {
    registry,
    requests: new client.Counter({
      name: "casebook_http_requests_total",
      help: "Requests answered, by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    requestSeconds: new client.Histogram({
      name: "casebook_http_request_duration_seconds",
      help: "Time from a request's arrival until its response starts, by method and route pattern",
      labelNames: ["method", "route"],
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    }),
    searchSeconds: new client.Histogram({
      name: "casebook_search_duration_seconds",
      help: "Time a search took in the engine, by engine",
      labelNames: ["engine"],
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    }),
    jobs: new client.Counter({
      name: "casebook_jobs_total",
      help: "Background job runs (outbox drains that did something, digests, reminders, session sweeps), by job and outcome",
      labelNames: ["job", "status"],
      registers: [registry],
    }),
    jobSeconds: new client.Histogram({
      name: "casebook_job_duration_seconds",
      help: "How long background job runs took, by job",
      labelNames: ["job"],
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    }),
    pocketbaseRequests: new client.Counter({
      name: "casebook_pocketbase_requests_total",
      help: "Requests the site sent to PocketBase, by method (what a page costs PocketBase: issue 15)",
      labelNames: ["method"],
      registers: [registry],
    }),
    backlogReaders,
  };
  new client.Gauge({
    name: "casebook_projection_cache",
    help: "Public projection cache since the process started: hits, misses, loads while not caching (bypass), invalidations by cause (writes of this process, realtime events, connections) and entries held",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      const counts = projectionCounts();
      for (const result of ["hit", "miss", "bypass", "writes", "events", "connections", "entries"] as const) this.set({ result }, counts[result]);
    },
  });
  new client.Gauge({
    name: "casebook_page_cache",
    help: "Rendered-page cache of anonymous public pages since the process started: hits, misses, pages stored and evicted, pages and bytes held",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      const counts = pageCacheCounts();
      for (const result of ["hit", "miss", "stored", "evicted", "pages", "bytes"] as const) this.set({ result }, counts[result]);
    },
  });
  new client.Gauge({
    name: "casebook_search_hit_pages",
    help: "Embedded search pages of hits since the process started, by where they were built: on a hit thread, on the request thread (no thread ready), rebuilt on the request thread after their thread stopped; and the hit threads ready now",
    labelNames: ["where"],
    registers: [registry],
    collect() {
      const pool = sharedHitPool();
      const counts = pool.counts();
      this.set({ where: "thread" }, counts.thread);
      this.set({ where: "request" }, counts.inline);
      this.set({ where: "rebuilt" }, counts.rebuilt);
      this.set({ where: "threads_ready" }, pool.readyThreads());
    },
  });
  new client.Gauge({
    name: "casebook_outbox_backlog",
    help: "Rows waiting in an outbox (read from PocketBase when scraped; absent while it cannot be read)",
    labelNames: ["outbox"],
    registers: [registry],
    // Every process reads the same PocketBase: summed over processes it would count N times.
    aggregator: "max",
    async collect() {
      this.reset();
      for (const [outbox, read] of backlogReaders) {
        const value = await read().catch(() => null);
        if (value !== null) this.set({ outbox }, value);
      }
    },
  });
  if (cluster.isWorker) {
    // Answers the supervisor's request for this process's metrics (prom-client's cluster protocol).
    client.AggregatorRegistry.setRegistries([registry]);
    new client.AggregatorRegistry();
  }
  holder[STATE] = made;
  return made;
}

/**
 * Sets the metrics up now rather than at the first request: a site process of several must answer
 * the supervisor's collection from its start, or a scrape waits for one that has served nothing yet.
 */
export function startMetrics(): void {
  metrics();
}

/** Registers how an outbox's backlog is read at scrape time (the outbox modules do, at load). */
export function registerBacklog(outbox: string, read: () => Promise<number>): void {
  metrics().backlogReaders.set(outbox, read);
}

function logEnabled(): boolean {
  return getConfig().log === "json";
}

/** Writes one JSON log line (time first) unless logs are off; fields must hold nothing personal. */
export function logLine(kind: LogKind, fields: Record<string, string | number | boolean | null>): void {
  if (!logEnabled()) return;
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), kind, ...fields })}\n`);
}

// An id a proxy in front may already have given the request (X-Request-Id), else a new one.
// Only a plain token is taken over, so a header cannot forge or split a log line.
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** The request's id: a well-formed incoming X-Request-Id, else a new random one. */
export function requestIdOf(request: Request): string {
  return requestIdFrom(request.headers.get("x-request-id"));
}

/** The id for a request whose X-Request-Id header is `given` (a Node request's header, fastpages.ts). */
export function requestIdFrom(given: string | string[] | null | undefined): string {
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Counts and logs one answered request; `route` is the route pattern, never the path. */
export function recordRequest(entry: { id: string; method: string; route: string; status: number; ms: number }): void {
  const m = metrics();
  m.requests.inc({ method: entry.method, route: entry.route, status: String(entry.status) });
  m.requestSeconds.observe({ method: entry.method, route: entry.route }, entry.ms / 1000);
  logLine("request", { id: entry.id, method: entry.method, route: entry.route, status: entry.status, duration_ms: Math.round(entry.ms * 10) / 10 });
}

/** Counts one request the site sends to PocketBase. */
export function recordPocketBaseRequest(method: string): void {
  metrics().pocketbaseRequests.inc({ method: method.toUpperCase() });
}

/** Records one search's engine time. */
export function recordSearch(engine: string, ms: number): void {
  metrics().searchSeconds.observe({ engine }, ms / 1000);
}

/** Counts and logs one job run; `details` are counts (rows handled, mails queued), never names or addresses. */
export function recordJob(job: string, outcome: { ok: boolean; ms: number; details?: Record<string, number>; error?: string }): void {
  const m = metrics();
  const status = outcome.ok ? "ok" : "error";
  m.jobs.inc({ job, status });
  m.jobSeconds.observe({ job }, outcome.ms / 1000);
  logLine("job", {
    job,
    status,
    duration_ms: Math.round(outcome.ms * 10) / 10,
    ...(outcome.details ?? {}),
    ...(outcome.error ? { error: outcome.error } : {}),
  });
}

/** Runs a job, recording its outcome (and rethrowing its error); `details` turns its result into counts. */
export async function timedJob<T>(job: string, run: () => Promise<T>, details?: (result: T) => Record<string, number>): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    recordJob(job, { ok: true, ms: performance.now() - started, details: details?.(result) });
    return result;
  } catch (error) {
    recordJob(job, { ok: false, ms: performance.now() - started, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

/** Whether a request may read /metrics: a bearer token equal to CASEBOOK_METRICS_TOKEN (none set: nobody). */
export function metricsAllowed(request: Request): boolean {
  const token = getConfig().metricsToken;
  if (!token) return false;
  const given = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Messages between a site process and its supervisor for a scrape of every process. */
export const METRICS_REQUEST = "casebook:metrics-request";
export const METRICS_RESPONSE = "casebook:metrics-response";

/** The metrics in Prometheus text format: this process's, or every process's when supervised. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  const m = metrics();
  if (!cluster.isWorker || !process.send) return { contentType: m.registry.contentType, body: await m.registry.metrics() };
  const id = randomUUID();
  const body = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off("message", onMessage);
      reject(new Error("the supervisor did not answer with the metrics within 6 s"));
    }, 6000);
    function onMessage(message: unknown): void {
      const reply = message as { type?: string; id?: string; text?: string; error?: string };
      if (reply?.type !== METRICS_RESPONSE || reply.id !== id) return;
      clearTimeout(timer);
      process.off("message", onMessage);
      if (reply.error !== undefined) reject(new Error(reply.error));
      else resolve(reply.text ?? "");
    }
    process.on("message", onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
  return { contentType: m.registry.contentType, body };
}

/** Drops every recorded value (tests). */
export function resetMetricsForTests(): void {
  const m = (globalThis as Holder)[STATE];
  m?.registry.resetMetrics();
}
