// What the search index holds for a record (DESIGN.md §5 invariant 1: never more than the public
// page shows). buildSearchDocument and buildCallSearchDocument are pure; loading from PocketBase is
// covered by tests/integration/search.test.ts and tests/integration/search-loading.test.ts.
import { describe, expect, it } from "vitest";
import { buildCallSearchDocument, buildSearchDocument, SEARCH_DOCUMENT_FIELDS } from "../../src/lib/server/search/documents.ts";

const clinic = { name: "Secret Clinic", slug: "secret-clinic", kind: "hospital", region: "flanders" };
const post = (fields: Record<string, unknown> = {}) =>
  ({
    id: "p".repeat(15),
    collectionId: "posts",
    collectionName: "posts",
    kind: "case_study",
    slug: "triage-model",
    title: "A triage model",
    summary: "What we learned.",
    body_md: "We **tried** it.",
    language: "en",
    status: "published",
    anonymous: false,
    published_at: "2026-03-04 05:06:07.000Z",
    created: "2026-01-01 00:00:00.000Z",
    tags: ["triage", "", 3],
    outcome: "success",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    expand: { organization: clinic },
    ...fields,
  }) as never;

describe("buildSearchDocument", () => {
  it("indexes a published named post with its organisation", () => {
    expect(buildSearchDocument(post())).toEqual({
      id: "p".repeat(15),
      kind: "case_study",
      slug: "triage-model",
      url: "/posts/triage-model",
      title: "A triage model",
      summary: "What we learned.",
      body: "We tried it.",
      lessons: "",
      tags: ["triage"],
      language: "en",
      outcome: "success",
      care_settings: ["hospital"],
      ai_types: ["predictive_model"],
      lifecycle_stage: null,
      org_kind: "hospital",
      organization_name: "Secret Clinic",
      organization_slug: "secret-clinic",
      public_descriptor: null,
      descriptor_code: null,
      funder_name: null,
      call_title: null,
      decision: null,
      decided_on: null,
      rejection_reasons: [],
      amount_requested: null,
      year: 2026,
      published_at: "2026-03-04T05:06:07.000Z",
      published_ts: Date.parse("2026-03-04T05:06:07.000Z"),
      // A case study that answered none of the governance questions has no fact values.
      human_oversight: null,
      dpo_involvement: null,
      dpia: null,
      ethics_review: null,
      data_location: null,
      data_sharing: null,
      data_quality: null,
      coding_corrected: null,
      medical_device: null,
      ai_act_risk: null,
      nis2: null,
      changed_roles: [],
    });
  });

  const FACTS = {
    human_oversight: "every_output",
    dpo_involvement: "from_idea",
    dpia: "in_progress",
    ethics_review: "unknown",
    data_location: "at_source",
    data_sharing: "network",
    data_quality: "70_to_84",
    coding_corrected: "yes",
    medical_device: "class_iia",
    ai_act_risk: "high",
    nis2: "no",
    changed_roles: ["nurses", "physicians"],
  };

  it("indexes a case study's governance and data facts as the author answered them, “not known” included", () => {
    expect(buildSearchDocument(post(FACTS))).toMatchObject(FACTS);
  });

  it("an anonymous case study keeps every fact", () => {
    const doc = buildSearchDocument(post({ ...FACTS, anonymous: true, public_descriptor: "hospital@r:flanders" }))!;
    expect(doc).toMatchObject({ ...FACTS, organization_name: null });
  });

  it("a fact not answered (empty) or outside its code list is no value; roles keep only known ones, once", () => {
    const doc = buildSearchDocument(
      post({ ...FACTS, dpo_involvement: "", data_location: "on the moon", nis2: null, changed_roles: ["nurses", "", "surgeons", "nurses", 4] }),
    )!;
    expect(doc).toMatchObject({ dpo_involvement: null, data_location: null, nis2: null, human_oversight: "every_output", changed_roles: ["nurses"] });
    expect(buildSearchDocument(post({ changed_roles: "nurses" }))!.changed_roles).toEqual([]);
  });

  it("a funding application keeps the facts of its plan, not those learned by running a project", () => {
    const doc = buildSearchDocument(post({ ...FACTS, kind: "funding_application" }))!;
    expect(doc).toMatchObject({ dpo_involvement: "from_idea", human_oversight: "every_output", data_location: "at_source", ai_act_risk: "high" });
    expect([doc.data_quality, doc.coding_corrected, doc.nis2, doc.changed_roles]).toEqual([null, null, null, []]);
  });

  it.each(["discussion", "round_table_summary"])("a %s has no governance facts, even if the record holds some", (kind) => {
    const doc = buildSearchDocument(post({ ...FACTS, kind }))!;
    expect(doc.dpo_involvement).toBeNull();
    expect(doc.human_oversight).toBeNull();
    expect(doc.changed_roles).toEqual([]);
  });

  it.each(["draft", "pending", "in_review", "hidden", "withdrawn", "rejected", "", undefined])("never indexes a post whose status is %j", (status) => {
    expect(buildSearchDocument(post({ status }))).toBeNull();
  });

  it("does not index a record PocketBase would not accept (unknown kind or language)", () => {
    expect(buildSearchDocument(post({ kind: "diary" }))).toBeNull();
    expect(buildSearchDocument(post({ language: "de" }))).toBeNull();
  });

  it("an anonymous post carries its descriptor, never its organisation's name, slug or a kind the descriptor hides", () => {
    const doc = buildSearchDocument(post({ anonymous: true, public_descriptor: "care_provider@r:flanders" }))!;
    expect(doc).toMatchObject({
      organization_name: null,
      organization_slug: null,
      org_kind: null,
      public_descriptor: "a care provider in Flanders",
      // The code, so a French or Dutch page renders the descriptor in its own language.
      descriptor_code: "care_provider@r:flanders",
    });
    expect(JSON.stringify(doc)).not.toContain("Secret Clinic");
    expect(JSON.stringify(doc)).not.toContain("secret-clinic");
  });

  it("an anonymous post whose descriptor names the kind keeps the kind facet", () => {
    const doc = buildSearchDocument(post({ anonymous: true, public_descriptor: "hospital@r:flanders" }))!;
    expect(doc).toMatchObject({ org_kind: "hospital", organization_name: null, public_descriptor: "a hospital in Flanders" });
  });

  it("reads the text from the stored HTML when there is some, from the Markdown otherwise", () => {
    const doc = buildSearchDocument(post({ body_md: "ignored *Markdown*", body_html: "<p>From <em>HTML</em></p>", lessons_md: "  ", lessons_html: "" }))!;
    expect(doc.body).toBe("From HTML");
    expect(doc.lessons).toBe("");
  });

  it("a funding application's lessons are its lessons, the applicant's reflection and the funder's feedback, in that order", () => {
    const doc = buildSearchDocument(
      post({
        kind: "funding_application",
        lessons_md: "Lesson.",
        reflection_html: "<p>Reflection.</p>",
        funder_feedback_md: "Feedback.",
        funder_name: "Typed Funder",
        amount_requested: 90_000,
        decision: "rejected",
        rejection_reasons: ["budget", ""],
        expand: { organization: clinic, call: { title: "Call 2026" } },
      }),
    )!;
    expect(doc).toMatchObject({
      lessons: "Lesson. Reflection. Feedback.",
      funder_name: "Typed Funder",
      call_title: "Call 2026",
      amount_requested: 90_000,
      decision: "rejected",
      rejection_reasons: ["budget"],
    });
    expect(buildSearchDocument(post({ kind: "funding_application", funder_name: "Typed", expand: { funder: { name: "Known Funder" } } }))!.funder_name).toBe(
      "Known Funder",
    );
  });

  it("a funding decision's date is indexed for a funding application only, as a day", () => {
    expect(buildSearchDocument(post({ kind: "funding_application", decided_on: "2026-03-15 00:00:00.000Z" }))!.decided_on).toBe("2026-03-15");
    expect(buildSearchDocument(post({ kind: "funding_application", decided_on: "" }))!.decided_on).toBeNull();
    expect(buildSearchDocument(post({ decided_on: "2026-03-15 00:00:00.000Z" }))!.decided_on).toBeNull();
  });

  it("a decision date that is not a whole day at the start is no date", () => {
    for (const decided_on of ["on 2026-03-15", "2026-03-1", "15/03/2026"])
      expect(buildSearchDocument(post({ kind: "funding_application", decided_on }))!.decided_on, decided_on).toBeNull();
  });

  it("only a discussion stands the start of its question for a missing summary", () => {
    const body_html = "<p>How did you get the nurses to trust the alerts?</p>";
    expect(buildSearchDocument(post({ kind: "discussion", summary: "", body_html }))!.summary).toBe("How did you get the nurses to trust the alerts?");
    expect(buildSearchDocument(post({ kind: "case_study", summary: "", body_html }))!.summary).toBe("");
  });

  it("public text indexed with a post (its replies) follows the body as words of their own", () => {
    const doc = buildSearchDocument(post({ kind: "discussion", body_html: "<p>Who validated the model</p>" }), "  Our ethics board did. ")!;
    expect(doc.body).toBe("Who validated the model Our ethics board did.");
  });

  it("an amount is indexed only for a funding application, and only as a number", () => {
    expect(buildSearchDocument(post({ amount_requested: 5 }))!.amount_requested).toBeNull();
    expect(buildSearchDocument(post({ kind: "funding_application", amount_requested: "5" }))!.amount_requested).toBeNull();
  });

  it("blank text fields are absent, not empty strings", () => {
    const doc = buildSearchDocument(post({ summary: "  ", outcome: "", lifecycle_stage: " ", title: undefined, tags: "triage" }))!;
    expect(doc).toMatchObject({ summary: "", outcome: null, lifecycle_stage: null, title: "", tags: [] });
  });

  it("a published post without a publication date sorts by its creation date, or the epoch", () => {
    expect(buildSearchDocument(post({ published_at: "" }))!.published_at).toBe("2026-01-01T00:00:00.000Z");
    expect(buildSearchDocument(post({ published_at: "", created: "" }))).toMatchObject({
      published_at: "1970-01-01T00:00:00.000Z",
      year: 1970,
      published_ts: 0,
    });
    expect(buildSearchDocument(post({ published_at: "not a date" }))!.published_at).toBe("1970-01-01T00:00:00.000Z");
  });

  it("fetches only public fields: never the author, attachments, findings or the applicant's name", () => {
    const fields = SEARCH_DOCUMENT_FIELDS.split(",");
    for (const secret of ["author", "attachments", "privacy_findings", "applicant_name", "moderation_note", "expand.author.name"])
      expect(fields).not.toContain(secret);
    for (const needed of ["title", "public_descriptor", "anonymous", "expand.organization.name", "body_html", "dpo_involvement", "nis2", "changed_roles"])
      expect(fields).toContain(needed);
    // Only the controlled facts are facets; the free-text ones (what the staff thought) are not fetched.
    for (const free of ["staff_view", "process_change", "savings_method"]) expect(fields).not.toContain(free);
  });
});

describe("buildCallSearchDocument", () => {
  const call = (fields: Record<string, unknown> = {}) =>
    ({
      id: "c".repeat(15),
      collectionId: "funding_calls",
      collectionName: "funding_calls",
      slug: "ai-2026",
      title: "AI in care 2026",
      programme: "Innovation",
      description: "Funding for the evaluation of AI tools in hospitals.",
      eligibility: "Care providers are eligible.",
      status: "open",
      opens_on: "2026-02-01 00:00:00.000Z",
      created: "2026-01-15 00:00:00.000Z",
      expand: { funder: { name: "Care Fund", slug: "care-fund", kind: "funder" } },
      ...fields,
    }) as never;

  it("indexes a call once it leaves draft, with its funder", () => {
    expect(buildCallSearchDocument(call())).toMatchObject({
      kind: "funding_call",
      url: "/calls/ai-2026",
      title: "AI in care 2026",
      summary: "Innovation — Funding for the evaluation of AI tools in hospitals.",
      body: "Funding for the evaluation of AI tools in hospitals. Care providers are eligible.",
      lessons: "",
      language: "en",
      org_kind: "funder",
      organization_name: "Care Fund",
      organization_slug: "care-fund",
      funder_name: "Care Fund",
      call_title: "AI in care 2026",
      public_descriptor: null,
      year: 2026,
      published_at: "2026-02-01T00:00:00.000Z",
    });
  });

  it.each(["draft", "", undefined])("never indexes a call whose status is %j", (status) => {
    expect(buildCallSearchDocument(call({ status }))).toBeNull();
  });

  it("a long description is summarised on a word boundary after 300 characters", () => {
    const description = `${"word ".repeat(59)}wordy tail that goes on`;
    const { summary } = buildCallSearchDocument(call({ programme: "", description }))!;
    expect(summary).toBe(`${"word ".repeat(59).trimEnd()}…`);
    expect(summary.length).toBeLessThanOrEqual(301);
  });

  it("files a call under the language its funder gave, whatever its words; the words decide when none was given", () => {
    const french = { title: "Appel IA", description: "Un appel pour les hôpitaux et la recherche.", eligibility: "" };
    expect(buildCallSearchDocument(call({ ...french, description_language: "nl" }))!.language).toBe("nl");
    expect(buildCallSearchDocument(call({ ...french, description_language: "" }))!.language).toBe("fr");
    expect(buildCallSearchDocument(call({ ...french, description_language: "de" }))!.language).toBe("fr");
  });

  it("files a call under the language of its text, English when unsure", () => {
    expect(
      buildCallSearchDocument(call({ title: "IA", description: "Le financement des projets pour les hôpitaux et la santé.", eligibility: "" }))!.language,
    ).toBe("fr");
    expect(
      buildCallSearchDocument(call({ title: "AI", description: "Financiering van een project voor het ziekenhuis met zorg.", eligibility: "" }))!.language,
    ).toBe("nl");
    expect(buildCallSearchDocument(call({ title: "AI", description: "", eligibility: "" }))!.language).toBe("en");
  });

  it("dates a call by its opening, else its creation, else the epoch", () => {
    expect(buildCallSearchDocument(call({ opens_on: "" }))!.published_at).toBe("2026-01-15T00:00:00.000Z");
    expect(buildCallSearchDocument(call({ opens_on: "garbage", created: "" }))!.published_at).toBe("1970-01-01T00:00:00.000Z");
  });
});

// From the mutants `npm run mutate` left alive in the pure builders (issue 10 §7). Judged equivalent: the
// decision date's `typeof` check, `^` and `\d{2}` → `\d` (PocketBase always stores "YYYY-MM-DD hh:mm:ss"), the
// summary cut's `\s+` → `\s` (plain text has its spaces folded already), plainText's blank-text guard
// (markdownToPlainText returns "" for blank or missing text), the epoch fallback string (an empty date is invalid
// and falls back to the epoch anyway), the descriptor's locale "en" → "" (t() falls back to English), the
// guessLanguage `?? []` fallback (a word that is no marker counts nothing), and `counts.nl > counts.fr` → `>=` / true
// (French has won before then whenever it is ahead of English and not behind Dutch).
describe("search documents at their edges", () => {
  const call = (fields: Record<string, unknown> = {}) =>
    ({
      id: "c".repeat(15),
      collectionId: "funding_calls",
      collectionName: "funding_calls",
      slug: "ai-2026",
      title: "AI in care 2026",
      programme: "Innovation",
      description: "Funding for the evaluation of AI tools in hospitals.",
      eligibility: "Care providers are eligible.",
      status: "open",
      opens_on: "2026-02-01 00:00:00.000Z",
      expand: { funder: { name: "Care Fund", slug: "care-fund", kind: "funder" } },
      ...fields,
    }) as never;
  const language = (title: string, description: string) => buildCallSearchDocument(call({ title, description, eligibility: "" }))!.language;

  it("an empty stored HTML falls back to the Markdown", () => {
    expect(buildSearchDocument(post({ body_md: "We **tried** it.", body_html: "" }))!.body).toBe("We tried it.");
  });

  it("a post or a call whose organisation or funder is not expanded is still indexed, without one", () => {
    expect(buildSearchDocument(post({ anonymous: true, public_descriptor: "care_provider@r:flanders", expand: {} }))).toMatchObject({
      org_kind: null,
      public_descriptor: "a care provider in Flanders",
    });
    expect(buildCallSearchDocument(call({ expand: {} }))).toMatchObject({
      org_kind: null,
      organization_name: null,
      organization_slug: null,
      funder_name: null,
    });
  });

  it("a call carries none of a post's facets, and its body is exactly its eligibility when it has no description", () => {
    expect(buildCallSearchDocument(call({ description: "" }))).toMatchObject({
      summary: "Innovation",
      body: "Care providers are eligible.",
      tags: [],
      care_settings: [],
      ai_types: [],
      rejection_reasons: [],
      dpo_involvement: null,
      data_location: null,
      changed_roles: [],
    });
  });

  it("a description of exactly 300 characters is the summary whole", () => {
    const description = `${"word ".repeat(59)}word`.padEnd(300, "s");
    expect(description).toHaveLength(300);
    expect(buildCallSearchDocument(call({ programme: "", description }))!.summary).toBe(description);
  });

  it("files a bilingual French and Dutch call (as Brussels funders write them) under French", () => {
    expect(language("Appel / Oproep", "Un appel pour les hôpitaux et la recherche. Een oproep voor het ziekenhuis en het onderzoek.")).toBe("fr");
  });

  it("keeps an English call English when it names a Flemish organisation, even as often as English words", () => {
    expect(language("Call", "Funding for the care of patients, with the Stichting van het Ziekenhuis.")).toBe("en");
    expect(language("AI", "Research with the Huis van het Kind.")).toBe("en");
  });

  // The function words each language is recognised by, restated from documents.ts ("de" and "en" are both French and Dutch).
  const WORDS = {
    en: ["the", "and", "of", "for", "with", "to", "is", "are", "be"],
    fr: ["le", "la", "les", "des", "du", "et", "pour", "avec", "est", "une", "sur"],
    nl: ["het", "een", "van", "voor", "met", "zijn", "op", "aan", "bij", "wordt"],
  };
  it.each(WORDS.fr.map((w) => [w]))("“%s” alone files a call under French", (w) => expect(language("AI", `Zorg ${w} santé`)).toBe("fr"));
  it.each(WORDS.nl.map((w) => [w]))("“%s” alone files a call under Dutch", (w) => expect(language("AI", `Zorg ${w} santé`)).toBe("nl"));
  // One English word against one French one: a tie stays English, so each English word must count.
  it.each(WORDS.en.map((w) => [w]))("“%s” holds a call in English against one French word", (w) => expect(language("AI", `Zorg ${w} le santé`)).toBe("en"));

  it("keeps a Dutch call Dutch when it names a French foundation", () => {
    expect(language("Oproep", "Financiering van een project voor het ziekenhuis, met steun van de Fondation pour la Santé.")).toBe("nl");
  });
});
