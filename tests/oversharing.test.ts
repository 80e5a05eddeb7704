/**
 * The oversharing guard at posting time, across two live Kindred instances:
 * a post with personal details is not published until its author confirms
 * (API: 422 with what was found; web: the compose page highlights it and
 * offers "Post anyway"), and a moderator's redaction of a local author's
 * post reaches the other instance as the author's Update, while a remote
 * author's post is redacted in the group's copy only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let mia: Member, alice: Member, bob: Member;
const groupIds = new Map<Member, number>();

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  mia = await createMember(a, "mia");
  await createLocalGroup(a, { slug: "myeloma", name: "Myeloma", description: "Peer support.", owner: "mia" });
  const groupUri = new URL("/@myeloma", a.url).href;
  [alice, bob] = await Promise.all([createMember(a, "alice"), createMember(b, "bob")]);
  for (const m of [mia, alice, bob]) {
    groupIds.set(m, (await apiOk(m, "POST", "/groups/follow", { handle: groupUri })).group.id);
  }
  await waitForQueues([a, b]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

async function rowOn(instance: TestInstance, uri: string) {
  return await instance.kindred.database.db.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirstOrThrow();
}

async function countTitled(instance: TestInstance, title: string) {
  const rows = await instance.kindred.database.db.selectFrom("posts").select("id").where("title", "=", title).execute();
  return rows.length;
}

const SHARING = "Lovely meeting you all at the clinic. Text me on 07700 900123 or write to alice.w@example.com " +
  "if you want the recipe for the anti-nausea ginger biscuits. Revlimid 10 mg days 1-21, cycle 4 today.";

describe("API: the author confirms before personal details are published", () => {
  let thread: { id: number; uri: string };

  it("answers 422 with what was found, and publishes nothing", async () => {
    const res = await api(alice, "POST", `/groups/${groupIds.get(alice)}/threads`, { title: "Biscuits", body: SHARING });
    expect(res.status).toBe(422);
    expect(res.json.personalDetails).toEqual([
      { kind: "phone", text: "07700 900123", start: SHARING.indexOf("07700"), end: SHARING.indexOf("07700") + 12, field: "body" },
      expect.objectContaining({ kind: "email", text: "alice.w@example.com", field: "body" }),
    ]);
    expect(res.json.error).toContain("Phone number: 07700 900123");
    expect(await countTitled(a, "Biscuits")).toBe(0);
  });

  it("publishes with confirmPersonalDetails, and the thread reaches B", async () => {
    thread = (await apiOk(alice, "POST", `/groups/${groupIds.get(alice)}/threads`, {
      title: "Biscuits",
      body: SHARING,
      confirmPersonalDetails: true,
    })).post;
    await waitForQueues([a, b]);
    expect((await rowOn(b, thread.uri)).content_html).toContain("07700 900123");
  });

  it("publishes a post without personal details at once", async () => {
    const res = await api(alice, "POST", `/posts/${thread.id}/replies`, { body: "Platelets 150 x10^9/L, chemo on 12/03/2026." });
    expect(res.status).toBe(201);
  });

  it("checks replies from another instance's members on their own server, and edits", async () => {
    const onB = await rowOn(b, thread.uri);
    const body = "My neighbour John Smith makes them too, with more ginger.";
    const refused = await api(bob, "POST", `/posts/${onB.id}/replies`, { body });
    expect(refused.status).toBe(422);
    expect(refused.json.personalDetails).toEqual([expect.objectContaining({ kind: "name", text: "John Smith" })]);
    const edit = await api(alice, "PATCH", `/posts/${thread.id}`, { body: "Call me: 0113 496 0000." });
    expect(edit.status).toBe(422);
    expect((await rowOn(a, thread.uri)).source).toBe(SHARING);
  });
});

describe("web: the compose page shows what was found", () => {
  const web = () => new WebClient(a);
  let carol: WebClient;

  it("highlights the details, escaped, and offers to edit or post anyway", async () => {
    carol = web();
    await carol.signUp("carol_r", "Carol Reed", { keep_name: "yes" });
    const groupPage = await carol.get("/@myeloma");
    const groupId = /action="\/g\/(\d+)\/join"/.exec(groupPage.html)![1];
    await carol.post(`/g/${groupId}/join`, {}, groupPage.html);
    const body = "My oncologist Dr Sarah Jones <script>x</script> says I'm doing well. Signed, Carol Reed.";
    const page = await carol.submit(`/g/${groupId}/new`, `/g/${groupId}/new`, { title: "Good news", body, action: "post" });
    expect(page.status).toBe(422);
    expect(page.html).toContain("<mark>Dr Sarah Jones</mark>");
    expect(page.html).not.toContain("<mark>Carol Reed</mark>");
    expect(page.html).not.toContain("<script>x</script>");
    expect(page.html).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(text(page.html)).toContain("Full name of another person: Dr Sarah Jones");
    expect(page.html).toContain('name="confirm_details" value="1"');
    expect(page.html).toContain("Post anyway");
    expect(await countTitled(a, "Good news")).toBe(0);

    const posted = await carol.post(`/g/${groupId}/new`, {
      title: "Good news",
      body,
      action: "post",
      confirm_details: "1",
    }, page.html);
    expect(posted.status).toBe(200);
    expect(posted.url.pathname).toMatch(/^\/(p|posts)\/\d+$/);
    expect(await countTitled(a, "Good news")).toBe(1);
  });

  it("asks the same on a reply and an edit", async () => {
    const post = await a.kindred.database.db.selectFrom("posts").selectAll().where("title", "=", "Good news").executeTakeFirstOrThrow();
    const thread = await carol.get(`/p/${post.id}`);
    const reply = await carol.post(`/p/${post.id}/reply`, { body: "PS: I was born on 4 May 1961.", action: "post" }, thread.html);
    expect(reply.status).toBe(422);
    expect(reply.html).toContain("<mark>born on 4 May 1961</mark>");
    expect(text(reply.html)).toContain("Date of birth: born on 4 May 1961");
    const edit = await carol.post(`/p/${post.id}/edit`, { title: "Good news", body: "Ring 0113 496 0000.", action: "post" }, thread.html);
    expect(edit.status).toBe(422);
    expect(edit.html).toContain("<mark>0113 496 0000</mark>");
    expect((await rowOn(a, post.uri)).source).not.toContain("0113");
  });
});

describe("moderators redact personal details", () => {
  it("refuses a member who does not moderate the group", async () => {
    const thread = await a.kindred.database.db.selectFrom("posts").select("id").where("title", "=", "Biscuits").executeTakeFirstOrThrow();
    expect((await api(alice, "POST", `/posts/${thread.id}/redact`)).status).toBe(403);
  });

  it("redacts a local author's post, logs it, and B's copy follows by the author's Update", async () => {
    const thread = await a.kindred.database.db.selectFrom("posts").selectAll().where("title", "=", "Biscuits").executeTakeFirstOrThrow();
    const res = await apiOk(mia, "POST", `/posts/${thread.id}/redact`);
    expect(res.redacted).toBe(2);
    const onA = await rowOn(a, thread.uri);
    expect(onA.source).not.toContain("07700");
    expect(onA.source).toContain("Text me on [removed by a moderator] or write to [removed by a moderator] if");
    expect(onA.source).toContain("Revlimid 10 mg days 1-21");
    await waitForQueues([a, b]);
    const onB = await rowOn(b, thread.uri);
    expect(onB.content_html).not.toContain("07700 900123");
    expect(onB.content_html).not.toContain("alice.w@example.com");
    expect(onB.content_html).toContain("[removed by a moderator]");
    const log = await a.kindred.database.db.selectFrom("moderation_log").selectAll().where("action", "=", "redact_post").execute();
    expect(log).toHaveLength(1);
    expect(log[0].reason).toContain("phone number");
    // Nothing left to redact.
    expect((await api(mia, "POST", `/posts/${thread.id}/redact`)).status).toBe(422);
  });

  it("redacts a remote author's reply in the group's copy only", async () => {
    const thread = await a.kindred.database.db.selectFrom("posts").selectAll().where("title", "=", "Biscuits").executeTakeFirstOrThrow();
    const onB = await rowOn(b, thread.uri);
    const reply = (await apiOk(bob, "POST", `/posts/${onB.id}/replies`, {
      body: "Mine is bob@example.org, happy to swap recipes.",
      confirmPersonalDetails: true,
    })).post;
    await waitForQueues([a, b]);
    const replyOnA = await rowOn(a, reply.uri);
    const start = (replyOnA.source ?? replyOnA.content_html).indexOf("bob@example.org");
    await apiOk(mia, "POST", `/posts/${replyOnA.id}/redact`, { spans: [{ start, end: start + 15 }] });
    expect((await rowOn(a, reply.uri)).content_html).not.toContain("bob@example.org");
    expect((await rowOn(a, reply.uri)).content_html).toContain("[removed by a moderator]");
    await waitForQueues([a, b]);
    expect((await rowOn(b, reply.uri)).source).toContain("bob@example.org");
    const log = await a.kindred.database.db.selectFrom("moderation_log").select("reason").where("post_id", "=", replyOnA.id).executeTakeFirstOrThrow();
    expect(log.reason).toContain("this server's copy only");
  });

  it("offers the button on the thread page and redacts every finding", async () => {
    const moderator = new WebClient(a);
    await moderator.submit("/login", "/login", { username: "mia", password: "mia has a long password" });
    const post = await a.kindred.database.db.selectFrom("posts").selectAll().where("title", "=", "Good news").executeTakeFirstOrThrow();
    const page = await moderator.get(`/p/${post.id}`);
    expect(page.html).toContain("Redact personal details");
    const after = await moderator.post(`/p/${post.id}/redact`, {}, page.html);
    expect(after.status).toBe(200);
    expect(text(after.html)).not.toContain("Dr Sarah Jones");
    expect(text(after.html)).toContain("[removed by a moderator]");
    expect((await rowOn(a, post.uri)).source).toContain("Signed, Carol Reed.");
  });
});
