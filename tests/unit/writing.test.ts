// Pure rules of writing (issue 11 §1–§4): what a draft may hold and a submission must, the
// story templates in the post's language, refused "not personal data" reasons, and the
// sentence a privacy finding quotes.
import { describe, expect, it } from "vitest";
import { dismissalProblems, draftFormSchema, postFormSchema, submissionProblems, withoutHeadings } from "../../src/lib/server/postinput.ts";
import { createHash } from "node:crypto";
import { EDITOR_SCRIPT } from "../../src/lib/editorscript.ts";
import { EDITOR_CSP, SECURITY_HEADERS } from "../../src/lib/server/headers.ts";
import { scanText, sentenceAround } from "../../src/lib/server/privacy.ts";
import { localiseUntouchedTemplate, storyTemplate } from "../../src/lib/templates.ts";

const ORG = "abcdefghijklmno";
const full = {
  kind: "case_study",
  organization: ORG,
  title: "A triage model that nobody trusted",
  summary: "We tried a triage model in the emergency department and stopped it.",
  body_md: "## Context\n\nThe emergency department tried a triage model for three months; nurses did not trust it.",
  language: "en",
  outcome: "failure",
  lifecycle_stage: "stopped",
  care_settings: ["hospital"],
  ai_types: ["predictive_model"],
};

describe("drafts and submissions", () => {
  it("a draft needs only its kind, organisation and language", () => {
    expect(draftFormSchema.safeParse({ kind: "case_study", organization: ORG, language: "en" }).success).toBe(true);
    expect(postFormSchema.safeParse({ kind: "case_study", organization: ORG, language: "en" }).success).toBe(false);
  });

  it("a draft still refuses what is contradictory or too long", () => {
    const dates = draftFormSchema.safeParse({ ...full, started_on: "2025-05-01", ended_on: "2025-01-01" });
    expect(dates.success ? [] : dates.error.issues.map((i) => i.path[0])).toEqual(["ended_on"]);
    expect(draftFormSchema.safeParse({ ...full, title: "x".repeat(301) }).success).toBe(false);
    const funding = draftFormSchema.safeParse({
      kind: "funding_application",
      organization: ORG,
      language: "en",
      submitted_on: "2025-05-01",
      decided_on: "2025-01-01",
    });
    expect(funding.success ? [] : funding.error.issues.map((i) => i.path[0])).toEqual(["decided_on"]);
  });

  it("a complete case study may be submitted", () => {
    expect(postFormSchema.safeParse(full).success).toBe(true);
    expect(submissionProblems(full, { kind: "case_study", organization: ORG, publishedBy: null })).toEqual({});
  });

  it("names every missing field once, with its own message", () => {
    const problems = submissionProblems({ language: "en", title: "Short" }, { kind: "case_study", organization: ORG, publishedBy: null });
    expect(problems).toEqual({
      title: "Give a title of at least 8 characters.",
      summary: "Summarise the story in at least 20 characters.",
      body_md: "Tell the story in at least 50 characters.",
      outcome: "Choose how the project turned out.",
      lifecycle_stage: "Choose how far the project got.",
      care_settings: "Choose at least one care setting.",
      ai_types: "Choose at least one kind of AI.",
    });
  });

  it("reads stored records: dates with a time, zero amounts as none, tags as a list", () => {
    const stored = {
      ...full,
      kind: "funding_application",
      funder_name: "Regional fund",
      decision: "rejected",
      rejection_reasons: ["evaluation_plan"],
      amount_requested: 0,
      amount_awarded: 0,
      submitted_on: "2025-01-10 00:00:00.000Z",
      decided_on: "2025-03-01 00:00:00.000Z",
      tags: ["triage", "nursing"],
    };
    expect(submissionProblems(stored, { kind: "funding_application", organization: ORG, publishedBy: null })).toEqual({
      amount_requested: "Enter the amount you asked for.",
    });
    expect(submissionProblems({ ...stored, amount_requested: 120000 }, { kind: "funding_application", organization: ORG, publishedBy: null })).toEqual({});
  });

  it("reads a JSON field PocketBase never wrote (null) as left out, not as an invalid answer", () => {
    // A funder's recorded decision has no changed_roles: sent back and submitted again, it is
    // judged on the fields its author can see, not refused on a field of another kind's form.
    expect(submissionProblems({ ...full, changed_roles: null }, { kind: "case_study", organization: ORG, publishedBy: null })).toEqual({});
    expect(submissionProblems({ ...full, changed_roles: null, summary: null }, { kind: "case_study", organization: ORG, publishedBy: null })).toEqual({
      summary: "Summarise the story in at least 20 characters.",
    });
  });

  it("a story of template headings only is no story, however long the headings", () => {
    const template = storyTemplate("case_study", "en");
    expect(withoutHeadings(template)).toBe("");
    expect(submissionProblems({ ...full, body_md: template }, { kind: "case_study", organization: ORG, publishedBy: null }).body_md).toMatch(/only headings/);
    expect(
      submissionProblems({ ...full, body_md: `${template}It failed.` }, { kind: "case_study", organization: ORG, publishedBy: null }).body_md,
    ).toBeUndefined();
    expect(submissionProblems({ ...full, body_md: "## Context\n\nIt failed." }, { kind: "case_study", organization: ORG, publishedBy: null }).body_md).toBe(
      "Tell the story in at least 50 characters.",
    );
    expect(withoutHeadings("# One\n   ## Two\n####### not a heading\n#hashtag\nText")).toBe("####### not a heading\n#hashtag\nText");
  });
});

describe("story templates", () => {
  it("are headings in the post's language, for each kind", () => {
    expect(storyTemplate("case_study", "en")).toMatch(/^## Context\n\n\n## Problem/);
    expect(storyTemplate("case_study", "fr")).toContain("## Ce que nous avons fait");
    expect(storyTemplate("case_study", "nl")).toContain("## Wat we deden");
    expect(storyTemplate("funding_application", "fr")).toContain("## Ce que nous avons demandé");
    expect(storyTemplate("funding_application", "en")).not.toBe(storyTemplate("case_study", "en"));
  });

  it("an untouched template (whitespace aside) follows the language; a written story never changes", () => {
    expect(localiseUntouchedTemplate("case_study", "nl", storyTemplate("case_study", "fr"))).toBe(storyTemplate("case_study", "nl"));
    expect(localiseUntouchedTemplate("case_study", "fr", `  ${storyTemplate("case_study", "en").replace(/\n\n\n/g, "\n")}  `)).toBe(
      storyTemplate("case_study", "fr"),
    );
    const written = `${storyTemplate("case_study", "en")}We tried.`;
    expect(localiseUntouchedTemplate("case_study", "fr", written)).toBe(written);
    expect(localiseUntouchedTemplate("case_study", "fr", "")).toBe("");
    // A case study's template is not a funding application's.
    expect(localiseUntouchedTemplate("funding_application", "fr", storyTemplate("case_study", "en"))).toBe(storyTemplate("case_study", "en"));
  });
});

describe("not personal data reasons", () => {
  it("refuses a reason under five characters, and an empty one for the finding whose button was pressed", () => {
    expect(dismissalProblems(["a", "b", "c"], ["", "ok", "switchboard"], undefined)).toEqual(["b"]);
    expect(dismissalProblems(["a", "b"], ["", ""], "a")).toEqual(["a"]);
    expect(dismissalProblems(["a", "b"], ["  ", "public number"], "b")).toEqual([]);
    expect(dismissalProblems(["a"], ["     "], "a")).toEqual(["a"]);
    expect(dismissalProblems(["a"], ["abcde"], "a")).toEqual([]);
    expect(dismissalProblems(["a"], [], undefined)).toEqual([]);
  });
});

describe("the sentence a finding quotes", () => {
  const at = (text: string, match: string) => {
    const start = text.indexOf(match);
    return sentenceAround(text, start, start + match.length);
  };

  it("is the sentence around the match, not the whole paragraph", () => {
    const text = "We started in May. Nurses called 0470 12 34 56 at night! Then we stopped? Yes.";
    expect(at(text, "0470 12 34 56")).toBe("Nurses called 0470 12 34 56 at night!");
  });

  it("does not end at an abbreviation or an initial", () => {
    expect(at("It went wrong. Ask Dr. Peeters, e.g. on Monday. Done.", "Peeters")).toBe("Ask Dr. Peeters, e.g. on Monday.");
    expect(at("Signed by J. Peeters for the ward. Next.", "Peeters")).toBe("Signed by J. Peeters for the ward.");
  });

  it("stays on its line (a heading or a list item is its own sentence)", () => {
    expect(at("## Call 02 555 12 34\nThe ward.", "02 555 12 34")).toBe("## Call 02 555 12 34");
    expect(at("Intro\n- mail jan@example.org today\n- other", "jan@example.org")).toBe("- mail jan@example.org today");
  });

  it("keeps quotes and brackets that close the sentence", () => {
    expect(at("He said “call 0470 12 34 56.” Then left.", "0470 12 34 56")).toBe("He said “call 0470 12 34 56.”");
  });

  it("is a window with ellipses when the sentence is very long", () => {
    const long = `${"word ".repeat(80)}call 0470 12 34 56 ${"more ".repeat(80)}end.`;
    const quoted = at(long, "0470 12 34 56");
    expect(quoted.startsWith("…")).toBe(true);
    expect(quoted.endsWith("…")).toBe(true);
    expect(quoted).toContain("call 0470 12 34 56");
    expect(quoted.length).toBeLessThanOrEqual(13 + 2 * 120 + 2);
  });

  it("looks only so far either side: a huge line without sentence ends still gives a short window", () => {
    const huge = `${"lorem ".repeat(1000)}call 0470 12 34 56 ${"ipsum ".repeat(1000)}`;
    const quoted = at(huge, "0470 12 34 56");
    expect(quoted).toMatch(/^…lorem .*call 0470 12 34 56 .*ipsum…$/);
    expect(quoted.length).toBeLessThanOrEqual(13 + 5 + 2 * 120 + 2);
    // Near the start of the text nothing is cut before.
    expect(at(`call 0470 12 34 56 ${"ipsum ".repeat(1000)}`, "0470 12 34 56")).toMatch(/^call 0470 12 34 56 .*…$/);
  });

  it("is stored on every finding", () => {
    const [finding] = scanText("body_md", "First. Then **Mrs Janssens** phoned. Last.");
    expect(finding?.sentence).toBe("Then **Mrs Janssens** phoned.");
  });
});

describe("the writing pages' CSP", () => {
  it("differs from the site's only in letting the editor script run, by its hash", () => {
    const hash = createHash("sha256").update(EDITOR_SCRIPT).digest("base64");
    const site = SECURITY_HEADERS["content-security-policy"]!.split("; ");
    const editor = EDITOR_CSP.split("; ");
    expect(editor).toEqual(site.map((d) => (d === "script-src 'none'" ? `script-src 'sha256-${hash}'` : d)));
    expect(EDITOR_CSP).not.toMatch(/unsafe-inline|unsafe-eval|'self'[^;]*;\s*style|\*|https?:/);
    expect(EDITOR_CSP).toContain("script-src 'sha256-");
  });
});
