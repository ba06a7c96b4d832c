/// <reference path="../pb_data/types.d.ts" />
// A draft saves with whatever the author has so far, a title included (issue 11 §2); the
// domain requires a title of at least 8 characters on submission (postinput.ts).
migrate(
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.getByName("title").required = false;
    app.save(posts);
  },
  (app) => {
    // Drafts saved without a title get one, so the field can be required again.
    for (const record of app.findAllRecords("posts")) {
      if (record.getString("title") !== "") continue;
      record.set("title", "Untitled draft");
      app.saveNoValidate(record);
    }
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.getByName("title").required = true;
    app.save(posts);
  },
);
