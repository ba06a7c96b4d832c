// Findings 6 and 20 (issue 9): every response — page, JSON, file, error, refusal — carries a
// strict CSP and isolation headers, and the site answers only to its own host names.
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { EDITOR_CSP, SECURITY_HEADERS } from "../../src/lib/server/headers.ts";
import { Client, baseUrl, type Scenario } from "./scenarios.ts";

type Actor = "visitor" | "editor" | "moderator";
const accounts: Record<Exclude<Actor, "visitor">, string> = {
  editor: "editor.hospital@casebook.example",
  moderator: "moderator@casebook.example",
};

// The writing pages run one inline editor script (word count, issue 11 §4), allowed by its hash alone.
const pages: Scenario<{ path: string; method?: string }, { status: number; scripts?: "editor" }>[] = [
  { name: "home page", actor: "visitor", request: { path: "/en/" }, expected: { status: 200 } },
  { name: "first visit to / (to the visitor's language)", actor: "visitor", request: { path: "/" }, expected: { status: 302 } },
  { name: "old unprefixed URL (to the visitor's language)", actor: "visitor", request: { path: "/search?q=sepsis" }, expected: { status: 302 } },
  { name: "page under a language prefix", actor: "visitor", request: { path: "/fr/search?q=sepsis" }, expected: { status: 200 } },
  { name: "refused language path", actor: "visitor", request: { path: "/fr/api/search" }, expected: { status: 404 } },
  { name: "post page", actor: "visitor", request: { path: "/posts/chest-xray-triage-worklist" }, expected: { status: 200 } },
  { name: "listing", actor: "visitor", request: { path: "/failures" }, expected: { status: 200 } },
  { name: "facet listing", actor: "visitor", request: { path: "/outcomes/failure" }, expected: { status: 200 } },
  { name: "search page", actor: "visitor", request: { path: "/search?q=sepsis" }, expected: { status: 200 } },
  { name: "search API", actor: "visitor", request: { path: "/api/search?q=sepsis" }, expected: { status: 200 } },
  { name: "search API error", actor: "visitor", request: { path: "/api/search?page=0" }, expected: { status: 400 } },
  { name: "post API", actor: "visitor", request: { path: "/api/posts/chest-xray-triage-worklist" }, expected: { status: 200 } },
  { name: "open data CSV", actor: "visitor", request: { path: "/open-data/decisions.csv" }, expected: { status: 200 } },
  { name: "open data JSON", actor: "visitor", request: { path: "/open-data/360giving.json" }, expected: { status: 200 } },
  { name: "calls", actor: "visitor", request: { path: "/calls" }, expected: { status: 200 } },
  { name: "call page", actor: "visitor", request: { path: "/calls/ai-in-everyday-care-2024" }, expected: { status: 200 } },
  { name: "insights (SVG charts)", actor: "visitor", request: { path: "/insights" }, expected: { status: 200 } },
  { name: "organisation page", actor: "visitor", request: { path: "/organizations/meridian-care-fund" }, expected: { status: 200 } },
  { name: "sign-in form", actor: "visitor", request: { path: "/signin" }, expected: { status: 200 } },
  { name: "health report", actor: "visitor", request: { path: "/healthz" }, expected: { status: 200 } },
  { name: "not found", actor: "visitor", request: { path: "/posts/no-such-post" }, expected: { status: 404 } },
  { name: "redirect to sign-in", actor: "visitor", request: { path: "/dashboard" }, expected: { status: 303 } },
  { name: "cross-site POST refused", actor: "visitor", request: { path: "/signin?_action=signIn", method: "POST" }, expected: { status: 403 } },
  { name: "dashboard", actor: "editor", request: { path: "/dashboard" }, expected: { status: 200 } },
  { name: "writing form", actor: "editor", request: { path: "/write" }, expected: { status: 200, scripts: "editor" } },
  { name: "account page", actor: "editor", request: { path: "/account" }, expected: { status: 200 } },
  { name: "account export", actor: "editor", request: { path: "/account/export" }, expected: { status: 200 } },
  { name: "moderation queue", actor: "moderator", request: { path: "/moderation" }, expected: { status: 200 } },
];

const clients = new Map<Actor, Client>();
async function clientFor(actor: Actor): Promise<Client> {
  if (!clients.has(actor)) clients.set(actor, actor === "visitor" ? new Client() : await new Client().signIn(accounts[actor]));
  return clients.get(actor)!;
}

describe("security headers on every kind of response", () => {
  it.each(pages)("$name ($actor) carries the CSP and isolation headers", async ({ actor, request, expected }) => {
    const client = await clientFor(actor as Actor);
    const headers = request.method === "POST" ? { "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" } : undefined;
    const res = await client.fetch(request.path, {
      method: request.method ?? "GET",
      headers,
      body: request.method === "POST" ? "email=a&password=b" : undefined,
      // The client follows the language redirect of old URLs unless asked not to (scenarios.ts).
      redirect: expected.status === 302 ? "manual" : undefined,
    });
    expect(res.status).toBe(expected.status);
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      expect(res.headers.get(name), name).toBe(name === "content-security-policy" && expected.scripts ? EDITOR_CSP : value);
    const csp = res.headers.get("content-security-policy")!;
    // What an attacker who injected markup would need, and cannot have.
    expect(csp).toMatch(expected.scripts ? /script-src 'sha256-[A-Za-z0-9+/]{43}=';/ : /script-src 'none'/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    await res.arrayBuffer();
  });
});

/** A raw request with a chosen Host header (fetch does not let a page set it; a rebinding attack does). */
function getWithHost(host: string, path = "/"): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("DNS rebinding: the site answers only to its own names", () => {
  const port = () => new URL(baseUrl()).port;
  const cases: Scenario<{ host: () => string; path: string }, { status: number }>[] = [
    {
      name: "attacker's domain resolving to loopback",
      actor: "web page on evil.example",
      request: { host: () => `evil.example:${port()}`, path: "/api/search?q=a" },
      expected: { status: 421 },
    },
    {
      name: "attacker's domain, account export",
      actor: "web page on evil.example",
      request: { host: () => `rebind.evil.example:${port()}`, path: "/account/export" },
      expected: { status: 421 },
    },
    { name: "right name, wrong port", actor: "web page on evil.example", request: { host: () => `127.0.0.1:1`, path: "/" }, expected: { status: 421 } },
    { name: "loopback address", actor: "visitor", request: { host: () => `127.0.0.1:${port()}`, path: "/en/" }, expected: { status: 200 } },
    { name: "localhost", actor: "visitor", request: { host: () => `localhost:${port()}`, path: "/en/" }, expected: { status: 200 } },
  ];
  it.each(cases)("$name → $expected.status", async ({ request: r, expected }) => {
    const res = await getWithHost(r.host(), r.path);
    expect(res.status).toBe(expected.status);
    if (expected.status === 421) expect(res.body).not.toContain("Casebook");
  });
});
