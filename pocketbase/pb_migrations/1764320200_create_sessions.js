/// <reference path="../pb_data/types.d.ts" />
// App sessions as the Lucia guide describes: only a SHA-256 hash of the secret is stored.
migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    app.save(
      new Collection({
        type: "base",
        name: "sessions",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "secret_hash", type: "text", required: true, max: 128 },
          { name: "user", type: "relation", required: true, collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          { name: "expires_at", type: "date", required: true },
          { name: "last_verified_at", type: "date" },
          { name: "user_agent", type: "text", max: 500 },
          { name: "ip", type: "text", max: 64 },
          // Role and memberships when the session was issued: a change means a new session.
          { name: "privilege_stamp", type: "text", max: 128 },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE INDEX idx_sessions_user ON sessions (user)"],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("sessions"));
  },
);
