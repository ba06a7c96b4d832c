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

// From the mutants `npm run mutate` left alive (issue 10 §7): the policy itself, restated, since
// comparing the headers with SECURITY_HEADERS cannot notice a loosened value.
describe("the policy every response carries", () => {
  const headers = new Headers();
  applySecurityHeaders(headers);

  it("runs no script, loads only from the site, and cannot be framed or re-based", () => {
    const directives = headers.get("content-security-policy")!.split("; ");
    expect(directives).toEqual([
      "default-src 'none'",
      "script-src 'none'",
      "style-src 'self'",
      "img-src 'self'",
      "font-src 'self'",
      "connect-src 'self'",
      "manifest-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "frame-src 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ]);
  });

  it("denies every powerful browser feature", () => {
    const features = headers.get("permissions-policy")!.split(", ");
    for (const feature of ["camera", "microphone", "geolocation", "payment", "usb", "serial", "display-capture", "publickey-credentials-get"]) {
      expect(features).toContain(`${feature}=()`);
    }
    expect(features.every((f) => f.endsWith("=()"))).toBe(true);
  });

  it.each([
    ["cross-origin-opener-policy", "same-origin"],
    ["cross-origin-resource-policy", "same-origin"],
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", "same-origin"],
    ["x-frame-options", "DENY"],
  ])("%s: %s", (name, value) => {
    expect(headers.get(name)).toBe(value);
  });
});

describe("Host allow-list by listening address", () => {
  const base = { publicUrl: "http://casebook.example.org", port: 4321, allowedHosts: [] };

  it.each(["0.0.0.0", "::"])("bound to every interface (%s), it answers to loopback but not to the wildcard address", (host) => {
    const hosts = allowedHosts({ ...base, host });
    expect(isAllowedHost("127.0.0.1:4321", hosts)).toBe(true);
    expect(isAllowedHost(`${host.includes(":") ? `[${host}]` : host}:4321`, hosts)).toBe(false);
    expect(isAllowedHost("10.0.0.5:4321", hosts)).toBe(false);
  });

  it("bound to an IPv4 address, it answers to that address as written, whatever the public URL", () => {
    const hosts = allowedHosts({ ...base, host: "10.0.0.5" });
    expect(isAllowedHost("10.0.0.5:4321", hosts)).toBe(true);
    expect(isAllowedHost("[10.0.0.5]:4321", hosts)).toBe(false);
  });

  it("bound to an IPv6 address, it answers to that address in brackets", () => {
    const hosts = allowedHosts({ ...base, host: "fd00::5" });
    expect(isAllowedHost("[fd00::5]:4321", hosts)).toBe(true);
    expect(isAllowedHost("fd00::5:4321", hosts)).toBe(false);
  });

  it("ignores surrounding spaces and a trailing default port, nothing else", () => {
    const hosts = allowedHosts({ ...base, host: "127.0.0.1" });
    expect(isAllowedHost("  casebook.example.org  ", hosts)).toBe(true);
    expect(isAllowedHost("casebook.example.org:80", hosts)).toBe(true);
    expect(isAllowedHost("casebook.example.org:8080", hosts)).toBe(false);
    expect(isAllowedHost("casebook.example.org:4431", hosts)).toBe(false);
    expect(isAllowedHost("localhost:80:4321", hosts)).toBe(false);
  });
});
