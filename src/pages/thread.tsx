/**
 * A thread with nested replies.  Each reply level folds with <details>, so
 * it works without JavaScript; content warnings fold the post itself.
 */
import type { PostView } from "../../db/posts.ts";
import type { Badges } from "../../db/bans.ts";
import type { MemberType } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";
import { Byline, Content, OwnPostActions, ReplyForm, VoteForm } from "./post-parts.tsx";

export interface ThreadViewer {
  actorId: number;
  /** An accepted member of the group: may reply and vote. */
  member: boolean;
  votes: Map<number, 1 | -1>;
  /** Moderates the group: may ban authors. */
  moderator?: boolean;
}

export interface ThreadProps {
  page: PageInfo;
  groupName: string;
  groupUrl: string;
  posts: PostView[];
  memberTypes: Map<number, MemberType>;
  viewer?: ThreadViewer;
  /** The group's actor id (for moderators' links) and the authors' badges. */
  groupId?: number;
  badges?: Badges;
}

function byline(props: ThreadProps, post: PostView) {
  return (
    <Byline post={post} badge={props.memberTypes.get(post.author_id)}
      clinician={props.badges?.clinicians.has(post.author_id)} mentor={props.badges?.mentors.has(post.author_id)} />
  );
}

function Actions({ props, post }: { props: ThreadProps; post: PostView }) {
  const v = props.viewer;
  if (post.deleted_at) return null;
  if (!v?.member) {
    return <p class="counts">{post.like_count} helpful · {post.dislike_count} not helpful</p>;
  }
  return (
    <div class="actions">
      <VoteForm page={props.page} post={post} mine={v.votes.get(post.id)} />
      {post.author_id === v.actorId ? <OwnPostActions page={props.page} post={post} /> : null}
      {v.moderator && post.author_id !== v.actorId && props.groupId
        ? <a href={`/g/${props.groupId}/ban?actor=${post.author_id}`} class="action">Ban author</a>
        : null}
      <ReplyForm page={props.page} post={post} />
    </div>
  );
}

function count(children: Map<number, PostView[]>, id: number): number {
  return (children.get(id) ?? []).reduce((n, p) => n + 1 + count(children, p.id), 0);
}

function Replies({ props, children, parentId }: { props: ThreadProps; children: Map<number, PostView[]>; parentId: number }) {
  const list = children.get(parentId) ?? [];
  if (list.length === 0) return null;
  const total = count(children, parentId);
  return (
    <details open class="replies">
      <summary>{total} {total === 1 ? "reply" : "replies"}</summary>
      {list.map((r) => (
        <article class="reply" id={`post-${r.id}`} aria-label={`Reply by ${r.author_name ?? r.author_username}`}>
          {byline(props, r)}
          <Content post={r} />
          <Actions props={props} post={r} />
          <Replies props={props} children={children} parentId={r.id} />
        </article>
      ))}
    </details>
  );
}

export function ThreadPage(props: ThreadProps) {
  const [root, ...replies] = props.posts;
  const ids = new Set(props.posts.map((p) => p.id));
  const children = new Map<number, PostView[]>();
  for (const r of replies) {
    // A reply whose parent is unknown here hangs from the thread itself.
    const parent = r.parent_id != null && ids.has(r.parent_id) ? r.parent_id : root.id;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const title = root.deleted_at ? "Deleted thread" : root.title ?? "Thread";
  return (
    <Layout title={title} page={props.page}>
      <p class="breadcrumb"><a href={props.groupUrl}>{props.groupName}</a></p>
      <article class="thread" id={`post-${root.id}`} aria-labelledby="thread-title">
        <h1 id="thread-title">{title}</h1>
        {byline(props, root)}
        <Content post={root} />
        {!props.viewer?.member
          ? (
            <p class="hint">
              {props.page.viewer
                ? <><a href={props.groupUrl}>Join {props.groupName}</a> to reply and vote.</>
                : <><a href="/login">Log in</a> or <a href="/signup">sign up</a> to reply and vote.</>}
            </p>
          )
          : null}
        <Actions props={props} post={root} />
        <section aria-label="Replies" class="thread-replies">
          <Replies props={props} children={children} parentId={root.id} />
        </section>
      </article>
    </Layout>
  );
}
