// When PocketBase is unreachable: /healthz says so with a 503, and pages show the
// friendly 500 page rather than a stack trace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/pocketbase-process.ts";
import { startSite } from "../helpers/site.ts";

let site: Awaited<ReturnType<typeof startSite>>;

beforeAll(async () => {
  // A port nothing listens on: PocketBase is "down" from the first request.
  const deadPort = await freePort();
  site = await startSite({
    POCKETBASE_URL: `http://127.0.0.1:${deadPort}`,
    PB_SUPERUSER_EMAIL: "nobody@casebook.test",
    PB_SUPERUSER_PASSWORD: "not-a-real-password",
    CASEBOOK_SECRET: "outage-test-signing-secret-0123456789abcdef",
    CASEBOOK_SEARCH_WORKER: "0",
  });
});
afterAll(async () => {
  await site?.stop();
});

describe("PocketBase down", () => {
  it("/healthz answers 503 and names the problem", async () => {
    const res = await fetch(`${site.baseUrl}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "unavailable", pocketbase: { reachable: false } });
  });

  it("a page answers 503 with the friendly error page and when to retry, without internals", async () => {
    const res = await fetch(`${site.baseUrl}/en/`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("10");
    const html = await res.text();
    expect(html).toContain("Something went wrong on our side");
    expect(html).not.toMatch(/ECONNREFUSED|at async|node_modules|ClientResponseError/);
  });

  it("a form submitted meanwhile keeps what was typed and says so plainly, never PocketBase's raw error", async () => {
    const body = new URLSearchParams({ email: "outage@example.test", password: "granite orchard velvet lantern" });
    const res = await fetch(`${site.baseUrl}/signin?_action=signIn`, { method: "POST", body, headers: { origin: site.baseUrl }, redirect: "manual" });
    const html = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(html).toContain("Something went wrong on our side");
    expect(html).toContain('value="outage@example.test"');
    expect(html).not.toMatch(/ECONNREFUSED|fetch failed|Something went wrong while processing your request|ClientResponseError|Batch transaction failed/);
  });
});
