/** Writing a thread, a reply or an edit, with a server-side preview. */
import { raw } from "hono/html";
import { Csrf, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";
import type { FoundDetail } from "../oversharing.ts";
import { PersonalDetailsPanel } from "./personal-details.tsx";
import { ComposeFields, type ComposeValues, ImageFields } from "./post-parts.tsx";

export function ComposePage(props: {
  page: PageInfo;
  heading: string;
  action: string;
  submitLabel: string;
  withTitle: boolean;
  values: ComposeValues;
  /** Rendered Markdown of the values, when the member asked for a preview. */
  previewHtml?: string;
  errors?: string[];
  /** Personal details the oversharing guard found: the post was not published. */
  personalDetails?: FoundDetail[];
  cancelHref: string;
  /** A new thread or reply: up to four images (multipart form). */
  withImages?: boolean;
  /** What is being replied to, for context. */
  context?: { author: string; html: string };
}) {
  const { values } = props;
  return (
    <Layout title={props.heading} page={props.page}>
      <h1>{props.heading}</h1>
      {props.context
        ? (
          <section aria-label="The post you are replying to" class="quoted">
            <p class="byline">{props.context.author} wrote:</p>
            <div class="content">{raw(props.context.html)}</div>
          </section>
        )
        : null}
      <Problems errors={props.errors} />
      {props.personalDetails?.length
        ? <PersonalDetailsPanel page={props.page} action={props.action} values={values} details={props.personalDetails}
          withImages={props.withImages} />
        : null}
      {props.previewHtml != null
        ? (
          <section aria-labelledby="preview-heading" class="preview">
            <h2 id="preview-heading">Preview</h2>
            {props.withTitle ? <p class="preview-title">{values.title}</p> : null}
            {values.summary ? <p><strong>Content warning:</strong> {values.summary}</p> : null}
            {/* Rendered by src/markdown.ts: raw HTML escaped. */}
            <div class="content">{raw(props.previewHtml)}</div>
          </section>
        )
        : null}
      <form method="post" action={props.action} enctype={props.withImages ? "multipart/form-data" : undefined}>
        <Csrf token={props.page.csrf} />
        {props.personalDetails?.length ? <h2>Edit</h2> : null}
        <ComposeFields id="compose" values={values} withTitle={props.withTitle} />
        {props.withImages ? <ImageFields id="compose" /> : null}
        <p>
          <button type="submit" name="action" value="preview" class="secondary">Preview</button>{" "}
          <button type="submit" name="action" value="post">{props.submitLabel}</button>{" "}
          <a href={props.cancelHref}>Cancel</a>
        </p>
      </form>
    </Layout>
  );
}
