// safeRedirectPath: only same-origin paths survive; everything a browser could read as
// another origin falls back (issue 9, finding 11).
import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "../../src/lib/server/redirects.ts";

const SITE = "https://casebook.example.org";

describe("safeRedirectPath", () => {
  it.each([
    ["/account", "/account"],
    ["/dashboard/posts/abc123def456ghi", "/dashboard/posts/abc123def456ghi"],
    ["/write?kind=funding_application", "/write?kind=funding_application"],
    ["/organizations/az-heidebloem#join", "/organizations/az-heidebloem#join"],
    ["/search?q=%C3%A9chec", "/search?q=%C3%A9chec"],
    ["/posts/a/../b", "/posts/b"],
    [`${SITE}/moderation`, "/account"], // absolute URLs are not what our pages send
  ])("keeps the same-origin path %j", (next, expected) => {
    expect(safeRedirectPath(next, SITE)).toBe(expected);
  });

  it.each([
    // the reported attack, as the page receives it once the query string is decoded
    "/\\evil.example/phish",
    "/%5Cevil.example/phish",
    "/%5cevil.example",
    "/%255Cevil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "/%2F%2Fevil.example",
    "/%2fevil.example",
    "%2F%2Fevil.example",
    "/\tevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%0A/evil.example",
    "/\r\n/evil.example",
    "/\u0000/evil.example",
    "/ /evil.example",
    "/\u0085/evil.example",
    "https://evil.example/phish",
    "http:evil.example",
    "//evil.example@casebook.example.org",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "account",
    "",
    "/%E0%A4%A", // malformed escape
    `/${"a".repeat(2001)}`,
  ])("refuses %j", (next) => {
    expect(safeRedirectPath(next, SITE)).toBe("/account");
  });

  it("refuses what is not a string and honours the fallback", () => {
    expect(safeRedirectPath(null, SITE)).toBe("/account");
    expect(safeRedirectPath(undefined, SITE)).toBe("/account");
    expect(safeRedirectPath(["/x"], SITE, "/")).toBe("/");
  });

  it("never returns anything a browser resolves to another origin", () => {
    const tricky = ["/\\evil.example", "/%5Cevil.example", "//evil.example", "/\t/evil.example", "/ok", "/%2e%2e/%2e%2e//evil.example"];
    for (const next of tricky) {
      const location = safeRedirectPath(next, SITE);
      expect(new URL(location, SITE).origin, next).toBe(SITE);
    }
  });
});

// From the mutants `npm run mutate` left alive (issue 10 §7).
describe("safeRedirectPath at its length limit", () => {
  it("keeps a path of exactly 2,000 characters and refuses one of 2,001", () => {
    const longest = `/${"a".repeat(1999)}`;
    expect(safeRedirectPath(longest, SITE)).toBe(longest);
    expect(safeRedirectPath(`${longest}a`, SITE)).toBe("/account");
  });
});
