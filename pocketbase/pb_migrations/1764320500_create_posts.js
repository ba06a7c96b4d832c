/// <reference path="../pb_data/types.d.ts" />
// Every moderated post in one collection; `kind` discriminates (DESIGN.md §3). Per-kind
// required fields are enforced by the domain layer's zod union, not here.
const LONG = 200000;

migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    const organizations = app.findCollectionByNameOrId("organizations");
    const calls = app.findCollectionByNameOrId("funding_calls");
    const posts = new Collection({
      type: "base",
      name: "posts",
      listRule: null,
      viewRule: null,
      createRule: null,
      updateRule: null,
      deleteRule: null,
      fields: [
        { name: "kind", type: "select", required: true, maxSelect: 1, values: ["case_study", "funding_application", "discussion"] },
        { name: "slug", type: "text", required: true, max: 160, pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" },
        { name: "title", type: "text", required: true, max: 300 },
        { name: "summary", type: "text", max: 1000 },
        { name: "body_md", type: "text", max: LONG },
        { name: "body_html", type: "text", max: LONG },
        { name: "language", type: "select", required: true, maxSelect: 1, values: ["en", "fr", "nl"] },
        { name: "tags", type: "json", maxSize: 4000 },
        { name: "organization", type: "relation", collectionId: organizations.id, maxSelect: 1 },
        { name: "author", type: "relation", collectionId: users.id, maxSelect: 1 },
        { name: "anonymous", type: "bool" },
        { name: "public_descriptor", type: "text", max: 200 },
        {
          name: "status",
          type: "select",
          required: true,
          maxSelect: 1,
          values: ["draft", "dpo_review", "submitted", "in_review", "changes_requested", "published", "rejected", "hidden", "withdrawn"],
        },
        { name: "published_at", type: "date" },
        { name: "submitted_at", type: "date" },
        { name: "claimed_by", type: "relation", collectionId: users.id, maxSelect: 1 },
        { name: "claimed_at", type: "date" },
        { name: "feedback", type: "text", max: 10000 },
        {
          name: "attachments",
          type: "file",
          maxSelect: 5,
          maxSize: 10485760,
          protected: true,
          mimeTypes: ["application/pdf", "image/png", "image/jpeg"],
        },
        { name: "privacy_findings", type: "json", maxSize: 200000 },
        { name: "privacy_dismissals", type: "json", maxSize: 50000 },
        // case study
        { name: "outcome", type: "select", maxSelect: 1, values: ["success", "partial", "failure", "abandoned", "ongoing"] },
        { name: "care_settings", type: "json", maxSize: 2000 },
        { name: "ai_types", type: "json", maxSize: 2000 },
        { name: "lifecycle_stage", type: "select", maxSelect: 1, values: ["idea", "pilot", "production", "scaled", "stopped"] },
        { name: "started_on", type: "date" },
        { name: "ended_on", type: "date" },
        { name: "dpo_involved", type: "bool" },
        { name: "data_sources", type: "text", max: 5000 },
        { name: "cost_eur", type: "number", min: 0 },
        { name: "lessons_md", type: "text", max: LONG },
        { name: "lessons_html", type: "text", max: LONG },
        // funding application
        { name: "call", type: "relation", collectionId: calls.id, maxSelect: 1 },
        { name: "funder_name", type: "text", max: 300 },
        { name: "funder", type: "relation", collectionId: organizations.id, maxSelect: 1 },
        { name: "applicant_name", type: "text", max: 300 },
        // The applicant when it is on the platform (funder-published decisions).
        { name: "applicant_organization", type: "relation", collectionId: organizations.id, maxSelect: 1 },
        // Refused applicants are named only with consent; otherwise only this descriptor shows.
        { name: "applicant_anonymous", type: "bool" },
        { name: "applicant_region", type: "select", maxSelect: 1, values: ["flanders", "wallonia", "brussels", "other"] },
        { name: "applicant_kind", type: "text", max: 40 },
        { name: "amount_requested", type: "number", min: 0 },
        { name: "amount_awarded", type: "number", min: 0 },
        { name: "currency", type: "text", max: 3 },
        { name: "submitted_on", type: "date" },
        { name: "decided_on", type: "date" },
        { name: "decision", type: "select", maxSelect: 1, values: ["awarded", "rejected", "withdrawn", "pending"] },
        { name: "rejection_reasons", type: "json", maxSize: 2000 },
        { name: "rejection_note", type: "text", max: 5000 },
        { name: "funder_feedback_md", type: "text", max: LONG },
        { name: "funder_feedback_html", type: "text", max: LONG },
        { name: "reflection_md", type: "text", max: LONG },
        { name: "reflection_html", type: "text", max: LONG },
        { name: "published_by", type: "select", maxSelect: 1, values: ["applicant", "funder"] },
        { name: "consent", type: "select", maxSelect: 1, values: ["not_needed", "requested", "granted", "refused"] },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
      indexes: [
        "CREATE UNIQUE INDEX idx_posts_slug ON posts (slug)",
        "CREATE INDEX idx_posts_status_published ON posts (status, published_at)",
        "CREATE INDEX idx_posts_organization ON posts (organization)",
        "CREATE INDEX idx_posts_author ON posts (author)",
      ],
    });
    app.save(posts);
    // Self-relations need the collection to exist first.
    posts.fields.add(new RelationField({ name: "case_study", collectionId: posts.id, maxSelect: 1 }));
    posts.fields.add(new RelationField({ name: "counterpart", collectionId: posts.id, maxSelect: 1 }));
    app.save(posts);
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("posts"));
  },
);
