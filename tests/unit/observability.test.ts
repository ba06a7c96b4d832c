// Issue 16 §12, the pure half: what a log line holds, when a background loop writes one, what a
// request id may be, who may read /metrics. The site's end of it (middleware, route patterns,
// the endpoint, nothing personal in a real run) is tests/security/observability.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const TOKEN = "unit-metrics-token-0123456789abcdef";

type Observability = typeof import("../../src/lib/server/observability.ts");
type DrainLoop = typeof import("../../src/lib/server/drainloop.ts");
let obs: Observability;
let loop: DrainLoop;
let written: string[];

beforeEach(async () => {
  vi.resetModules();
  vi.stubEnv("CASEBOOK_LOG", "json");
  vi.stubEnv("CASEBOOK_METRICS_TOKEN", TOKEN);
  obs = await import("../../src/lib/server/observability.ts");
  loop = await import("../../src/lib/server/drainloop.ts");
  obs.resetMetricsForTests();
  written = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  vi.spyOn(console, "error").mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const parsed = () => written.map((l) => JSON.parse(l) as Record<string, unknown>);

describe("log lines", () => {
  it("are one JSON object per line: time, kind, then the fields", () => {
    obs.recordRequest({ id: "req-00000001", method: "GET", route: "/posts/[slug]", status: 200, ms: 12.345 });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\{"time":"[^"]+","kind":"request",.*\}\n$/);
    expect(parsed()[0]).toMatchObject({ kind: "request", id: "req-00000001", method: "GET", route: "/posts/[slug]", status: 200, duration_ms: 12.3 });
  });

  it("are not written with CASEBOOK_LOG=off, while the metrics still count", async () => {
    vi.resetModules();
    vi.stubEnv("CASEBOOK_LOG", "off");
    const quiet = (await import("../../src/lib/server/observability.ts")) as Observability;
    quiet.resetMetricsForTests();
    quiet.recordRequest({ id: "req-00000002", method: "GET", route: "/search", status: 200, ms: 3 });
    expect(written).toHaveLength(0);
    expect((await quiet.metricsText()).body).toMatch(/casebook_http_requests_total\{method="GET",route="\/search",status="200"\} 1/);
  });

  it("record a failed job with its message and pass the error on", async () => {
    await expect(obs.timedJob("digest-daily", () => Promise.reject(new Error("PocketBase is unreachable")))).rejects.toThrow("PocketBase is unreachable");
    expect(parsed()).toEqual([expect.objectContaining({ kind: "job", job: "digest-daily", status: "error", error: "PocketBase is unreachable" })]);
    const text = (await obs.metricsText()).body;
    expect(text).toMatch(/casebook_jobs_total\{job="digest-daily",status="error"\} 1/);
  });

  it("carry a job's counts", async () => {
    await obs.timedJob(
      "session-sweep",
      async () => 4,
      (deleted) => ({ deleted }),
    );
    expect(parsed()).toEqual([expect.objectContaining({ kind: "job", job: "session-sweep", status: "ok", deleted: 4 })]);
  });
});

describe("an outbox loop's job lines", () => {
  it("come from drains that did something, and once per outage, not from idle polls", async () => {
    const outcomes: (() => Promise<{ more: boolean; counts: Record<string, number> } | null>)[] = [
      async () => ({ more: false, counts: { processed: 2, failed: 0 } }),
      async () => ({ more: false, counts: { processed: 0, failed: 0 } }),
      async () => null,
      () => Promise.reject(new Error("Meilisearch is down")),
      () => Promise.reject(new Error("Meilisearch is down")),
      () => Promise.reject(new Error("Meilisearch is down")),
      async () => ({ more: false, counts: { processed: 0, failed: 1 } }),
    ];
    let calls = 0;
    const state: import("../../src/lib/server/drainloop.ts").DrainLoopState = { running: null, wake: null };
    let allDone: () => void = () => {};
    const finished = new Promise<void>((resolve) => (allDone = resolve));
    loop.startDrainLoop(state, {
      label: "search",
      intervalMs: 1,
      errorDelayMs: 1,
      drain: () => {
        const next = outcomes[calls++];
        if (!next) {
          allDone();
          return new Promise(() => {}).then(() => null) as Promise<null>;
        }
        return next();
      },
    });
    await finished;
    state.running!.stopped = true;
    const jobs = parsed().filter((l) => l.kind === "job");
    expect(jobs.map((j) => [j.job, j.status, j.processed ?? null, j.failed ?? null, j.error ?? null])).toEqual([
      ["search-outbox", "ok", 2, 0, null],
      ["search-outbox", "error", null, null, "Meilisearch is down"],
      ["search-outbox", "ok", 0, 1, null],
    ]);
  });
});

describe("request ids", () => {
  it("take over a proxy's plain token and replace anything else", () => {
    const withId = (id: string) => new Request("http://localhost/", { headers: { "x-request-id": id } });
    expect(obs.requestIdOf(withId("edge-7f3a9c21.req"))).toBe("edge-7f3a9c21.req");
    for (const bad of ["short", "x".repeat(65), 'a","status":500', "with space 12345", "<script>alert(1)</script>"]) {
      const id = obs.requestIdOf(withId(bad));
      expect(id, bad).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    expect(obs.requestIdOf(new Request("http://localhost/"))).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("who may read /metrics", () => {
  const asking = (authorization?: string) => new Request("http://localhost/metrics", { headers: authorization ? { authorization } : {} });

  it.each([
    ["the token as a bearer", `Bearer ${TOKEN}`, true],
    ["no authorization", undefined, false],
    ["the token without Bearer", TOKEN, false],
    ["a prefix of the token", `Bearer ${TOKEN.slice(0, -1)}`, false],
    ["the token and more", `Bearer ${TOKEN}x`, false],
    ["another scheme", `Basic ${TOKEN}`, false],
  ])("%s → %s", (_name, authorization, allowed) => {
    expect(obs.metricsAllowed(asking(authorization))).toBe(allowed);
  });

  it("nobody when no token is configured", async () => {
    vi.resetModules();
    vi.stubEnv("CASEBOOK_METRICS_TOKEN", "");
    const closed = (await import("../../src/lib/server/observability.ts")) as Observability;
    expect(closed.metricsAllowed(asking(`Bearer ${TOKEN}`))).toBe(false);
    expect(closed.metricsAllowed(asking("Bearer "))).toBe(false);
  });
});
