// The descriptor ladder: a pseudonym names a group only when at least K verified
// organisations belong to it (issue 9 §2).
import { describe, expect, it } from "vitest";
import { chooseDescriptor, descriptorNamesKind, renderDescriptor, type Crowd } from "../../src/lib/server/anonymity.ts";
import { parseConfig } from "../../src/lib/server/config.ts";

const org = (kind: string, region: string, country = "BE") => ({ kind, region, country });
const times = (n: number, o: Crowd[number]): Crowd => Array.from({ length: n }, () => o);
const hospital = { kind: "hospital", region: "flanders", country: "BE" };

describe("chooseDescriptor", () => {
  const cases: {
    name: string;
    crowd: Crowd;
    k?: number;
    subject?: { kind: string | null; region: string | null; country: string | null };
    code: string;
    shared: number;
    text: string;
  }[] = [
    {
      name: "five hospitals in Flanders: the kind and region",
      crowd: times(5, org("hospital", "flanders")),
      code: "hospital@r:flanders",
      shared: 5,
      text: "a hospital in Flanders",
    },
    {
      name: "the only hospital in Flanders (the demo data): not its kind",
      crowd: [org("hospital", "flanders"), org("home_care", "wallonia"), org("care_home", "brussels"), org("funder", "brussels"), org("vendor", "flanders")],
      code: "organisation@c:BE",
      shared: 5,
      text: "an organisation in Belgium",
    },
    {
      name: "one hospital among five care providers in Flanders",
      crowd: [org("hospital", "flanders"), ...times(4, org("care_home", "flanders"))],
      code: "care_provider@r:flanders",
      shared: 5,
      text: "a care provider in Flanders",
    },
    {
      name: "care providers spread over regions: the country",
      crowd: [org("hospital", "flanders"), ...times(2, org("care_home", "wallonia")), ...times(2, org("mental_health", "brussels"))],
      code: "care_organisation@c:BE",
      shared: 5,
      text: "a care organisation in Belgium",
    },
    {
      name: "four organisations on the whole platform: no kind and no place",
      crowd: times(4, org("hospital", "flanders")),
      code: "organisation",
      shared: 4,
      text: "an organisation",
    },
    {
      name: "unverified organisations are not in the crowd (the caller passes verified ones only)",
      crowd: [],
      code: "organisation",
      shared: 0,
      text: "an organisation",
    },
    { name: "K is configurable", crowd: times(2, org("hospital", "flanders")), k: 2, code: "hospital@r:flanders", shared: 2, text: "a hospital in Flanders" },
    {
      name: "an outside applicant with kind and region only",
      subject: { kind: "care_home", region: "wallonia", country: null },
      crowd: times(6, org("care_home", "wallonia")),
      code: "care_home@r:wallonia",
      shared: 6,
      text: "a care home in Wallonia",
    },
    {
      name: "an applicant with no kind or region",
      subject: { kind: null, region: null, country: null },
      crowd: times(9, org("hospital", "flanders")),
      code: "organisation",
      shared: 9,
      text: "an organisation",
    },
    {
      name: "region 'other' is not a place of its own",
      subject: { kind: "hospital", region: "other", country: "BE" },
      crowd: times(5, org("hospital", "other")),
      code: "care_organisation@c:BE",
      shared: 5,
      text: "a care organisation in Belgium",
    },
    {
      name: "funders coarsen to public bodies",
      subject: { kind: "funder", region: "brussels", country: "BE" },
      crowd: [org("funder", "brussels"), ...times(4, org("public_agency", "brussels"))],
      code: "public_body@r:brussels",
      shared: 5,
      text: "a funder or public body in Brussels",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const chosen = chooseDescriptor(c.subject ?? hospital, c.crowd, c.k ?? 5);
      expect(chosen).toEqual({ code: c.code, shared: c.shared });
      expect(renderDescriptor("en", chosen.code)).toBe(c.text);
    });
  }
});

describe("renderDescriptor", () => {
  it("never shows a raw or unknown code", () => {
    expect(renderDescriptor("en", "a hospital in Flanders")).toBe("an organisation");
    expect(renderDescriptor("en", "")).toBe("an organisation");
    expect(renderDescriptor("en", "nonsense@r:flanders")).toBe("an organisation");
    expect(renderDescriptor("en", "hospital@r:atlantis")).toBe("a hospital");
  });
  it("names the kind only at the finest step", () => {
    expect(descriptorNamesKind("hospital@r:flanders", "hospital")).toBe(true);
    expect(descriptorNamesKind("care_provider@r:flanders", "hospital")).toBe(false);
    expect(descriptorNamesKind("organisation", "hospital")).toBe(false);
  });
});

describe("CASEBOOK_ANONYMITY_K", () => {
  it("defaults to 5 and accepts a number", () => {
    expect(parseConfig({}).anonymityK).toBe(5);
    expect(parseConfig({ CASEBOOK_ANONYMITY_K: "12" }).anonymityK).toBe(12);
  });
  it("refuses 1, fractions and words with a message naming the variable", () => {
    for (const v of ["1", "2.5", "five"]) expect(() => parseConfig({ CASEBOOK_ANONYMITY_K: v })).toThrow(/CASEBOOK_ANONYMITY_K/);
  });
});

describe("toPublicPost: a stored link is dropped when either side hides someone (defence in depth, issue 9 §1)", () => {
  const base = {
    id: "a".repeat(15),
    collectionId: "posts",
    collectionName: "posts",
    kind: "funding_application",
    slug: "own-account",
    title: "Our account",
    status: "published",
    language: "en",
    public_descriptor: "organisation",
  };
  const named = {
    id: "b".repeat(15),
    slug: "funder-record",
    status: "published",
    published_by: "funder",
    applicant_organization: "c".repeat(15),
    consent: "granted",
    applicant_anonymous: false,
    anonymous: false,
  };
  const org = { id: "c".repeat(15), name: "Secret Clinic", slug: "secret-clinic", kind: "hospital", region: "flanders" };
  const cases = [
    {
      name: "anonymous account linked to a named funder record",
      record: { ...base, anonymous: true, published_by: "applicant", counterpart: named.id },
      other: named,
      slug: null,
    },
    {
      name: "named account linked to an anonymised funder record",
      record: { ...base, anonymous: false, published_by: "applicant", counterpart: named.id },
      other: { ...named, applicant_anonymous: true, consent: "refused" },
      slug: null,
    },
    {
      name: "funder record that anonymises its applicant",
      record: { ...base, ...named, id: base.id, slug: base.slug, consent: "refused", applicant_anonymous: true, counterpart: "d".repeat(15) },
      other: { id: "d".repeat(15), slug: "named-account", status: "published", published_by: "applicant", anonymous: false },
      slug: null,
    },
    {
      name: "two named records stay linked",
      record: { ...base, anonymous: false, published_by: "applicant", counterpart: named.id },
      other: named,
      slug: "funder-record",
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { toPublicPost } = await import("../../src/lib/server/posts.ts");
      const post = toPublicPost("en", { ...c.record, expand: { organization: org, counterpart: c.other } } as never);
      expect(post.funding?.counterpartSlug).toBe(c.slug);
      if (c.slug === null) expect(JSON.stringify(post)).not.toContain(c.other.slug);
    });
  }
});
