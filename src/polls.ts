/**
 * Polls for a group's decisions: starting one (a thread whose object is a
 * `Question`) and voting, with the checks; the federated part is in
 * federation/polls.ts.  Results are counts only: who chose what is never
 * shown to anyone.
 */
import type { Context } from "@fedify/fedify";
import { findActorById } from "../db/actors.ts";
import { choicesOf, findPoll, type NewPoll, type Poll, pollEnded } from "../db/polls.ts";
import type { Actor, Post } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { castPollVote } from "../federation/polls.ts";
import { ValidationError } from "./names.ts";
import { createThread, type NewPost, type PostInput, requireMember } from "./posts.ts";

type Ctx = Context<ContextData>;

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;
const MAX_OPTION_LENGTH = 100;

/** How long a poll runs: the choices the forms offer. */
export const POLL_DURATIONS = { "1d": 1, "3d": 3, "1w": 7 } as const;
export type PollDuration = keyof typeof POLL_DURATIONS;
export const DURATION_LABELS: Record<PollDuration, string> = { "1d": "1 day", "3d": "3 days", "1w": "1 week" };

export interface PollInput extends PostInput {
  options?: unknown;
  multiple?: unknown;
  duration?: unknown;
}

/** Checked options: 2–10 distinct, non-empty names of at most 100 characters. */
export function checkOptions(value: unknown): string[] {
  if (!Array.isArray(value)) throw new ValidationError("options", "options must be a list of texts");
  const options = value.map((o) => (typeof o === "string" ? o.trim() : "")).filter((o) => o !== "");
  if (options.length < MIN_OPTIONS || options.length > MAX_OPTIONS) {
    throw new ValidationError("options", `a poll needs ${MIN_OPTIONS} to ${MAX_OPTIONS} options`);
  }
  if (options.some((o) => o.length > MAX_OPTION_LENGTH)) {
    throw new ValidationError("options", `an option is longer than ${MAX_OPTION_LENGTH} characters`);
  }
  if (new Set(options.map((o) => o.toLowerCase())).size !== options.length) {
    throw new ValidationError("options", "two options are the same");
  }
  return options;
}

function checkDuration(value: unknown): PollDuration {
  if (typeof value === "string" && value in POLL_DURATIONS) return value as PollDuration;
  throw new ValidationError("duration", "choose how long the poll runs: 1 day, 3 days or 1 week");
}

/** Starts a poll in `group` (through pre-moderation, like any thread). */
export async function createPoll(ctx: Ctx, author: Actor, group: Actor, input: PollInput, now = new Date()): Promise<NewPost> {
  const options = checkOptions(input.options);
  const days = POLL_DURATIONS[checkDuration(input.duration)];
  const poll: NewPoll = {
    multiple: input.multiple === true,
    endTime: new Date(now.getTime() + days * 24 * 3600 * 1000),
    options,
  };
  return await createThread(ctx, author, group, input, poll);
}

/**
 * A member's vote: the positions chosen.  A single-choice poll takes one
 * and replaces an earlier choice; a multiple-choice poll adds the options
 * not chosen yet (a vote cannot be taken back, as on Mastodon).
 */
export async function voteInPoll(ctx: Ctx, voter: Actor, post: Post, choices: unknown): Promise<Poll> {
  const poll = post.parent_id == null ? await findPoll(ctx.data.db, post.id) : undefined;
  if (!poll) throw new ValidationError("post", "that thread is not a poll");
  if (post.deleted_at) throw new ValidationError("post", "that post was deleted");
  if (post.review_state !== "published") throw new ValidationError("post", "that post is not published");
  if (pollEnded(poll)) throw new ValidationError("choices", "this poll has ended");
  const positions = Array.isArray(choices) ? [...new Set(choices.map(Number))] : [];
  if (positions.length === 0) throw new ValidationError("choices", "choose an option");
  if (positions.some((p) => !poll.options.some((o) => o.position === p))) {
    throw new ValidationError("choices", "no such option");
  }
  if (!poll.multiple && positions.length > 1) throw new ValidationError("choices", "this poll takes one choice");
  const group = (await findActorById(ctx.data.db, post.group_id))!;
  await requireMember(ctx, voter, group);
  await castPollVote(ctx, voter, post, poll, positions);
  return (await findPoll(ctx.data.db, post.id))!;
}

/** A poll as members see it: counts, percentages and what the viewer chose. */
export interface PollView {
  multiple: boolean;
  endTime: Date | null;
  ended: boolean;
  votersCount: number;
  options: { position: number; name: string; votes: number; percent: number }[];
  /** The viewer's choices; empty when they have not voted (or are not logged in). */
  mine: number[];
}

export async function pollView(ctx: Ctx, postId: number, viewer?: Actor): Promise<PollView | undefined> {
  const poll = await findPoll(ctx.data.db, postId);
  if (!poll) return undefined;
  const total = poll.options.reduce((n, o) => n + o.votes_count, 0);
  // Percent of voters for a multiple-choice poll (as Mastodon shows), of votes otherwise.
  const base = poll.multiple ? Math.max(poll.voters_count, 1) : Math.max(total, 1);
  return {
    multiple: poll.multiple,
    endTime: poll.end_time,
    ended: pollEnded(poll),
    votersCount: poll.voters_count,
    options: poll.options.map((o) => ({
      position: o.position,
      name: o.name,
      votes: o.votes_count,
      percent: Math.round((o.votes_count / base) * 100),
    })),
    mine: viewer ? await choicesOf(ctx.data.db, postId, viewer.id) : [],
  };
}

/** The JSON API's form of a poll. */
export function pollJson(poll: PollView) {
  return {
    multiple: poll.multiple,
    endTime: poll.endTime?.toISOString() ?? null,
    closed: poll.ended,
    votersCount: poll.votersCount,
    options: poll.options.map((o) => ({ index: o.position, name: o.name, votes: o.votes, percent: o.percent })),
    myChoices: poll.mine,
    voted: poll.mine.length > 0,
  };
}
