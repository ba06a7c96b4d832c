/// <reference path="../pb_data/types.d.ts" />
// The transactional outbox that feeds the search engine (DESIGN.md §1). `record` is a
// plain id (not a relation) so a delete of the post can still be propagated.
migrate(
  (app) => {
    app.save(
      new Collection({
        type: "base",
        name: "search_outbox",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "record", type: "text", required: true, max: 64 },
          { name: "collection_name", type: "text", required: true, max: 64 },
          { name: "op", type: "select", required: true, maxSelect: 1, values: ["upsert", "delete"] },
          { name: "attempts", type: "number", min: 0, onlyInt: true },
          { name: "next_attempt_at", type: "date" },
          { name: "last_error", type: "text", max: 2000 },
          { name: "processed_at", type: "date" },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE INDEX idx_search_outbox_pending ON search_outbox (processed_at, next_attempt_at, created)"],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("search_outbox"));
  },
);
