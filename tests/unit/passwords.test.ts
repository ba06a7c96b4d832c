// Weak passwords in any of our three languages are refused; long random passphrases pass.
import { describe, expect, it } from "vitest";
import { checkPasswordStrength } from "../../src/lib/server/passwords.ts";

describe("checkPasswordStrength", () => {
  it.each([
    ["password1234", "English"],
    ["wachtwoord123!", "Dutch"],
    ["motdepasse2024", "French"],
  ])("refuses %s (common %s password)", (password) => {
    const result = checkPasswordStrength(password);
    expect(result.ok).toBe(false);
    expect(result.reasons).toEqual(["too_weak"]);
    expect(result.score).toBeLessThan(3);
    expect(result.suggestions.length).toBeGreaterThan(0);
  });

  it("refuses a password built from the person's name and e-mail address", () => {
    const inputs = ["Jan Peeters", "jan.peeters@azgroeninge.be"];
    expect(checkPasswordStrength("JanPeeters2024!", inputs)).toMatchObject({ ok: false, reasons: ["too_weak"] });
    expect(checkPasswordStrength("azgroeninge2024!", inputs)).toMatchObject({ ok: false, reasons: ["too_weak"] });
  });

  it("accepts a long random passphrase", () => {
    const result = checkPasswordStrength("kast verlicht blauwe regenjas zeven", ["Jan Peeters", "jan.peeters@azgroeninge.be"]);
    expect(result).toEqual({ ok: true, score: 4, reasons: [], suggestions: [] });
  });

  it("refuses an 11-character password even when it looks strong", () => {
    const result = checkPasswordStrength("Xk9#mQ2!vL7");
    expect(result.ok).toBe(false);
    expect(result.reasons).toEqual(["too_short"]);
  });

  it("counts characters, not UTF-16 units, and caps the length", () => {
    expect(checkPasswordStrength("🔒🔑🧪🩺🏥💊🧬🩻🫀🧠🦴").reasons).toContain("too_short");
    const huge = checkPasswordStrength("x7#Lq".repeat(60));
    expect(huge.ok).toBe(false);
    expect(huge.reasons).toContain("too_long");
  });
});
