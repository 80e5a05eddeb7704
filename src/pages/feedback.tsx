/** Feedback to a group's managers: the member's form, and the moderators' list. */
import type { FeedbackView } from "../../db/feedback.ts";
import { FEEDBACK_CATEGORIES, type FeedbackCategory } from "../../db/schema.ts";
import { CATEGORY_LABELS, MAX_FEEDBACK_LENGTH } from "../feedback.ts";
import { Csrf, Notice, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export function FeedbackFormPage(props: {
  page: PageInfo;
  groupName: string;
  groupHref: string;
  /** null for a remote group: feedback goes to its own server. */
  action: string | null;
  values?: { category?: string; body?: string };
  errors?: string[];
  sent?: boolean;
}) {
  const title = `Feedback to the managers of ${props.groupName}`;
  return (
    <Layout title={title} page={props.page}>
      <p class="breadcrumb"><a href={props.groupHref}>{props.groupName}</a></p>
      <h1>{title}</h1>
      {props.sent ? <Notice>Thank you. Your feedback was sent to the group's moderators.</Notice> : null}
      {props.action == null
        ? (
          <p>
            This group is run on another server, and its managers are there. Kindred cannot send them feedback yet:
            please contact them through their own server.
          </p>
        )
        : (
          <>
            <p>
              Your message goes only to this group's moderators. It is never shown in the group or sent to other
              servers. Moderators see your name, so that they can answer you.
            </p>
            <Problems errors={props.errors} />
            <form method="post" action={props.action}>
              <Csrf token={props.page.csrf} />
              <fieldset class="field">
                <legend>What is it about?</legend>
                {FEEDBACK_CATEGORIES.map((k) => (
                  <p class="choice">
                    <input type="radio" name="category" id={`feedback-${k}`} value={k} required
                      checked={props.values?.category === k} />{" "}
                    <label for={`feedback-${k}`} class="inline">{CATEGORY_LABELS[k]}</label>
                  </p>
                ))}
              </fieldset>
              <TextArea id="feedback-body" name="body" label="Your message" required rows={6}
                maxlength={MAX_FEEDBACK_LENGTH} value={props.values?.body} />
              <p><button type="submit">Send to the moderators</button> <a href={props.groupHref}>Cancel</a></p>
            </form>
          </>
        )}
    </Layout>
  );
}

export function FeedbackListPage(props: {
  page: PageInfo;
  groupId: number;
  groupName: string;
  groupHref: string;
  items: FeedbackView[];
}) {
  return (
    <Layout title={`Feedback from members · ${props.groupName}`} page={props.page}>
      <p class="breadcrumb"><a href={props.groupHref}>{props.groupName}</a></p>
      <h1>Feedback from members</h1>
      <p>Only this group's moderators see this page. Open items come first.</p>
      {props.items.length === 0 ? <p>No feedback yet.</p> : null}
      {props.items.map((f) => (
        <article class={f.handled_at ? "feedback-item handled" : "feedback-item"} id={`feedback-${f.id}`}
          aria-labelledby={`feedback-${f.id}-title`}>
          <h2 id={`feedback-${f.id}-title`}>
            {CATEGORY_LABELS[f.category as FeedbackCategory]}
            {f.handled_at ? <span class="badge">Handled</span> : <span class="badge">Open</span>}
          </h2>
          <p class="meta">
            from {f.author_username ? `${f.author_name ?? f.author_username} (@${f.author_username}@${f.author_host})` : "a former member"} ·{" "}
            <time datetime={f.created_at.toISOString()}>{f.created_at.toUTCString()}</time>
          </p>
          <p class="feedback-body">{f.body}</p>
          {f.handled_at
            ? <p class="hint">Handled{f.handled_by_username ? ` by ${f.handled_by_username}` : ""}.</p>
            : (
              <form method="post" action={`/g/${props.groupId}/feedback/${f.id}/handled`}>
                <Csrf token={props.page.csrf} />
                <button type="submit" class="secondary">Mark handled</button>
              </form>
            )}
        </article>
      ))}
    </Layout>
  );
}
