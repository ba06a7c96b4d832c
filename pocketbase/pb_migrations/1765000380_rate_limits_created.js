/// <reference path="../pb_data/types.d.ts" />
// A rate-limit row's creation time (src/lib/server/sharedlimits.ts). Superseded versions of a
// key were deleted as soon as a newer one was written, so a process that had read version v
// before others wrote v+1 and v+2 could still create v+1 (deleted by then): its attempt was
// booked on a stale count and let through — six of twenty simultaneous attempts passed a limit
// of five in one CI run. Superseded rows are now kept until they are ten minutes old, and a
// process whose read and write are further apart than that books again (the proof is in
// sharedlimits.ts); this field is the age that rule reads.
migrate(
  (app) => {
    const limits = app.findCollectionByNameOrId("rate_limits");
    limits.fields.add(new AutodateField({ name: "created", onCreate: true, onUpdate: false }));
    app.save(limits);
  },
  (app) => {
    const limits = app.findCollectionByNameOrId("rate_limits");
    limits.fields.removeByName("created");
    app.save(limits);
  },
);
