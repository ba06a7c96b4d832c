/// <reference path="../pb_data/types.d.ts" />
// Organisations (verified by platform moderators) and who belongs to them, with which role.
migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    const organizations = new Collection({
      type: "base",
      name: "organizations",
      listRule: null,
      viewRule: null,
      createRule: null,
      updateRule: null,
      deleteRule: null,
      fields: [
        { name: "name", type: "text", required: true, max: 200 },
        { name: "slug", type: "text", required: true, max: 120, pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" },
        {
          name: "kind",
          type: "select",
          required: true,
          maxSelect: 1,
          values: [
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
          ],
        },
        { name: "country", type: "text", max: 2 },
        { name: "region", type: "select", maxSelect: 1, values: ["flanders", "wallonia", "brussels", "other"] },
        { name: "website", type: "url" },
        { name: "description", type: "text", max: 5000 },
        { name: "logo", type: "file", maxSelect: 1, maxSize: 2097152, mimeTypes: ["image/png", "image/jpeg", "image/webp"] },
        { name: "verified", type: "bool" },
        { name: "verification_status", type: "select", maxSelect: 1, values: ["pending", "verified", "refused"] },
        { name: "refusal_reason", type: "text", max: 2000 },
        { name: "requires_dpo_review", type: "bool" },
        { name: "requested_by", type: "relation", collectionId: users.id, maxSelect: 1 },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
      indexes: ["CREATE UNIQUE INDEX idx_organizations_slug ON organizations (slug)"],
    });
    app.save(organizations);
    app.save(
      new Collection({
        type: "base",
        name: "memberships",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "user", type: "relation", required: true, collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          { name: "organization", type: "relation", required: true, collectionId: organizations.id, maxSelect: 1, cascadeDelete: true },
          { name: "role", type: "select", required: true, maxSelect: 1, values: ["member", "editor", "dpo", "admin"] },
          { name: "status", type: "select", required: true, maxSelect: 1, values: ["pending", "active", "rejected", "left"] },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE UNIQUE INDEX idx_memberships_user_org ON memberships (user, organization)"],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("memberships"));
    app.delete(app.findCollectionByNameOrId("organizations"));
  },
);
