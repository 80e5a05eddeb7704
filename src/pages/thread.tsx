/** A thread with its replies, indented by depth; content warnings folded. */
import { raw } from "hono/html";
import type { PostView } from "../../db/posts.ts";
import { Layout } from "./layout.tsx";

function Content({ post }: { post: PostView }) {
  if (post.deleted_at) return <p class="deleted">This post was deleted.</p>;
  // content_html is Markdown rendered with raw HTML escaped (local posts) or
  // sanitised on arrival (remote posts): see src/markdown.ts, federation/html.ts.
  const body = <div class="content">{raw(post.content_html)}</div>;
  return post.summary
    ? (
      <details class="content-warning">
        <summary>Content warning: {post.summary}</summary>
        {body}
      </details>
    )
    : body;
}

function Byline({ post }: { post: PostView }) {
  return (
    <p class="byline">
      <a href={post.author_uri} rel="nofollow">{post.author_name ?? post.author_username}</a>{" "}
      <span class="handle">@{post.author_username}@{post.author_host}</span> ·{" "}
      <time datetime={post.published_at.toISOString()}>{post.published_at.toUTCString()}</time>
      {post.updated_at ? " · edited" : null}
    </p>
  );
}

export function ThreadPage(props: { instanceName: string; groupName: string; groupUrl: string; posts: PostView[] }) {
  const [root, ...replies] = props.posts;
  return (
    <Layout title={root.title ?? "Thread"} instanceName={props.instanceName}>
      <p class="breadcrumb"><a href={props.groupUrl}>{props.groupName}</a></p>
      <article class="thread" id={`post-${root.id}`}>
        <h1>{root.deleted_at ? "Deleted thread" : root.title}</h1>
        <Byline post={root} />
        <Content post={root} />
        <p class="counts">{root.like_count} helpful · {root.reply_count} replies</p>
      </article>
      <section aria-label="Replies" class="replies">
        {replies.map((r) => (
          // Depth as a class: the CSP allows no inline styles.
          <article class={`reply depth-${Math.min(r.depth, 8)}`} id={`post-${r.id}`}>
            <Byline post={r} />
            <Content post={r} />
          </article>
        ))}
      </section>
    </Layout>
  );
}
