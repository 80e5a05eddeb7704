/**
 * The JSON API of polls and feedback to a group's managers (registered on
 * the authenticated API in api.ts).
 */
import type { Hono } from "hono";
import { findPostById, findPostView } from "../../db/posts.ts";
import type { AppEnv } from "../app-env.ts";
import { feedbackJson, listGroupFeedback, markHandled, sendFeedback } from "../feedback.ts";
import { createPoll, pollJson, pollView, voteInPoll } from "../polls.ts";
import { body, groupParam, intParam } from "./api-params.ts";
import { postJson } from "./api-json.ts";
import { postingLimit } from "../rate-limits.ts";
import { mayReadPost } from "../group-access.ts";

export function pollsApi(api: Hono<AppEnv>): void {
  api.post("/groups/:groupId/polls", postingLimit(), async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const ctx = c.var.kindred.fedify();
    const post = await createPoll(ctx, c.var.actor, group, await body(c));
    const view = (await findPostView(c.var.kindred.db, { id: post.id }))!;
    return c.json({ post: postJson(view), poll: pollJson((await pollView(ctx, post.id, c.var.actor))!) }, 201);
  });

  api.get("/posts/:postId/poll", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    const ctx = c.var.kindred.fedify();
    const readable = post && post.review_state === "published" &&
      await mayReadPost(ctx, post, { account: c.var.account, actor: c.var.actor });
    const poll = readable ? await pollView(ctx, post.id, c.var.actor) : undefined;
    if (!poll) return c.json({ error: "no such poll" }, 404);
    return c.json({ poll: pollJson(poll) });
  });

  api.post("/posts/:postId/poll/votes", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such poll" }, 404);
    const ctx = c.var.kindred.fedify();
    await voteInPoll(ctx, c.var.actor, post, (await body(c)).choices);
    return c.json({ poll: pollJson((await pollView(ctx, post.id, c.var.actor))!) });
  });

  api.post("/groups/:groupId/feedback", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const item = await sendFeedback(c.var.kindred.fedify(), c.var.actor, group, await body(c));
    return c.json({ feedback: { id: item.id, category: item.category } }, 201);
  });

  api.get("/groups/:groupId/feedback", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const items = await listGroupFeedback(c.var.kindred.fedify(), c.var.account, group);
    return c.json({ feedback: items.map(feedbackJson) });
  });

  api.post("/groups/:groupId/feedback/:feedbackId/handled", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    await markHandled(c.var.kindred.fedify(), c.var.account, c.var.actor, group, intParam(c, "feedbackId"));
    return c.json({ ok: true });
  });
}
