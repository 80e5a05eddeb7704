/**
 * Posting as a local member: validation and Markdown rendering here, the
 * federated part in federation/member-actions.ts.
 */
import { missingConsent } from "./consent.ts";
import type { Context } from "@fedify/fedify";
import { findActorById } from "../db/actors.ts";
import { findActiveBan } from "../db/bans.ts";
import { findFollow } from "../db/follows.ts";
import { banMessage } from "./ban-message.ts";
import { notifyMentions } from "../db/notifications.ts";
import type { NewLocalImage } from "../db/media.ts";
import { ImageUploads } from "./images.ts";
import type { NewPoll } from "../db/polls.ts";
import type { Actor, Post } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { castVote, deletePost, editPost, type NewPostInput, publishPost } from "../federation/member-actions.ts";
import { afterScreening, screenPost } from "../federation/screening.ts";
import type { CrisisMatch } from "../policy/crisis.ts";
import { renderMarkdown } from "./markdown.ts";
import { checkPersonalDetails } from "./oversharing.ts";
import { refuseLockedReply } from "./post-moderation.ts";
import { ValidationError } from "./names.ts";

type Ctx = Context<ContextData>;

export class ForbiddenError extends Error {
  override name = "ForbiddenError";
}

export interface PostInput {
  title?: string;
  body?: string;
  summary?: string;
  sensitive?: boolean;
  /** The author saw the personal details the guard found and posts anyway (src/oversharing.ts). */
  confirmPersonalDetails?: boolean;
  /** Uploaded images, not decoded yet (new threads and replies only): src/images.ts. */
  images?: ImageUploads;
}

/**
 * Decodes and re-encodes the uploads (src/images.ts, in a worker thread);
 * called only after every authorisation check, so that no one who may not
 * post here can make the server decode anything.  Only uploads wrapped by
 * src/images.ts pass (raw JSON never can).
 */
async function decodedImages(images: unknown): Promise<NewLocalImage[]> {
  if (images == null) return [];
  if (!(images instanceof ImageUploads)) {
    throw new ValidationError("images", "images must be uploaded through the compose form or the API's images field");
  }
  return await images.clean();
}

/** Control characters other than tab and line breaks: PostgreSQL refuses NUL, and none has a use in a post. */
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

function noControls(field: string, text: string): string {
  if (CONTROLS.test(text)) throw new ValidationError(field, `${field} contains control characters`);
  return text;
}

function checkBody(body: unknown): string {
  if (typeof body !== "string" || body.trim() === "") throw new ValidationError("body", "body must not be empty");
  noControls("body", body);
  if (body.length > 50_000) throw new ValidationError("body", "body is longer than 50,000 characters");
  return body;
}

function checkTitle(title: unknown): string {
  if (typeof title !== "string" || title.trim() === "") throw new ValidationError("title", "a thread needs a title");
  if (title.length > 200) throw new ValidationError("title", "title is longer than 200 characters");
  return noControls("title", title).trim();
}

function checkSummary(summary: unknown): string | null {
  if (summary == null || summary === "") return null;
  if (typeof summary !== "string" || summary.length > 500) {
    throw new ValidationError("summary", "content warning must be text of at most 500 characters");
  }
  return noControls("summary", summary).trim();
}

export async function requireMember(ctx: Ctx, member: Actor, group: Actor): Promise<void> {
  const follow = await findFollow(ctx.data.db, member.id, group.id);
  if (follow?.state !== "accepted") throw new ForbiddenError("join the group before posting in it");
  const noConsent = member.account_id != null ? await missingConsent(ctx.data.db, member.account_id) : null;
  if (noConsent) throw new ForbiddenError(noConsent);
  const ban = await findActiveBan(ctx.data.db, group.id, member.id);
  if (ban) throw new ForbiddenError(banMessage(ban));
}

/** Checked body, rendered Markdown and content warning of a post. */
function content(input: PostInput) {
  const body = checkBody(input.body);
  const summary = checkSummary(input.summary);
  return {
    source: body,
    content_html: renderMarkdown(body),
    summary,
    // A content warning always folds the post.
    sensitive: input.sensitive === true || summary != null,
  };
}

const MENTION = /(?<![\w/@.])@([a-z0-9][a-z0-9_-]{1,62})(?:@([a-z0-9.-]+(?::\d+)?))?/gi;

/** Tells local members that a new post mentions them (`@name` or `@name@this-host`). */
export async function notifyLocalMentions(ctx: Ctx, post: Post, source: string): Promise<void> {
  const origin = new URL(ctx.origin);
  const uris = [...source.matchAll(MENTION)]
    .filter((m) => m[2] == null || m[2].toLowerCase() === origin.host)
    .map((m) => new URL(`/@${m[1].toLowerCase()}`, origin).href);
  await notifyMentions(ctx.data.db, post.id, post.author_id, uris);
}

/** A new post, and whether it matched crisis language (its author is then shown help at once). */
export type NewPost = Post & { crisis: CrisisMatch | null };

/**
 * Screens a new post (pre-moderation, crisis language), then publishes it or
 * holds it for review.  A post that a rule rejects is not stored: the author
 * is told why and can edit it.
 */
async function screenAndPublish(ctx: Ctx, author: Actor, group: Actor, input: NewPostInput & { source: string }) {
  const screening = await screenPost(ctx.data.db, group, author.id, {
    title: input.title,
    text: input.source,
    html: input.content_html,
  });
  if (screening.action === "reject") {
    throw new ValidationError("body", `This group does not accept this post: ${screening.reasons.join("; ")}. Please edit it.`);
  }
  const heldBecause = screening.action === "hold" ? screening.reasons.join("; ") : undefined;
  const post = await publishPost(ctx, author, group, { ...input, heldBecause });
  await afterScreening(ctx.data.db, group, post, screening);
  if (post.review_state === "published") await notifyLocalMentions(ctx, post, input.source);
  return { ...post, crisis: screening.crisis };
}

/** A new thread; with `poll` (checked by src/polls.ts), a poll thread, whose text is optional. */
export async function createThread(ctx: Ctx, author: Actor, group: Actor, input: PostInput, poll?: NewPoll): Promise<NewPost> {
  const title = checkTitle(input.title);
  const fields = poll && !input.body?.trim() ? { ...content({ ...input, body: "-" }), source: "", content_html: "" } : content(input);
  await requireMember(ctx, author, group);
  checkPersonalDetails(author, { title, summary: fields.summary, body: fields.source }, input.confirmPersonalDetails === true);
  return await screenAndPublish(ctx, author, group, { title, ...fields, poll, images: await decodedImages(input.images) });
}

export async function createReply(ctx: Ctx, author: Actor, parent: Post, input: PostInput): Promise<NewPost> {
  const fields = content(input);
  if (parent.deleted_at) throw new ValidationError("parent", "that post was deleted");
  if (parent.review_state !== "published") throw new ValidationError("parent", "that post is not published");
  const group = (await findActorById(ctx.data.db, parent.group_id))!;
  await requireMember(ctx, author, group);
  await refuseLockedReply(ctx, author, parent, group);
  checkPersonalDetails(author, { summary: fields.summary, body: fields.source }, input.confirmPersonalDetails === true);
  return await screenAndPublish(ctx, author, group, { parent, ...fields, images: await decodedImages(input.images) });
}

async function ownPost(ctx: Ctx, author: Actor, post: Post): Promise<Actor> {
  if (post.author_id !== author.id) throw new ForbiddenError("only the author may change this post");
  if (post.deleted_at) throw new ValidationError("post", "that post was deleted");
  return (await findActorById(ctx.data.db, post.group_id))!;
}

export async function changePost(ctx: Ctx, author: Actor, post: Post, input: PostInput): Promise<void> {
  const group = await ownPost(ctx, author, post);
  const fields = content(input);
  const title = post.parent_id == null ? checkTitle(input.title ?? post.title) : null;
  checkPersonalDetails(author, { title, summary: fields.summary, body: fields.source }, input.confirmPersonalDetails === true);
  await editPost(ctx, author, group, post, { title, ...fields });
}

export async function removeOwnPost(ctx: Ctx, author: Actor, post: Post): Promise<void> {
  const group = await ownPost(ctx, author, post);
  await deletePost(ctx, author, group, post);
}

export async function vote(ctx: Ctx, voter: Actor, post: Post, value: unknown): Promise<void> {
  if (value !== 1 && value !== -1 && value !== 0) throw new ValidationError("value", "vote must be 1, -1 or 0");
  if (post.deleted_at) throw new ValidationError("post", "that post was deleted");
  if (post.review_state !== "published") throw new ValidationError("post", "that post is not published");
  const group = (await findActorById(ctx.data.db, post.group_id))!;
  await requireMember(ctx, voter, group);
  await castVote(ctx, voter, group, post, value);
}
