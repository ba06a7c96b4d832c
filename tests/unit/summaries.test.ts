// The summary's naming rules (issue 14 §4): who is named, who appears by descriptor, which
// names a summary's text may not contain (Chatham House, and non-consenting participants).
import { describe, expect, it } from "vitest";
import { type ParticipantRow, forbiddenNames, mentionedNames, participantDescriptor, projectParticipants } from "../../src/lib/server/roundtables/summaries.ts";

const row = (name: string, named: ParticipantRow["named"], status = "accepted", extra: Partial<ParticipantRow> = {}): ParticipantRow => ({
  id: `p${name.replace(/\W/g, "").toLowerCase()}`.slice(0, 15),
  organizationId: `o${name.replace(/\W/g, "").toLowerCase()}`.padEnd(15, "0").slice(0, 15),
  name,
  slug: name.toLowerCase().replace(/\W+/g, "-"),
  kind: "hospital",
  region: "flanders",
  country: "BE",
  status,
  named,
  ...extra,
});

describe("projectParticipants", () => {
  const rows = [
    row("Zorgnet Oost", "granted"),
    row("AZ Sint-Jan", "refused"),
    row("Thuiszorg Brugge", "not_asked", "accepted", { kind: "home_care" }),
    row("CHU Liège", "requested", "accepted", { region: "wallonia" }),
    row("Maria Middelares", "granted"),
    row("Invited Only", "granted", "invited"),
    row("Said No", "granted", "declined"),
  ];
  const projected = projectParticipants(rows, (r) => `a ${r.kind} in ${r.region}`);

  it("names only accepting organisations that granted consent, sorted by name", () => {
    expect(projected.filter((p) => p.named)).toEqual([
      { named: true, name: "Maria Middelares", slug: "maria-middelares" },
      { named: true, name: "Zorgnet Oost", slug: "zorgnet-oost" },
    ]);
  });

  it("shows refused, unasked and unanswered participants by descriptor only, sorted by descriptor", () => {
    expect(projected.filter((p) => !p.named)).toEqual([
      { named: false, descriptor: "a home_care in flanders" },
      { named: false, descriptor: "a hospital in flanders" },
      { named: false, descriptor: "a hospital in wallonia" },
    ]);
  });

  it("never carries the name or slug of a participant shown by descriptor", () => {
    const text = JSON.stringify(projected);
    for (const hidden of ["AZ Sint-Jan", "az-sint-jan", "Thuiszorg", "CHU", "Invited Only", "Said No"]) expect(text).not.toContain(hidden);
  });

  it("lists nobody who did not accept the invitation, even with a stale consent", () => {
    expect(projected).toHaveLength(5);
  });
});

describe("participantDescriptor", () => {
  const crowd = [
    ...Array.from({ length: 6 }, () => ({ kind: "hospital", region: "flanders", country: "BE" })),
    { kind: "home_care", region: "flanders", country: "BE" },
  ];
  it("is as fine as k organisations allow", () => {
    expect(participantDescriptor({ kind: "hospital", region: "flanders", country: "BE" }, crowd, 5)).toBe("hospital@r:flanders");
  });
  it("is coarsened when fewer than k organisations share it", () => {
    expect(participantDescriptor({ kind: "home_care", region: "flanders", country: "BE" }, crowd, 5)).not.toMatch(/^home_care/);
  });
});

describe("mentionedNames", () => {
  it("finds a name regardless of case, accents and punctuation, as whole words", () => {
    expect(mentionedNames("Selon le chu liege, le triage…", ["CHU Liège"])).toEqual(["CHU Liège"]);
    expect(mentionedNames("AZ Sint Jan said the chatbot helped.", ["AZ Sint-Jan"])).toEqual(["AZ Sint-Jan"]);
  });
  it("does not match a name inside another word, nor names shorter than three characters", () => {
    expect(mentionedNames("The AZURE cloud was discussed.", ["AZ"])).toEqual([]);
    expect(mentionedNames("Zorgnet Oostende spoke.", ["Zorgnet Oost"])).toEqual([]);
  });
});

describe("forbiddenNames", () => {
  const rows = [
    row("Host Hospital", "not_asked", "accepted", { organizationId: "host00000000001" }),
    row("Granted Org", "granted"),
    row("Refused Org", "refused"),
    row("Declined Org", "not_asked", "declined"),
  ];
  it("under Chatham House, forbids every participant's name (not the host's), consenting or not, from the first draft", () => {
    expect(forbiddenNames(rows, { chathamHouse: true, hostId: "host00000000001", atPublication: false })).toEqual([
      "Granted Org",
      "Refused Org",
      "Declined Org",
    ]);
  });
  it("otherwise forbids, at publication, every name that did not consent", () => {
    expect(forbiddenNames(rows, { chathamHouse: false, hostId: "host00000000001", atPublication: true })).toEqual(["Refused Org", "Declined Org"]);
  });
  it("otherwise lets a draft name anyone (consent is asked later)", () => {
    expect(forbiddenNames(rows, { chathamHouse: false, hostId: "host00000000001", atPublication: false })).toEqual([]);
  });
});
