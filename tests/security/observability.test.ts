// Issue 16 §12: one JSON log line per request and per job, with the request id, route, status
// and duration, and nothing personal in them (someone who reads the log must not learn who
// searched for whom, who signed up, or a mailed token); /metrics in Prometheus text format for a
// scraper holding the token, and for nobody else; /healthz reporting both outboxes' backlogs.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../scripts/lib/seed.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { Client } from "./scenarios.ts";

const TOKEN = "metrics-test-token-0123456789abcdef";
const SEARCHED_NAME = "Philomena Vandersteene";
const MAILED_TOKEN = "tok3n-that-must-stay-out-of-the-log-9f8e7d";
const stamp = Date.now().toString(36);
const SIGNUP_EMAIL = `logged-${stamp}@example.test`;

let pocket: Awaited<ReturnType<typeof startTestPocketBase>> | undefined;
let site: Awaited<ReturnType<typeof startSite>> | undefined;
let dataDir = "";

type Line = Record<string, unknown>;

/** The JSON lines the site has written so far (other output, such as the start banner, is skipped). */
function lines(): Line[] {
  return site!
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);
}

async function until<T>(find: () => T | undefined | Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${site!.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The value of one sample in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf("}"));
    const have = inside.split(",");
    if (wanted.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

beforeAll(async () => {
  pocket = await startTestPocketBase();
  await seedDemo(await connectAsSuperuser(pocket.url, TEST_SUPERUSER));
  dataDir = mkdtempSync(path.join(os.tmpdir(), "casebook-observability-"));
  site = await startSite({
    POCKETBASE_URL: pocket.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: dataDir,
    CASEBOOK_SECRET: "observability-test-signing-secret-0123456789abcdef",
    CASEBOOK_LOG: "json",
    CASEBOOK_METRICS_TOKEN: TOKEN,
    CASEBOOK_DIGESTS: "0",
    // One hit thread whatever the machine's cores (the default on two).
    CASEBOOK_SEARCH_THREADS: "1",
  });
  // The demo posts give searches hits to build; every test starts once they are all indexed.
  await until(
    async () => {
      const health = (await (await fetch(`${site!.baseUrl}/healthz`)).json()) as { outbox?: { backlog?: number } };
      return health.outbox?.backlog === 0 ? true : undefined;
    },
    "the demo posts to be indexed",
    60_000,
  );
}, 120_000);

afterAll(async () => {
  await site?.stop();
  await pocket?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("request and job logs", () => {
  it("give each request one JSON line under the id it answers with, by route pattern, with nothing personal", async () => {
    const client = new Client(site!.baseUrl);
    const search = await client.fetch(`/en/search?q=${encodeURIComponent(SEARCHED_NAME)}`);
    await search.arrayBuffer();
    expect(search.status).toBe(200);
    const verify = await client.fetch(`/en/verify?token=${MAILED_TOKEN}`);
    await verify.arrayBuffer();
    const missing = await client.fetch("/en/posts/no-such-post-here");
    await missing.arrayBuffer();
    expect(missing.status).toBe(404);
    const signup = await client.form("/en/signup?_action=signUp", {
      name: "Logged Person",
      email: SIGNUP_EMAIL,
      password: "amber quarry lantern violet 42",
      locale: "en",
    });
    await signup.arrayBuffer();
    expect(signup.status).toBe(200);

    for (const res of [search, verify, missing, signup]) expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const searchLine = await until(() => lines().find((l) => l.id === search.headers.get("x-request-id")), "the search's log line");
    expect(searchLine).toMatchObject({ kind: "request", method: "GET", route: "/search", status: 200 });
    expect(typeof searchLine.duration_ms).toBe("number");
    expect(Date.parse(String(searchLine.time))).not.toBeNaN();
    const missingLine = await until(() => lines().find((l) => l.id === missing.headers.get("x-request-id")), "the 404's log line");
    expect(missingLine).toMatchObject({ kind: "request", status: 404 });
    expect(lines().filter((l) => l.id === missing.headers.get("x-request-id"))).toHaveLength(1);
    const signupLine = await until(() => lines().find((l) => l.id === signup.headers.get("x-request-id")), "the sign-up's log line");
    expect(signupLine).toMatchObject({ kind: "request", method: "POST", route: "/signup", status: 200 });

    // The account and its verification mail are made after the response: a job line of its own.
    const signupJob = await until(() => lines().find((l) => l.kind === "job" && l.job === "sign-up"), "the sign-up work's job line");
    expect(signupJob).toMatchObject({ status: "ok" });
    expect(site!.output()).toMatch(/\[mail\] .+ → .+\.eml/);

    const output = site!.output();
    for (const secret of [SEARCHED_NAME, encodeURIComponent(SEARCHED_NAME), "Vandersteene", MAILED_TOKEN, SIGNUP_EMAIL, "Logged Person"]) {
      expect(output.includes(secret), `the log holds ${secret}`).toBe(false);
    }
    expect(JSON.stringify(lines())).not.toContain("127.0.0.1");
  });

  it("keep a proxy's well-formed request id, and replace one that is not a plain token", async () => {
    const kept = await fetch(`${site!.baseUrl}/healthz`, { headers: { "x-request-id": "edge-7f3a9c21.req" } });
    await kept.arrayBuffer();
    expect(kept.headers.get("x-request-id")).toBe("edge-7f3a9c21.req");
    await until(() => lines().find((l) => l.id === "edge-7f3a9c21.req" && l.route === "/healthz"), "the kept id's line");
    const forged = '","status":200,"route":"/admin';
    const replaced = await fetch(`${site!.baseUrl}/healthz`, { headers: { "x-request-id": forged } });
    await replaced.arrayBuffer();
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(site!.output()).not.toContain("/admin");
  });

  it("log a scheduled job's run with its counts", async () => {
    // The session sweep runs when the first request starts the background work.
    const sweep = await until(() => lines().find((l) => l.kind === "job" && l.job === "session-sweep"), "the session sweep's job line");
    expect(sweep).toMatchObject({ status: "ok", deleted: 0 });
    expect(typeof sweep.duration_ms).toBe("number");
  });
});

describe("/metrics", () => {
  it("does not exist for a visitor without the token, or with a wrong one", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: "Bearer not-the-metrics-token-at-all-00" }, { authorization: TOKEN }]) {
      const res = await fetch(`${site!.baseUrl}/metrics`, { headers });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("casebook_");
    }
  });

  it("gives request counts and durations by route, search latency, job runs and both outbox backlogs", async () => {
    const metrics = async () => {
      const res = await fetch(`${site!.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      return res.text();
    };
    const before = await metrics();
    const searchesBefore = sample(before, "casebook_http_requests_total", { method: "GET", route: "/search", status: "200" }) ?? 0;
    for (let i = 0; i < 3; i++) await (await fetch(`${site!.baseUrl}/en/search?q=robot${i}`)).arrayBuffer();
    const after = await metrics();
    expect(sample(after, "casebook_http_requests_total", { method: "GET", route: "/search", status: "200" })).toBe(searchesBefore + 3);
    expect(sample(after, "casebook_http_request_duration_seconds_count", { method: "GET", route: "/search" })).toBeGreaterThanOrEqual(3);
    expect(sample(after, "casebook_search_duration_seconds_count", { engine: "embedded" })).toBeGreaterThanOrEqual(3);
    expect(sample(after, "casebook_outbox_backlog", { outbox: "search" })).toBe(0);
    expect(sample(after, "casebook_outbox_backlog", { outbox: "mail" })).toBeGreaterThanOrEqual(0);
    expect(sample(after, "casebook_jobs_total", { job: "session-sweep", status: "ok" })).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/^process_resident_memory_bytes \d+/m);
    // Route patterns only: no searched words, no paths.
    expect(after).not.toContain("robot");
    expect(after).not.toContain(SEARCHED_NAME.split(" ")[1]);
  });
});

describe("search hit threads", () => {
  // The thread imports its own chunk of the built site by URL: only the metric tells a thread
  // that never started (its pages then built on the request thread) from one that works.
  it("build the built site's search pages on a hit thread, and say so in /metrics", async () => {
    const metrics = async () => (await fetch(`${site!.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const onThread = (text: string) => sample(text, "casebook_search_hit_pages", { where: "thread" }) ?? 0;
    // Other tests' searches may have built pages already (in any order): count this test's own.
    const before = onThread(await metrics());
    let text = "";
    // Until the thread is ready (it starts on first use), pages are built on the request thread.
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${site!.baseUrl}/api/search?per_page=5`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { hits: { id: string; snippet: string }[] };
      expect(body.hits.length).toBeGreaterThan(0);
      text = await metrics();
      if (onThread(text) > before) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(onThread(text)).toBeGreaterThan(before);
    expect(sample(text, "casebook_search_hit_pages", { where: "threads_ready" })).toBe(1);
    expect(sample(text, "casebook_search_hit_pages", { where: "rebuilt" })).toBe(0);
    expect(site!.output()).not.toContain("hit thread");
  });
});

describe("/healthz", () => {
  it("reports PocketBase, the search engine and both outboxes' backlogs", async () => {
    const res = await fetch(`${site!.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    const health = (await res.json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", pocketbase: { reachable: true }, search: { engine: "embedded" } });
    expect(health.outbox).toEqual({ backlog: expect.any(Number) });
    expect(health.mailOutbox).toEqual({ backlog: expect.any(Number) });
  });
});
