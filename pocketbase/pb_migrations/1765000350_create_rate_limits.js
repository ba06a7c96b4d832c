/// <reference path="../pb_data/types.d.ts" />
// Issue 16 §7: the rate limits' counts where every site process sees them, when several run
// (CASEBOOK_RATE_LIMITS=pocketbase). A count is changed by writing its next version: the unique
// index on (key, version) lets one of two processes changing it at once succeed, and the other
// reads the new version and tries again, so no attempt is lost between processes
// (src/lib/server/sharedlimits.ts). Keys are hashes: no e-mail address or IP is stored here.
// Superuser-only, like every collection (DESIGN.md §1).
migrate(
  (app) => {
    app.save(
      new Collection({
        type: "base",
        name: "rate_limits",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "key", type: "text", required: true, min: 64, max: 64, pattern: "^[0-9a-f]{64}$" },
          { name: "version", type: "number", onlyInt: true, min: 0 },
          { name: "state", type: "json", maxSize: 2000 },
          // After this, the row says nothing any more (its bucket is full again): it may be deleted.
          { name: "expires", type: "date", required: true },
        ],
        indexes: ["CREATE UNIQUE INDEX idx_rate_limits_version ON rate_limits (key, version)", "CREATE INDEX idx_rate_limits_expires ON rate_limits (expires)"],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("rate_limits"));
  },
);
