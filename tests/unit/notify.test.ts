// Who is told of what (issue 13 §1): the event × role → recipients, channel table as data,
// routed for a cast of people; and the signed unsubscribe links (issue 13 §5).
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../src/lib/server/clock.ts";
import { mailBackoff, UNSUBSCRIBE_TTL_MS, unsubscribeLink } from "../../src/lib/server/mailoutbox.ts";
import { MAIL_CATEGORIES, NOTICE_TABLE, type NoticeEvent, nextHour, type Person, planNotices, routeNotice } from "../../src/lib/server/notify.ts";
import { verifyToken } from "../../src/lib/server/tokens.ts";

process.env.CASEBOOK_SECRET ??= "unit-test-signing-secret-0123456789abcdef";
process.env.PUBLIC_URL = "https://casebook.example.org";

afterEach(() => setClock(null));

const person = (id: string, extra: Partial<Person> = {}): Person => ({
  id,
  email: `${id}@example.test`,
  name: id,
  locale: "en",
  verified: true,
  muted: [],
  cadence: "immediate",
  ...extra,
});

describe("NOTICE_TABLE: event × role → recipients, channel", () => {
  // The table as implemented, row by row: whom each event reaches, by which channels, and which mail group it belongs to.
  const expected: [NoticeEvent, string, string, string | null][] = [
    ["post_awaits_dpo", "organization_dpos", "app + mail", "reviews"],
    ["post_in_queue", "moderators", "app + mail (each moderator: immediate or hourly)", "moderation"],
    ["patient_data_flag", "moderators", "app + mail (each moderator: immediate or hourly)", "moderation"],
    ["join_request", "organization_admins", "app + mail", "organisation"],
    ["invitation", "invitee", "app (the mail with its one-time link is sent directly)", null],
    ["consent_request", "applicant_admins", "app + mail (+ reminder 7 days before the deadline)", "organisation"],
    // A funder's record about an applicant on the platform (or its correction) went public.
    ["record_published", "applicant_admins", "app + mail", "organisation"],
    ["post_decision", "author", "app + mail", "my_posts"],
    ["post_flagged", "author", "app + mail", "my_posts"],
    // Issue 14 §2: replies (the thread's author and its followers are given by replies.ts, never the replier).
    ["reply_held", "moderators", "app + mail (each moderator: immediate or hourly)", "moderation"],
    ["reply_decision", "author", "app + mail", "my_posts"],
    ["reply_published", "author", "app + mail", "my_posts"],
    // Issue 14 §3, §4: round tables (invitation to the invited organisation's admins, its answer to the
    // host's admins, the day-before reminder to each attendee) and the summary's naming consent.
    ["roundtable_invitation", "organization_admins", "app + mail", "organisation"],
    ["roundtable_answer", "organization_admins", "app + mail", "organisation"],
    ["roundtable_reminder", "invitee", "app + mail", "organisation"],
    ["summary_consent", "organization_admins", "app + mail", "organisation"],
  ];
  it("has exactly these rows", () => {
    expect(Object.keys(NOTICE_TABLE).sort()).toEqual(expected.map(([event]) => event).sort());
    for (const [event, to, channel, category] of expected) {
      const rule = NOTICE_TABLE[event];
      expect(rule.to, event).toBe(to);
      expect(rule.mail === null, `${event} in the app only`).toBe(!channel.startsWith("app + mail"));
      expect(rule.cadence === "choice", `${event}'s cadence`).toBe(channel.includes("hourly"));
      if (category) expect(rule.category).toBe(category);
      expect(MAIL_CATEGORIES).toContain(rule.category);
    }
  });

  const cast = [
    person("actor"),
    person("author"),
    person("fr_reader", { locale: "fr" }),
    person("unverified", { verified: false }),
    person("muted_reviews", { muted: ["reviews", "moderation", "organisation", "my_posts"] }),
    person("hourly", { cadence: "hourly" }),
  ];
  const route = (event: NoticeEvent) =>
    Object.fromEntries(routeNotice(event, cast, { actorId: "actor", authorId: "author" }).map((r) => [r.person.id, r.mail === null ? "app" : `app+${r.mail}`]));

  it.each([
    // Review work never reaches the post's own author; nobody is told of their own step.
    ["post_awaits_dpo", { fr_reader: "app+immediate", unverified: "app", muted_reviews: "app", hourly: "app+immediate" }],
    ["post_in_queue", { fr_reader: "app+immediate", unverified: "app", muted_reviews: "app", hourly: "app+hourly" }],
    ["patient_data_flag", { fr_reader: "app+immediate", unverified: "app", muted_reviews: "app", hourly: "app+hourly" }],
    ["join_request", { author: "app+immediate", fr_reader: "app+immediate", unverified: "app", muted_reviews: "app", hourly: "app+immediate" }],
    ["invitation", { author: "app", fr_reader: "app", unverified: "app", muted_reviews: "app", hourly: "app" }],
    ["consent_request", { author: "app+immediate", fr_reader: "app+immediate", unverified: "app", muted_reviews: "app", hourly: "app+immediate" }],
    ["post_decision", { author: "app+immediate", fr_reader: "app+immediate", unverified: "app", muted_reviews: "app", hourly: "app+immediate" }],
  ] as [NoticeEvent, Record<string, string>][])("%s reaches %o", (event, expectedRoutes) => {
    expect(route(event)).toEqual(expectedRoutes);
  });

  it("tells each person once, even when they hold two roles", () => {
    const routed = routeNotice("join_request", [person("a"), person("a"), person("b")], { actorId: null, authorId: null });
    expect(routed.map((r) => r.person.id)).toEqual(["a", "b"]);
  });

  it("writes the mail in the recipient's language, links in it, and holds hourly ones until the next full hour", () => {
    const now = new Date("2026-12-02T13:41:07.000Z");
    const routed = routeNotice("post_in_queue", [person("fr_mod", { locale: "fr" }), person("hourly", { cadence: "hourly", locale: null })], {
      actorId: null,
      authorId: null,
    });
    const planned = planNotices("post_in_queue", routed, () => ({ params: { title: "Sepsis", org: "AZ" }, path: "/moderation/posts/abc" }), { now });
    expect(planned.map((p) => [p.user, p.kind, p.link, p.app])).toEqual([
      ["fr_mod", "post_in_queue", "/moderation/posts/abc", true],
      ["hourly", "post_in_queue", "/moderation/posts/abc", true],
    ]);
    expect(planned[0]!.mails).toEqual([
      {
        to: "fr_mod@example.test",
        user: "fr_mod",
        template: "moderation_queue",
        locale: "fr",
        params: { link: "https://casebook.example.org/fr/moderation/posts/abc", title: "Sepsis", org: "AZ", name: "fr_mod" },
        category: "moderation",
        group_key: "",
        next_attempt_at: "",
      },
    ]);
    // Language unknown: the unprefixed page, which opens in the visitor's own choice.
    expect(planned[1]!.mails[0]).toMatchObject({
      locale: "",
      group_key: "hourly:hourly",
      next_attempt_at: "2026-12-02T14:00:00.000Z",
      params: { link: "https://casebook.example.org/moderation/posts/abc" },
    });
    expect(nextHour(new Date("2026-12-02T23:00:00.000Z")).toISOString()).toBe("2026-12-03T00:00:00.000Z");
  });

  it("backs off exponentially from 10 s, capped at an hour", () => {
    expect([1, 2, 3, 4, 5].map((n) => mailBackoff(n))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
    expect(mailBackoff(30)).toBe(3_600_000);
  });
});

describe("signed unsubscribe links", () => {
  const tokenOf = (link: string) => new URL(link).searchParams.get("t")!;

  it("name the member and the group, in the mail's language, and verify only for that group", () => {
    const link = unsubscribeLink("user00000000001", "reviews", "nl");
    const url = new URL(link);
    expect(url.pathname).toBe("/nl/unsubscribe");
    expect(url.searchParams.get("c")).toBe("reviews");
    expect(verifyToken("unsubscribe", tokenOf(link), "reviews")).toEqual({ ok: true, subject: "user00000000001" });
    expect(verifyToken("unsubscribe", tokenOf(link), "moderation")).toEqual({ ok: false, reason: "invalid" });
    // A token for another purpose (a password reset link) does not unsubscribe.
    expect(verifyToken("password_reset", tokenOf(link), "reviews")).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuse a tampered token: another member's id, or a changed signature", () => {
    const token = tokenOf(unsubscribeLink("user00000000001", "reviews", "en"));
    const [, expires, signature] = token.split(".");
    expect(verifyToken("unsubscribe", `user00000000002.${expires}.${signature}`, "reviews")).toEqual({ ok: false, reason: "invalid" });
    // The first character, not the last: a base64url signature's last character carries unused
    // bits, so some changes there decode to the same bytes (and "A" may already be there).
    const changed = `${signature![0] === "A" ? "B" : "A"}${signature!.slice(1)}`;
    expect(verifyToken("unsubscribe", `user00000000001.${expires}.${changed}`, "reviews").ok).toBe(false);
    expect(verifyToken("unsubscribe", `user00000000001.zzzzzz.${signature}`, "reviews")).toEqual({ ok: false, reason: "invalid" });
  });

  it("expire after their lifetime", () => {
    const start = Date.parse("2026-12-02T12:00:00Z");
    setClock(() => start);
    const token = tokenOf(unsubscribeLink("user00000000001", "my_posts", "fr"));
    setClock(() => start + UNSUBSCRIBE_TTL_MS - 60_000);
    expect(verifyToken("unsubscribe", token, "my_posts").ok).toBe(true);
    setClock(() => start + UNSUBSCRIBE_TTL_MS + 60_000);
    expect(verifyToken("unsubscribe", token, "my_posts")).toEqual({ ok: false, reason: "expired" });
  });
});
