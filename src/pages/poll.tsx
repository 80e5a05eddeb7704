/**
 * Polls: the form to start one, and a poll on its thread page (a radio or
 * checkbox form without JavaScript, and results as counts, percentages and
 * a bar).  Only counts are ever shown: never who chose what.
 */
import type { PollView } from "../polls.ts";
import { DURATION_LABELS, MAX_OPTIONS, MIN_OPTIONS, type PollDuration } from "../polls.ts";
import { Csrf, Field, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function Results({ poll }: { poll: PollView }) {
  return (
    <ul class="poll-results">
      {poll.options.map((o) => (
        <li>
          <span class="poll-option">
            {o.name}
            {poll.mine.includes(o.position) ? <span class="badge">Your choice</span> : null}
          </span>{" "}
          <span class="poll-count">{plural(o.votes, "vote", "votes")} ({o.percent}%)</span>
          {/* The text above says it all; the bar is for the eye. */}
          <meter min={0} max={100} value={o.percent} aria-hidden="true"></meter>
        </li>
      ))}
    </ul>
  );
}

/** A poll on its thread page; `canVote` for members of the group while it runs. */
export function PollSection(props: { page: PageInfo; postId: number; poll: PollView; canVote: boolean }) {
  const { poll } = props;
  const voted = poll.mine.length > 0;
  const end = poll.endTime
    ? <time datetime={poll.endTime.toISOString()}>{poll.endTime.toUTCString()}</time>
    : null;
  return (
    <section class="poll" aria-labelledby="poll-heading">
      <h2 id="poll-heading">Poll</h2>
      <p class="meta">
        {poll.multiple ? "Choose one or more options." : "Choose one option."}{" "}
        {plural(poll.votersCount, "voter", "voters")} ·{" "}
        {poll.ended ? <>Ended {end}</> : end ? <>Ends {end}</> : "No end date"}
      </p>
      {voted ? <p class="notice" role="status">You voted. Only the counts are shown: nobody sees who chose what.</p> : null}
      <Results poll={poll} />
      {props.canVote && !poll.ended && !(voted && poll.multiple && poll.mine.length === poll.options.length)
        ? (
          <form method="post" action={`/p/${props.postId}/poll`} class="poll-form">
            <Csrf token={props.page.csrf} />
            <fieldset class="field">
              <legend>{voted ? (poll.multiple ? "Add to your choices" : "Change your vote") : "Your vote"}</legend>
              {poll.options.map((o) => (
                <p class="choice">
                  <input type={poll.multiple ? "checkbox" : "radio"} name="choice" value={String(o.position)}
                    id={`choice-${o.position}`} checked={poll.mine.includes(o.position)}
                    disabled={poll.multiple && poll.mine.includes(o.position)} required={!poll.multiple} />{" "}
                  <label for={`choice-${o.position}`} class="inline">{o.name}</label>
                </p>
              ))}
            </fieldset>
            <p><button type="submit">Vote</button></p>
          </form>
        )
        : null}
    </section>
  );
}

export interface NewPollValues {
  title?: string;
  body?: string;
  options?: string[];
  multiple?: boolean;
  duration?: string;
}

export function NewPollPage(props: {
  page: PageInfo;
  groupName: string;
  action: string;
  cancelHref: string;
  values: NewPollValues;
  errors?: string[];
}) {
  const v = props.values;
  const options = [...(v.options ?? []), ...Array(MAX_OPTIONS).fill("")].slice(0, MAX_OPTIONS);
  const duration = v.duration ?? "3d";
  return (
    <Layout title={`New poll in ${props.groupName}`} page={props.page}>
      <h1>Start a poll in {props.groupName}</h1>
      <p>
        A poll helps the group decide together. Members see how many chose each option, never who chose what.
      </p>
      <Problems errors={props.errors} />
      <form method="post" action={props.action}>
        <Csrf token={props.page.csrf} />
        <Field id="poll-title" name="title" label="Question" required maxlength={200} value={v.title} />
        <TextArea id="poll-body" name="body" label="More details (Markdown)" rows={4} maxlength={50000} value={v.body} />
        <fieldset class="field">
          <legend>Options ({MIN_OPTIONS} to {MAX_OPTIONS}; leave the ones you do not need empty)</legend>
          {options.map((o, i) => (
            <p class="field">
              <label for={`poll-option-${i}`}>Option {i + 1}{i < MIN_OPTIONS ? null : <span class="optional"> (optional)</span>}</label>
              <input id={`poll-option-${i}`} name={`option${i}`} type="text" value={o} maxlength={100} required={i < MIN_OPTIONS} />
            </p>
          ))}
        </fieldset>
        <fieldset class="field">
          <legend>How many choices</legend>
          <p class="choice">
            <input type="radio" id="poll-single" name="multiple" value="no" checked={!v.multiple} />{" "}
            <label for="poll-single" class="inline">One choice per member</label>
          </p>
          <p class="choice">
            <input type="radio" id="poll-multiple" name="multiple" value="yes" checked={v.multiple === true} />{" "}
            <label for="poll-multiple" class="inline">Several choices per member</label>
          </p>
        </fieldset>
        <fieldset class="field">
          <legend>Runs for</legend>
          {(Object.keys(DURATION_LABELS) as PollDuration[]).map((d) => (
            <p class="choice">
              <input type="radio" id={`poll-duration-${d}`} name="duration" value={d} checked={duration === d} />{" "}
              <label for={`poll-duration-${d}`} class="inline">{DURATION_LABELS[d]}</label>
            </p>
          ))}
        </fieldset>
        <p>
          <button type="submit">Start poll</button> <a href={props.cancelHref}>Cancel</a>
        </p>
      </form>
    </Layout>
  );
}
