// URL fields accept http(s) only (issue 9 §5): every scheme trick an attacker would try.
import { describe, expect, it } from "vitest";
import { isHttpUrl, MAX_URL_LENGTH, optionalHttpUrl, safeHref } from "../../src/lib/server/urls.ts";
import { HOSTILE_URLS } from "../fixtures/hostile-urls.ts";

const GOOD = ["https://www.azheide.example/projects?id=1#top", "http://example.org", "HTTPS://EXAMPLE.ORG/Path", "https://fonds.example.be/appel-2025/"];

describe("isHttpUrl", () => {
  it.each(HOSTILE_URLS)("refuses %j", (url) => {
    expect(isHttpUrl(url)).toBe(false);
    expect(safeHref(url)).toBeNull();
  });
  it.each(GOOD)("accepts %s", (url) => {
    expect(isHttpUrl(url)).toBe(true);
    expect(safeHref(url)).toBe(url);
  });
  it("safeHref drops non-strings", () => {
    expect(safeHref(undefined)).toBeNull();
    expect(safeHref(42)).toBeNull();
  });
});

describe("optionalHttpUrl", () => {
  const schema = optionalHttpUrl("Enter the full address, starting with https://");
  it("treats empty and missing as not given", () => {
    expect(schema.parse("")).toBe("");
    expect(schema.parse(null)).toBe("");
    expect(schema.parse(undefined)).toBe("");
  });
  it("trims surrounding spaces of a good URL", () => {
    expect(schema.parse("  https://example.org/x  ")).toBe("https://example.org/x");
  });
  it.each(HOSTILE_URLS)("refuses %j with the field's message", (url) => {
    const result = schema.safeParse(url);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Enter the full address, starting with https://");
  });
});

// From the mutants `npm run mutate` left alive (issue 10 §7).
describe("isHttpUrl at its edges", () => {
  it("accepts a URL of exactly the longest length and refuses one character more", () => {
    const base = "https://example.org/";
    const longest = `${base}${"a".repeat(MAX_URL_LENGTH - base.length)}`;
    expect(isHttpUrl(longest)).toBe(true);
    expect(isHttpUrl(`${longest}a`)).toBe(false);
  });

  it.each(["\thttps://example.org/", "\nhttps://example.org/", "xhttps://example.org/", "see https://example.org/"])(
    "refuses %j: the stored text itself must start with the scheme, whatever the URL parser strips",
    (url) => {
      expect(isHttpUrl(url)).toBe(false);
    },
  );

  it.each(["https://[::1", "http://a..b:99999/"])("refuses %j, which the URL parser rejects, without throwing", (url) => {
    expect(isHttpUrl(url)).toBe(false);
    expect(optionalHttpUrl("bad").safeParse(url).success).toBe(false);
  });
});
