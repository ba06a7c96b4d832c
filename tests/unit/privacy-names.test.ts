// The names a post keeps from its readers (a pseudonymous post's organisation, an applicant a funder's record
// does not name): found however they are written, whole words only, always blocking (privacy.ts scanNames).
import { describe, expect, it } from "vitest";
import { namesToHide } from "../../src/lib/server/posts.ts";
import { applyDismissals, hasBlockingFindings, scanFieldsForNames, scanNames } from "../../src/lib/server/privacy.ts";

const found = (text: string, names: string[]) => scanNames("body_md", text, names).map((f) => f.match);

describe("scanNames", () => {
  it.each([
    ["as written", "At AZ Heidebloem we tried it.", ["AZ Heidebloem"], ["AZ Heidebloem"]],
    ["in other case, with Markdown between the words", "Our ward at az  **heidebloem**, in short.", ["AZ Heidebloem"], ["az  **heidebloem"]],
    ["without its accents and hyphens", "Soins a domicile val de meuse did it.", ["Soins à Domicile Val-de-Meuse"], ["Soins a domicile val de meuse"]],
    ["with a soft hyphen as an entity", "AZ Heide&shy;bloem again", ["AZ Heidebloem"], ["AZ Heide&shy;bloem"]],
    ["in full-width letters", "Ｈｅｉｄｅｂｌｏｅｍ", ["Heidebloem"], ["Ｈｅｉｄｅｂｌｏｅｍ"]],
    ["twice, each occurrence", "Heidebloem here, Heidebloem there.", ["Heidebloem"], ["Heidebloem", "Heidebloem"]],
    ["a second name (an outside applicant's)", "Thuiszorg Zuid vzw asked for it.", ["AZ Heidebloem", "Thuiszorg Zuid vzw"], ["Thuiszorg Zuid vzw"]],
  ])("finds a name %s", (_how, text, names, matches) => {
    expect(found(text, names)).toEqual(matches);
  });

  it.each([
    ["inside a longer word", "Sint-Jansdal is another hospital.", ["Sint-Jan"]],
    ["shorter than three letters", "UZ did well.", ["UZ"]],
    ["of three letters, inside a longer word", "The VUBA study.", ["VUB"]],
    ["absent", "Nothing names anyone here.", ["AZ Heidebloem"]],
    ["with no names to look for", "AZ Heidebloem", []],
  ])("finds nothing %s", (_how, text, names) => {
    expect(found(text, names)).toEqual([]);
  });

  it("blocks, cannot be declared not personal data, and keeps its id when text around it changes", () => {
    const [finding] = scanNames("summary", "We at AZ Heidebloem stopped.", ["AZ Heidebloem"]);
    expect(finding).toMatchObject({ field: "summary", kind: "hidden_name", blocking: true, sentence: "We at AZ Heidebloem stopped." });
    expect(hasBlockingFindings(applyDismissals([finding!], [{ id: finding!.id, reason: "It is only our partner." }]))).toBe(true);
    expect(scanNames("summary", "Later, we at AZ Heidebloem stopped the pilot.", ["AZ Heidebloem"])[0]!.id).toBe(finding!.id);
  });

  it("scans every field given, in order", () => {
    expect(scanFieldsForNames({ title: "Heidebloem's pilot", body_md: "", lessons_md: "Ask Heidebloem." }, ["Heidebloem"]).map((f) => f.field)).toEqual([
      "title",
      "lessons_md",
    ]);
  });
});

describe("namesToHide", () => {
  const names = { organization: "AZ Heidebloem", applicant: "Thuiszorg Zuid" };
  it("a pseudonymous post hides its organisation; a named one nothing", () => {
    expect(namesToHide({ anonymous: true }, names)).toEqual(["AZ Heidebloem"]);
    expect(namesToHide({ anonymous: false }, names)).toEqual([]);
  });

  it("a funder's record hides its applicant while anonymised or not consenting, not once it consented or is named", () => {
    const record = { published_by: "funder", applicant_name: "" };
    expect(namesToHide({ ...record, applicant_anonymous: true }, names)).toEqual(["Thuiszorg Zuid"]);
    expect(namesToHide({ ...record, consent: "requested" }, names)).toEqual(["Thuiszorg Zuid"]);
    expect(namesToHide({ ...record, consent: "refused", applicant_name: "Zorg Oost vzw" }, { organization: "Fund" })).toEqual(["Zorg Oost vzw"]);
    expect(namesToHide({ ...record, consent: "granted" }, names)).toEqual([]);
    expect(namesToHide({ ...record, consent: "not_needed" }, names)).toEqual([]);
    // An applicant's own account of its application hides nobody but itself when pseudonymous.
    expect(namesToHide({ published_by: "", consent: "requested" }, names)).toEqual([]);
  });
});
