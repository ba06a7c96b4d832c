/// <reference path="../pb_data/types.d.ts" />
// Issue 12 §4: a post may link its translations. A translation is its own post (own
// language, own review) pointing at the post it translates; a group is that first post
// and every post pointing at it (translations.ts), so a chain never forms.
migrate(
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.fields.add(new RelationField({ name: "translation_of", collectionId: posts.id, maxSelect: 1 }));
    posts.addIndex("idx_posts_translation_of", false, "translation_of", "");
    app.save(posts);
  },
  (app) => {
    const posts = app.findCollectionByNameOrId("posts");
    posts.removeIndex("idx_posts_translation_of");
    posts.fields.removeByName("translation_of");
    app.save(posts);
  },
);
