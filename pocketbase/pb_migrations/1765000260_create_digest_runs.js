/// <reference path="../pb_data/types.d.ts" />
// Issue 13 §4: what the daily and weekly digests have done, so that a digest is never sent
// twice nor skipped when the site restarts in the middle of a run. One row per member and
// period ("sent for period P", written in the same batch as that member's mail_outbox row),
// and one row without a member when the whole period is done (its `until` is where the next
// period's "what is new" starts). The unique index makes a second writer's batch fail.
// Superuser-only, like every collection (DESIGN.md §1).
migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    app.save(
      new Collection({
        type: "base",
        name: "digest_runs",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          { name: "cadence", type: "select", required: true, maxSelect: 1, values: ["daily", "weekly"] },
          // 2026-12-02 (daily) or 2026-W49 (weekly), in Europe/Brussels.
          { name: "period", type: "text", required: true, min: 1, max: 20 },
          // Empty: the row that closes the period for everyone.
          { name: "user", type: "relation", collectionId: users.id, maxSelect: 1, cascadeDelete: true },
          // The period's scheduled instant: posts published up to it belong to it.
          { name: "until", type: "date", required: true },
          { name: "posts", type: "number", onlyInt: true, min: 0 },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        ],
        indexes: [
          "CREATE UNIQUE INDEX idx_digest_runs_once ON digest_runs (cadence, period, user)",
          "CREATE INDEX idx_digest_runs_until ON digest_runs (cadence, user, until)",
        ],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("digest_runs"));
  },
);
