/**
 * The JSON API for local members (the web pages come later).  Bearer-token
 * auth; groups are addressed by their actor id from `POST /groups/follow`
 * or `GET /groups`.
 */
import { Hono, type Context } from "hono";
import { findAccountActor, findActorById } from "../../db/actors.ts";
import { findFollow, listPendingFollowers } from "../../db/follows.ts";
import { findPostById, findPostView, listThreadPostViews, listThreadViews } from "../../db/posts.ts";
import { type ThreadPageAt, threadPageRange } from "../../db/thread-pages.ts";
import { NameTakenError } from "../../db/groups.ts";
import { leaveGroup } from "../../federation/member-actions.ts";
import type { AppEnv } from "../app-env.ts";
import { accountForToken, logIn, SuspendedError, suspendedMessage } from "../auth.ts";
import { moderationApiRoutes } from "./api-moderation.ts";
import { federationPolicyApi } from "./api-federation-policy.ts";
import { directoryApi } from "./api-directory.ts";
import { canReadGroupContent, canSeeGroup, type Reader } from "../group-access.ts";
import { logGroupContentRead, logHiddenPostsRead, logRoleAccess, routeOf } from "../access-log.ts";
import { approvalRefusal, canModerate, decideJoinRequest, join, newServerWarning } from "../membership.ts";
import { ValidationError } from "../names.ts";
import { PersonalDetailsError } from "../oversharing.ts";
import { findGroupByHandle } from "../web-groups.ts";
import { body, groupParam, intParam } from "./api-params.ts";
import { premoderationApi } from "./api-premoderation.ts";
import { groupSettingsApi } from "./api-group-settings.ts";
import { onboardingApi, welcomeJson } from "./api-onboarding.ts";
import { newHereAmong } from "../onboarding.ts";
import { pollsApi } from "./api-polls.ts";
import { caregiversApi } from "./api-caregivers.ts";
import { notificationsApi } from "./api-notifications.ts";
import { memberTypesOf } from "../../db/member-types.ts";
import { chooseGroupMemberType } from "../caregivers.ts";
import { checkMemberType } from "../web-accounts.ts";
import { dataRightsApi } from "./api-data-rights.ts";
import { outcomesApi } from "./api-outcomes.ts";
import { NoQuestionnaireError } from "../outcomes.ts";
import { emailSettingsApi } from "./api-email-settings.ts";
import { emailAddressApi } from "./api-email-address.ts";
import { markActive } from "../../db/account-data.ts";
import { changePost, createReply, createThread, ForbiddenError, type NewPost, removeOwnPost, vote } from "../posts.ts";
import { crisisResources } from "../crisis.ts";
import { ImageUploads, jsonUploads } from "../images.ts";
import { listMediaOf } from "../../db/media.ts";
import type { Post } from "../../db/schema.ts";
import { actorJson, directoryJson, postJson, reportJson } from "./api-json.ts";
import { searchGroups } from "../../db/web-groups.ts";
import { positiveInt } from "./web-common.ts";
import { moderatePost, postModeratorNote, redactPost } from "../post-moderation.ts";
import { findReport, listReports } from "../../db/reports.ts";
import { canHandleReports, decideReport, fileReport } from "../reports.ts";
import { postingLimit, RateLimitedError, takeLogin, tooManyRequestsJson } from "../rate-limits.ts";

type C = Context<AppEnv>;

/** A new post's JSON body, its `images` ([{ data: base64, alt }]) to be re-encoded once the author may post (src/images.ts). */
async function postBody(c: C) {
  const json = await body(c);
  return { ...json, images: new ImageUploads(jsonUploads(json.images), c.var.kindred.imageLimits) };
}

/**
 * A new post; when it matched crisis language, the crisis resources to show
 * its author at once, as the web pages do.
 */
async function newPostJson(c: C, post: NewPost) {
  const images = (await listMediaOf(c.var.kindred.db, [post.id])).get(post.id) ?? [];
  const json = {
    ...postJson((await findPostView(c.var.kindred.db, { id: post.id }))!),
    images: images.map((m) => ({ url: new URL(`/media/${m.id}`, c.var.kindred.origin).href, mediaType: m.content_type, alt: m.alt, width: m.width, height: m.height })),
  };
  return post.crisis ? { post: json, crisisResources: await crisisResources(c.var.kindred.db) } : { post: json };
}

/**
 * A thread's posts, without held or rejected ones unless the caller wrote
 * them or moderates the group: the thread and one page of its replies
 * (db/thread-pages.ts), the page holding `post` when it is a reply.
 */
async function visibleThread(c: C, post: Post, at: ThreadPageAt) {
  const { db } = c.var.kindred;
  const threadId = post.thread_id ?? post.id;
  const group = (await findActorById(db, post.group_id))!;
  if (!(await canReadGroupContent(c.var.kindred.fedify(), group, reader(c)))) return { posts: [] };
  const moderator = await canModerate(c.var.kindred.fedify(), c.var.account, group);
  const readerOf = { actorId: c.var.actor.id, moderator };
  const range = post.id !== threadId
    ? await threadPageRange(db, threadId, readerOf, { holding: post.id }) ?? await threadPageRange(db, threadId, readerOf, undefined)
    : await threadPageRange(db, threadId, readerOf, at);
  if (at && !range) return { posts: [] };
  const posts = (await listThreadPostViews(db, threadId, range ?? null))
    .filter((p) => p.review_state === "published" || moderator || p.author_id === c.var.actor.id);
  return { posts: posts[0]?.id === threadId ? posts : [], range };
}

/** ?after=ID or ?before=ID: the page of replies next to a reply. */
function pageParam(c: C): ThreadPageAt {
  const after = c.req.query("after");
  const before = c.req.query("before");
  if (after === undefined && before === undefined) return undefined;
  const id = Number(after ?? before);
  if (!Number.isSafeInteger(id) || id <= 0) throw new ValidationError(after !== undefined ? "after" : "before", "after and before take a reply's id");
  return after !== undefined ? { after: id } : { before: id };
}

/** The API's caller, as a reader of groups (src/group-access.ts). */
const reader = (c: C): Reader => ({ account: c.var.account, actor: c.var.actor });

export function apiRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.onError((error, c) => {
    if (error instanceof PersonalDetailsError) {
      // Not published: the author resends with "confirmPersonalDetails": true, or edits.
      const personalDetails = error.details.map(({ kind, text, start, end, field }) => ({ kind, text, start, end, field }));
      return c.json({ error: error.message, field: error.field, personalDetails }, 422);
    }
    if (error instanceof ValidationError) return c.json({ error: error.message, field: error.field }, 422);
    if (error instanceof ForbiddenError) return c.json({ error: error.message }, 403);
    if (error instanceof NoQuestionnaireError) return c.json({ error: error.message }, 404);
    if (error instanceof NameTakenError) return c.json({ error: error.message }, 409);
    if (error instanceof SuspendedError) return c.json({ error: error.message }, 403);
    if (error instanceof RateLimitedError) return tooManyRequestsJson(c, error);
    throw error;
  });

  api.post("/sessions", async (c) => {
    const { username, password } = await body(c);
    if (typeof username !== "string" || typeof password !== "string") {
      throw new ValidationError("username", "username and password are required");
    }
    const attempt = await takeLogin(c, username);
    const token = await logIn(c.var.kindred.db, username, password);
    if (!token) return c.json({ error: "wrong username or password" }, 401);
    await attempt.refund();
    return c.json({ token }, 201);
  });

  api.use("*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = /^Bearer ([\w-]{20,})$/.exec(header)?.[1];
    const account = token ? await accountForToken(c.var.kindred.db, token) : undefined;
    const actor = account ? await findAccountActor(c.var.kindred.db, account.id) : undefined;
    if (!account || !actor) return c.json({ error: "log in first (Authorization: Bearer TOKEN)" }, 401);
    if (account.suspended_at) return c.json({ error: suspendedMessage(account) }, 403);
    c.set("account", account);
    c.set("actor", actor);
    await markActive(c.var.kindred.db, account.id);
    await next();
  });

  api.post("/groups/follow", async (c) => {
    const b = await body(c);
    const handle = b.handle;
    if (typeof handle !== "string" || handle.trim() === "") throw new ValidationError("handle", "handle is required");
    const ctx = c.var.kindred.fedify();
    const group = await findGroupByHandle(ctx, handle);
    if (!group) return c.json({ error: `no group found for ${handle}` }, 404);
    // The badge to show in this group ("profile": the profile's), checked before joining.
    if (b.memberType != null && b.memberType !== "profile") checkMemberType(b.memberType);
    const state = await join(ctx, c.var.actor, group);
    if (b.memberType != null) await chooseGroupMemberType(c.var.kindred.db, c.var.actor, group, b.memberType);
    // A member of a group here is shown its welcome at once (src/onboarding.ts).
    const welcome = state === "accepted" ? await welcomeJson(ctx, group, c.var.kindred.origin) : null;
    return c.json({ group: actorJson(group), state, welcome });
  });

  api.post("/groups/:groupId/leave", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    await leaveGroup(c.var.kindred.fedify(), c.var.actor, group);
    return c.json({ ok: true });
  });

  // The directory: local groups by name, 100 at a time (`after`: the `next` of
  // the page before), or the best 100 matching `q` (full text, as /groups).
  api.get("/groups", async (c) => {
    const query = c.req.query("q")?.slice(0, 200)?.trim() || undefined;
    const after = query ? undefined : positiveInt(c.req.query("after"));
    const groups = await searchGroups(c.var.kindred.db, query, { withLocalOnly: true, after, limit: 101 });
    const page = groups.slice(0, 100);
    const next = !query && groups.length > 100 ? page[page.length - 1].id : null;
    return c.json({ groups: page.map(directoryJson), next });
  });

  api.get("/groups/:groupId", async (c) => {
    const group = await groupParam(c);
    if (!group || !canSeeGroup(group, reader(c))) return c.json({ error: "no such group" }, 404);
    const follow = await findFollow(c.var.kindred.db, c.var.actor.id, group.id);
    return c.json({ group: actorJson(group), membership: follow?.state ?? null });
  });

  api.get("/groups/:groupId/threads", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    if (!(await canReadGroupContent(c.var.kindred.fedify(), group, reader(c)))) {
      return c.json({ error: "this group's threads are for its members" }, 403);
    }
    const moderator = await canModerate(c.var.kindred.fedify(), c.var.account, group);
    // `memberType`: only threads started by patients, caregivers or supporters (their badge in the group).
    const memberType = checkMemberType(c.req.query("memberType")) ?? undefined;
    const threads = await listThreadViews(c.var.kindred.db, group.id, { limit: 50, withRemoved: moderator, memberType });
    if (threads.length > 0) {
      await logGroupContentRead(c.var.kindred.fedify(), reader(c), group, { subject: "private_threads", route: routeOf(c.req) });
    }
    const newcomers = await newHereAmong(c.var.kindred.fedify(), group, threads.map((t) => t.author_id));
    const memberTypes = await memberTypesOf(c.var.kindred.db, [...new Set(threads.map((t) => t.author_id))], group.id);
    return c.json({ threads: threads.map((t) => postJson(t, moderator, newcomers, memberTypes)) });
  });

  api.post("/groups/:groupId/threads", postingLimit(), async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const post = await createThread(c.var.kindred.fedify(), c.var.actor, group, await postBody(c));
    return c.json(await newPostJson(c, post), 201);
  });

  api.get("/groups/:groupId/requests", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    if (!(await canModerate(c.var.kindred.fedify(), c.var.account, group))) throw new ForbiddenError("moderators only");
    const pending = await listPendingFollowers(c.var.kindred.db, group.id);
    const requests = [];
    for (const a of pending) {
      // The first member from another server opens the group to its admins.
      requests.push({
        ...actorJson(a),
        warning: await newServerWarning(c.var.kindred.db, group, a) ?? null,
        refusal: await approvalRefusal(c.var.kindred.db, group, a) ?? null,
      });
    }
    return c.json({ requests });
  });

  api.post("/groups/:groupId/requests/:actorId/:decision{approve|reject}", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const ctx = c.var.kindred.fedify();
    if (!(await canModerate(ctx, c.var.account, group))) throw new ForbiddenError("moderators only");
    await decideJoinRequest(ctx, group, intParam(c, "actorId"), c.req.param("decision") === "approve");
    return c.json({ ok: true });
  });

  api.get("/posts/:postId", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such post" }, 404);
    const { posts, range } = await visibleThread(c, post, post.thread_id == null ? pageParam(c) : undefined);
    if (posts.length === 0) return c.json({ error: "no such post" }, 404);
    const group = (await findActorById(c.var.kindred.db, post.group_id))!;
    const moderator = await canModerate(c.var.kindred.fedify(), c.var.account, group);
    // The access log (src/access-log.ts): reads that only a role allowed.
    await logGroupContentRead(c.var.kindred.fedify(), reader(c), group, { subject: "private_thread", subjectId: posts[0].id, route: routeOf(c.req) });
    if (moderator) await logHiddenPostsRead(c.var.kindred.fedify(), reader(c), group, posts, routeOf(c.req));
    const newcomers = await newHereAmong(c.var.kindred.fedify(), group, posts.map((p) => p.author_id));
    const memberTypes = await memberTypesOf(c.var.kindred.db, [...new Set(posts.map((p) => p.author_id))], group.id);
    const pageUrl = (key: string, id: number | undefined) =>
      id ? new URL(`/api/v1/posts/${posts[0].id}?${key}=${id}`, c.var.kindred.origin).href : null;
    return c.json({
      thread: posts.map((p) => postJson(p, moderator, newcomers, memberTypes)),
      // A long thread's replies come in pages; `next` and `previous` are their addresses.
      page: range
        ? { page: range.page, pages: range.pages, previous: pageUrl("before", range.previousId), next: pageUrl("after", range.nextId) }
        : { page: 1, pages: 1, previous: null, next: null },
    });
  });

  // Moderators: {action: remove|restore|lock|unlock|pin|unpin|needs-source|source-ok, reason}.
  api.post("/posts/:postId/moderation", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such post" }, 404);
    const { action, reason } = await body(c);
    await moderatePost(c.var.kindred.fedify(), c.var.account, c.var.actor, post, action, reason);
    return c.json({ post: postJson((await findPostView(c.var.kindred.db, { id: post.id }))!, true) });
  });

  // Moderators: replaces personal details with "[removed by a moderator]"; {spans?: [{start, end}]} of the post's text.
  api.post("/posts/:postId/redact", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such post" }, 404);
    const json = await c.req.json().catch(() => ({}));
    const { redacted } = await redactPost(c.var.kindred.fedify(), c.var.account, c.var.actor, post, json?.spans);
    return c.json({ redacted, post: postJson((await findPostView(c.var.kindred.db, { id: post.id }))!, true) });
  });

  api.post("/posts/:postId/moderator-notes", async (c) => {
    const parent = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!parent) return c.json({ error: "no such post" }, 404);
    const note = await postModeratorNote(c.var.kindred.fedify(), c.var.account, c.var.actor, parent, (await body(c)).body);
    return c.json({ post: postJson((await findPostView(c.var.kindred.db, { id: note.id }))!, true) }, 201);
  });

  api.post("/posts/:postId/replies", postingLimit(), async (c) => {
    const parent = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!parent) return c.json({ error: "no such post" }, 404);
    const post = await createReply(c.var.kindred.fedify(), c.var.actor, parent, await postBody(c));
    return c.json(await newPostJson(c, post), 201);
  });

  api.patch("/posts/:postId", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such post" }, 404);
    await changePost(c.var.kindred.fedify(), c.var.actor, post, await body(c));
    return c.json({ post: postJson((await findPostView(c.var.kindred.db, { id: post.id }))!) });
  });

  api.delete("/posts/:postId", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such post" }, 404);
    await removeOwnPost(c.var.kindred.fedify(), c.var.actor, post);
    return c.json({ ok: true });
  });

  api.put("/posts/:postId/vote", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such post" }, 404);
    await vote(c.var.kindred.fedify(), c.var.actor, post, (await body(c)).value);
    return c.json({ post: postJson((await findPostView(c.var.kindred.db, { id: post.id }))!) });
  });

  // Reports: any member files one; the group's moderators list and close them.
  api.post("/posts/:postId/report", async (c) => {
    const b = await body(c);
    const report = await fileReport(c.var.kindred.fedify(), c.var.actor, {
      postId: intParam(c, "postId"), about: b.about, reason: b.reason, comment: b.comment, alsoAuthor: b.also_author,
    });
    return c.json({ report: { id: report.id, state: report.state } }, 201);
  });

  api.get("/groups/:groupId/reports", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    if (!(await canHandleReports(c.var.kindred.fedify(), c.var.account, group))) throw new ForbiddenError("moderators only");
    const state = c.req.query("state") ?? "open";
    if (state !== "open" && state !== "resolved" && state !== "dismissed") throw new ValidationError("state", "unknown state");
    const reports = await listReports(c.var.kindred.db, group.id, state);
    if (reports.length > 0) await logRoleAccess(c.var.kindred.fedify(), c.var.account, group, { subject: "reports", route: routeOf(c.req) });
    return c.json({ reports: reports.map(reportJson) });
  });

  api.post("/groups/:groupId/reports/:reportId/:decision{resolve|dismiss}", async (c) => {
    const group = await groupParam(c);
    const report = await findReport(c.var.kindred.db, intParam(c, "reportId"));
    if (!group || !report || report.group_actor_id !== group.id) return c.json({ error: "no such report" }, 404);
    const decision = c.req.param("decision") === "resolve" ? "resolved" : "dismissed";
    await decideReport(c.var.kindred.fedify(), c.var.account, report, decision);
    return c.json({ ok: true, state: decision });
  });

  groupSettingsApi(api);
  onboardingApi(api);
  caregiversApi(api);
  notificationsApi(api);
  premoderationApi(api);
  moderationApiRoutes(api);
  federationPolicyApi(api);
  directoryApi(api);
  pollsApi(api);
  dataRightsApi(api);
  outcomesApi(api);
  emailSettingsApi(api);
  emailAddressApi(api);
  return api;
}
