/** Thread pages and what members do to posts: reply, vote, edit, delete. */
import { Hono } from "hono";
import { findActorById } from "../../db/actors.ts";
import { badgesOf } from "../../db/bans.ts";
import { findFollow } from "../../db/follows.ts";
import { findPostById, listThreadPostCards, type PostCard } from "../../db/posts.ts";
import { fitsOnePage, type ThreadPageRange, threadPageRange, type ThreadReader } from "../../db/thread-pages.ts";
import type { Post } from "../../db/schema.ts";
import { votesOf } from "../../db/web-members.ts";
import { memberTypesOf } from "../../db/member-types.ts";
import type { AppEnv } from "../app-env.ts";
import { postingLimit } from "../rate-limits.ts";
import { renderMarkdown } from "../markdown.ts";
import { ValidationError } from "../names.ts";
import { type FoundDetail, PersonalDetailsError } from "../oversharing.ts";
import { ComposePage } from "../pages/compose.tsx";
import { groupPath, postPath } from "../pages/page-info.ts";
import type { ComposeValues } from "../pages/post-parts.tsx";
import { ThreadPage } from "../pages/thread.tsx";
import { canModerate } from "../membership.ts";
import { changePost, createReply, removeOwnPost, vote } from "../posts.ts";
import { crisisResources } from "../crisis.ts";
import type { ThreadProps } from "../pages/thread.tsx";
import { pollView } from "../polls.ts";
import { canReadGroupContent, mayReadPost } from "../group-access.ts";
import { logGroupContentRead, logHiddenPostsRead, routeOf } from "../access-log.ts";
import { postInput } from "./web-groups.tsx";
import { listMediaOf } from "../../db/media.ts";
import { formUploads, ImageUploads } from "../images.ts";
import { feedLinks } from "./feeds.ts";
import { newHereAmong } from "../onboarding.ts";
import { afterPosting, type C, formFields, groupPageInfo, pageInfo, positiveInt, toLogin } from "./web-common.ts";

/** The thread a post belongs to, with the viewer's votes and membership. */
export async function renderThread(c: C, post: Post): Promise<Response> {
  const { db } = c.var.kindred;
  const group = await findActorById(db, post.group_id);
  // A private or local-only group's threads: members only (src/group-access.ts).
  if (!group || !(await canReadGroupContent(c.var.kindred.fedify(), group, c.var.viewer))) return c.notFound();
  const viewerActor = c.var.viewer?.actor;
  const moderator = c.var.viewer && group ? await canModerate(c.var.kindred.fedify(), c.var.viewer.account, group) : false;
  // A long thread's replies come in pages: a reply's own address shows the
  // page that holds it; ?after= and ?before= the pages next to a reply.
  const threadId = post.thread_id ?? post.id;
  const reader = { actorId: viewerActor?.id, moderator };
  const range = await replyPage(c, db, threadId, post, reader);
  if (range === false) return c.notFound();
  // Posts of authors an admin blocked instance-wide are left out by the query;
  // held and rejected posts are shown only to their authors and the moderators.
  const posts = (await listThreadPostCards(db, threadId, range ?? null)).filter((p) =>
    p.review_state === "published" || moderator || p.author_id === viewerActor?.id
  );
  if (posts.length === 0 || posts[0].id !== (post.thread_id ?? post.id)) return c.notFound();
  // The access log (src/access-log.ts): reads that only a role allowed.
  await logGroupContentRead(c.var.kindred.fedify(), c.var.viewer, group, { subject: "private_thread", subjectId: posts[0].id, route: routeOf(c.req) });
  if (moderator) await logHiddenPostsRead(c.var.kindred.fedify(), c.var.viewer, group, posts, routeOf(c.req));
  // The badge each author shows in this group (their choice for it, or their profile's).
  const memberTypes = await memberTypesOf(db, [...new Set(posts.map((p) => p.author_id))], post.group_id);
  const actor = c.var.viewer?.actor;
  const member = actor ? (await findFollow(db, actor.id, post.group_id))?.state === "accepted" : false;
  const votes = actor && member ? await votesOf(db, actor.id, posts.map((p) => p.id)) : new Map();
  const authors = [...new Set(posts.map((p) => p.author_id))];
  const badges = { ...await badgesOf(db, group?.id, authors), newcomers: await newHereAmong(c.var.kindred.fedify(), group, authors) };
  const root = posts[0];
  const feeds = root.review_state === "published" && root.removed_at == null && root.deleted_at == null
    ? feedLinks(group, `Replies to ${root.title ?? "this thread"}`, `/p/${root.id}`)
    : [];
  return c.html(
    <ThreadPage page={{ ...groupPageInfo(c, group), feeds }} groupName={group?.name ?? group?.username ?? "Group"}
      groupUrl={group ? groupPath(group) : "/groups"} posts={posts} memberTypes={memberTypes}
      viewer={actor ? { actorId: actor.id, member, votes, moderator } : undefined} groupId={group?.id} badges={badges}
      notice={await postingNotice(c, posts)} poll={await pollView(c.var.kindred.fedify(), posts[0].id, actor)}
      images={await listMediaOf(db, posts.map((p) => p.id))} pagination={range && {
        page: range.page,
        pages: range.pages,
        previousHref: range.previousId ? `/p/${threadId}?before=${range.previousId}#replies` : undefined,
        nextHref: range.nextId ? `/p/${threadId}?after=${range.nextId}#replies` : undefined,
      }} />,
  );
}

/**
 * The page of replies to show: the one holding a reply asked for by its own
 * address, the one after or before a reply (?after=, ?before=), or the
 * first; undefined when no reply is visible, false for a page asked for by a
 * reply that is not one of the thread's.
 */
async function replyPage(
  c: C,
  db: C["var"]["kindred"]["db"],
  threadId: number,
  post: Post,
  reader: ThreadReader,
): Promise<ThreadPageRange | undefined | false> {
  if (post.id !== threadId) {
    // A reply the viewer may not see (held, or its author blocked): the first page.
    return await threadPageRange(db, threadId, reader, { holding: post.id }) ??
      await threadPageRange(db, threadId, reader, undefined);
  }
  const after = c.req.query("after");
  const before = c.req.query("before");
  const id = positiveInt(after ?? before ?? "");
  if ((after ?? before) !== undefined && !id) return false;
  if (!id) return await threadPageRange(db, threadId, reader, undefined);
  return await threadPageRange(db, threadId, reader, after !== undefined ? { after: id } : { before: id }) ?? false;
}

/** Right after posting (see afterPosting): the held notice and the crisis panel. */
async function postingNotice(c: C, posts: PostCard[]): Promise<ThreadProps["notice"]> {
  const viewer = c.var.viewer?.actor;
  const held = c.req.query("held") === "1" && posts.some((p) => p.review_state === "held" && p.author_id === viewer?.id);
  const crisis = c.req.query("crisis") === "1" ? await crisisResources(c.var.kindred.db) : undefined;
  return held || crisis ? { held, crisis } : undefined;
}

async function postParam(c: C): Promise<Post | undefined> {
  const id = positiveInt(c.req.param("id"));
  return id ? await findPostById(c.var.kindred.db, id) : undefined;
}

/** The thread's page, at the post. */
const threadLink = (post: Post, anchor = post.id) =>
  `${post.thread_id == null ? postPath(post) : `/p/${post.thread_id}`}#post-${anchor}`;

/**
 * Back to the thread, at the post: when the thread has more than one page
 * of replies, the reply's own address, which shows the page that holds it.
 */
async function backTo(c: C, post: Post, anchor = post.id): Promise<string> {
  const threadId = post.thread_id ?? post.id;
  if (anchor === threadId || await fitsOnePage(c.var.kindred.db, threadId)) return threadLink(post, anchor);
  return `/p/${anchor}#post-${anchor}`;
}

export function webPostRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/p/:id{[0-9]+}", async (c) => {
    const post = await postParam(c);
    if (!post) return c.notFound();
    return await renderThread(c, post);
  });

  app.post("/p/:id{[0-9]+}/reply", postingLimit(), async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const parent = await postParam(c);
    // The form shows the post replied to: only to those who may read it.
    if (!parent || !(await mayReadPost(c.var.kindred.fedify(), parent, viewer))) return c.notFound();
    const f = await formFields(c);
    const input = postInput(f);
    const page = (extra: { previewHtml?: string; errors?: string[]; personalDetails?: FoundDetail[] }) =>
      <ComposePage page={pageInfo(c)} heading="Reply" action={`/p/${parent.id}/reply`} submitLabel="Post reply"
        withTitle={false} withImages values={input} cancelHref={threadLink(parent)}
        context={{ author: "The post", html: parent.content_html }} {...extra} />;
    if (f.action === "preview") return c.html(page({ previewHtml: renderMarkdown(input.body ?? "") }));
    try {
      // Decoded by createReply, only once the viewer may reply here.
      const images = new ImageUploads(await formUploads(await c.req.parseBody()), c.var.kindred.imageLimits);
      const reply = await createReply(c.var.kindred.fedify(), viewer.actor, parent, { ...input, images });
      return c.redirect(afterPosting(await backTo(c, parent, reply.id), reply), 303);
    } catch (error) {
      if (error instanceof PersonalDetailsError) return c.html(page({ personalDetails: error.details }), 422);
      if (!(error instanceof ValidationError)) throw error;
      return c.html(page({ errors: [error.message] }), 422);
    }
  });

  app.post("/p/:id{[0-9]+}/vote", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const post = await postParam(c);
    if (!post) return c.notFound();
    await vote(c.var.kindred.fedify(), viewer.actor, post, Number((await formFields(c)).value));
    return c.redirect(await backTo(c, post), 303);
  });

  const editPage = (c: C, post: Post, values: ComposeValues, extra = {}) =>
    <ComposePage page={pageInfo(c)} heading={post.parent_id == null ? "Edit thread" : "Edit reply"}
      action={`/p/${post.id}/edit`} submitLabel="Save changes" withTitle={post.parent_id == null}
      values={values} cancelHref={threadLink(post)} {...extra} />;

  app.get("/p/:id{[0-9]+}/edit", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const post = await postParam(c);
    if (!post || post.author_id !== viewer.actor.id || post.deleted_at) return c.notFound();
    return c.html(editPage(c, post, {
      title: post.title ?? undefined,
      body: post.source ?? "",
      summary: post.summary ?? undefined,
      sensitive: post.sensitive && !post.summary,
    }));
  });

  app.post("/p/:id{[0-9]+}/edit", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const post = await postParam(c);
    if (!post) return c.notFound();
    const f = await formFields(c);
    const input = postInput(f);
    if (f.action === "preview") return c.html(editPage(c, post, input, { previewHtml: renderMarkdown(input.body ?? "") }));
    try {
      await changePost(c.var.kindred.fedify(), viewer.actor, post, input);
      return c.redirect(await backTo(c, post), 303);
    } catch (error) {
      if (error instanceof PersonalDetailsError) return c.html(editPage(c, post, input, { personalDetails: error.details }), 422);
      if (!(error instanceof ValidationError)) throw error;
      return c.html(editPage(c, post, input, { errors: [error.message] }), 422);
    }
  });

  app.post("/p/:id{[0-9]+}/delete", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const post = await postParam(c);
    if (!post) return c.notFound();
    await removeOwnPost(c.var.kindred.fedify(), viewer.actor, post);
    return c.redirect(await backTo(c, post), 303);
  });

  return app;
}
