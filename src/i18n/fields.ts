// How the interface names a stored field of a post: where a privacy finding was found, and which
// field a revision changes in the moderator's diff. One map, so both say the form's own words.
import type { MessageKey } from "./en.ts";

const LABELS: Record<string, MessageKey> = {
  title: "write.title",
  summary: "write.summary",
  body_md: "write.body",
  lessons_md: "post.lessons",
  data_sources: "post.fact.data_sources",
  funder_feedback_md: "post.funder_feedback",
  rejection_note: "post.reason_text",
  reflection_md: "post.reflection",
  funder_name: "post.fact.funder",
  staff_view: "facts.label.staff_view",
  process_change: "facts.label.process_change",
  savings_method: "facts.label.savings_method",
  outcome: "post.fact.outcome",
  lifecycle_stage: "post.fact.lifecycle_stage",
  decision: "post.fact.decision",
  tags: "post.fact.tags",
  care_settings: "post.fact.care_settings",
  ai_types: "post.fact.ai_types",
  anonymous: "write.anonymous.legend",
  rejection_reasons: "post.fact.rejection_reasons",
  amount_requested: "post.fact.amount_requested",
  amount_awarded: "post.fact.amount_awarded",
  decided_on: "post.fact.decided_on",
  language: "post.fact.language",
};
// A discussion's body is its question; a round table summary's fields have their own names.
const BY_KIND: Record<string, Record<string, MessageKey>> = {
  discussion: { body_md: "discussion.form.question" },
  round_table_summary: { body_md: "summary.form.body", summary: "summary.form.summary" },
};

/** The message naming `field` of a post of `kind`; undefined for a field the interface does not name. */
export function fieldLabel(field: string, kind?: string): MessageKey | undefined {
  return (kind ? BY_KIND[kind]?.[field] : undefined) ?? LABELS[field];
}
