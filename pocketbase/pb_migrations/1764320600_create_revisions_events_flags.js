/// <reference path="../pb_data/types.d.ts" />
// Snapshots of submissions, the append-only moderation log, and reader flags.
migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    const posts = app.findCollectionByNameOrId("posts");
    const locked = { listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null };
    app.save(
      new Collection({
        type: "base",
        name: "revisions",
        ...locked,
        fields: [
          { name: "post", type: "relation", required: true, collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
          { name: "version", type: "number", required: true, min: 1, onlyInt: true },
          { name: "data", type: "json", required: true, maxSize: 2000000 },
          { name: "author", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "note", type: "text", max: 2000 },
          { name: "status", type: "select", maxSelect: 1, values: ["pending", "approved", "rejected", "superseded"] },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE UNIQUE INDEX idx_revisions_post_version ON revisions (post, version)"],
      }),
    );
    // A published post's edit waits as a pending revision while the live version stays.
    const revisions = app.findCollectionByNameOrId("revisions");
    posts.fields.add(new RelationField({ name: "pending_revision", collectionId: revisions.id, maxSelect: 1 }));
    posts.fields.add(
      new SelectField({
        name: "revision_status",
        maxSelect: 1,
        values: ["draft", "dpo_review", "submitted", "in_review", "changes_requested"],
      }),
    );
    app.save(posts);
    app.save(
      new Collection({
        type: "base",
        name: "moderation_events",
        ...locked,
        fields: [
          { name: "post", type: "relation", required: true, collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
          { name: "actor", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "action", type: "text", required: true, max: 60 },
          { name: "from_status", type: "text", max: 40 },
          { name: "to_status", type: "text", max: 40 },
          { name: "reason_code", type: "text", max: 60 },
          { name: "note", type: "text", max: 10000 },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        ],
        indexes: ["CREATE INDEX idx_moderation_events_post ON moderation_events (post, created)"],
      }),
    );
    app.save(
      new Collection({
        type: "base",
        name: "flags",
        ...locked,
        fields: [
          { name: "post", type: "relation", required: true, collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
          { name: "reporter", type: "relation", required: true, collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          {
            name: "reason",
            type: "select",
            required: true,
            maxSelect: 1,
            values: ["patient_data", "confidential", "inaccurate", "spam", "offensive", "other"],
          },
          { name: "note", type: "text", max: 2000 },
          { name: "status", type: "select", required: true, maxSelect: 1, values: ["open", "upheld", "dismissed"] },
          { name: "resolved_by", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE UNIQUE INDEX idx_flags_post_reporter ON flags (post, reporter)"],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("flags"));
    app.delete(app.findCollectionByNameOrId("moderation_events"));
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.removeByName("pending_revision");
    posts.fields.removeByName("revision_status");
    app.save(posts);
    app.delete(app.findCollectionByNameOrId("revisions"));
  },
);
