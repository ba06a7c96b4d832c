/// <reference path="../pb_data/types.d.ts" />
// Issue 16 §6: leases, so that work meant to happen in one place happens in one place when
// several site processes share this PocketBase: one process at a time drains each outbox (a
// crashed holder's lease runs out and another process takes over), and a scheduled job runs
// once per period. A lease is taken by creating the next generation of its name; the unique
// index lets exactly one of two processes racing for it succeed (src/lib/server/leases.ts).
// Superuser-only, like every collection (DESIGN.md §1).
migrate(
  (app) => {
    app.save(
      new Collection({
        type: "base",
        name: "leases",
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: [
          // "outbox:search", "outbox:mail", "job:round-table-reminders@2026-12-03T17".
          { name: "name", type: "text", required: true, min: 1, max: 120 },
          { name: "generation", type: "number", onlyInt: true, min: 0 },
          // Which process holds it: host, process id and a random part (leases.ts PROCESS_ID).
          { name: "holder", type: "text", required: true, min: 1, max: 200 },
          { name: "until", type: "date", required: true },
          { name: "created", type: "autodate", onCreate: true, onUpdate: false },
          { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
        ],
        indexes: ["CREATE UNIQUE INDEX idx_leases_generation ON leases (name, generation)", "CREATE INDEX idx_leases_until ON leases (until)"],
      }),
    );
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("leases"));
  },
);
