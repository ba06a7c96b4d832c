// What the notifications page writes for a stored notice (notifications.ts noticeSentence): a date
// the notice keeps as an instant is written in the reader's language of today, whatever language
// its recipient had when it was written; a notice written before keeps its words; an unknown kind
// still reads as a sentence.
import { describe, expect, it } from "vitest";
import { noticeSentence } from "../../src/lib/server/notifications.ts";

const consent = { title: "Valdetectie thuis", funder: "Fonds Zorginnovatie", org: "Soins à Domicile Val-de-Meuse", deadline: "2027-01-05 10:30:00.000Z" };

describe("noticeSentence", () => {
  it.each([
    ["en", "Please answer by 5 January 2027."],
    ["fr", "Merci de répondre d’ici le 5 janvier 2027."],
    ["nl", "Antwoord uiterlijk op 5 januari 2027."],
  ] as const)("writes a consent request's deadline in %s", (locale, ending) => {
    expect(noticeSentence(locale, { kind: "consent_request", params: consent })).toMatch(new RegExp(`${ending.replace(/[.]/g, "\\.")}$`));
  });

  it("keeps the words of a notice stored with its date already written", () => {
    expect(noticeSentence("en", { kind: "consent_request", params: { ...consent, deadline: "5 janvier 2027" } })).toContain("Please answer by 5 janvier 2027.");
  });

  it.each([
    ["en", "Monday, 12 April 2027, 14:00–16:00 (Europe/Brussels)"],
    ["fr", "lundi 12 avril 2027, 14:00–16:00 (Europe/Brussels)"],
    ["nl", "maandag 12 april 2027, 14:00–16:00 (Europe/Brussels)"],
  ] as const)("writes a round table's session in %s, in the session's time zone", (locale, when) => {
    const params = { title: "Triage chatbots", starts_at: "2027-04-12T12:00:00.000Z", ends_at: "2027-04-12T14:00:00.000Z", time_zone: "Europe/Brussels" };
    expect(noticeSentence(locale, { kind: "roundtable_reminder", params })).toContain(when);
  });

  it("writes something for a kind this version does not know", () => {
    expect(noticeSentence("fr", { kind: "no_such_kind", params: {} })).not.toBe("");
  });
});
