// Issue 14 §5: what /discussions accepts in its URL and the PocketBase filter it builds — values
// bound through pb.filter (never concatenated), and the organisation-kind rule that never
// narrows an anonymous discussion by its organisation's own kind.
import PocketBase, { type RecordModel } from "pocketbase";
import { describe, expect, it } from "vitest";
import { discussionFilter, parseDiscussionFilters } from "../../src/lib/server/discussions/discussions.ts";
import { aboutRef } from "../../src/lib/server/postinput.ts";
import { aboutKeptPrivate, aboutLinkShown, aboutOf, toPublicPost } from "../../src/lib/server/posts.ts";

const pb = new PocketBase("http://127.0.0.1:1");

describe("/discussions filters", () => {
  it.each([
    ["", {}],
    [
      "tag=DPO&care_setting=hospital&ai_type=llm&language=fr&answered=yes&org_kind=home_care&page=2",
      {
        tag: "dpo",
        care_setting: "hospital",
        ai_type: "llm",
        language: "fr",
        answered: "yes",
        org_kind: "home_care",
        page: 2,
      },
    ],
    // Empty choices of the GET form mean "any"; unknown parameters are ignored.
    ["tag=&care_setting=&answered=&utm_source=x", {}],
  ])("accepts %j", (query, filters) => {
    expect(parseDiscussionFilters(new URLSearchParams(query))).toEqual({ ok: true, filters });
  });

  it.each([
    ["tag", `tag=${encodeURIComponent('dpo" || status = "draft')}`],
    ["care_setting", "care_setting=castle"],
    ["answered", "answered=maybe"],
    ["org_kind", "org_kind=hospital' || true"],
    ["language", "language=de"],
    ["page", "page=0"],
  ])("refuses a bad %s", (param, query) => {
    expect(parseDiscussionFilters(new URLSearchParams(query))).toEqual({ ok: false, param });
  });

  it("always lists published discussions only, whatever the filters", () => {
    expect(discussionFilter(pb, {})).toBe("kind = 'discussion' && status = 'published'");
    expect(discussionFilter(pb, { tag: "dpo", answered: "no" })).toBe(
      `kind = 'discussion' && status = 'published' && tags ~ "\\"dpo\\"" && accepted_reply = ''`,
    );
  });

  it("matches a named discussion by its organisation's kind and an anonymous one only by the kind its descriptor names", () => {
    const filter = discussionFilter(pb, { org_kind: "hospital" });
    expect(filter).toContain(`(anonymous = false && organization.kind = "hospital")`);
    // "hospital" or "hospital@r:flanders", never "care_provider@r:flanders" (which a hospital's coarsened descriptor reads).
    expect(filter).toContain(`(anonymous = true && (public_descriptor = "hospital" || public_descriptor ~ "hospital@%"))`);
  });
});

describe("what an author types for 'about'", () => {
  it.each([
    ["chest-xray-triage-worklist", "chest-xray-triage-worklist"],
    ["https://casebook.example/fr/posts/Chest-Xray-Triage-Worklist?x=1#top", "chest-xray-triage-worklist"],
    ["/posts/chest-xray-triage-worklist/", "chest-xray-triage-worklist"],
    ["  spaced-slug  ", "spaced-slug"],
  ])("%s → %s", (typed, slug) => {
    expect(aboutRef(typed)).toBe(slug);
  });
});

describe("a discussion's link to what it is about, in public (aboutLinkShown, aboutOf)", () => {
  const X = "orgxxxxxxxxxxxx";
  const Y = "orgyyyyyyyyyyyy";
  const caseStudy = (over: Record<string, unknown> = {}) => ({
    id: "casexxxxxxxxxxx",
    kind: "case_study",
    status: "published",
    slug: "c",
    title: "C",
    organization: X,
    anonymous: false,
    ...over,
  });
  // A funder Y's refusal of applicant X; hidden unless X consented (or the record names nobody at all).
  const record = (over: Record<string, unknown> = {}) =>
    caseStudy({ kind: "funding_application", organization: Y, published_by: "funder", applicant_organization: X, consent: "granted", ...over });
  it.each([
    ["another organisation's named discussion of a pseudonymous case", { organization: Y, anonymous: false }, caseStudy({ anonymous: true }), true],
    ["another organisation's pseudonymous discussion of a named case", { organization: Y, anonymous: true }, caseStudy(), true],
    ["its own organisation's named discussion of its named case", { organization: X, anonymous: false }, caseStudy(), true],
    ["its own organisation's named discussion of its pseudonymous case", { organization: X, anonymous: false }, caseStudy({ anonymous: true }), false],
    ["its own organisation's pseudonymous discussion of its named case", { organization: X, anonymous: true }, caseStudy(), false],
    ["the applicant's discussion of a record that consented to name it", { organization: X, anonymous: false }, record(), true],
    ["the applicant's discussion of a record that anonymises it", { organization: X, anonymous: false }, record({ applicant_anonymous: true }), false],
    ["the applicant's discussion of a record still awaiting its consent", { organization: X, anonymous: false }, record({ consent: "requested" }), false],
    // The funder is named on its record: its named discussion tells nothing of the applicant.
    ["the funder's named discussion of its record hiding the applicant", { organization: Y, anonymous: false }, record({ consent: "refused" }), true],
    ["the funder's pseudonymous discussion of its record hiding the applicant", { organization: Y, anonymous: true }, record({ consent: "refused" }), false],
    ["the funder's pseudonymous discussion of its record naming the applicant", { organization: Y, anonymous: true }, record(), false],
    [
      "the applicant's pseudonymous discussion of a record that anonymises it",
      { organization: X, anonymous: true },
      record({ applicant_anonymous: true }),
      false,
    ],
    [
      "another organisation's named discussion of a record that anonymises its applicant",
      { organization: "orgzzzzzzzzzzzz", anonymous: false },
      record({ applicant_anonymous: true }),
      true,
    ],
  ])("%s: shown = %s", (_name, discussion, about, shown) => {
    expect(aboutLinkShown(discussion, about)).toBe(shown);
    const stored = { ...discussion, kind: "discussion", expand: { about: [about] } } as unknown as RecordModel;
    // The public projection leaves out exactly what may not be shown; the author's preview and reviewers see it.
    expect(aboutOf(stored).map((a) => a.slug)).toEqual(shown ? ["c"] : []);
    expect(aboutOf(stored, true).map((a) => a.slug)).toEqual(["c"]);
    expect(aboutKeptPrivate(stored)).toEqual(shown ? [] : [{ id: "casexxxxxxxxxxx", title: "C" }]);
    expect(toPublicPost("en", stored).discussion?.about.length).toBe(shown ? 1 : 0);
  });
});
