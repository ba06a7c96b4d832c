/// <reference path="../pb_data/types.d.ts" />
// Issue 13 §3: what members follow (tags, care settings, AI techniques, organisations,
// funders' decisions, calls, saved searches) and how often they hear of it; and, per member,
// the SHA-256 of their private feed token and which default follows were already offered
// (so that a default the member removed is not added back). Superuser-only, like everything.
migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    app.save(
      new Collection({
        type: "base",
        name: "follows",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "user", type: "relation", required: true, collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          {
            name: "kind",
            type: "select",
            required: true,
            maxSelect: 1,
            values: ["tag", "care_setting", "ai_type", "organization", "funder", "call", "discussion", "round_table", "saved_search"],
          },
          // A code or tag, a record id, or a saved search's canonical query string.
          { name: "target", type: "text", required: true, min: 1, max: 600 },
          { name: "cadence", type: "select", required: true, maxSelect: 1, values: ["immediate", "daily", "weekly", "off"] },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE UNIQUE INDEX idx_follows_user_target ON follows (user, kind, target)", "CREATE INDEX idx_follows_target ON follows (kind, target)"],
      }),
    );
    app.save(
      new Collection({
        type: "base",
        name: "follow_settings",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "user", type: "relation", required: true, collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          { name: "feed_token_hash", type: "text", min: 0, max: 64, pattern: "^([0-9a-f]{64})?$" },
          { name: "feed_token_created", type: "date" },
          { name: "defaults_seen", type: "json", maxSize: 20000 },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: [
          "CREATE UNIQUE INDEX idx_follow_settings_user ON follow_settings (user)",
          "CREATE UNIQUE INDEX idx_follow_settings_token ON follow_settings (feed_token_hash) WHERE feed_token_hash != ''",
        ],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("follow_settings"));
    app.delete(app.findCollectionByNameOrId("follows"));
  },
);
