// The response hardening helpers (issue 9 §6, §20): header set, Host allow-list.
import { describe, expect, it } from "vitest";
import { SECURITY_HEADERS, allowedHosts, applySecurityHeaders, isAllowedHost } from "../../src/lib/server/headers.ts";

describe("applySecurityHeaders", () => {
  it("sets every header, replacing weaker values", () => {
    const headers = new Headers({ "x-frame-options": "SAMEORIGIN" });
    applySecurityHeaders(headers);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(headers.get(name)).toBe(value);
  });
  it("keeps a route's own stricter CSP (attachments are sandboxed)", () => {
    const headers = new Headers({ "content-security-policy": "default-src 'none'; sandbox" });
    applySecurityHeaders(headers);
    expect(headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(headers.get("cross-origin-resource-policy")).toBe("same-origin");
  });
});

describe("Host allow-list", () => {
  const hosts = allowedHosts({ publicUrl: "https://casebook.example.org", host: "127.0.0.1", port: 4321, allowedHosts: ["www.casebook.example.org"] });
  it.each([
    ["casebook.example.org", true],
    ["CASEBOOK.example.org", true],
    ["casebook.example.org:443", true],
    ["www.casebook.example.org", true],
    ["127.0.0.1:4321", true],
    ["localhost:4321", true],
    ["[::1]:4321", true],
    ["evil.example", false],
    ["casebook.example.org.evil.example", false],
    ["127.0.0.1:8090", false],
    ["localhost", false],
    ["", false],
  ])("%s → %s", (host, allowed) => {
    expect(isAllowedHost(host, hosts)).toBe(allowed);
  });
  it("refuses a request without Host", () => {
    expect(isAllowedHost(null, hosts)).toBe(false);
  });
  it("answers to the listening address when bound to a specific one", () => {
    expect(isAllowedHost("10.0.0.5:4321", allowedHosts({ publicUrl: "http://10.0.0.5:4321", host: "10.0.0.5", port: 4321, allowedHosts: [] }))).toBe(true);
  });
});
