/// <reference path="../pb_data/types.d.ts" />
// Issue 9 §3: what was stripped from each attachment's metadata and what the privacy guard
// found in it (and in a PDF's text), for the author and the moderator. A field of its own
// rather than privacy_findings: those are recomputed from the text fields at every save and
// submit and carry the author's dismissals, while these change only when files do.
migrate(
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.add(new JSONField({ name: "attachment_reports", maxSize: 500000 }));
    app.save(posts);
  },
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.removeByName("attachment_reports");
    app.save(posts);
  },
);
