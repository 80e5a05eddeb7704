/**
 * The expectation table: what Kindred must do with each fixture payload.
 * Every file in the fixture directory needs an entry (fixtures.test.ts
 * fails otherwise), so a new payload set must be classified here.
 *
 * URIs are written as in the payloads.  `local` names the URIs that stand
 * for Kindred in the scenario (a group created for it, or the member `kim`);
 * every other origin is a stub.  Lemmy's assets address one community,
 * `enterprise.lemmy.ml/c/main`: where users of other instances post, vote
 * or follow there, it is our group; where it announces or accepts, it is a
 * remote group that `kim` follows.
 */
import type { Outcome } from "./outcomes.ts";

export interface Expectation {
  /** Why this is the right outcome (shown in the test name). */
  why: string;
  local?: Record<string, "group" | "member">;
  /** Remote groups `kim` follows first (accepted, unless `accept: false`). */
  follows?: (string | { group: string; accept: false })[];
  /** Objects (or ids of objects the stubs serve) delivered in a `Create` first: prerequisites no fixture provides. */
  seed?: (string | Record<string, unknown>)[];
  /** Fixtures of the same family replayed first, in order (outcomes not asserted). */
  after?: string[];
  /** Remote people (original URIs) the stubs serve, though no payload names them as actors. */
  people?: string[];
  /** Remote people (original URIs) listed as moderators of the local group before the replay. */
  moderators?: string[];
  /** HTTP status of the replay's delivery (default 202). */
  status?: number;
  expect: Outcome[];
}

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const E = "https://enterprise.lemmy.ml";
const DS9 = "https://ds9.lemmy.ml";
const MAIN = `${E}/c/main`;
const TENFORWARD = `${E}/c/tenforward`;
const ALPHA = `${DS9}/u/lemmy_alpha`;
/** For actor fixtures: a Kindred group that the actor follows (the URI appears in no payload). */
const OUR_GROUP = { "https://kindred.invalid/c/support": "group" } as const;
const ours = (uri: string) => ({ [uri]: "group" as const });
const member = (uri: string) => ({ [uri]: "member" as const });
const unchanged: Outcome[] = [{ kind: "unchanged" }];

const table: Record<string, Expectation> = {};
const LEMMY = ["lemmy-1.0", "lemmy-0.19"] as const;
type Lemmy = typeof LEMMY[number];
/** An entry for the same file in both Lemmy versions. */
function lemmy(path: string, entry: (v: Lemmy) => Expectation, versions: readonly Lemmy[] = LEMMY) {
  for (const v of versions) table[`${v}/${path}`] = entry(v);
}
const CREATE_PAGE = "activities/create_or_update/create_page.json";
const CREATE_PM = "activities/create_or_update/create_private_message.json";
const comment = (v: Lemmy) =>
  `activities/create_or_update/${v === "lemmy-1.0" ? "create_comment" : "create_note"}.json`;
const postInMain = { local: ours(MAIN), after: [CREATE_PAGE] };
const commentInMain = (v: Lemmy) => ({ local: ours(MAIN), after: [CREATE_PAGE, comment(v)] });

// ---- Lemmy: posting, voting, following in our group ----------------------
lemmy(CREATE_PAGE, () => ({
  why: "a Lemmy user posts a thread into our group; the group announces it to its followers, the author among them",
  local: ours(MAIN),
  after: ["activities/following/follow.json"],
  expect: [{ kind: "post", id: `${DS9}/post/1`, title: "test post", content: "<p>test body</p>", parent: null, announced: true }],
}));
for (const v of LEMMY) {
  table[`${v}/${comment(v)}`] = {
    why: "a Lemmy user replies in our group: threaded under the thread",
    ...postInMain,
    expect: [{ kind: "post", id: `${DS9}/comment/1`, content: "hello", parent: `${DS9}/post/1` }],
  };
}
lemmy("activities/create_or_update/update_page.json", (v) => ({
  why: "the author edits the thread",
  ...postInMain,
  expect: [{ kind: "updated", id: `${DS9}/post/1`, title: "test post 1" }],
}));
lemmy("activities/deletion/delete_page.json", (v) => ({
  why: "the author deletes the thread: a tombstone",
  ...postInMain,
  expect: [{ kind: "tombstone", id: `${DS9}/post/1` }],
}));
lemmy("activities/deletion/undo_delete_page.json", (v) => ({
  why: "refused: restoring a deleted post is not supported (its content was erased), the tombstone stays",
  ...postInMain,
  after: [CREATE_PAGE, "activities/deletion/delete_page.json"],
  expect: unchanged,
}));
// A moderator of our group on another instance (a non-moderator's removal
// is refused: tests/moderation-posts-remote.test.ts).
const BETA = `${E}/u/lemmy_beta`;
lemmy("activities/deletion/remove_note.json", (v) => ({
  why: "a moderator of our group (on another instance) removes a comment: removed with the reason, content kept",
  ...commentInMain(v),
  moderators: [BETA],
  expect: [{ kind: "moderated", id: `${DS9}/comment/1`, removed: "bad comment" }],
}));
lemmy("activities/deletion/undo_remove_note.json", (v) => ({
  why: "the moderator restores the removed comment",
  ...commentInMain(v),
  moderators: [BETA],
  after: [CREATE_PAGE, comment(v), "activities/deletion/remove_note.json"],
  expect: [{ kind: "moderated", id: `${DS9}/comment/1`, removed: false }],
}));
lemmy("activities/deletion/delete_user.json", (v) => ({
  why: "the author's instance deletes their account (signed by the account): their thread becomes a tombstone",
  ...postInMain,
  expect: [{ kind: "tombstone", id: `${DS9}/post/1` }],
}));
lemmy("activities/voting/dislike_page.json", (v) => ({
  why: "a downvote is counted",
  ...postInMain,
  expect: [{ kind: "votes", id: `${DS9}/post/1`, likes: 0, dislikes: 1 }],
}));
lemmy("activities/voting/undo_dislike_page.json", (v) => ({
  why: "the downvote is taken back (Lemmy's Undo names the vote as a Like)",
  ...postInMain,
  after: [CREATE_PAGE, "activities/voting/dislike_page.json"],
  expect: [{ kind: "votes", id: `${DS9}/post/1`, likes: 0, dislikes: 0 }],
}));
lemmy("activities/voting/like_note.json", (v) => ({
  why: "an upvote on a comment is counted",
  ...commentInMain(v),
  expect: [{ kind: "votes", id: `${DS9}/comment/1`, likes: 1, dislikes: 0 }],
}));
lemmy("activities/voting/undo_like_note.json", (v) => ({
  why: "the upvote is taken back",
  ...commentInMain(v),
  after: [CREATE_PAGE, comment(v), "activities/voting/like_note.json"],
  expect: [{ kind: "votes", id: `${DS9}/comment/1`, likes: 0, dislikes: 0 }],
}));
lemmy("activities/following/follow.json", () => ({
  why: "a Lemmy user joins our open group: accepted, Accept sent",
  local: ours(MAIN),
  expect: [{ kind: "follower", actor: ALPHA }],
}));
lemmy("activities/following/undo_follow.json", () => ({
  why: "the Lemmy user leaves",
  local: ours(MAIN),
  after: ["activities/following/follow.json"],
  expect: [{ kind: "unfollowed", actor: ALPHA }],
}));

// ---- Lemmy: a remote community we follow ---------------------------------
lemmy("activities/following/accept.json", () => ({
  why: "the Lemmy community accepts our member's Follow",
  local: member(ALPHA),
  follows: [{ group: MAIN, accept: false }],
  expect: [{ kind: "following", group: MAIN, state: "accepted" }],
}));
lemmy("activities/community/announce_create_page.json", () => ({
  why: "a community we follow announces a new thread: stored in that group",
  follows: [MAIN],
  expect: [{ kind: "post", id: `${E}/post/7`, title: "post 4", parent: null, group: MAIN }],
}));
lemmy("activities/community/update_community.json", () => ({
  why: "ignored: a moderator (of another instance) edits a community we follow; Kindred keeps the group as its origin serves it",
  follows: [MAIN],
  expect: unchanged,
}));

// ---- Lemmy: moderation by a moderator of our group (issue 5) ----------------
const byModerator = { ...postInMain, moderators: [BETA] };
lemmy("activities/block/block_user.json", () => ({
  why: "a moderator of our group (listed by us) bans a member with removeData: ban recorded with reason and expiry, their thread removed",
  ...byModerator,
  expect: [
    { kind: "banned", actor: ALPHA, reason: "spam post", expires: "2021-11-01T12:23:50.151Z" },
    { kind: "removed", id: `${DS9}/post/1` },
  ],
}));
lemmy("activities/block/undo_block_user.json", () => ({
  why: "the moderator lifts the ban",
  ...byModerator,
  after: [CREATE_PAGE, "activities/block/block_user.json"],
  expect: [{ kind: "unbanned", actor: ALPHA }],
}));
lemmy("activities/community/add_mod.json", () => ({
  why: "a moderator of our group appoints another moderator: listed in our moderators collection",
  local: ours(MAIN),
  moderators: [BETA],
  people: [ALPHA],
  expect: [{ kind: "staff", actor: ALPHA, role: "moderator" }],
}));
lemmy("activities/community/remove_mod.json", () => ({
  why: "a moderator of our group dismisses a moderator",
  local: ours(MAIN),
  moderators: [BETA],
  people: [ALPHA],
  after: ["activities/community/add_mod.json"],
  expect: [{ kind: "staff", actor: ALPHA, role: null }],
}));
const featuredPost = { local: ours(`${DS9}/c/main`), seed: [`${DS9}/post/2`], moderators: [ALPHA] };
lemmy("activities/community/add_featured_post.json", () => ({
  why: "a moderator of our group pins a thread (Add to the featured collection)",
  ...featuredPost,
  expect: [{ kind: "moderated", id: `${DS9}/post/2`, pinned: true }],
}));
lemmy("activities/community/remove_featured_post.json", () => ({
  // The fixture reuses add_featured_post's id, which Fedify would drop as a
  // duplicate after it: so it is replayed alone, and the log shows it was honoured.
  why: "the moderator unpins a thread (Remove from the featured collection)",
  ...featuredPost,
  expect: [{ kind: "moderated", id: `${DS9}/post/2`, pinned: false, logged: "unpin_post" }],
}));
const ALPHA_8541 = "http://lemmy-alpha:8541";
const lockable = {
  local: ours(`${ALPHA_8541}/c/main`),
  seed: [{
    id: `${ALPHA_8541}/post/2`, type: "Page", attributedTo: `${ALPHA_8541}/u/lemmy_alpha`, name: "A thread to lock",
    content: "<p>Locked soon.</p>", to: [`${ALPHA_8541}/c/main`, PUBLIC], audience: `${ALPHA_8541}/c/main`,
  }],
  moderators: [`${ALPHA_8541}/u/lemmy_alpha`],
};
lemmy("activities/community/lock_page.json", () => ({
  why: "a moderator of our group locks a thread (Lemmy's Lock)",
  ...lockable,
  expect: [{ kind: "moderated", id: `${ALPHA_8541}/post/2`, locked: true }],
}));
lemmy("activities/community/undo_lock_page.json", () => ({
  why: "the moderator unlocks it",
  ...lockable,
  after: ["activities/community/lock_page.json"],
  expect: [{ kind: "moderated", id: `${ALPHA_8541}/post/2`, locked: false }],
}));
const ALPHA_HOST = "https://lemmy-alpha";
const lockableComment = {
  local: ours(`${ALPHA_HOST}/c/test`),
  seed: [{
    id: `${ALPHA_HOST}/post/1`, type: "Page", attributedTo: `${ALPHA_HOST}/u/lemmy_aplha`, name: "A thread",
    to: [`${ALPHA_HOST}/c/test`, PUBLIC],
  }, {
    id: `${ALPHA_HOST}/comment/1`, type: "Note", attributedTo: `${ALPHA_HOST}/u/lemmy_aplha`, content: "<p>A comment to lock.</p>",
    inReplyTo: `${ALPHA_HOST}/post/1`, to: [PUBLIC], cc: [`${ALPHA_HOST}/c/test`],
  }],
  moderators: [`${ALPHA_HOST}/u/lemmy_aplha`],
};
lemmy("activities/community/lock_note.json", () => ({
  why: "a moderator of our group locks a comment (Lemmy 1.0)",
  ...lockableComment,
  expect: [{ kind: "moderated", id: `${ALPHA_HOST}/comment/1`, locked: true }],
}), ["lemmy-1.0"]);
lemmy("activities/community/undo_lock_note.json", () => ({
  why: "the moderator unlocks the comment",
  ...lockableComment,
  after: ["activities/community/lock_note.json"],
  expect: [{ kind: "moderated", id: `${ALPHA_HOST}/comment/1`, locked: false }],
}), ["lemmy-1.0"]);
const reported = {
  local: ours(MAIN),
  seed: [{ id: `${E}/post/7`, type: "Page", attributedTo: `${E}/u/lemmy_beta`, name: "post 4", to: [MAIN, PUBLIC] }],
};
const REPORT_OF_POST_7: Outcome = {
  kind: "report", target: `${E}/u/lemmy_beta`, post: `${E}/post/7`, reporter: ALPHA, reason: "other", comment: "report this post",
};
lemmy("activities/community/report_page.json", () => ({
  why: "a Lemmy user reports a thread of our group: it waits in the group's moderation queue",
  ...reported,
  expect: [REPORT_OF_POST_7],
}));
lemmy("activities/community/resolve_report_page.json", () => ({
  why: "a moderator of our group (on another instance) resolves the report (Lemmy 1.0 Resolve)",
  ...reported,
  moderators: [`${DS9}/u/lemmy_user`],
  after: ["activities/community/report_page.json"],
  expect: [{ ...REPORT_OF_POST_7, state: "resolved" }],
}), ["lemmy-1.0"]);
lemmy("activities/community/warn.json", () => ({
  why: "ignored: a moderator's warning to a user (Lemmy 1.0) is not supported",
  local: member("http://voyager.lemmy.ml/u/lemmy_alpha"),
  expect: unchanged,
}), ["lemmy-1.0"]);

// ---- Lemmy: private messages (not supported) -----------------------------
const pm = "ignored: private messages are not supported";
lemmy(CREATE_PM, () => ({ why: pm, local: member(ALPHA), expect: unchanged }));
table["lemmy-1.0/activities/create_or_update/create_private_message_0.19.json"] = {
  why: `${pm} (a 0.19 ChatMessage)`,
  local: member("https://voyager.lemmy.ml/u/nutomic"),
  expect: unchanged,
};
lemmy("activities/deletion/delete_private_message.json", () => ({ why: pm, local: member(ALPHA), after: [CREATE_PM], expect: unchanged }));
lemmy("activities/deletion/undo_delete_private_message.json", () => ({
  why: pm,
  local: member(ALPHA),
  after: [CREATE_PM, "activities/deletion/delete_private_message.json"],
  expect: unchanged,
}));
lemmy("objects/private_message.json", () => ({ why: pm, local: member("https://queer.hacktivis.me/users/lanodan"), expect: unchanged }), ["lemmy-1.0"]);
lemmy("objects/chat_message.json", () => ({ why: pm, local: member("https://queer.hacktivis.me/users/lanodan"), expect: unchanged }), ["lemmy-0.19"]);

// ---- Lemmy: objects and collections --------------------------------------
const LEMMY_THREAD: Outcome = { kind: "post", id: `${E}/post/55143`, title: "Post title", content: "This is a post in the /c/tenforward community", parent: null };
lemmy("objects/page.json", () => ({ why: "a community's thread, posted into our group", local: ours(TENFORWARD), expect: [LEMMY_THREAD] }));
lemmy("objects/page_image_and_link.json", () => ({
  why: "a thread with an image and a link attachment",
  local: ours(TENFORWARD),
  expect: [{ kind: "post", id: `${E}/post/55999`, title: "Post with image and link" }],
}), ["lemmy-1.0"]);
for (const path of ["lemmy-1.0/objects/comment.json", "lemmy-0.19/objects/note.json"]) {
  table[path] = {
    why: "a comment whose thread is unknown: the thread is fetched from its origin first",
    local: ours(TENFORWARD),
    expect: [{ kind: "post", id: `${E}/comment/38741`, content: "first comment!", parent: `${E}/post/55143` }, LEMMY_THREAD],
  };
}
lemmy("objects/group.json", () => ({
  why: "a Lemmy community: our member follows it, and its copy keeps its collections",
  expect: [{
    kind: "following", group: TENFORWARD, state: "accepted",
    fields: { type: "Group", name: "Ten Forward", followers_url: `${TENFORWARD}/followers`, moderators_url: `${TENFORWARD}/moderators`, shared_inbox_url: `${E}/inbox` },
  }],
}));
lemmy("objects/person.json", () => ({
  why: "a Lemmy user follows our group: the actor is read and answered",
  local: OUR_GROUP,
  expect: [{ kind: "follower", actor: `${E}/u/picard`, fields: { name: "Jean-Luc Picard", username: "picard", shared_inbox_url: `${E}/inbox` } }],
}));
lemmy("objects/instance.json", () => ({
  why: "Lemmy's instance actor (an Application) is read as an actor",
  local: OUR_GROUP,
  expect: [{ kind: "follower", actor: `${E}/`, fields: { type: "Application", name: "Enterprise" } }],
}));
lemmy("objects/tombstone.json", () => ({
  why: "a Delete carrying the Tombstone its origin now serves",
  local: ours("https://lemmy.ml/c/lemmy"),
  seed: [{ id: "https://lemmy.ml/comment/110273", type: "Note", attributedTo: "https://lemmy.ml/u/lemmy", content: "<p>Soon gone.</p>", to: [PUBLIC], cc: ["https://lemmy.ml/c/lemmy"] }],
  expect: [{ kind: "tombstone", id: "https://lemmy.ml/comment/110273" }],
}));
const collectionNotRead = "the owner's collection link is kept; Kindred does not import remote collections yet";
lemmy("collections/group_outbox.json", () => ({
  why: `${collectionNotRead} (no outbox backfill on follow)`,
  expect: [
    { kind: "following", group: `${DS9}/c/testcom`, state: "accepted", fields: { outbox_url: `${DS9}/c/testcom/outbox` } },
    { kind: "absent", id: `${DS9}/post/2328` },
  ],
}));
lemmy("collections/group_featured_posts.json", () => ({
  why: `${collectionNotRead} (pinned threads)`,
  expect: [
    { kind: "following", group: `${DS9}/c/main`, state: "accepted", fields: { featured_url: `${DS9}/c/main/featured` } },
    { kind: "absent", id: `${DS9}/post/2` },
  ],
}));
lemmy("collections/group_followers.json", () => ({
  why: collectionNotRead,
  expect: [{ kind: "following", group: MAIN, state: "accepted", fields: { followers_url: `${MAIN}/followers` } }],
}));
lemmy("collections/group_moderators.json", () => ({
  why: `${collectionNotRead} (moderators)`,
  expect: [{ kind: "following", group: TENFORWARD, state: "accepted", fields: { moderators_url: `${TENFORWARD}/moderators` } }],
}));
lemmy("collections/person_outbox.json", () => ({
  why: collectionNotRead,
  local: OUR_GROUP,
  expect: [{ kind: "follower", actor: ALPHA, fields: { outbox_url: `${ALPHA}/outbox` } }],
}));

export const EXPECTATIONS = table;
export { OUR_GROUP, ours, member, unchanged, PUBLIC };
