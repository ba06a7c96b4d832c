// The reply rules of issue 14 §2 as tables: who waits for a moderator, slow mode's arithmetic, the edit window.
import { describe, expect, it } from "vitest";
import { editWindowOpen, holdReasons, quoteExcerpt, slowModeMinutesLeft } from "../../src/lib/server/discussions/replyrules.ts";

describe("holdReasons", () => {
  it.each([
    { name: "a trusted member, nothing found", verifiedMember: true, publishedReplies: 3, privacyFindings: 0, expected: [] },
    { name: "a trusted member with many replies", verifiedMember: true, publishedReplies: 40, privacyFindings: 0, expected: [] },
    { name: "a member's third reply (two before)", verifiedMember: true, publishedReplies: 2, privacyFindings: 0, expected: ["new_account"] },
    { name: "a member's first reply", verifiedMember: true, publishedReplies: 0, privacyFindings: 0, expected: ["new_account"] },
    { name: "a trusted member, one non-blocking finding", verifiedMember: true, publishedReplies: 9, privacyFindings: 1, expected: ["privacy_finding"] },
    { name: "no verified organisation, many replies", verifiedMember: false, publishedReplies: 9, privacyFindings: 0, expected: ["no_verified_organization"] },
    {
      name: "a new account without organisation, with a finding",
      verifiedMember: false,
      publishedReplies: 0,
      privacyFindings: 2,
      expected: ["no_verified_organization", "new_account", "privacy_finding"],
    },
  ])("$name → $expected", ({ expected, ...facts }) => {
    expect(holdReasons(facts)).toEqual(expected);
  });
});

describe("slowModeMinutesLeft", () => {
  const at = (minutes: number, seconds = 0) => new Date(Date.UTC(2026, 11, 2, 10, minutes, seconds));
  it.each([
    { name: "slow mode off", slow: 0, last: at(0), now: at(1), left: 0 },
    { name: "never replied", slow: 10, last: null, now: at(1), left: 0 },
    { name: "just replied", slow: 10, last: at(0), now: at(0), left: 10 },
    { name: "30 s later: still 10 minutes (rounded up)", slow: 10, last: at(0), now: at(0, 30), left: 10 },
    { name: "one minute later", slow: 10, last: at(0), now: at(1), left: 9 },
    { name: "9 min 59 s later", slow: 10, last: at(0), now: at(9, 59), left: 1 },
    { name: "exactly the interval later", slow: 10, last: at(0), now: at(10), left: 0 },
    { name: "long after", slow: 10, last: at(0), now: at(50), left: 0 },
    { name: "a negative setting is off", slow: -5, last: at(0), now: at(0), left: 0 },
  ])("$name → $left", ({ slow, last, now, left }) => {
    expect(slowModeMinutesLeft(slow, last, now)).toBe(left);
  });
});

describe("editWindowOpen", () => {
  const created = new Date("2026-12-02T10:00:00Z");
  it.each([
    { name: "at once", after: 0, open: true },
    { name: "59 minutes later", after: 59 * 60_000, open: true },
    { name: "one ms before the hour", after: 60 * 60_000 - 1, open: true },
    { name: "at the hour", after: 60 * 60_000, open: false },
    { name: "a day later", after: 24 * 60 * 60_000, open: false },
    { name: "a clock behind the creation", after: -1000, open: false },
  ])("$name → $open", ({ after, open }) => {
    expect(editWindowOpen(created, new Date(created.getTime() + after))).toBe(open);
  });
});

describe("quoteExcerpt", () => {
  it("keeps a short text whole, collapsing white space", () => expect(quoteExcerpt("We asked  our\nDPO first.")).toBe("We asked our DPO first."));
  it("cuts a long text at a word with an ellipsis", () => expect(quoteExcerpt("alpha beta gamma delta", 12)).toBe("alpha beta…"));
});
