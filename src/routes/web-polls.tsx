/** Poll pages: starting a poll in a group, and voting from the thread page. */
import { Hono } from "hono";
import { findPostById } from "../../db/posts.ts";
import type { Actor } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { postingLimit } from "../rate-limits.ts";
import { ValidationError } from "../names.ts";
import { NewPollPage, type NewPollValues } from "../pages/poll.tsx";
import { groupPath, postPath } from "../pages/page-info.ts";
import { createPoll, MAX_OPTIONS, voteInPoll } from "../polls.ts";
import { findGroupActorById } from "../web-groups.ts";
import { afterPosting, type C, formFields, pageInfo, positiveInt, toLogin } from "./web-common.ts";

function pollValues(f: Record<string, string>): NewPollValues {
  const options = Array.from({ length: MAX_OPTIONS }, (_, i) => f[`option${i}`] ?? "");
  return { title: f.title, body: f.body, options, multiple: f.multiple === "yes", duration: f.duration };
}

export function webPollRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const form = (c: C, group: Actor, values: NewPollValues, errors?: string[]) =>
    <NewPollPage page={pageInfo(c)} groupName={group.name ?? group.username} action={`/g/${group.id}/polls/new`}
      cancelHref={groupPath(group)} values={values} errors={errors} />;

  app.get("/g/:id{[0-9]+}/polls/new", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));
    return group ? c.html(form(c, group, {})) : c.notFound();
  });

  app.post("/g/:id{[0-9]+}/polls/new", postingLimit(), async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const ctx = c.var.kindred.fedify();
    const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
    if (!group) return c.notFound();
    const values = pollValues(await formFields(c));
    try {
      const post = await createPoll(ctx, viewer.actor, group, { ...values, options: values.options });
      return c.redirect(afterPosting(postPath(post), post), 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.html(form(c, group, values, [error.message]), 422);
    }
  });

  app.post("/p/:id{[0-9]+}/poll", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const id = positiveInt(c.req.param("id"));
    const post = id ? await findPostById(c.var.kindred.db, id) : undefined;
    if (!post) return c.notFound();
    const body = await c.req.parseBody({ all: true });
    const choices = [body.choice].flat().filter((v): v is string => typeof v === "string");
    // A refusal (ended, no choice) becomes the 422 page of web-errors.tsx, with a way back.
    await voteInPoll(c.var.kindred.fedify(), viewer.actor, post, choices);
    return c.redirect(`${postPath(post)}#poll-heading`, 303);
  });

  return app;
}
