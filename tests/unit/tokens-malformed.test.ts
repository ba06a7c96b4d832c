// Signed links that were cut, padded or made up (issue 10 §7, from the mutants `npm run mutate`
// left alive): refused as invalid, never an exception (which would be a 500 for a mangled e-mail link).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { peekTokenSubject, signToken, verifyToken } from "../../src/lib/server/tokens.ts";

const HOUR = 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 2, 9, 0, 0);

beforeEach(() => {
  vi.stubEnv("CASEBOOK_SECRET", "unit-test-signing-secret-0123456789abcdef");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("verifyToken on a mangled link", () => {
  it.each([
    ["empty", () => ""],
    ["one part", () => "abc123"],
    ["two parts", (t: string) => t.split(".").slice(0, 2).join(".")],
    ["an extra part after a valid token", (t: string) => `${t}.x`],
    ["the signature cut short", (t: string) => t.slice(0, -4)],
    ["the signature one character longer", (t: string) => `${t}A`],
    ["an empty signature", (t: string) => `${t.split(".").slice(0, 2).join(".")}.`],
  ])("%s is invalid", (_name, mangle) => {
    const token = signToken("password_reset", "abc123", "bind", HOUR, NOW);
    expect(verifyToken("password_reset", token, "bind", NOW)).toEqual({ ok: true, subject: "abc123" });
    expect(verifyToken("password_reset", mangle(token), "bind", NOW)).toEqual({ ok: false, reason: "invalid" });
  });
});

describe("peekTokenSubject", () => {
  it("reads the subject of a well-formed token without checking its signature", () => {
    const token = signToken("verify_email", "abc123", "bind", HOUR, NOW);
    expect(peekTokenSubject(token)).toBe("abc123");
    expect(peekTokenSubject("abc123.zzzz.forged")).toBe("abc123");
  });

  it.each([
    "",
    "abc123",
    "abc123.zzzz",
    "abc123.zzzz.sig.extra",
    "ABC123.zzzz.sig",
    "abc_123.zzzz.sig",
    ".zzzz.sig",
    `${"a".repeat(41)}.zzzz.sig`,
    "x abc.zzzz.sig",
  ])("gives no subject for %j", (token) => {
    expect(peekTokenSubject(token)).toBeNull();
  });

  it("accepts a subject of up to 40 characters", () => {
    expect(peekTokenSubject(`${"a".repeat(40)}.zzzz.sig`)).toBe("a".repeat(40));
  });
});
