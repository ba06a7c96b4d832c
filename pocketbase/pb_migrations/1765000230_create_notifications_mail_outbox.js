/// <reference path="../pb_data/types.d.ts" />
// Issue 13 §1, §5: in-app "your turn" notices, the transactional mail outbox (written in the
// same batch as the change that causes a mail, drained by the site with retries) and each
// member's mail preferences. Superuser-only, like every collection (DESIGN.md §1).
migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    const superuserOnly = { listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null };
    const stamps = [
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ];
    app.save(
      new Collection({
        type: "base",
        name: "notifications",
        ...superuserOnly,
        fields: [
          { name: "user", type: "relation", required: true, collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          { name: "kind", type: "text", required: true, max: 60 },
          { name: "params", type: "json", maxSize: 20000 },
          { name: "link", type: "text", max: 500 },
          { name: "read_at", type: "date" },
          ...stamps,
        ],
        indexes: ["CREATE INDEX idx_notifications_user ON notifications (user, read_at, created)"],
      }),
    );
    app.save(
      new Collection({
        type: "base",
        name: "mail_outbox",
        ...superuserOnly,
        fields: [
          { name: "to", type: "email", required: true },
          { name: "user", type: "relation", collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          { name: "template", type: "text", required: true, max: 60 },
          { name: "locale", type: "text", max: 5 },
          { name: "params", type: "json", maxSize: 100000 },
          { name: "category", type: "text", max: 40 },
          { name: "group_key", type: "text", max: 100 },
          { name: "status", type: "select", required: true, maxSelect: 1, values: ["pending", "sent", "skipped", "failed"] },
          { name: "attempts", type: "number", onlyInt: true, min: 0 },
          { name: "next_attempt_at", type: "date" },
          { name: "sent_at", type: "date" },
          { name: "last_error", type: "text", max: 1000 },
          { name: "message_id", type: "text", max: 300 },
          ...stamps,
        ],
        indexes: [
          "CREATE INDEX idx_mail_outbox_due ON mail_outbox (status, next_attempt_at)",
          "CREATE INDEX idx_mail_outbox_group ON mail_outbox (group_key, status)",
        ],
      }),
    );
    app.save(
      new Collection({
        type: "base",
        name: "mail_preferences",
        ...superuserOnly,
        fields: [
          { name: "user", type: "relation", required: true, collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          { name: "muted", type: "json", maxSize: 2000 },
          { name: "moderation_cadence", type: "select", maxSelect: 1, values: ["immediate", "hourly"] },
          ...stamps,
        ],
        indexes: ["CREATE UNIQUE INDEX idx_mail_preferences_user ON mail_preferences (user)"],
      }),
    );
  },
  (app) => {
    for (const name of ["mail_preferences", "mail_outbox", "notifications"]) app.delete(app.findCollectionByNameOrId(name));
  },
);
