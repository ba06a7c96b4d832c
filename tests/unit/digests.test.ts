// Digests (issue 13 §4): periods at 07:00 Europe/Brussels across the DST changes, grouping
// by follow, "nothing new → no mail", and the mail as the member reads it.
import { describe, expect, it } from "vitest";
import { composeMail } from "../../src/lib/server/mail.ts";
import { type DigestGroup, digestMail, digestPeriod, groupDigest, inDigest, nextDigestTime, periodKey } from "../../src/lib/server/digests.ts";
import type { Person } from "../../src/lib/server/notify.ts";
import type { PublicPost } from "../../src/lib/server/posts.ts";

process.env.CASEBOOK_SECRET ??= "unit-test-signing-secret-0123456789abcdef";
process.env.PUBLIC_URL = "https://casebook.example.org";

const person = (extra: Partial<Person> = {}): Person => ({
  id: "u1",
  email: "u1@example.test",
  name: "Lena",
  locale: "en",
  verified: true,
  muted: [],
  cadence: "immediate",
  ...extra,
});

const post = (slug: string, extra: Partial<PublicPost> = {}): PublicPost =>
  ({
    slug,
    title: `Title of ${slug}`,
    byline: "AZ Groeninge",
    anonymous: false,
    organization: null,
    publishedAt: "2026-12-01 10:00:00.000Z",
    ...extra,
  }) as PublicPost;

describe("digestPeriod: 07:00 in Brussels, whatever the offset", () => {
  it.each([
    // Winter (UTC+1): 07:00 local is 06:00 UTC.
    ["daily", "2026-12-02T06:00:00Z", "2026-12-02", "2026-12-02T06:00:00.000Z", "2026-12-01T06:00:00.000Z"],
    ["daily", "2026-12-02T05:59:59Z", "2026-12-01", "2026-12-01T06:00:00.000Z", "2026-11-30T06:00:00.000Z"],
    // Spring forward on Sunday 29 March 2026: the day before is winter, the day itself summer (05:00 UTC).
    ["daily", "2026-03-29T05:00:00Z", "2026-03-29", "2026-03-29T05:00:00.000Z", "2026-03-28T06:00:00.000Z"],
    ["daily", "2026-03-29T04:59:00Z", "2026-03-28", "2026-03-28T06:00:00.000Z", "2026-03-27T06:00:00.000Z"],
    // Fall back on Sunday 25 October 2026: 07:00 is 05:00 UTC the day before, 06:00 UTC that day.
    ["daily", "2026-10-25T05:30:00Z", "2026-10-24", "2026-10-24T05:00:00.000Z", "2026-10-23T05:00:00.000Z"],
    ["daily", "2026-10-25T06:00:00Z", "2026-10-25", "2026-10-25T06:00:00.000Z", "2026-10-24T05:00:00.000Z"],
    // Weekly on Mondays, ISO weeks; the week of the spring change and a year boundary (2026-12-28 is in 2026-W53).
    ["weekly", "2026-12-02T12:00:00Z", "2026-W49", "2026-11-30T06:00:00.000Z", "2026-11-23T06:00:00.000Z"],
    ["weekly", "2026-03-30T05:00:00Z", "2026-W14", "2026-03-30T05:00:00.000Z", "2026-03-23T06:00:00.000Z"],
    ["weekly", "2026-03-30T04:59:00Z", "2026-W13", "2026-03-23T06:00:00.000Z", "2026-03-16T06:00:00.000Z"],
    ["weekly", "2027-01-03T12:00:00Z", "2026-W53", "2026-12-28T06:00:00.000Z", "2026-12-21T06:00:00.000Z"],
    ["weekly", "2027-01-04T06:00:00Z", "2027-W01", "2027-01-04T06:00:00.000Z", "2026-12-28T06:00:00.000Z"],
  ] as const)("%s at %s → %s (due %s, previous %s)", (cadence, now, key, at, previous) => {
    const period = digestPeriod(cadence, new Date(now));
    expect(period.key).toBe(key);
    expect(period.at.toISOString()).toBe(at);
    expect(period.previous.toISOString()).toBe(previous);
    expect(periodKey(cadence, period.at)).toBe(key);
  });

  it("the next run follows the clock change", () => {
    expect(nextDigestTime("daily", new Date("2026-03-28T06:00:00Z")).toISOString()).toBe("2026-03-29T05:00:00.000Z");
    expect(nextDigestTime("daily", new Date("2026-10-24T05:00:00Z")).toISOString()).toBe("2026-10-25T06:00:00.000Z");
    expect(nextDigestTime("weekly", new Date("2026-12-02T12:00:00Z")).toISOString()).toBe("2026-12-07T06:00:00.000Z");
  });
});

describe("groupDigest", () => {
  const group = (label: string, posts: PublicPost[], kind: DigestGroup["kind"] = "tag"): DigestGroup => ({ kind, label, href: null, posts });

  it("one section per follow with something new, in order; a post matched twice is listed once, under the first", () => {
    const groups = groupDigest([
      group("sepsis", [post("a"), post("b")]),
      group("triage", []),
      group("AZ Groeninge", [post("b"), post("c")], "organization"),
      group("radiology", [post("a")]),
    ]);
    expect(groups.map((g) => [g.label, g.posts.map((p) => p.slug)])).toEqual([
      ["sepsis", ["a", "b"]],
      ["AZ Groeninge", ["c"]],
    ]);
  });

  it("nothing new → no section", () => {
    expect(groupDigest([group("sepsis", []), group("triage", [])])).toEqual([]);
  });
});

describe("digestMail", () => {
  it("nothing new → no mail", () => {
    expect(digestMail(person(), "daily", [])).toBeNull();
    expect(digestMail(person(), "weekly", groupDigest([{ kind: "tag", label: "sepsis", href: null, posts: [] }]))).toBeNull();
  });

  it("lists each follow's posts with their byline and public link, in the member's language, in the follows mail group", () => {
    const groups = groupDigest([
      {
        kind: "tag",
        label: "sepsis",
        href: "/tags/sepsis",
        posts: [post("sepsis-alerts"), post("quiet-triage", { anonymous: true, byline: "Un hôpital général" })],
      },
      { kind: "saved_search", label: "Recherche « alertes »", href: null, posts: [post("night-shifts")] },
    ]);
    const mail = digestMail(person({ locale: "fr" }), "daily", groups);
    expect(mail).toMatchObject({ template: "digest_daily", locale: "fr", category: "follows", user: "u1", to: "u1@example.test" });
    expect(mail?.params.count).toBe("3");
    expect(mail?.params.items).toBe(
      [
        "Mot-clé\u00a0: sepsis",
        "Title of sepsis-alerts — AZ Groeninge\nhttps://casebook.example.org/fr/posts/sepsis-alerts",
        "Title of quiet-triage — Un hôpital général\nhttps://casebook.example.org/fr/posts/quiet-triage",
        "Recherche enregistrée\u00a0: Recherche « alertes »",
        "Title of night-shifts — AZ Groeninge\nhttps://casebook.example.org/fr/posts/night-shifts",
      ].join("\n\n"),
    );
    const composed = composeMail("digest_daily", "fr", mail!.params as Record<string, string>);
    expect(composed.subject).toBe("Casebook : 3 nouveauté(s) aujourd’hui dans ce que vous suivez");
    expect(composed.text).toContain("Mot-clé\u00a0: sepsis\n\nTitle of sepsis-alerts — AZ Groeninge\nhttps://casebook.example.org/fr/posts/sepsis-alerts");
    expect(composed.html).toContain('<a href="https://casebook.example.org/fr/posts/quiet-triage"');
  });

  it("weekly digests use the weekly template", () => {
    const mail = digestMail(person({ locale: "nl" }), "weekly", [{ kind: "tag", label: "sepsis", href: null, posts: [post("a")] }]);
    expect(mail?.template).toBe("digest_weekly");
    expect(composeMail("digest_weekly", "nl", mail!.params as Record<string, string>).subject).toBe("Casebook: 1 nieuw deze week in wat u volgt");
  });
});

describe("inDigest", () => {
  it.each([
    ["tag", "daily", "daily", true],
    ["tag", "weekly", "daily", false],
    ["tag", "weekly", "weekly", true],
    ["tag", "immediate", "daily", false],
    ["tag", "off", "daily", false],
    // Saved searches cannot be matched at publication: "immediate" ones come in the daily digest.
    ["saved_search", "immediate", "daily", true],
    ["saved_search", "immediate", "weekly", false],
    ["saved_search", "off", "daily", false],
  ] as const)("a %s follow with cadence %s in the %s digest: %s", (kind, cadence, digest, expected) => {
    expect(inDigest({ kind, cadence }, digest)).toBe(expected);
  });
});
