// The session cookie's attributes (issue 10 §4): HttpOnly, SameSite=Lax, Path=/, and
// Secure unless both the request and the public address (PUBLIC_URL) are plain-HTTP loopback.
// tests/security/cookies.test.ts checks the same over real HTTP against the built site.
import type { AstroCookies } from "astro";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE, cookieIsSecure, deleteSessionCookie, setSessionCookie } from "../../src/lib/server/session.ts";

function recordingCookies(): { cookies: AstroCookies; set: [string, string, Record<string, unknown>][] } {
  const set: [string, string, Record<string, unknown>][] = [];
  const cookies = { set: (name: string, value: string, options: Record<string, unknown>) => set.push([name, value, options]) } as unknown as AstroCookies;
  return { cookies, set };
}

describe("cookieIsSecure", () => {
  it.each([
    ["https://casebook.example.org/signin", true],
    ["https://localhost:4321/", true],
    ["http://casebook.example.org/signin", true],
    ["http://10.0.0.5:4321/", true],
    ["http://localhost:4321/signin", false],
    ["http://127.0.0.1:4321/signin", false],
    ["http://[::1]:4321/signin", false],
  ])("%s → Secure %s", (url, secure) => {
    expect(cookieIsSecure(new URL(url))).toBe(secure);
  });
});

describe("setSessionCookie and deleteSessionCookie", () => {
  const expires = new Date(Date.UTC(2027, 0, 1));
  it.each([
    ["https://casebook.example.org", "https://casebook.example.org/signin", true],
    // A TLS proxy that forwards to loopback: the request looks local, the site is not.
    ["https://casebook.example.org", "http://127.0.0.1:4321/signin", true],
    // PUBLIC_URL left at its default, the site reached under a public name (ALLOWED_HOSTS).
    ["http://localhost:4321", "http://casebook.example.org/signin", true],
    ["http://127.0.0.1:4321", "http://127.0.0.1:4321/signin", false],
  ])("with PUBLIC_URL %s, request %s: HttpOnly, SameSite=Lax, Path=/, Secure %s", (publicUrl, url, secure) => {
    const { cookies, set } = recordingCookies();
    setSessionCookie(cookies, new URL(url), "id.secret", expires, publicUrl);
    deleteSessionCookie(cookies, new URL(url), publicUrl);
    expect(set).toEqual([
      [SESSION_COOKIE, "id.secret", { httpOnly: true, sameSite: "lax", path: "/", secure, expires }],
      [SESSION_COOKIE, "", { httpOnly: true, sameSite: "lax", path: "/", secure, maxAge: 0 }],
    ]);
  });
});
