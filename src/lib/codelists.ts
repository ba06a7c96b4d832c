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

// Governance and data facts of a case study (issue 17 §1). Each list ends with "unknown"
// ("not known"), which an author may choose; a fact left empty was not answered.
/** Who checks an AI system's outputs before they act on a patient. */
export const HUMAN_OVERSIGHT = ["every_output", "sampled", "exceptions", "none", "not_applicable", "unknown"] as const;
/**
 * When the data protection officer was first involved. `involved` (stage not known) is what
 * the old yes/no `dpo_involved` said, so no stored "yes" is lost (migration 1765000330).
 */
export const DPO_INVOLVEMENT = ["from_idea", "before_pilot", "before_go_live", "after_go_live", "involved", "not_involved", "unknown"] as const;
/** Whether a data protection impact assessment was done. */
export const DPIA_STATUSES = ["yes", "no", "in_progress", "unknown"] as const;
/** A plain answer, with "not known". */
export const YES_NO_UNKNOWN = ["yes", "no", "unknown"] as const;
/** Where the data lived while the AI used it. */
export const DATA_LOCATIONS = ["at_source", "central_platform", "vendor_cloud_eu", "outside_eu", "unknown"] as const;
/** Data shared with other organisations. */
export const DATA_SHARING = ["none", "bilateral", "network", "unknown"] as const;
/** The share of records usable as found, in bands (80–85 % is typical). */
export const DATA_QUALITY_BANDS = ["below_50", "50_to_69", "70_to_84", "85_to_94", "95_plus", "unknown"] as const;
/** Medical-device status under the MDR. */
export const MEDICAL_DEVICE_STATUSES = ["not_device", "class_i", "class_iia", "class_iib", "class_iii", "under_assessment", "unknown"] as const;
/** AI Act risk category, as assessed by the organisation. */
export const AI_ACT_RISKS = ["minimal", "limited", "high", "not_assessed", "unknown"] as const;
/** Roles whose work changed (several may apply; none chosen means not known). */
export const STAFF_ROLES = ["physicians", "nurses", "allied_health", "lab_staff", "pharmacists", "administrative", "it_staff", "management", "other"] as const;

/** The single-valued controlled facts of a case study: field name → its list (labels: `code.<field>.<value>`). */
export const CASE_FACTS = {
  human_oversight: HUMAN_OVERSIGHT,
  dpo_involvement: DPO_INVOLVEMENT,
  dpia: DPIA_STATUSES,
  ethics_review: YES_NO_UNKNOWN,
  data_location: DATA_LOCATIONS,
  data_sharing: DATA_SHARING,
  data_quality: DATA_QUALITY_BANDS,
  coding_corrected: YES_NO_UNKNOWN,
  medical_device: MEDICAL_DEVICE_STATUSES,
  ai_act_risk: AI_ACT_RISKS,
  nis2: YES_NO_UNKNOWN,
} as const;
/** A single-valued controlled fact's field name. */
export type CaseFact = keyof typeof CASE_FACTS;
/** The single-valued controlled facts, in the order of the canvas. */
export const CASE_FACT_FIELDS = Object.keys(CASE_FACTS) as CaseFact[];
/**
 * The facts that apply to a funding application too (issue 17 §1, "where they apply"): how the
 * plan was governed — oversight, the DPO, DPIA, ethics review, where the data would live and be
 * shared, device and AI Act status. Data quality, staff changes, training, gains and payback
 * are learned by running a project, so they stay with case studies.
 */
export const FUNDING_FACT_FIELDS: readonly CaseFact[] = [
  "human_oversight",
  "dpo_involvement",
  "dpia",
  "ethics_review",
  "data_location",
  "data_sharing",
  "medical_device",
  "ai_act_risk",
];
/** The multi-valued controlled facts of a case study (stored as JSON arrays). */
export const CASE_FACT_LISTS = { changed_roles: STAFF_ROLES } as const;
