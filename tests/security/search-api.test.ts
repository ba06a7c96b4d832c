// Issue 15: GET /api/search is answered before Astro (src/lib/server/fastsearch.ts). That answer
// must be the route's own: the same JSON, Cache-Control and security headers as the answer Astro
// gives a request that carries a session cookie (which is never answered early), the visitor's
// request id, one count under the route, and nothing of the query in its log line. A process whose
// first requests are searches must still start its background work: a post published after them
// becomes searchable only through the search outbox worker.
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAsSuperuser, setPocketBase } from "../../src/lib/server/pocketbase.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { createUser, publishedCaseStudy } from "../integration/setup.ts";

const SECRET = "search-api-test-signing-secret-0123456789abcdef";
const TOKEN = "search-api-metrics-token-0123456789";
const MARKER = `zqsearchapi${Date.now().toString(36)}`;

let pocket: Awaited<ReturnType<typeof startTestPocketBase>> | undefined;
let site: Awaited<ReturnType<typeof startSite>> | undefined;
let pb: PocketBase;
let moderator: Actor;
const dirs: string[] = [];

beforeAll(async () => {
  pocket = await startTestPocketBase();
  process.env.POCKETBASE_URL = pocket.url;
  process.env.PB_SUPERUSER_EMAIL = TEST_SUPERUSER.email;
  process.env.PB_SUPERUSER_PASSWORD = TEST_SUPERUSER.password;
  process.env.CASEBOOK_SECRET ??= SECRET;
  process.env.PUBLIC_URL ??= "http://127.0.0.1:4321";
  dirs.push(mkdtempSync(path.join(os.tmpdir(), "casebook-search-api-")), mkdtempSync(path.join(os.tmpdir(), "casebook-search-api-site-")));
  process.env.DATA_DIR = dirs[0]!;
  // Posts are written through the domain from this process, as another process would.
  pb = await connectAsSuperuser(pocket.url, TEST_SUPERUSER);
  setPocketBase(pb);
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
  site = await startSite(
    {
      POCKETBASE_URL: pocket.url,
      PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
      PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
      DATA_DIR: dirs[1]!,
      CASEBOOK_SECRET: SECRET,
      CASEBOOK_LOG: "json",
      CASEBOOK_METRICS_TOKEN: TOKEN,
      CASEBOOK_DIGESTS: "0",
    },
    { ready: "port" },
  );
}, 120_000);

afterAll(async () => {
  await site?.stop();
  await pocket?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const api = (query: string, headers: Record<string, string> = {}) => fetch(`${site!.baseUrl}/api/search?${query}`, { headers });

// A GET with the Host given (fetch would set its own).
function rawGet(base: string, pathname: string, headers: Record<string, string>): Promise<{ status: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: pathname, headers: { connection: "close", ...headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function searchCount(): Promise<number> {
  const text = await (await fetch(`${site!.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith("casebook_http_requests_total{") && l.includes('route="/api/search"') && l.includes('status="200"'));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

// Not shuffled: the first test needs a site that has answered nothing but searches.
describe("the search API answered before the framework", { shuffle: false }, () => {
  it("starts the process's background work: a post published after the first searches becomes searchable", { timeout: 60_000 }, async () => {
    // Astro loads the middleware, which registers the early answers, on the first request it
    // handles. A first request refused before the middleware starts anything (a scanner sending
    // another Host) leaves only searches to start the background work.
    expect((await rawGet(site!.baseUrl, "/en/", { host: "203.0.113.9" })).status).toBe(421);
    const first = await api(`q=${MARKER}`);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { total: number }).total).toBe(0);
    const post = await publishedCaseStudy(pb, moderator, `Searchable after the first search ${MARKER}`);
    let slugs: string[] = [];
    for (let i = 0; i < 150 && !slugs.includes(post.slug); i++) {
      await new Promise((r) => setTimeout(r, 100));
      slugs = ((await (await api(`q=${MARKER}`)).json()) as { hits: { slug: string }[] }).hits.map((h) => h.slug);
    }
    expect(slugs).toEqual([post.slug]);
  });

  it("answers as the route does for a request with a session cookie: same JSON and headers, its own request id, one count", async () => {
    const query = `q=${MARKER}&per_page=5`;
    const before = await searchCount();
    const early = await api(query, { "x-request-id": "search-api-early-0001" });
    const routed = await api(query, { cookie: "casebook_session=expired-or-forged", "x-request-id": "search-api-routed-0001" });
    const [earlyBody, routedBody] = [await early.text(), await routed.text()];
    expect(early.status).toBe(200);
    expect(earlyBody).toBe(routedBody);
    expect(JSON.parse(earlyBody)).toMatchObject({ page: 1, perPage: 5 });
    // The framework's answer clears the forged session cookie; the early one sets no cookie at all.
    expect(routed.headers.get("set-cookie")).toContain("casebook_session=");
    expect(early.headers.get("set-cookie")).toBeNull();
    const compared = (res: Response) =>
      Object.fromEntries(
        [...res.headers].filter(
          ([name]) => !["date", "x-request-id", "set-cookie", "connection", "keep-alive", "transfer-encoding", "content-length"].includes(name),
        ),
      );
    expect(compared(early)).toEqual(compared(routed));
    expect(early.headers.get("cache-control")).toBe("public, max-age=30");
    expect(early.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(early.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(early.headers.get("x-request-id")).toBe("search-api-early-0001");
    expect(routed.headers.get("x-request-id")).toBe("search-api-routed-0001");
    expect(await searchCount()).toBe(before + 2);
    // One log line per request, by route, without the query.
    const logged = site!
      .output()
      .split("\n")
      .filter((l) => l.includes('"search-api-early-0001"'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ kind: "request", method: "GET", route: "/api/search", status: 200 });
    const requestLines = site!
      .output()
      .split("\n")
      .filter((l) => l.includes('"kind":"request"'));
    expect(requestLines.filter((l) => l.includes(MARKER))).toEqual([]);
  });

  it("refuses a bad parameter as the route does, and leaves other methods and addresses to the framework", async () => {
    const bad = await api("page=0");
    expect(bad.status).toBe(400);
    const badBody = await bad.text();
    expect(badBody).toBe(await (await api("page=0", { cookie: "casebook_session=expired-or-forged" })).text());
    expect(JSON.parse(badBody)).toMatchObject({ param: "page" });
    expect(bad.headers.get("cache-control")).toBe("no-store");
    // A search API path under a language prefix is no API (the site's 404 page), as before.
    expect((await fetch(`${site!.baseUrl}/fr/api/search?q=${MARKER}`)).status).toBe(404);
    const post = await fetch(`${site!.baseUrl}/api/search?q=${MARKER}`, { method: "POST", headers: { origin: site!.baseUrl } });
    expect(post.status).not.toBe(200);
  });
});
