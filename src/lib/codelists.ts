// The controlled vocabularies of Casebook (DESIGN.md §3). One list each, shared by the
// PocketBase migrations (copied there, since migrations run inside PocketBase's JS VM),
// the zod schemas, the search facets and the translation keys (`code.<list>.<value>`).

/** Kinds of moderated post. */
export const POST_KINDS = ["case_study", "funding_application", "discussion", "round_table_summary"] as const;
/** Where a post is in its lifecycle (DESIGN.md §4). */
export const POST_STATUSES = ["draft", "dpo_review", "submitted", "in_review", "changes_requested", "published", "rejected", "hidden", "withdrawn"] as const;
/** How an AI project ended (or is going). */
export const OUTCOMES = ["success", "partial", "failure", "abandoned", "ongoing"] as const;
/** Where care happens. */
export const CARE_SETTINGS = [
  "hospital",
  "home_care",
  "care_home",
  "primary_care",
  "mental_health",
  "emergency",
  "radiology",
  "laboratory",
  "pharmacy",
  "administration",
] as const;
/** Families of AI technique. */
export const AI_TYPES = ["computer_vision", "nlp", "llm", "predictive_model", "speech", "optimisation", "recommender", "rules_based", "robotics"] as const;
/** How far a project got. */
export const LIFECYCLE_STAGES = ["idea", "pilot", "production", "scaled", "stopped"] as const;
/** Kinds of organisation; also the nouns of the public descriptor of anonymous posts. */
export const ORG_KINDS = [
  "hospital",
  "home_care",
  "care_home",
  "primary_care",
  "mental_health",
  "funder",
  "public_agency",
  "vendor",
  "research",
  "patient_org",
  "other",
] as const;
/** Why funding applications are refused. */
export const REJECTION_REASONS = [
  "eligibility",
  "data_quality",
  "data_governance",
  "clinical_value",
  "budget_or_roi",
  "evaluation_plan",
  "integration_or_scalability",
  "team_capacity",
  "regulatory",
  "out_of_scope",
  "competition",
  "other",
] as const;
/** Funding decisions. */
export const DECISIONS = ["awarded", "rejected", "withdrawn", "pending"] as const;
/** Languages of content and interface. */
export const LANGUAGES = ["en", "fr", "nl"] as const;
/** Belgian regions, used in public descriptors ("a hospital in Flanders"). */
export const REGIONS = ["flanders", "wallonia", "brussels", "other"] as const;
/** Countries an organisation may be based in (ISO 3166-1 alpha-2): the EU, the EEA, Switzerland and the United Kingdom. */
export const COUNTRIES = [
  "AT",
  "BE",
  "BG",
  "CH",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GB",
  "GR",
  "HR",
  "HU",
  "IE",
  "IS",
  "IT",
  "LI",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "NO",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK",
] as const;
/** Platform roles. */
export const PLATFORM_ROLES = ["member", "moderator", "admin"] as const;
/** Roles inside an organisation. */
export const MEMBERSHIP_ROLES = ["member", "editor", "dpo", "admin"] as const;

export type PostKind = (typeof POST_KINDS)[number];
export type PostStatus = (typeof POST_STATUSES)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type CareSetting = (typeof CARE_SETTINGS)[number];
export type AiType = (typeof AI_TYPES)[number];
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
export type OrgKind = (typeof ORG_KINDS)[number];
export type RejectionReason = (typeof REJECTION_REASONS)[number];
export type Decision = (typeof DECISIONS)[number];
export type Language = (typeof LANGUAGES)[number];
export type Region = (typeof REGIONS)[number];
export type PlatformRole = (typeof PLATFORM_ROLES)[number];
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

/** Why a moderator refuses a post. */
export const MODERATION_REJECTION_REASONS = [
  "patient_data",
  "confidential",
  "not_about_ai",
  "promotional",
  "insufficient_detail",
  "duplicate",
  "off_topic",
  "other",
] as const;
/** Why a reader flags a published post. */
export const FLAG_REASONS = ["patient_data", "confidential", "inaccurate", "spam", "offensive", "other"] as const;
export type ModerationRejectionReason = (typeof MODERATION_REJECTION_REASONS)[number];
export type FlagReason = (typeof FLAG_REASONS)[number];
