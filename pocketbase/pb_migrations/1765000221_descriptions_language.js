/// <reference path="../pb_data/types.d.ts" />
// Issue 12 §4: a call's and an organisation's description are content in their writer's
// language, not the interface's; pages tag them with `lang`. Empty: not said (older rows).
migrate(
  (app) => {
    for (const name of ["funding_calls", "organizations"]) {
      const collection = app.findCollectionByNameOrId(name);
      collection.fields.add(new SelectField({ name: "description_language", values: ["en", "fr", "nl"], maxSelect: 1 }));
      app.save(collection);
    }
  },
  (app) => {
    for (const name of ["funding_calls", "organizations"]) {
      const collection = app.findCollectionByNameOrId(name);
      collection.fields.removeByName("description_language");
      app.save(collection);
    }
  },
);
