/// <reference path="../pb_data/types.d.ts" />
// Creates or updates the app's superuser from the environment (issue 9 §10). Loaded only by
// the one `migrate up --hooksDir=…` command that upsertSuperuser runs: the password travels
// in that process's environment (readable by its owner only), never in its arguments (which
// every local user sees in `ps`), and a password starting with "-" is not mistaken for a flag.
onBootstrap((e) => {
  e.next();
  const email = $os.getenv("CASEBOOK_SUPERUSER_EMAIL");
  const password = $os.getenv("CASEBOOK_SUPERUSER_PASSWORD");
  if (!email || !password) throw new Error("CASEBOOK_SUPERUSER_EMAIL and CASEBOOK_SUPERUSER_PASSWORD must be set");
  const superusers = e.app.findCollectionByNameOrId("_superusers");
  let record;
  try {
    record = e.app.findAuthRecordByEmail(superusers, email);
  } catch (_) {
    record = new Record(superusers);
  }
  record.setEmail(email);
  record.setPassword(password);
  e.app.save(record);
  console.log("casebook: superuser saved");
});
