/// <reference path="../pb_data/types.d.ts" />
// Platform role and interface language on users; every API rule superuser-only, since
// only the app server (as a superuser over loopback) talks to PocketBase.

// PocketBase's own defaults for a new `users` collection, restored by the down step.
const DEFAULT_RULES = {
  listRule: "id = @request.auth.id",
  viewRule: "id = @request.auth.id",
  createRule: "",
  updateRule: "id = @request.auth.id",
  deleteRule: "id = @request.auth.id",
  manageRule: null,
};

migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    users.fields.add(new SelectField({ name: "role", values: ["member", "moderator", "admin"], maxSelect: 1 }));
    users.fields.add(new SelectField({ name: "locale", values: ["en", "fr", "nl"], maxSelect: 1 }));
    for (const rule of Object.keys(DEFAULT_RULES)) users[rule] = null;
    // authRule stays "": the app checks passwords through PocketBase's auth-with-password
    // (a throwaway client); a null authRule would refuse every password sign-in.
    users.authRule = "";
    app.save(users);
  },
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    users.fields.removeByName("role");
    users.fields.removeByName("locale");
    for (const [rule, value] of Object.entries(DEFAULT_RULES)) users[rule] = value;
    app.save(users);
  },
);
