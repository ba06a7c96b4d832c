/// <reference path="../pb_data/types.d.ts" />
// Issue 9 §13: a flag records whether its reporter passed the trust rule when flagging and
// whether it hid the post, so daily allowances and the three-flaggers rule can count them.
migrate(
  (app) => {
    const flags = app.findCollectionByNameOrId("flags");
    flags.fields.add(new BoolField({ name: "trusted" }));
    flags.fields.add(new BoolField({ name: "hid" }));
    flags.addIndex("idx_flags_reporter_created", false, "reporter, created", "");
    app.save(flags);
  },
  (app) => {
    const flags = app.findCollectionByNameOrId("flags");
    flags.removeIndex("idx_flags_reporter_created");
    flags.fields.removeByName("trusted");
    flags.fields.removeByName("hid");
    app.save(flags);
  },
);
