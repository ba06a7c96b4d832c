// Round tables (issue 14 §3), the pure parts: session times across DST, the form's checks, and
// the .ics invitation parsed back line by line (RFC 5545 unfolding).
import { describe, expect, it } from "vitest";
import { sessionIcs, sessionUid } from "../../src/lib/server/roundtables/ics.ts";
import { isWebLink, roundTableSchema, sessionsOf } from "../../src/lib/server/roundtables/roundtables.ts";
import { formatSessionSpan, isTimeZone, utcToZoned, zonedToUtc } from "../../src/lib/server/roundtables/time.ts";

// A minimal iCalendar reader: unfolds continuation lines, returns the VEVENT's properties (name → value; params dropped).
function parseIcs(text: string): { lines: string[]; event: Record<string, string> } {
  const lines = text
    .replace(/\r\n[ \t]/g, "")
    .split("\r\n")
    .filter(Boolean);
  const begin = lines.indexOf("BEGIN:VEVENT");
  const end = lines.indexOf("END:VEVENT");
  const event: Record<string, string> = {};
  for (const line of lines.slice(begin + 1, end)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).split(";")[0]!;
    event[name] = line.slice(colon + 1);
  }
  return { lines, event };
}
const icsText = (v: string) => v.replace(/\\n/gi, "\n").replace(/\\([,;\\])/g, "$1");

describe("zonedToUtc", () => {
  it.each([
    ["winter time in Brussels (UTC+1)", "2026-01-15", "14:00", "Europe/Brussels", "2026-01-15T13:00:00.000Z"],
    ["summer time in Brussels (UTC+2)", "2026-07-15", "14:00", "Europe/Brussels", "2026-07-15T12:00:00.000Z"],
    ["the day before the spring change", "2026-03-28", "10:00", "Europe/Brussels", "2026-03-28T09:00:00.000Z"],
    ["the morning after the spring change (03:00 came at 02:00)", "2026-03-29", "10:00", "Europe/Brussels", "2026-03-29T08:00:00.000Z"],
    ["just after the spring change", "2026-03-29", "03:30", "Europe/Brussels", "2026-03-29T01:30:00.000Z"],
    ["the day after the autumn change", "2026-10-26", "10:00", "Europe/Brussels", "2026-10-26T09:00:00.000Z"],
    ["London in summer", "2026-06-01", "09:15", "Europe/London", "2026-06-01T08:15:00.000Z"],
    ["UTC", "2026-06-01", "09:15", "UTC", "2026-06-01T09:15:00.000Z"],
    ["New York across its own DST date", "2026-03-09", "12:00", "America/New_York", "2026-03-09T16:00:00.000Z"],
  ])("%s", (_name, date, time, zone, expected) => {
    expect(zonedToUtc(date, time, zone)?.toISOString()).toBe(expected);
  });

  it("refuses malformed dates, times and unknown zones", () => {
    expect(zonedToUtc("2026-02-30", "10:00", "Europe/Brussels")).toBeNull();
    expect(zonedToUtc("2026-02-10", "25:00", "Europe/Brussels")).toBeNull();
    expect(zonedToUtc("10/02/2026", "10:00", "Europe/Brussels")).toBeNull();
    expect(zonedToUtc("2026-02-10", "10:00", "Mars/Olympus")).toBeNull();
    expect(isTimeZone("Europe/Brussels")).toBe(true);
    expect(isTimeZone("../../etc")).toBe(false);
  });

  it("round-trips through utcToZoned on both sides of a change", () => {
    for (const [date, time] of [
      ["2026-03-28", "18:30"],
      ["2026-03-29", "18:30"],
      ["2026-10-24", "09:00"],
      ["2026-10-25", "09:00"],
    ] as const) {
      expect(utcToZoned(zonedToUtc(date, time, "Europe/Brussels")!, "Europe/Brussels")).toEqual({ date, time });
    }
  });

  it("shows a session in the zone it was planned in, whatever the server's zone", () => {
    const start = zonedToUtc("2026-07-15", "14:00", "Europe/Brussels")!;
    const end = zonedToUtc("2026-07-15", "16:00", "Europe/Brussels")!;
    const en = formatSessionSpan("en", start, end, "Europe/Brussels");
    expect(en).toMatch(/^Wednesday,? 15 July 2026, /);
    expect(en.endsWith("14:00–16:00 (Europe/Brussels)")).toBe(true);
    // The same instants read in London are an hour earlier: the zone shown is the one planned in.
    expect(formatSessionSpan("en", start, end, "Europe/London").endsWith("13:00–15:00 (Europe/London)")).toBe(true);
    expect(formatSessionSpan("fr", start, end, "Europe/Brussels")).toContain("14:00–16:00");
    expect(formatSessionSpan("nl", start, end, "Europe/Brussels")).toMatch(/^woensdag 15 juli 2026/);
  });
});

describe("the round-table form", () => {
  const base = { title: "AI in home care", description: "", languages: ["nl"], host_contact: "", chatham_house: "on", status: "planned", invite: [] };
  const row = { s0_date: "2026-03-29", s0_start: "10:00", s0_end: "12:00", s0_zone: "Europe/Brussels", s0_url: "https://meet.example.org/x" };
  const issues = (v: Record<string, unknown>) => {
    const r = roundTableSchema.safeParse(v);
    return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
  };

  it("accepts a complete session and reads it in its zone", () => {
    const r = roundTableSchema.safeParse({ ...base, ...row });
    expect(r.success).toBe(true);
    const sessions = sessionsOf(r.data as Record<string, unknown>);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.startsAt.toISOString()).toBe("2026-03-29T08:00:00.000Z");
    expect((r.data as { chatham_house: boolean }).chatham_house).toBe(true);
  });

  it.each([
    ["no session at all", {}, "s0_date", "Plan at least one session"],
    ["an end before the start", { ...row, s0_end: "09:00" }, "s0_end", "must end after it starts"],
    ["a javascript: link", { ...row, s0_url: "javascript:alert(1)" }, "s0_url", "https://"],
    ["a data: link", { ...row, s0_url: "data:text/html,<script>alert(1)</script>" }, "s0_url", "https://"],
    ["a relative link", { ...row, s0_url: "/evil" }, "s0_url", "https://"],
    ["an unknown zone", { ...row, s0_zone: "Mars/Olympus" }, "s0_zone", "time zone"],
    ["a second row with a place but no date", { ...row, s1_place: "Gent" }, "s1_date", "date"],
  ])("refuses %s, on the field concerned", (_name, extra, field, words) => {
    const found = issues({ ...base, ...extra });
    expect(found[field]).toContain(words);
  });

  it("refuses no language and a one-character topic", () => {
    const found = issues({ ...base, ...row, languages: [], title: "A" });
    expect(found.title).toContain("topic of 3 to 200");
    expect(found.languages).toContain("at least one language");
  });

  it("recognises web links only", () => {
    expect(isWebLink("https://meet.example.org/abc")).toBe(true);
    expect(isWebLink("http://example.org")).toBe(true);
    expect(isWebLink("JAVASCRIPT:alert(1)")).toBe(false);
    expect(isWebLink("vbscript:x")).toBe(false);
    expect(isWebLink("ftp://example.org")).toBe(false);
  });
});

describe("sessionIcs", () => {
  const table = {
    title: "AI in home care; what works, what fails",
    host: { id: "host00000000001", name: "AZ Voorbeeld", slug: "az-voorbeeld", verified: true },
  };
  const session = {
    id: "sess00000000001",
    startsAt: "2026-03-29T08:00:00.000Z",
    endsAt: "2026-03-29T10:00:00.000Z",
    timeZone: "Europe/Brussels",
    place: "Room 4, Kortrijksesteenweg 1, Gent",
    onlineUrl: "https://meet.example.org/secret-room",
    agendaMd: "1. Introductions\n2. Failures we share",
    agendaHtml: "",
    reminderSentAt: null,
  };
  const page = "https://casebook.example.org/round-tables/ai-in-home-care";

  it("parses back to one event with a stable UID, UTC times, title, link, place and online link for a participant", () => {
    const first = parseIcs(sessionIcs(table, session, page, true));
    const again = parseIcs(sessionIcs(table, session, page, true));
    expect(first.lines[0]).toBe("BEGIN:VCALENDAR");
    expect(first.lines.filter((l) => l === "BEGIN:VEVENT")).toHaveLength(1);
    expect(first.event.UID).toBe(sessionUid(session.id));
    expect(again.event.UID).toBe(first.event.UID);
    expect(first.event.DTSTART).toBe("20260329T080000Z");
    expect(first.event.DTEND).toBe("20260329T100000Z");
    expect(icsText(first.event.SUMMARY!)).toBe(table.title);
    expect(first.event.URL).toBe(page);
    expect(icsText(first.event.LOCATION!)).toBe(session.place);
    const description = icsText(first.event.DESCRIPTION!);
    expect(description).toContain(session.onlineUrl);
    expect(description).toContain("Failures we share");
  });

  it("gives an outsider neither the place, nor the online link, nor the agenda", () => {
    const text = sessionIcs(table, session, page, false);
    const { event } = parseIcs(text);
    expect(event.LOCATION).toBeUndefined();
    expect(text.replace(/\r\n[ \t]/g, "")).not.toContain("secret-room");
    expect(text).not.toContain("Kortrijksesteenweg");
    expect(text).not.toContain("Failures");
    expect(event.UID).toBe(sessionUid(session.id));
  });
});
