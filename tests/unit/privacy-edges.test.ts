// The privacy guard's validators and filters at their edges (issue 10 §7, from the mutants
// `npm run mutate` left alive).
import { describe, expect, it } from "vitest";
import { isValidBelgianNationalNumber, isValidIban, scanText } from "../../src/lib/server/privacy.ts";

// ISO 7064 mod 97-10 over the rearranged IBAN (ISO 13616), restated so the tests can show a
// refused value has a valid checksum and is refused for another reason.
function ibanChecksumHolds(iban: string): boolean {
  let remainder = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const value = ch >= "A" ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

describe("isValidIban", () => {
  it("accepts a Belgian IBAN, grouped or compact", () => {
    expect(isValidIban("BE68 5390 0754 7034")).toBe(true);
    expect(isValidIban("be68539007547034")).toBe(true);
  });

  it("refuses a Belgian IBAN one digit too long even though its checksum holds", () => {
    const tooLong = "BE705390075470341";
    expect(ibanChecksumHolds(tooLong)).toBe(true);
    expect(isValidIban(tooLong)).toBe(false);
  });

  it("checks only the checksum for a country without a known length", () => {
    expect(ibanChecksumHolds("ZZ1812345678901234")).toBe(true);
    expect(isValidIban("ZZ1812345678901234")).toBe(true);
  });

  it.each(["xBE68539007547034", "BE68539007547034!", "B68539007547034", "BE6853900754703"])("refuses %j", (value) => {
    expect(isValidIban(value)).toBe(false);
  });
});

describe("isValidBelgianNationalNumber", () => {
  it("accepts eleven digits whose check digits hold", () => {
    expect(isValidBelgianNationalNumber("85.07.30-033.28")).toBe(true);
  });

  // 850730033 has check digits 28: written as a third check digit "028" the checksum would
  // still read 28, but a national number has exactly eleven digits.
  it.each(["85.07.30-033.028", "185.07.30-033.28", "85073003328x"])("refuses %j", (value) => {
    expect(isValidBelgianNationalNumber(value)).toBe(false);
  });
});

describe("numbers and DOIs", () => {
  it("a number inside a cited DOI is not a finding, a phone number after it is", () => {
    const findings = scanText("body", "See doi 10.1234/0212345678 and call 02 555 12 34 for details.");
    expect(findings.map((f) => [f.kind, f.match])).toEqual([["phone", "02 555 12 34"]]);
  });
});

describe("dates that look like phone numbers", () => {
  it("a leading day and month, in either order, make a date rather than a phone number", () => {
    expect(scanText("body", "On 01.31.2022 10 wards joined.")).toEqual([]);
    expect(scanText("body", "On 31.01.2022 10 wards joined.")).toEqual([]);
  });

  it("a second group above 31 cannot be a day or a month, so the number is a phone number", () => {
    expect(scanText("body", "Call 09.32.45.67.89 now").map((f) => [f.kind, f.match])).toEqual([["phone", "09.32.45.67.89"]]);
  });
});
