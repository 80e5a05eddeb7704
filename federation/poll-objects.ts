/**
 * A poll thread as ActivityPub sees it: a `Question`, shaped as Mastodon
 * and PieFed write polls (`oneOf` / `anyOf` of `Note`s with `name` and
 * `replies.totalItems`, `endTime`, `votersCount`, `closed` once ended).
 * Only counts: who chose what is never in it.
 */
import { Collection, Note, Question, Source } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { type Poll, pollEnded } from "../db/polls.ts";
import type { PostView } from "../db/posts.ts";
import { groupAudience, postGroup } from "./audience.ts";

const instant = (d: Date) => Temporal.Instant.fromEpochMilliseconds(d.getTime());

/** The `Question` a local poll thread is served and sent as. */
export function questionFor(post: PostView, poll: Poll): Question {
  const id = new URL(post.uri);
  const options = poll.options.map((o) =>
    new Note({ name: o.name, replies: new Collection({ totalItems: o.votes_count }) })
  );
  return new Question({
    id,
    attribution: new URL(post.author_uri),
    name: post.title,
    content: post.content_html,
    mediaType: "text/html",
    source: post.source == null ? null : new Source({ content: post.source, mediaType: "text/markdown" }),
    summary: post.summary,
    sensitive: post.sensitive,
    published: instant(post.published_at),
    updated: instant(post.updated_at && post.updated_at > poll.updated_at ? post.updated_at : poll.updated_at),
    url: post.url ? new URL(post.url) : id,
    audience: new URL(post.group_uri),
    contexts: post.context_uri ? [new URL(post.context_uri)] : [],
    tos: groupAudience(postGroup(post), "thread").tos,
    ccs: groupAudience(postGroup(post), "thread").ccs,
    ...(poll.multiple ? { inclusiveOptions: options } : { exclusiveOptions: options }),
    endTime: poll.end_time ? instant(poll.end_time) : null,
    voters: poll.voters_count,
    closed: pollEnded(poll) && poll.end_time ? instant(poll.end_time) : null,
  });
}

export interface RemotePoll {
  multiple: boolean;
  endTime: Date | null;
  options: { name: string; votes: number }[];
  voters: number | null;
  /** When the origin counted (the Question's `updated`; Mastodon sends none: then on arrival). */
  at: Date | null;
}

/** What a remote `Question` says: its options (with their counts), end and voters. */
export async function readQuestion(question: Question): Promise<RemotePoll | null> {
  const inclusive = await all(question.getInclusiveOptions({ suppressError: true }));
  const exclusive = await all(question.getExclusiveOptions({ suppressError: true }));
  const multiple = inclusive.length > 0 && exclusive.length === 0;
  const options: RemotePoll["options"] = [];
  for (const option of multiple ? inclusive : exclusive) {
    const name = option.name?.toString().trim();
    if (!name || options.some((o) => o.name === name)) continue;
    const replies = await option.getReplies({ suppressError: true }).catch(() => null);
    options.push({ name: name.slice(0, 200), votes: Math.max(0, replies?.totalItems ?? 0) });
    if (options.length >= 50) break;
  }
  if (options.length === 0) return null;
  const end = question.endTime ?? (question.closed instanceof Temporal.Instant ? question.closed : null);
  return {
    multiple,
    endTime: end ? new Date(end.epochMilliseconds) : null,
    options,
    voters: typeof question.voters === "number" ? Math.max(0, question.voters) : null,
    at: question.updated ? new Date(question.updated.epochMilliseconds) : null,
  };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = [];
  for await (const item of items) {
    list.push(item);
    if (list.length > 100) break;
  }
  return list;
}
