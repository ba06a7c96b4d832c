// CSRF (DESIGN.md §1): state-changing requests only from this site's own pages, also behind
// a TLS-terminating proxy (issue 10 §4 found every form refused there under Astro's check).
import { describe, expect, it } from "vitest";
import { crossSiteRefusal } from "../../src/lib/server/csrf.ts";

const PUBLIC = "https://casebook.example.org";
const post = (headers: Record<string, string>, method = "POST") =>
  new Request("http://casebook.example.org/signin?_action=signIn", { method, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });

describe("crossSiteRefusal", () => {
  it.each([
    ["the public https origin behind a proxy", { host: "casebook.example.org", origin: "https://casebook.example.org" }],
    ["the Host over plain http (local run)", { host: "127.0.0.1:4321", origin: "http://127.0.0.1:4321" }],
    ["same-origin fetch metadata", { host: "casebook.example.org", origin: "https://casebook.example.org", "sec-fetch-site": "same-origin" }],
  ])("lets %s through", (_name, headers) => {
    expect(crossSiteRefusal(post(headers), PUBLIC)).toBeNull();
  });

  it.each([
    ["another site's origin", { host: "casebook.example.org", origin: "https://evil.example" }],
    ["a look-alike origin", { host: "casebook.example.org", origin: "https://casebook.example.org.evil.example" }],
    ["the right origin on another port", { host: "casebook.example.org", origin: "https://casebook.example.org:8443" }],
    ["no Origin at all", { host: "casebook.example.org" }],
    ["the string null (sandboxed frame)", { host: "casebook.example.org", origin: "null" }],
    [
      "cross-site fetch metadata with a forged Origin",
      { host: "casebook.example.org", origin: "https://casebook.example.org", "sec-fetch-site": "cross-site" },
    ],
    ["same-site (a sibling subdomain)", { host: "casebook.example.org", origin: "https://casebook.example.org", "sec-fetch-site": "same-site" }],
  ])("refuses %s", (_name, headers) => {
    expect(crossSiteRefusal(post(headers), PUBLIC)).toMatch(/Cross-site/);
  });

  it.each(["DELETE", "PUT", "PATCH"])("checks %s too", (method) => {
    expect(crossSiteRefusal(post({ host: "casebook.example.org", origin: "https://evil.example" }, method), PUBLIC)).toMatch(/Cross-site/);
  });

  it("lets the one-click unsubscribe POST (RFC 8058, from a mail provider without Origin) through, and nothing else near it", () => {
    const at = (path: string) =>
      new Request(`http://casebook.example.org${path}`, { method: "POST", headers: { host: "casebook.example.org" }, body: "List-Unsubscribe=One-Click" });
    for (const path of ["/unsubscribe?c=reviews&t=x", "/fr/unsubscribe?c=reviews&t=x", "/nl/unsubscribe/"])
      expect(crossSiteRefusal(at(path), PUBLIC), path).toBeNull();
    for (const path of ["/unsubscribe/x", "/account/notifications", "/de/unsubscribe", "/unsubscribe-all"])
      expect(crossSiteRefusal(at(path), PUBLIC), path).toMatch(/Cross-site/);
  });

  it("never refuses a safe method", () => {
    expect(crossSiteRefusal(new Request("http://x/", { headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } }), PUBLIC)).toBeNull();
  });
});
