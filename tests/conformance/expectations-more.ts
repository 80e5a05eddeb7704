/**
 * The expectation table, continued: Mastodon, Mbin, lotide, NodeBB and
 * Discourse payloads (see expectations.ts for the format).
 */
import type { Expectation } from "./expectations.ts";
import { member, OUR_GROUP, ours, PUBLIC, unchanged } from "./expectations.ts";

const FELIX = "https://mastodon.madrid/users/felix";
const TESTCOM = "https://ds9.lemmy.ml/c/testcom";
const POST_147 = {
  id: "https://ds9.lemmy.ml/post/147", type: "Page", attributedTo: "https://ds9.lemmy.ml/u/nutomic",
  name: "A thread Mastodon users like", content: "<p>Hello.</p>", to: [TESTCOM, PUBLIC],
};
const NARWHAL = "https://narwhal.city";
const POSTS_12 = {
  id: `${NARWHAL}/posts/12`, type: "Note", attributedTo: `${NARWHAL}/users/3`, name: "Soon deleted",
  content: "<p>Soon deleted.</p>", to: [`${NARWHAL}/communities/4`], cc: [PUBLIC],
};
const DISCOURSE_GROUP = "https://socialhub.activitypub.rocks/ap/actor/797217cf18c0e819dfafc52425590146";
const KDE = "https://floss.social/users/kde";

export const MORE_EXPECTATIONS: Record<string, Expectation> = {
  // ---- Mastodon -------------------------------------------------------------
  "mastodon/activities/follow.json": {
    why: "a Mastodon user joins our group",
    local: ours(TESTCOM),
    expect: [{ kind: "follower", actor: "https://masto.asonix.dog/users/asonix" }],
  },
  "mastodon/activities/undo_follow.json": {
    why: "the Mastodon user leaves",
    local: ours(TESTCOM),
    after: ["activities/follow.json"],
    expect: [{ kind: "unfollowed", actor: "https://masto.asonix.dog/users/asonix" }],
  },
  "mastodon/activities/like_page.json": {
    why: "a Mastodon favourite counts as an upvote",
    local: ours(TESTCOM),
    seed: [POST_147],
    expect: [{ kind: "votes", id: POST_147.id, likes: 1, dislikes: 0 }],
  },
  "mastodon/activities/undo_like_page.json": {
    why: "the favourite is taken back",
    local: ours(TESTCOM),
    seed: [POST_147],
    after: ["activities/like_page.json"],
    expect: [{ kind: "votes", id: POST_147.id, likes: 0, dislikes: 0 }],
  },
  "mastodon/activities/delete.json": {
    why: "a Mastodon user deletes a post in our group (Delete with a Tombstone and an outdated LD signature)",
    local: ours(TESTCOM),
    seed: [{
      id: `${FELIX}/statuses/107773559874184870`, type: "Note", attributedTo: FELIX, content: "<p>Soon deleted.</p>",
      to: [PUBLIC], cc: [TESTCOM], tag: [{ type: "Mention", href: TESTCOM }],
    }],
    expect: [{ kind: "tombstone", id: `${FELIX}/statuses/107773559874184870` }],
  },
  "mastodon/activities/create_note.json": {
    why: "ignored: a Mastodon reply outside any group we know (its parent cannot be fetched either)",
    expect: unchanged,
  },
  "mastodon/objects/note_1.json": {
    why: "ignored: the same reply, as an object",
    expect: unchanged,
  },
  "mastodon/activities/private_message.json": {
    why: "ignored: a Mastodon direct message to our member (private messages are not supported)",
    local: member("https://ds9.lemmy.ml/u/nutomic"),
    expect: unchanged,
  },
  "mastodon/activities/flag.json": {
    why: "a Mastodon instance (its instance actor) reports a member's posts in our group: queued for the group's moderators",
    local: OUR_GROUP,
    seed: ["380590", "380591"].map((n) => ({
      id: `https://example.com/posts/${n}`, type: "Note", attributedTo: "https://example.com/users/1",
      content: `<p>Post ${n}.</p>`, to: [PUBLIC], cc: ["https://kindred.invalid/c/support"],
    })),
    expect: [{
      kind: "report", target: "https://example.com/users/1", post: "https://example.com/posts/380590",
      reporter: "https://mastodon.example/actor", reason: "other", comment: "Please take a look at this user and their posts",
    }],
  },
  "mastodon/objects/page.json": {
    why: "a Mastodon post mentioning our group starts a thread, titled by its first line without the leading mention",
    local: ours("https://enterprise.lemmy.ml/c/tenforward"),
    expect: [{
      kind: "post", id: "https://masto.qa.urbanwildlife.biz/users/mastodon/statuses/110830743680706519",
      title: "Variable never resetting at refresh", content: "carries on from the previous one", parent: null,
    }],
  },
  "mastodon/objects/note_2.json": {
    why: "a Mastodon reply in a thread in our group is threaded under its parent",
    local: ours("https://lemmy.kde.social/c/kde"),
    seed: [{
      id: `${KDE}/statuses/113306824627995724`, type: "Note", attributedTo: KDE, content: "<p>KDE news [2/3]</p>",
      to: [PUBLIC], cc: ["https://lemmy.kde.social/c/kde"],
    }],
    expect: [{ kind: "post", id: `${KDE}/statuses/113306831140126616`, content: "We also need funding", parent: `${KDE}/statuses/113306824627995724` }],
  },
  "mastodon/objects/person.json": {
    why: "a Mastodon account follows our group",
    local: OUR_GROUP,
    expect: [{ kind: "follower", actor: "https://masto.qa.urbanwildlife.biz/users/mastodon", fields: { name: "Mastodon", shared_inbox_url: "https://masto.qa.urbanwildlife.biz/inbox" } }],
  },
  "mastodon/collections/featured.json": {
    why: "the owner's featured collection link is kept; Kindred does not import remote collections yet",
    local: OUR_GROUP,
    expect: [
      { kind: "follower", actor: "https://mastodon.social/users/LemmyDev", fields: { featured_url: "https://mastodon.social/users/LemmyDev/collections/featured" } },
      { kind: "absent", id: "https://mastodon.social/users/LemmyDev/statuses/104246642906910728" },
    ],
  },

  // ---- Mbin -----------------------------------------------------------------
  "mbin/activities/accept.json": {
    why: "an Mbin magazine accepts our member's Follow",
    local: member("https://some-other.instance/u/someUser"),
    follows: [{ group: "https://some-mbin.instance/m/someMag", accept: false }],
    expect: [{ kind: "following", group: "https://some-mbin.instance/m/someMag", state: "accepted" }],
  },
  "mbin/activities/flag.json": {
    why: "an Mbin user reports a thread (and its author) in our group: queued for the group's moderators",
    local: ours("https://lemmy-test/c/test_mag"),
    seed: [{
      id: "https://lemmy-test/post/4", type: "Page", attributedTo: "https://lemmy-test/u/BentiGorlich", name: "A thread",
      content: "<p>Reported soon.</p>", to: ["https://lemmy-test/c/test_mag", PUBLIC], audience: "https://lemmy-test/c/test_mag",
    }],
    expect: [{
      kind: "report", target: "https://lemmy-test/u/BentiGorlich", post: "https://lemmy-test/post/4",
      reporter: "https://mbin-test1/u/BentiGorlich", comment: "dikjhgasdpas",
    }],
  },
  "mbin/objects/instance.json": {
    why: "Mbin's instance actor (an Application with its own JSON-LD context) is read as an actor",
    local: OUR_GROUP,
    expect: [{ kind: "follower", actor: "https://fedia.io/i/actor", fields: { type: "Application", name: "Mbin", manually_approves_followers: true } }],
  },

  // ---- lotide ---------------------------------------------------------------
  "lotide/activities/create_page.json": {
    why: "a lotide user posts a link thread into our group",
    local: ours("https://c.tide.tk/communities/1"),
    expect: [{ kind: "post", id: "https://b.tide.tk/apub/posts/60", title: "test post from b", parent: null }],
  },
  "lotide/activities/create_page_image.json": {
    why: "a lotide image post (a Note with a name) starts a thread",
    local: ours("http://localhost:8536/c/elsewhere"),
    expect: [{ kind: "post", id: "http://ltthostname.local:3334/apub/posts/46", title: "image", parent: null }],
  },
  "lotide/activities/create_note_reply.json": {
    why: "a lotide reply is threaded under its thread",
    local: ours("https://c.tide.tk/communities/1"),
    seed: [{ id: "https://c.tide.tk/posts/51", type: "Page", attributedTo: "https://c.tide.tk/users/1", name: "A lotide thread", to: ["https://c.tide.tk/communities/1"], cc: [PUBLIC] }],
    expect: [{ kind: "post", id: "https://c.tide.tk/comments/52", content: "test comment", parent: "https://c.tide.tk/posts/51" }],
  },
  "lotide/activities/delete_note.json": {
    why: "a lotide user deletes their post",
    local: ours(`${NARWHAL}/communities/4`),
    seed: [POSTS_12],
    expect: [{ kind: "tombstone", id: POSTS_12.id }],
  },
  "lotide/activities/follow.json": {
    why: "a lotide user joins our group",
    local: ours("https://beehaw.org/c/foss"),
    expect: [{ kind: "follower", actor: "https://dev.narwhal.city/users/1" }],
  },
  "lotide/objects/page.json": {
    why: "a lotide thread posted into our group",
    local: ours(`${NARWHAL}/communities/4`),
    expect: [{ kind: "post", id: `${NARWHAL}/posts/9`, title: "What's Dylan Grillin'? (reupload)", parent: null }],
  },
  "lotide/objects/note.json": {
    why: "a lotide comment whose thread is fetched from its origin first",
    local: ours(`${NARWHAL}/communities/4`),
    expect: [
      { kind: "post", id: `${NARWHAL}/comments/3`, content: "now featuring Bob Dylan and RNG", parent: `${NARWHAL}/posts/9` },
      { kind: "post", id: `${NARWHAL}/posts/9`, title: "What's Dylan Grillin'? (reupload)", parent: null },
    ],
  },
  "lotide/objects/tombstone.json": {
    why: "a Delete carrying lotide's Tombstone",
    local: ours(`${NARWHAL}/communities/4`),
    seed: [POSTS_12],
    expect: [{ kind: "tombstone", id: POSTS_12.id }],
  },
  "lotide/objects/group.json": {
    why: "a lotide community (key id with a double slash): followed and accepted",
    expect: [{ kind: "following", group: `${NARWHAL}/communities/12`, state: "accepted", fields: { type: "Group", name: "Iotide" } }],
  },
  "lotide/objects/person.json": {
    why: "a lotide user (key id with a double slash) follows our group",
    local: OUR_GROUP,
    expect: [{ kind: "follower", actor: `${NARWHAL}/users/3`, fields: { name: "57H", shared_inbox_url: `${NARWHAL}/inbox` } }],
  },

  // ---- NodeBB ---------------------------------------------------------------
  "nodebb/objects/group.json": {
    why: "a NodeBB category: followed and accepted",
    expect: [{ kind: "following", group: "https://bb.devnull.land/category/2", state: "accepted", fields: { type: "Group", name: "General Discussion" } }],
  },
  "nodebb/objects/page.json": {
    why: "a NodeBB topic (an Article) posted into our group",
    local: ours("https://bb.devnull.land/category/2"),
    expect: [{ kind: "post", id: "https://bb.devnull.land/post/1", title: "Welcome to your NodeBB!", content: "Welcome to your brand new NodeBB forum!", parent: null }],
  },
  "nodebb/objects/person.json": {
    why: "a NodeBB user (key id `#key`) follows our group",
    local: OUR_GROUP,
    expect: [{ kind: "follower", actor: "https://bb.devnull.land/uid/1", fields: { name: "julian" } }],
  },

  // ---- Discourse ------------------------------------------------------------
  // Discourse serves actors with only the ActivityStreams context, which does
  // not define `publicKey`: Fedify, reading JSON-LD, finds no key, so every
  // delivery signed by a Discourse actor is refused (see the report: a
  // document loader that adds the security context would fix it).
  "discourse/objects/group.json": {
    why: "refused (401): the category's Accept is signed with a key Fedify cannot see; the follow stays pending",
    status: 401,
    expect: [{ kind: "following", group: DISCOURSE_GROUP, state: "pending", fields: { type: "Group", name: "Threadiverse Working Group (SocialHub)" } }],
  },
  "discourse/objects/page.json": {
    why: "refused (401): a Discourse topic (a Note with a name) signed with a key Fedify cannot see",
    local: ours(DISCOURSE_GROUP),
    status: 401,
    expect: unchanged,
  },
  "discourse/objects/person.json": {
    why: "refused (401): a Discourse user's Follow signed with a key Fedify cannot see",
    local: OUR_GROUP,
    status: 401,
    expect: unchanged,
  },
};
