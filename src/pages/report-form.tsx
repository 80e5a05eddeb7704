/** Reporting a post or its author to the group's moderators. */
import type { PostView } from "../../db/posts.ts";
import { type Actor, REPORT_REASONS } from "../../db/schema.ts";
import { REASON_LABELS } from "../../federation/reports.ts";
import { Csrf, Notice, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { groupPath, type PageInfo, postPath } from "./page-info.ts";

export interface ReportValues {
  about?: string;
  reason?: string;
  comment?: string;
  alsoAuthor?: boolean;
}

export function ReportPage(props: {
  page: PageInfo;
  post: PostView;
  group: Actor;
  values: ReportValues;
  errors?: string[];
  sent?: boolean;
}) {
  const { post, group, values } = props;
  const author = `@${post.author_username}@${post.author_host}`;
  const back = postPath(post);
  if (props.sent) {
    return (
      <Layout title="Report sent" page={props.page}>
        <h1>Thank you, your report was sent</h1>
        <Notice>
          The moderators of {group.name ?? group.username} will look at it. The member you reported is never told who
          reported them.
        </Notice>
        <p><a href={back}>Back to the thread</a> · <a href={groupPath(group)}>Back to the group</a></p>
      </Layout>
    );
  }
  // A third server: neither ours (a local post) nor the group's, which gets the report anyway.
  const remoteAuthor = !post.local && post.author_host !== new URL(group.uri).host;
  return (
    <Layout title="Report" page={props.page}>
      <h1>Report to the moderators</h1>
      <p>
        {post.title ? <>Thread “{post.title}”</> : "A reply"} by {author} in{" "}
        <a href={groupPath(group)}>{group.name ?? group.username}</a>.
        {group.local ? null : " This group lives on another server: the report goes to its moderators there."}
      </p>
      <Problems errors={props.errors} />
      <form method="post" action={`/p/${post.id}/report`}>
        <Csrf token={props.page.csrf} />
        <fieldset class="field">
          <legend>What are you reporting?</legend>
          <p class="choice">
            <input type="radio" id="about-post" name="about" value="post" checked={values.about !== "member"} />
            <label for="about-post">This post</label>
          </p>
          <p class="choice">
            <input type="radio" id="about-member" name="about" value="member" checked={values.about === "member"} />
            <label for="about-member">The member {author} (their behaviour in this group)</label>
          </p>
        </fieldset>
        <fieldset class="field">
          <legend>Reason</legend>
          {REPORT_REASONS.map((r) => (
            <p class="choice">
              <input type="radio" id={`reason-${r}`} name="reason" value={r} checked={values.reason === r} required />
              <label for={`reason-${r}`}>{REASON_LABELS[r]}</label>
            </p>
          ))}
        </fieldset>
        <TextArea id="report-comment" name="comment" label="Anything the moderators should know" value={values.comment}
          maxlength={1000} rows={4}
          hint="Only the moderators read this. If someone is in danger right now, contact emergency services." />
        {remoteAuthor
          ? (
            <p class="choice">
              <input type="checkbox" id="also-author" name="also_author" value="on" checked={values.alsoAuthor} />
              <label for="also-author">
                Also tell {post.author_host}, the member's own server (it gets the reason only, never your name or
                comment)
              </label>
            </p>
          )
          : null}
        <p><button type="submit">Send report</button> <a href={back}>Cancel</a></p>
      </form>
    </Layout>
  );
}
