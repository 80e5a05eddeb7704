/**
 * A thread with nested replies.  Each reply level folds with <details>, so
 * it works without JavaScript; content warnings fold the post itself.  A long
 * thread's replies come in pages; a reply whose parent is on another page
 * hangs from the thread with a link to it.
 */
import type { MediaInfo } from "../../db/media.ts";
import type { PostCard } from "../../db/posts.ts";
import type { Badges } from "../../db/bans.ts";
import type { MemberType } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";
import { ModerationLabels, ModeratorActions, RemovedNotice } from "./moderation-parts.tsx";
import { Byline, Content, OwnPostActions, ReplyForm, ReportLink, VoteForm } from "./post-parts.tsx";
import type { ResourceView } from "../crisis.ts";
import { CrisisPanel } from "./crisis.tsx";
import { ReviewBadge } from "./premoderation.tsx";
import type { PollView } from "../polls.ts";
import { PollSection } from "./poll.tsx";

export interface ThreadViewer {
  actorId: number;
  /** An accepted member of the group: may reply and vote. */
  member: boolean;
  votes: Map<number, 1 | -1>;
  /** Moderates the group: sees removed posts and the moderation tools, may ban authors. */
  moderator?: boolean;
}

export interface ThreadProps {
  page: PageInfo;
  groupName: string;
  groupUrl: string;
  posts: PostCard[];
  memberTypes: Map<number, MemberType>;
  viewer?: ThreadViewer;
  /** Right after posting: the post awaits review, or matched crisis language (with the help to show). */
  notice?: { held: boolean; crisis?: ResourceView[] };
  /** The group's actor id (for moderators' links) and the authors' badges. */
  groupId?: number;
  badges?: Badges;
  /** A poll thread's poll (counts only). */
  poll?: PollView;
  /** The posts' images, by post id. */
  images?: Map<number, MediaInfo[]>;
  /** A long thread's replies come in pages (db/thread-pages.ts): this one and its neighbours. */
  pagination?: ThreadPagination;
}

export interface ThreadPagination {
  page: number;
  pages: number;
  previousHref?: string;
  nextHref?: string;
}

/** Links to the neighbouring pages of replies, when there is more than one page. */
function PageLinks({ pagination }: { pagination?: ThreadPagination }) {
  if (!pagination || pagination.pages <= 1) return null;
  return (
    <nav class="pagination" aria-label="Pages of replies">
      {pagination.previousHref ? <a href={pagination.previousHref} rel="prev">Earlier replies</a> : null}{" "}
      <span>Page {pagination.page} of {pagination.pages}</span>{" "}
      {pagination.nextHref ? <a href={pagination.nextHref} rel="next">Later replies</a> : null}
    </nav>
  );
}

function byline(props: ThreadProps, post: PostCard) {
  return (
    <Byline post={post} badge={props.memberTypes.get(post.author_id)}
      clinician={props.badges?.clinicians.has(post.author_id)} mentor={props.badges?.mentors.has(post.author_id)}
      newHere={props.badges?.newcomers?.has(post.author_id)} />
  );
}

/** A locked thread, or a locked comment, takes no new replies. */
const isLocked = (props: ThreadProps, post: PostCard) => post.locked_at != null || props.posts[0].locked_at != null;

function Actions({ props, post }: { props: ThreadProps; post: PostCard }) {
  const v = props.viewer;
  if (post.deleted_at) return null;
  if (post.review_state !== "published") {
    return v && post.author_id === v.actorId ? <OwnPostActions page={props.page} post={post} /> : null;
  }
  const tools = v?.moderator ? <ModeratorActions page={props.page} post={post} /> : null;
  if (post.removed_at && !v?.moderator) return null;
  if (!v?.member) {
    return (
      <>
        <p class="counts">
          {post.like_count} helpful · {post.dislike_count} not helpful
          {v && post.author_id !== v.actorId ? <> · <ReportLink post={post} /></> : null}
        </p>
        {tools}
      </>
    );
  }
  return (
    <>
      <div class="actions">
        <VoteForm page={props.page} post={post} mine={v.votes.get(post.id)} />
        {post.author_id === v.actorId ? <OwnPostActions page={props.page} post={post} /> : <ReportLink post={post} />}
        {v.moderator && post.author_id !== v.actorId && props.groupId
          ? <a href={`/g/${props.groupId}/ban?actor=${post.author_id}`} class="action">Ban author</a>
          : null}
        {isLocked(props, post) && !v.moderator
          ? <span class="hint">Locked: no new replies.</span>
          : <ReplyForm page={props.page} post={post} />}
      </div>
      {tools}
    </>
  );
}

/** A post's body, or the notice of its removal (moderators see both). */
function PostBody({ props, post }: { props: ThreadProps; post: PostCard }) {
  const images = props.images?.get(post.id);
  if (!post.removed_at || post.deleted_at) return <Content post={post} images={images} />;
  return <><RemovedNotice post={post} />{props.viewer?.moderator ? <Content post={post} images={images} /> : null}</>;
}

function count(children: Map<number, PostCard[]>, id: number): number {
  return (children.get(id) ?? []).reduce((n, p) => n + 1 + count(children, p.id), 0);
}

function Replies({ props, children, parentId, rootId }: {
  props: ThreadProps;
  children: Map<number, PostCard[]>;
  parentId: number;
  rootId: number;
}) {
  const list = children.get(parentId) ?? [];
  if (list.length === 0) return null;
  const total = count(children, parentId);
  return (
    <details open class="replies">
      <summary>{total} {total === 1 ? "reply" : "replies"}</summary>
      {list.map((r) => (
        <article class={r.distinguished ? "reply moderator-note" : "reply"} id={`post-${r.id}`}
          aria-label={`${r.distinguished ? "Moderator note" : "Reply"} by ${r.author_name ?? r.author_username}`}>
          {r.distinguished ? <p class="moderator-note-label">Moderator note</p> : null}
          {parentId === rootId && r.parent_id != null && r.parent_id !== rootId
            ? (
              <p class="hint">
                In reply to <a href={`/p/${r.parent_id}#post-${r.parent_id}`}>a reply on another page</a>
              </p>
            )
            : null}
          {byline(props, r)}
          <ReviewBadge state={r.review_state} />
          <ModerationLabels post={r} />
          <PostBody props={props} post={r} />
          <Actions props={props} post={r} />
          <Replies props={props} children={children} parentId={r.id} rootId={rootId} />
        </article>
      ))}
    </details>
  );
}

export function ThreadPage(props: ThreadProps) {
  const [root, ...replies] = props.posts;
  const ids = new Set(props.posts.map((p) => p.id));
  const children = new Map<number, PostCard[]>();
  for (const r of replies) {
    // A reply whose parent is unknown here hangs from the thread itself.
    const parent = r.parent_id != null && ids.has(r.parent_id) ? r.parent_id : root.id;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  // Moderator notes come first, right under the post they are about.
  for (const list of children.values()) list.sort((a, b) => Number(b.distinguished) - Number(a.distinguished));
  const title = root.deleted_at
    ? "Deleted thread"
    : root.removed_at && !props.viewer?.moderator
    ? "Removed thread"
    : root.title ?? "Thread";
  return (
    <Layout title={title} page={props.page}>
      <p class="breadcrumb"><a href={props.groupUrl}>{props.groupName}</a></p>
      {props.notice?.crisis ? <CrisisPanel resources={props.notice.crisis} /> : null}
      {props.notice?.held
        ? (
          <div class="notice" role="status">
            Your post is waiting for review by the group's moderators. Only you and they can see it until then; you
            will be notified of their decision.
          </div>
        )
        : null}
      <article class="thread" id={`post-${root.id}`} aria-labelledby="thread-title">
        <h1 id="thread-title">{title}</h1>
        {byline(props, root)}
        <ReviewBadge state={root.review_state} />
        <ModerationLabels post={root} />
        <PostBody props={props} post={root} />
        {props.poll && !root.deleted_at
          ? <PollSection page={props.page} postId={root.id} poll={props.poll}
            canVote={props.viewer?.member === true && root.review_state === "published"} />
          : null}
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
        <section aria-label="Replies" class="thread-replies" id="replies">
          <PageLinks pagination={props.pagination} />
          <Replies props={props} children={children} parentId={root.id} rootId={root.id} />
          <PageLinks pagination={props.pagination} />
        </section>
      </article>
    </Layout>
  );
}
