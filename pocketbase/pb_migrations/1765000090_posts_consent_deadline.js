/// <reference path="../pb_data/types.d.ts" />
// Issue 11 §13: a funder's record that asks the applicant's consent carries a deadline.
// Unanswered by then, the record may be published with the applicant's descriptor only.
// Requests already open get the same 30 days from when they were recorded.
migrate(
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.add(new DateField({ name: "consent_deadline" }));
    app.save(posts);
    app
      .db()
      .newQuery("UPDATE posts SET consent_deadline = strftime('%Y-%m-%d %H:%M:%fZ', created, '+30 days') WHERE consent = 'requested' AND created != ''")
      .execute();
  },
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.removeByName("consent_deadline");
    app.save(posts);
  },
);
