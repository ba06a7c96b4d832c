/// <reference path="../pb_data/types.d.ts" />
// Issue 9 §12: invitations are records, not signed links — single use, revocable, listed
// for the organisation's admins; only a SHA-256 of the mailed token is stored.
migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    const organizations = app.findCollectionByNameOrId("organizations");
    app.save(
      new Collection({
        type: "base",
        name: "invitations",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "organization", type: "relation", required: true, collectionId: organizations.id, maxSelect: 1, cascadeDelete: true },
          { name: "email", type: "email", required: true },
          { name: "role", type: "select", required: true, maxSelect: 1, values: ["member", "editor", "dpo", "admin"] },
          { name: "invited_by", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "token_hash", type: "text", required: true, min: 64, max: 64, pattern: "^[0-9a-f]{64}$" },
          { name: "expires_at", type: "date", required: true },
          { name: "accepted_at", type: "date" },
          { name: "accepted_by", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "revoked_at", type: "date" },
          { name: "revoked_by", type: "relation", collectionId: users.id, maxSelect: 1 },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: [
          "CREATE UNIQUE INDEX idx_invitations_token_hash ON invitations (token_hash)",
          "CREATE INDEX idx_invitations_org ON invitations (organization, created)",
          "CREATE INDEX idx_invitations_invited_by ON invitations (invited_by, created)",
        ],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("invitations"));
  },
);
