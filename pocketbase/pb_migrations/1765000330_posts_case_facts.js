/// <reference path="../pb_data/types.d.ts" />
// Issue 17 §1: governance and data facts of a case study, each optional. The lists are copied
// from src/lib/codelists.ts (migrations run in PocketBase's JS VM and cannot import it);
// tests/unit/facts.test.ts checks they agree. Multi-valued facts are JSON arrays.
// The old yes/no `dpo_involved` stays (and is kept in step by the server); a stored "yes"
// becomes dpo_involvement "involved" (stage not known), a "no" stays unanswered because an
// unticked box never said "not involved".
const SELECTS = {
  human_oversight: ["every_output", "sampled", "exceptions", "none", "not_applicable", "unknown"],
  dpo_involvement: ["from_idea", "before_pilot", "before_go_live", "after_go_live", "involved", "not_involved", "unknown"],
  dpia: ["yes", "no", "in_progress", "unknown"],
  ethics_review: ["yes", "no", "unknown"],
  data_location: ["at_source", "central_platform", "vendor_cloud_eu", "outside_eu", "unknown"],
  data_sharing: ["none", "bilateral", "network", "unknown"],
  data_quality: ["below_50", "50_to_69", "70_to_84", "85_to_94", "95_plus", "unknown"],
  coding_corrected: ["yes", "no", "unknown"],
  medical_device: ["not_device", "class_i", "class_iia", "class_iib", "class_iii", "under_assessment", "unknown"],
  ai_act_risk: ["minimal", "limited", "high", "not_assessed", "unknown"],
  nis2: ["yes", "no", "unknown"],
};
const NUMBERS = ["training_hours", "cost_yearly_eur", "savings_eur", "payback_months"];
const TEXTS = ["staff_view", "process_change", "savings_method"];
const JSONS = ["changed_roles"];
const ALL = [...Object.keys(SELECTS), ...NUMBERS, ...TEXTS, ...JSONS];

migrate(
  (app) => {
    // Revisions snapshot these fields in their JSON `data` (CONTENT_FIELDS): only posts gains columns.
    const posts = app.findCollectionByNameOrId("posts");
    for (const [field, values] of Object.entries(SELECTS)) posts.fields.add(new SelectField({ name: field, values, maxSelect: 1 }));
    for (const field of NUMBERS) posts.fields.add(new NumberField({ name: field, min: 0 }));
    for (const field of TEXTS) posts.fields.add(new TextField({ name: field, max: 5000 }));
    for (const field of JSONS) posts.fields.add(new JSONField({ name: field, maxSize: 2000 }));
    app.save(posts);
    app
      .db()
      .newQuery("UPDATE posts SET dpo_involvement = 'involved' WHERE dpo_involved = TRUE AND (dpo_involvement = '' OR dpo_involvement IS NULL)")
      .execute();
  },
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    for (const field of ALL) posts.fields.removeByName(field);
    app.save(posts);
  },
);
