/// <reference path="../pb_data/types.d.ts" />
// Nobody can guess passwords through PocketBase's own auth-with-password (issue 9, #14).
//
// An authRule of null alone does not close it: PocketBase checks the password first and
// the rule only afterwards, so a guest still tells a wrong password (400) from the right
// one (403). Instead, a user's sign-in identity is `auth_key`, a random secret only the
// app's superuser can read (every users rule is null), and no longer the e-mail address:
// without the key there is nothing to guess against, for any number of tries. The app
// looks the key up by e-mail and checks the password with the superuser's token, which
// the null authRule then requires — a token for a user is never handed to anyone else.

const KEY_PATTERN = "[a-zA-Z0-9]{48}";

migrate(
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    users.fields.add(new TextField({ name: "auth_key", hidden: true, min: 48, max: 48, pattern: "^[a-zA-Z0-9]+$", autogeneratePattern: KEY_PATTERN }));
    app.save(users);
    // Existing accounts get their key here; new ones from the field's autogenerate pattern.
    for (const record of app.findAllRecords("users")) {
      record.set("auth_key", $security.randomString(48));
      app.saveNoValidate(record);
    }
    users.addIndex("idx_users_auth_key", true, "`auth_key`", "`auth_key` != ''");
    users.passwordAuth.identityFields = ["auth_key"];
    users.authRule = null;
    app.save(users);
  },
  (app) => {
    const users = app.findCollectionByNameOrId("users");
    users.passwordAuth.identityFields = ["email"];
    users.authRule = "";
    users.removeIndex("idx_users_auth_key");
    users.fields.removeByName("auth_key");
    app.save(users);
  },
);
