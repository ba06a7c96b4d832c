// The session cookie's attributes (issue 10 §4): HttpOnly, SameSite=Lax, Path=/, and
// Secure unless the site's public address (PUBLIC_URL) is plain-HTTP loopback.
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
    ["https://casebook.example.org", true],
    ["http://127.0.0.1:4321", false],
  ])("with PUBLIC_URL %s: HttpOnly, SameSite=Lax, Path=/, Secure %s", (publicUrl, secure) => {
    const { cookies, set } = recordingCookies();
    setSessionCookie(cookies, "id.secret", expires, publicUrl);
    deleteSessionCookie(cookies, publicUrl);
    expect(set).toEqual([
      [SESSION_COOKIE, "id.secret", { httpOnly: true, sameSite: "lax", path: "/", secure, expires }],
      [SESSION_COOKIE, "", { httpOnly: true, sameSite: "lax", path: "/", secure, maxAge: 0 }],
    ]);
  });
});
