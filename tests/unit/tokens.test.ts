// Signed e-mail links on a fake clock (issue 10 §3): vitest's fake timers move Date.now,
// which the domain clock reads by default, so expiry is checked to the millisecond
// without waiting.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signToken, verifyToken } from "../../src/lib/server/tokens.ts";

const HOUR = 60 * 60 * 1000;
const START = Date.UTC(2026, 11, 2, 9, 0, 0);

beforeEach(() => {
  vi.stubEnv("CASEBOOK_SECRET", "unit-test-signing-secret-0123456789abcdef");
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe("signed links", () => {
  it("are accepted up to their expiry and refused one millisecond after", () => {
    const token = signToken("password_reset", "abc123", "bind", HOUR);
    vi.setSystemTime(START + HOUR);
    expect(verifyToken("password_reset", token, "bind")).toEqual({ ok: true, subject: "abc123" });
    vi.setSystemTime(START + HOUR + 1);
    expect(verifyToken("password_reset", token, "bind")).toEqual({ ok: false, reason: "expired" });
    vi.setSystemTime(START + 1000 * HOUR);
    expect(verifyToken("password_reset", token, "bind")).toEqual({ ok: false, reason: "expired" });
  });

  it("cannot be extended by editing the expiry they carry", () => {
    const token = signToken("verify_email", "abc123", "me@example.test", HOUR);
    const [subject, , mac] = token.split(".");
    const later = Math.floor((START + 100 * HOUR) / 1000).toString(36);
    vi.setSystemTime(START + 2 * HOUR);
    expect(verifyToken("verify_email", `${subject}.${later}.${mac}`, "me@example.test")).toEqual({ ok: false, reason: "invalid" });
  });

  it("are bound to their purpose and their bind value", () => {
    const token = signToken("verify_email", "abc123", "me@example.test", HOUR);
    expect(verifyToken("password_reset", token, "me@example.test")).toEqual({ ok: false, reason: "invalid" });
    expect(verifyToken("verify_email", token, "other@example.test")).toEqual({ ok: false, reason: "invalid" });
  });
});
