// Issue 10 §4: the session cookie as a browser receives it over real HTTP. HttpOnly (no
// script reads it), SameSite=Lax (no cross-site POST carries it), Path=/, and Secure —
// never sent over plain HTTP — everywhere except a site whose public address is plain-HTTP
// loopback. A second site process plays production behind a TLS proxy (PUBLIC_URL https).
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { baseUrl, type Scenario } from "./scenarios.ts";

const PUBLIC_URL = "https://casebook.example.org";
const DAY = 24 * 60 * 60 * 1000;

let production: Awaited<ReturnType<typeof startSite>> | undefined;
let productionDataDir = "";

beforeAll(async () => {
  productionDataDir = mkdtempSync(path.join(os.tmpdir(), "casebook-cookies-"));
  production = await startSite({
    POCKETBASE_URL: inject("pocketbaseUrl"),
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: productionDataDir,
    CASEBOOK_SECRET: "security-test-signing-secret-0123456789abcdef",
    NODE_ENV: "production",
    PUBLIC_URL,
    ALLOWED_HOSTS: "casebook.example.org",
    // The suite's own site drains the search outbox.
    CASEBOOK_SEARCH_WORKER: "0",
  });
}, 90_000);

afterAll(async () => {
  await production?.stop();
  if (productionDataDir) rmSync(productionDataDir, { recursive: true, force: true });
});

type Site = "local" | "production" | "production via loopback";
/** Where a request goes, and the Host and Origin it arrives with. */
function target(site: Site): { url: string; headers: Record<string, string> } {
  if (site === "local") return { url: baseUrl(), headers: { origin: baseUrl() } };
  const url = production!.baseUrl;
  // The browser is on https://casebook.example.org and sends that Origin; the TLS proxy
  // forwards plain HTTP either to the loopback address without the public Host (nginx's
  // default) or keeping the public Host. Forms must work both ways (CSRF check, csrf.ts).
  if (site === "production via loopback") return { url, headers: { origin: PUBLIC_URL } };
  return { url, headers: { host: "casebook.example.org", origin: PUBLIC_URL, "x-forwarded-proto": "https" } };
}

/** The attributes of the session cookie in a response's Set-Cookie headers, names lower-cased. */
function sessionCookie(setCookie: string[]): { value: string; attributes: Map<string, string> } | undefined {
  const raw = setCookie.find((c) => c.startsWith("casebook_session="));
  if (!raw) return undefined;
  const [pair, ...parts] = raw.split(";");
  const attributes = new Map(
    parts.map((p) => {
      const [name, ...value] = p.trim().split("=");
      return [name!.toLowerCase(), value.join("=")] as const;
    }),
  );
  return { value: pair!.slice("casebook_session=".length), attributes };
}

/** Posts a form with node:http, which (unlike fetch) sends the Host header it is given. */
function post(site: Site, pathname: string, fields: Record<string, string>, cookie?: string): Promise<{ status: number; body: string; setCookie: string[] }> {
  const { url, headers } = target(site);
  const body = new URLSearchParams(fields).toString();
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: pathname,
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          ...(cookie ? { cookie: `casebook_session=${cookie}` } : {}),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, setCookie: res.headers["set-cookie"] ?? [] }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const scenarios: Scenario<{ site: Site; email: string }, { secure: boolean }>[] = [
  {
    name: "plain-HTTP localhost (development, tests): no Secure, or the browser would drop the cookie",
    actor: "member signing in",
    request: { site: "local", email: "dpo.hospital@casebook.example" },
    expected: { secure: false },
  },
  {
    name: `PUBLIC_URL ${PUBLIC_URL}, request to the public name: Secure, never sent over plain HTTP`,
    actor: "member signing in; a network attacker downgrading a later request to http://",
    request: { site: "production", email: "admin.carehome@casebook.example" },
    expected: { secure: true },
  },
  {
    name: `PUBLIC_URL ${PUBLIC_URL}, request forwarded to the loopback address: still Secure (the public address decides, not the Host)`,
    actor: "member signing in through a proxy that does not forward Host",
    request: { site: "production via loopback", email: "editor.vendor@casebook.example" },
    expected: { secure: true },
  },
];

describe("the session cookie's attributes (issue 10 §4)", () => {
  it.each(scenarios)("$name", async ({ request, expected }) => {
    const signedIn = await post(request.site, "/signin?_action=signIn", { email: request.email, password: DEMO_PASSWORD });
    expect(signedIn.status, signedIn.body).toBe(303);
    const cookie = sessionCookie(signedIn.setCookie);
    expect(cookie, "sign-in sets the session cookie").toBeDefined();
    const { value, attributes } = cookie!;
    expect(value).toMatch(/^[a-z0-9]{15}\.[A-Za-z0-9_-]{32}$/);
    expect(attributes.has("httponly"), "HttpOnly").toBe(true);
    expect(attributes.get("samesite")?.toLowerCase()).toBe("lax");
    expect(attributes.get("path")).toBe("/");
    expect(attributes.has("domain"), "no Domain: the cookie stays on this host").toBe(false);
    expect(attributes.has("secure"), "Secure").toBe(expected.secure);
    const expires = Date.parse(attributes.get("expires") ?? "");
    expect(expires).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(expires).toBeLessThan(Date.now() + 31 * DAY);

    // Signing out clears it with the same attributes (a cookie without Secure would not replace a Secure one).
    const signedOut = await post(request.site, "/signout?_action=signOut", {}, value);
    expect(signedOut.status).toBe(303);
    const cleared = sessionCookie(signedOut.setCookie);
    expect(cleared?.value).toBe("");
    expect(cleared?.attributes.get("max-age")).toBe("0");
    expect(cleared?.attributes.has("httponly")).toBe(true);
    expect(cleared?.attributes.has("secure"), "Secure").toBe(expected.secure);
  });
});
