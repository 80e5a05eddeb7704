/**
 * Issue #6, item 3: a group never redistributes a post beyond the audience
 * its author chose.  A Mastodon user (the conformance harness's signed
 * stubs) sends followers-only and direct posts that name a local group;
 * the group's followers, a stub Lemmy user and a member of a second live
 * Kindred, must never receive them, while a public post and reply sent
 * afterwards reach both (so the absence is not a slow queue).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceHarness, PUBLIC, type Scenario, startHarnessedInstance } from "./conformance/harness.ts";
import { apiOk, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const GROUP = "https://enterprise.lemmy.ml/c/main";
const FELIX = "https://mastodon.madrid/users/felix";
const ALPHA = "https://ds9.lemmy.ml/u/lemmy_alpha";
const MASTODON_CONTEXT = ["https://www.w3.org/ns/activitystreams", { sensitive: "as:sensitive" }];

let instance: TestInstance;
let other: TestInstance;
let harness: ConformanceHarness;
let stop: () => Promise<void>;
let reader: Member;

beforeAll(async () => {
  ({ instance, harness, stop } = await startHarnessedInstance());
  other = await startInstance({ LOG_LEVEL: "error" });
  reader = await createMember(other, "reader");
}, 120_000);
afterAll(async () => {
  await other?.stop();
  await stop?.();
});

function note(n: string, addressing: { to: string[]; cc: string[] }, extra: Record<string, unknown> = {}) {
  const id = `${FELIX}/statuses/${n}`;
  return {
    id,
    type: "Note",
    attributedTo: FELIX,
    content: `<p><span class="h-card"><a href="${GROUP}" class="u-url mention">@main</a></span> Note ${n}: my scan results came back today.</p>`,
    published: "2026-11-20T10:00:00Z",
    sensitive: false,
    tag: [{ type: "Mention", href: GROUP, name: "@main" }],
    ...addressing,
    ...extra,
  };
}

function create(object: any, addressing?: { to: string[]; cc: string[] }) {
  const o = object;
  return {
    "@context": MASTODON_CONTEXT,
    id: `${o.id}/activity`,
    type: "Create",
    actor: o.attributedTo,
    to: (addressing ?? o).to,
    cc: (addressing ?? o).cc,
    object: o,
  };
}

const FOLLOWERS_ONLY = { to: [`${FELIX}/followers`], cc: [GROUP] };
const DIRECT = { to: [GROUP], cc: [] };
const PUBLIC_POST = { to: [PUBLIC], cc: [`${FELIX}/followers`, GROUP] };

async function setUp() {
  const s = await harness.scenario({ local: { [GROUP]: "group" } });
  // A Lemmy user follows the group (the stub records what it is sent) ...
  const alpha = s.referencePerson(ALPHA);
  expect(await s.deliver({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${alpha}#follow`, type: "Follow", actor: alpha, object: s.group, to: [s.group],
  })).toBe(202);
  // ... and so does a member of another Kindred.
  await apiOk(reader, "POST", "/groups/follow", { handle: s.group });
  await waitForQueues([instance, other]);
  return s;
}

async function storedOn(target: TestInstance, uri: string) {
  return await target.kindred.database.db.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
}

function mentions(s: Scenario, uri: string) {
  return s.received((r) => JSON.stringify(r.json ?? "").includes(uri));
}

describe("never beyond the audience", () => {
  it("a followers-only or direct post that names a group is refused and reaches none of its followers", async () => {
    const s = await setUp();
    const followersOnly = s.rewrite(note("1001", FOLLOWERS_ONLY));
    const direct = s.rewrite(note("1002", DIRECT));
    // A public Note inside a followers-only Create: the activity counts too.
    const wrapped = s.rewrite(note("1003", PUBLIC_POST));
    expect(await s.send(create(note("1001", FOLLOWERS_ONLY)))).toBe(202);
    expect(await s.send(create(note("1002", DIRECT)))).toBe(202);
    expect(await s.send(create(note("1003", PUBLIC_POST), FOLLOWERS_ONLY))).toBe(202);

    // The control: a public post is stored and reaches both followers.
    const open = s.rewrite(note("1004", PUBLIC_POST));
    expect(await s.send(create(note("1004", PUBLIC_POST)))).toBe(202);
    await waitForQueues([instance, other]);
    await s.waitForDeliveries((r) => JSON.stringify(r.json ?? "").includes(open.id));
    expect(await storedOn(other, open.id)).toBeDefined();

    for (const refused of [followersOnly, direct, wrapped]) {
      expect(await storedOn(instance, refused.id), refused.id).toBeUndefined();
      expect(mentions(s, refused.id), refused.id).toEqual([]);
      expect(await storedOn(other, refused.id), refused.id).toBeUndefined();
    }
  });

  it("the Mastodon direct-message fixture sent to a group is refused", async () => {
    // mastodon/activities/private_message.json, addressed to a local group instead of a Lemmy user.
    const nutomic = "https://ds9.lemmy.ml/u/nutomic";
    const s = await harness.scenario({ local: { [nutomic]: "group" } });
    const fixture = harness.fixture(undefined, "mastodon/activities/private_message.json");
    const doc = s.rewrite(fixture.json);
    expect(await s.deliver(create({ ...doc, inReplyTo: undefined }))).toBe(202);
    expect(await storedOn(instance, doc.id)).toBeUndefined();
    // The same note made public is taken: the refusal is about the audience.
    const open = { ...doc, id: `${doc.id}-public`, inReplyTo: undefined, to: [s.group, PUBLIC] };
    expect(await s.deliver(create(open))).toBe(202);
    expect(await storedOn(instance, open.id)).toBeDefined();
  });

  it("a reply narrower than its public thread is refused; a public reply is passed on", async () => {
    const s = await setUp();
    const thread = s.rewrite(note("2001", PUBLIC_POST));
    expect(await s.send(create(note("2001", PUBLIC_POST)))).toBe(202);
    const threadRow = await storedOn(instance, thread.id);
    expect(threadRow).toBeDefined();

    const threadId = `${FELIX}/statuses/2001`;
    const hidden = s.rewrite(note("2002", FOLLOWERS_ONLY, { inReplyTo: threadId }));
    expect(await s.send(create(note("2002", FOLLOWERS_ONLY, { inReplyTo: threadId })))).toBe(202);
    const open = s.rewrite(note("2003", PUBLIC_POST, { inReplyTo: threadId }));
    expect(await s.send(create(note("2003", PUBLIC_POST, { inReplyTo: threadId })))).toBe(202);
    await waitForQueues([instance, other]);
    await s.waitForDeliveries((r) => JSON.stringify(r.json ?? "").includes(open.id));
    expect((await storedOn(other, open.id))?.parent_id).toBe((await storedOn(other, thread.id))?.id);

    expect(await storedOn(instance, hidden.id)).toBeUndefined();
    expect(mentions(s, hidden.id)).toEqual([]);
    expect(await storedOn(other, hidden.id)).toBeUndefined();
    const after = await storedOn(instance, thread.id);
    expect(after?.reply_count).toBe(1);
  });

  it("an edit that takes a shared post out of the public is refused and not passed on", async () => {
    const s = await setUp();
    const post = s.rewrite(note("3001", PUBLIC_POST));
    expect(await s.send(create(note("3001", PUBLIC_POST)))).toBe(202);
    await s.waitForDeliveries((r) => JSON.stringify(r.json ?? "").includes(post.id));
    const before = s.received().length;

    const edited = {
      ...post,
      ...s.rewrite(FOLLOWERS_ONLY),
      content: "<p>Now for my followers only: the name of my consultant.</p>",
      updated: "2026-11-20T11:00:00Z",
    };
    s.publish(edited);
    expect(await s.deliver({
      "@context": MASTODON_CONTEXT, id: `${post.id}#update-1`, type: "Update", actor: s.uri(FELIX),
      ...s.rewrite(FOLLOWERS_ONLY), object: edited,
    })).toBe(202);
    await waitForQueues([instance, other]);

    expect((await storedOn(instance, post.id))?.content_html).toContain("scan results");
    expect(s.received((r) => r.json?.object?.type === "Update" || JSON.stringify(r.json ?? "").includes("consultant")))
      .toEqual([]);
    expect(s.received().length).toBe(before);
    expect((await storedOn(other, post.id))?.content_html).toContain("scan results");
  });
});
