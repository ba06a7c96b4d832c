// Pseudonyms are crowds (DESIGN.md §5 invariant 6): the public descriptor of an anonymous
// post, or of an anonymised applicant in a funder's record, names a group only when at least
// K verified organisations belong to it; otherwise a coarser group is used.
//
// The ladder, finest first (the first step shared by ≥ K verified organisations wins):
//   1. kind in region            "a hospital in Flanders"
//   2. family in region          "a care provider in Flanders"
//   3. family in country         "a care organisation in Belgium"
//   4. any organisation in country  "an organisation in Belgium"
//   5. any organisation          "an organisation"   (always; names no kind and no place)
// Families: care providers (hospital, home care, care home, primary care, mental health),
// funders and public bodies (funder, public agency), everything else (family = any organisation).
//
// The descriptor is stored on the post as a code ("hospital@r:flanders", "organisation") and
// rendered per language; it is recomputed when a post is published and whenever an
// organisation's verification changes (refreshDescriptors), with search outbox rows for the
// published posts whose descriptor changed, in the same batch as the change.
import type { RecordModel } from "pocketbase";
import { isMessageKey, renderedLanguage, t, type Locale } from "../../i18n/index.ts";
import { getConfig } from "./config.ts";
import { getPocketBase } from "./pocketbase.ts";

type Batch = ReturnType<Awaited<ReturnType<typeof getPocketBase>>["createBatch"]>;

const CARE_KINDS = ["hospital", "home_care", "care_home", "primary_care", "mental_health"] as const;
const PUBLIC_KINDS = ["funder", "public_agency"] as const;
// Regions that are a place of their own; "other" is rendered as the country.
const PLACE_REGIONS = new Set(["flanders", "wallonia", "brussels"]);

/** Who is behind a pseudonym: the fields a descriptor may be built from. */
export type DescriptorSubject = { kind: string | null; region: string | null; country: string | null };
/** The verified organisations, as far as descriptors need them. */
export type Crowd = readonly { kind: string; region: string; country: string }[];
/** A chosen descriptor: its stored code and how many verified organisations share it. */
export type Descriptor = { code: string; shared: number };

type Step = { noun: string; kinds: readonly string[] | null; place: { region: string } | { country: string } | null };

function family(kind: string | null): { region: string; country: string; kinds: readonly string[] | null } {
  if (kind && (CARE_KINDS as readonly string[]).includes(kind)) return { region: "care_provider", country: "care_organisation", kinds: CARE_KINDS };
  if (kind && (PUBLIC_KINDS as readonly string[]).includes(kind)) return { region: "public_body", country: "public_body", kinds: PUBLIC_KINDS };
  return { region: "organisation", country: "organisation", kinds: null };
}

function ladder(subject: DescriptorSubject): Step[] {
  const region = subject.region && PLACE_REGIONS.has(subject.region) ? subject.region : null;
  const country = (subject.country || (subject.region ? "BE" : null))?.toUpperCase() ?? null;
  const fam = family(subject.kind);
  const steps: Step[] = [];
  if (region && subject.kind && subject.kind !== "other") steps.push({ noun: subject.kind, kinds: [subject.kind], place: { region } });
  if (region) steps.push({ noun: fam.region, kinds: fam.kinds, place: { region } });
  if (country) steps.push({ noun: fam.country, kinds: fam.kinds, place: { country } });
  if (country) steps.push({ noun: "organisation", kinds: null, place: { country } });
  steps.push({ noun: "organisation", kinds: null, place: null });
  return steps;
}

function members(step: Step, crowd: Crowd): number {
  let n = 0;
  for (const org of crowd) {
    if (step.kinds && !step.kinds.includes(org.kind)) continue;
    if (step.place && "region" in step.place && org.region !== step.place.region) continue;
    if (step.place && "country" in step.place && (org.country || "BE").toUpperCase() !== step.place.country) continue;
    n++;
  }
  return n;
}

function codeOf(step: Step): string {
  if (!step.place) return step.noun;
  return "region" in step.place ? `${step.noun}@r:${step.place.region}` : `${step.noun}@c:${step.place.country}`;
}

/** The finest descriptor of the subject that at least k verified organisations share (the coarsest one when none does). */
export function chooseDescriptor(subject: DescriptorSubject, crowd: Crowd, k: number): Descriptor {
  const steps = ladder(subject);
  for (const step of steps) {
    const shared = members(step, crowd);
    if (shared >= k) return { code: codeOf(step), shared };
  }
  const last = steps[steps.length - 1]!;
  return { code: codeOf(last), shared: members(last, crowd) };
}

const CODE = /^([a-z_]+)(?:@(r|c):([A-Za-z_]+))?$/;

/** The descriptor's text in a language, e.g. "a care provider in Flanders"; an unknown code reads "an organisation". */
export function renderDescriptor(locale: Locale, code: string | null | undefined): string {
  const match = CODE.exec(code ?? "");
  const fallback = t(locale, "descriptor.who.organisation");
  if (!match) return fallback;
  const [, noun, placeKind, place] = match;
  const whoKey = `descriptor.who.${noun}`;
  // Never publish a raw code: an unknown noun reads as the coarsest descriptor.
  if (!isMessageKey(whoKey)) return fallback;
  const who = t(locale, whoKey);
  if (!placeKind || !place) return who;
  let where: string;
  if (placeKind === "r") {
    const key = `code.region.${place}`;
    if (!isMessageKey(key)) return who;
    where = t(locale, key);
  } else {
    // In the language the sentence is rendered in: a French account read "an organisation in Belgique" while fr has no catalogue yet.
    where = new Intl.DisplayNames([renderedLanguage(locale)], { type: "region" }).of(place) ?? place;
  }
  return t(locale, "descriptor.in_region", { who, region: where });
}

/** True when the descriptor names the organisation's kind (step 1), so the kind itself may be public. */
export function descriptorNamesKind(code: string | null | undefined, kind: string | null | undefined): boolean {
  return Boolean(kind) && CODE.exec(code ?? "")?.[1] === kind;
}

/** The verified organisations, for choosing descriptors. */
export async function loadCrowd(): Promise<Crowd> {
  const pb = await getPocketBase();
  const orgs = await pb.collection("organizations").getFullList({ filter: "verified = true", fields: "kind,region,country", batch: 1000 });
  return orgs.map((o) => ({ kind: String(o.kind ?? ""), region: String(o.region ?? ""), country: String(o.country || "BE") }));
}

/** The descriptor an organisation's anonymous posts get today, with how many verified organisations share it. */
export async function describeAnonymously(org: { kind: string; region?: string | null; country?: string | null }, crowd?: Crowd): Promise<Descriptor> {
  return chooseDescriptor({ kind: org.kind, region: org.region ?? null, country: org.country ?? null }, crowd ?? (await loadCrowd()), getConfig().anonymityK);
}

/**
 * The pseudonymous party of a post record, or null when the post names everyone: the
 * author's organisation of an anonymous post, or the applicant of a funder's record
 * (expand organization and applicant_organization). Funder records always get one, since
 * consent can be refused after they are recorded.
 */
export function pseudonymousSubject(record: RecordModel): DescriptorSubject | null {
  if (record.kind === "funding_application" && record.published_by === "funder") {
    const applicant = record.expand?.applicant_organization as { kind?: string; region?: string; country?: string } | undefined;
    return {
      kind: applicant?.kind || record.applicant_kind || null,
      region: applicant?.region || record.applicant_region || null,
      country: applicant?.country || null,
    };
  }
  if (!record.anonymous) return null;
  const org = record.expand?.organization as { kind?: string; region?: string; country?: string } | undefined;
  return { kind: org?.kind || null, region: org?.region || null, country: org?.country || null };
}

/** The public_descriptor a post record should hold now ("" when it names everyone). */
export function descriptorFor(record: RecordModel, crowd: Crowd, k = getConfig().anonymityK): string {
  const subject = pseudonymousSubject(record);
  return subject ? chooseDescriptor(subject, crowd, k).code : "";
}

/**
 * Brings every stored descriptor in line with the crowd as it will be after `change`
 * (an organisation becoming verified or not), adding to the batch an update per post whose
 * descriptor changes and a search outbox row for each of those that is published.
 */
export async function refreshDescriptors(batch: Batch, change?: { id: string; verified: boolean }): Promise<number> {
  const pb = await getPocketBase();
  const orgs = await pb.collection("organizations").getFullList({ fields: "id,kind,region,country,verified", batch: 1000 });
  const crowd = orgs
    .filter((o) => (change && o.id === change.id ? change.verified : Boolean(o.verified)))
    .map((o) => ({ kind: String(o.kind ?? ""), region: String(o.region ?? ""), country: String(o.country || "BE") }));
  const posts = await pb.collection("posts").getFullList({
    filter: "anonymous = true || published_by = 'funder'",
    fields:
      "id,kind,status,anonymous,published_by,applicant_kind,applicant_region,public_descriptor,expand.organization.kind,expand.organization.region,expand.organization.country,expand.applicant_organization.kind,expand.applicant_organization.region,expand.applicant_organization.country",
    expand: "organization,applicant_organization",
    batch: 1000,
  });
  const k = getConfig().anonymityK;
  let changed = 0;
  for (const post of posts) {
    const code = descriptorFor(post, crowd, k);
    if (code === (post.public_descriptor ?? "")) continue;
    batch.collection("posts").update(post.id, { public_descriptor: code });
    if (post.status === "published") batch.collection("search_outbox").create({ record: post.id, collection_name: "posts", op: "upsert", attempts: 0 });
    changed++;
  }
  return changed;
}

/** What the writing forms show: the descriptor each subject would get now, and how many verified organisations share it. */
export async function previewDescriptors(locale: Locale, subjects: readonly DescriptorSubject[]): Promise<DescriptorPreview[]> {
  if (subjects.length === 0) return [];
  const crowd = await loadCrowd();
  const k = getConfig().anonymityK;
  return subjects.map((subject) => {
    const chosen = chooseDescriptor(subject, crowd, k);
    return { text: renderDescriptor(locale, chosen.code), shared: chosen.shared, k };
  });
}

/** The preview for the organisations an author may write for, by organisation id. */
export async function previewForOrganizations(locale: Locale, organizationIds: readonly string[]): Promise<Map<string, DescriptorPreview>> {
  const ids = [...new Set(organizationIds)].filter((id) => /^[a-z0-9]{15}$/.test(id));
  if (ids.length === 0) return new Map();
  const pb = await getPocketBase();
  const orgs = await pb.collection("organizations").getFullList({
    filter: pb.filter(ids.map((_, i) => `id = {:i${i}}`).join(" || "), Object.fromEntries(ids.map((id, i) => [`i${i}`, id]))),
    fields: "id,kind,region,country",
  });
  const previews = await previewDescriptors(
    locale,
    orgs.map((o) => ({ kind: o.kind || null, region: o.region || null, country: o.country || null })),
  );
  return new Map(orgs.map((o, i) => [o.id, previews[i]!]));
}

/** A descriptor as a form shows it to its author. */
export type DescriptorPreview = { text: string; shared: number; k: number };
