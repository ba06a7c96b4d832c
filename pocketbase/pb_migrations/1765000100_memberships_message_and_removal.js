/// <reference path="../pb_data/types.d.ts" />
// Issue 11 §20: a join request carries a message to the organisation's admins, and an admin
// can remove a member (status "removed", with who removed them), which ends their rights.
migrate(
  (app) => {
    const memberships = app.findCollectionByNameOrId("memberships");
    memberships.fields.add(new TextField({ name: "message", max: 1000 }));
    memberships.fields.add(
      new RelationField({ name: "removed_by", collectionId: app.findCollectionByNameOrId("users").id, maxSelect: 1, cascadeDelete: false }),
    );
    const status = memberships.fields.getByName("status");
    status.values = ["pending", "active", "rejected", "left", "removed"];
    app.save(memberships);
  },
  (app) => {
    const memberships = app.findCollectionByNameOrId("memberships");
    // A removed member reads, after the rollback, as one who left: both ended the membership.
    app.db().newQuery("UPDATE memberships SET status = 'left' WHERE status = 'removed'").execute();
    const status = memberships.fields.getByName("status");
    status.values = ["pending", "active", "rejected", "left"];
    memberships.fields.removeByName("removed_by");
    memberships.fields.removeByName("message");
    app.save(memberships);
  },
);
