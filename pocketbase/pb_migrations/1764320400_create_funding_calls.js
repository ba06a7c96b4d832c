/// <reference path="../pb_data/types.d.ts" />
// Calls for funding published by funder organisations.
migrate(
  (app) => {
    const organizations = app.findCollectionByNameOrId("organizations");
    app.save(
      new Collection({
        type: "base",
        name: "funding_calls",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "funder", type: "relation", required: true, collectionId: organizations.id, maxSelect: 1 },
          { name: "slug", type: "text", required: true, max: 120, pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" },
          { name: "title", type: "text", required: true, max: 300 },
          { name: "programme", type: "text", max: 300 },
          { name: "description", type: "text", max: 20000 },
          { name: "eligibility", type: "text", max: 20000 },
          { name: "budget", type: "number", min: 0 },
          { name: "currency", type: "text", max: 3 },
          { name: "opens_on", type: "date" },
          { name: "closes_on", type: "date" },
          { name: "url", type: "url" },
          { name: "status", type: "select", required: true, maxSelect: 1, values: ["draft", "open", "closed", "published"] },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE UNIQUE INDEX idx_funding_calls_slug ON funding_calls (slug)"],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("funding_calls"));
  },
);
