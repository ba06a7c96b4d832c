// Organisations: public identity and the pseudonymous descriptor of anonymous posts.
import { t, type Locale } from "../../i18n/index.ts";
import type { MessageKey } from "../../i18n/en.ts";

/** "a hospital in Flanders": what the public sees instead of an anonymous post's organisation. */
export function describeOrganization(locale: Locale, org: { kind: string; region?: string | null } | null | undefined): string {
  const whoKey = `descriptor.who.${org?.kind ?? "other"}` as MessageKey;
  const who = t(locale, whoKey);
  if (!org?.region) return who;
  return t(locale, "descriptor.in_region", { who, region: t(locale, `code.region.${org.region}` as MessageKey) });
}

/** Public fields of an organisation record (never the record itself). */
export function toPublicOrganization(record: OrganizationRecord): PublicOrganization {
  return {
    slug: record.slug,
    name: record.name,
    kind: record.kind,
    region: record.region || null,
    country: record.country || null,
    website: record.website || null,
    description: record.description || null,
    verified: Boolean(record.verified),
  };
}

/** An organisation as PocketBase stores it. */
export type OrganizationRecord = {
  id: string;
  name: string;
  slug: string;
  kind: string;
  country?: string;
  region?: string;
  website?: string;
  description?: string;
  verified?: boolean;
  requires_dpo_review?: boolean;
};

/** What the public may see of an organisation. */
export type PublicOrganization = {
  slug: string;
  name: string;
  kind: string;
  region: string | null;
  country: string | null;
  website: string | null;
  description: string | null;
  verified: boolean;
};
