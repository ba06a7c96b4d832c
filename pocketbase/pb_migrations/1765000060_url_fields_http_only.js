/// <reference path="../pb_data/types.d.ts" />
// URL fields accept http(s) only (issue 9 §5). PocketBase's `url` type accepts any scheme
// its validator can read (e.g. "javascript://x@host/%0A…"), and a field's type cannot be
// changed in place, so each one is replaced by a `text` field with a pattern; values that
// are not http(s) URLs are dropped (they could only have been an attack).
const FIELDS = [
  ["funding_calls", "url"],
  ["organizations", "website"],
];
// The same rule as isHttpUrl in src/lib/server/urls.ts.
const PATTERN = "(?i)^https?://[^\\s<>\"'`\\\\]+$";

function replaceField(app, collectionName, fieldName, makeField, keep) {
  const values = {};
  for (const record of app.findAllRecords(collectionName)) {
    const value = record.getString(fieldName);
    if (value && keep(value)) values[record.id] = value;
  }
  const collection = app.findCollectionByNameOrId(collectionName);
  collection.fields.removeByName(fieldName);
  app.save(collection);
  collection.fields.add(makeField());
  app.save(collection);
  for (const [id, value] of Object.entries(values)) {
    const record = app.findRecordById(collectionName, id);
    record.set(fieldName, value);
    app.saveNoValidate(record);
  }
}

migrate(
  (app) => {
    const re = /^https?:\/\/[^\s<>"'`\\]+$/i;
    for (const [collection, field] of FIELDS) {
      replaceField(
        app,
        collection,
        field,
        () => new TextField({ name: field, max: 2000, pattern: PATTERN }),
        (v) => re.test(v),
      );
    }
  },
  (app) => {
    for (const [collection, field] of FIELDS) {
      replaceField(
        app,
        collection,
        field,
        () => new URLField({ name: field }),
        () => true,
      );
    }
  },
);
