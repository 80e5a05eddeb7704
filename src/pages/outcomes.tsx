/**
 * The managers' outcome-measures page (`/g/N/outcomes`): start or close the
 * group's questionnaire, and read ended periods' aggregates, where every
 * figure from fewer than SUPPRESSION_THRESHOLD answers is suppressed.  No
 * member's answer or name appears here.
 */
import type { Instrument, Instruments } from "../outcome-instruments.ts";
import { PERIOD_CHOICES } from "../outcomes.ts";
import { type OutcomeAggregates } from "../outcome-aggregates.ts";
import { SUPPRESSED_TEXT, SUPPRESSION_THRESHOLD } from "../outcome-stats.ts";
import { Csrf, Notice, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

const date = (d: Date) => d.toUTCString().slice(0, 16);
const fewer = `fewer than ${SUPPRESSION_THRESHOLD}`;

export interface StartValues {
  instrument?: string;
  periodDays?: string;
  consentText?: string;
  researchExport?: string;
}

function StartForm(props: { action: string; csrf: string; instruments: Instrument[]; values: StartValues }) {
  return (
    <form method="post" action={props.action}>
      <Csrf token={props.csrf} />
      <fieldset class="field">
        <legend>Questionnaire</legend>
        {props.instruments.map((i) => (
          <p class="choice">
            <input type="radio" name="instrument" id={`instrument-${i.id}`} value={i.id} required
              checked={props.values.instrument === i.id || props.instruments.length === 1} />{" "}
            <label for={`instrument-${i.id}`}>{i.title}</label>
            <span class="hint">
              {i.description} {i.items.length} statements. {i.attribution}{" "}
              <a href={i.licence.url} rel="noopener noreferrer">Licence: {i.licence.text}</a>
            </span>
          </p>
        ))}
      </fieldset>
      <p class="field">
        <label for="outcome-period">How often members are asked</label>
        <select id="outcome-period" name="periodDays">
          {PERIOD_CHOICES.map((d) => (
            <option value={String(d)} selected={(props.values.periodDays ?? "28") === String(d)}>
              every {d % 7 === 0 ? `${d / 7} ${d === 7 ? "week" : "weeks"}` : `${d} days`}
            </option>
          ))}
        </select>
      </p>
      <TextArea id="outcome-consent-text" name="consentText" label="The consent text members agree to" required rows={10}
        maxlength={5000} value={props.values.consentText}
        hint="Say what is collected, who sees what, how long it is kept, and whether answers go to researchers. Members see it before they take part, and it cannot change afterwards: to change it, close the questionnaire and start a new one." />
      <p class="choice">
        <input type="checkbox" name="researchExport" id="outcome-research-export" value="yes"
          checked={props.values.researchExport === "yes"} />{" "}
        <label for="outcome-research-export">
          Offer members a separate, optional consent to share their answers, without names, for research
        </label>
      </p>
      <p><button type="submit">Start the questionnaire</button></p>
    </form>
  );
}

function Figures({ agg }: { agg: OutcomeAggregates }) {
  if (agg.periods.length === 0) {
    return <p>No period has ended yet. Figures for a period are shown once it has ended, so that they never change as members answer.</p>;
  }
  return (
    <table class="data outcome-figures">
      <caption>
        Ended periods. Scores from {agg.instrument.scoring.min} to {agg.instrument.scoring.max}. Figures from{" "}
        {fewer} answers, and bands with {fewer} members, are not shown. The answers of the group's managers (its owner
        and moderators, and this server's admins) are in the figures but do not count towards the {SUPPRESSION_THRESHOLD}:
        you know your own.
      </caption>
      <thead>
        <tr>
          <th scope="col">Period</th>
          <th scope="col">Answers</th>
          <th scope="col">Mean</th>
          <th scope="col">Median</th>
          {agg.bands.map((b) => <th scope="col">Members scoring {b.label}</th>)}
        </tr>
      </thead>
      <tbody>
        {agg.periods.map((p) => (
          <tr>
            <th scope="row">{p.period + 1} <span class="hint">{date(p.from)} to {date(p.to)}</span></th>
            {p.shown
              ? (
                <>
                  <td>{p.answers}</td>
                  <td>{p.mean}</td>
                  <td>{p.median}</td>
                  {p.bands!.map((b) => <td>{b.members ?? <span class="suppressed">{fewer}</span>}</td>)}
                </>
              )
              : <td colspan={3 + agg.bands.length} class="suppressed">{SUPPRESSED_TEXT}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OutcomesManagerPage(props: {
  page: PageInfo;
  groupId: number;
  groupName: string;
  groupHref: string;
  instruments: Instruments;
  agg?: OutcomeAggregates;
  values?: StartValues;
  errors?: string[];
  notice?: string;
  consentTemplate: string;
}) {
  const { agg, groupId } = props;
  const base = `/g/${groupId}/outcomes`;
  const open = agg && !agg.questionnaire.closed_at;
  return (
    <Layout title={`Outcome measures · ${props.groupName}`} page={props.page}>
      <p class="breadcrumb"><a href={props.groupHref}>{props.groupName}</a></p>
      <h1>Outcome measures</h1>
      <p>
        Only the group's owner and moderators (and this server's admins) see this page. It shows figures about the whole group, never a member's
        answers or who takes part.
      </p>
      {props.notice ? <Notice>{props.notice}</Notice> : null}
      <Problems errors={props.errors} />
      {agg
        ? (
          <section aria-labelledby="current-heading">
            <h2 id="current-heading">{agg.instrument.title}</h2>
            <p>
              Started {date(agg.questionnaire.starts_at)}, every {agg.questionnaire.period_days} days
              {agg.questionnaire.closed_at ? `; closed ${date(agg.questionnaire.closed_at)}` : ""}.{" "}
              {agg.currentPeriod ? `Period ${agg.currentPeriod.period + 1} ends on ${date(agg.currentPeriod.endsAt)}. ` : ""}
              Members taking part: {agg.consented ?? fewer}.
              {agg.questionnaire.research_export ? ` Of them, sharing with researchers: ${agg.research ?? fewer}.` : ""}
            </p>
            <details>
              <summary>The consent text members agreed to</summary>
              {agg.questionnaire.consent_text.split(/\n+/).map((line) => <p>{line}</p>)}
            </details>
            <Figures agg={agg} />
            <h3>Exports</h3>
            <p>
              Each download is recorded in the group's access log.{" "}
              <a href={`${base}/export?format=csv`}>Figures (CSV)</a> · <a href={`${base}/export?format=json`}>Figures (JSON)</a>
              {agg.questionnaire.research_export
                ? (
                  <>
                    {" "}· <a href={`${base}/research-export?format=csv`}>Answers for research (CSV)</a> ·{" "}
                    <a href={`${base}/research-export?format=json`}>Answers for research (JSON)</a>
                    <span class="hint">
                      Only of members who gave the research consent, with new random ids in every export, no names and
                      no dates but the period's; only answers the period's figures counted, and only periods in which at
                      least {SUPPRESSION_THRESHOLD} of them answered, and none or at least {SUPPRESSION_THRESHOLD} others did
                      (the group's managers not counted).
                    </span>
                  </>
                )
                : null}
            </p>
            {open
              ? (
                <form method="post" action={`${base}/close`}>
                  <Csrf token={props.page.csrf} />
                  <p><button type="submit" class="secondary">Close the questionnaire</button></p>
                  <p class="hint">Members are no longer asked; the figures of every period stay here.</p>
                </form>
              )
              : (
                <form method="post" action={`${base}/delete`}>
                  <Csrf token={props.page.csrf} />
                  <fieldset class="field">
                    <legend>Delete this questionnaire</legend>
                    <p class="hint">
                      Deletes every member's consent and answers and the figures above, for good: do it when the time
                      the consent text promised to keep them has passed. Export what you need first.
                    </p>
                    <p class="choice">
                      <input type="checkbox" name="confirm" id="outcome-delete-confirm" value="yes" required />{" "}
                      <label for="outcome-delete-confirm">Delete every member's answers to this questionnaire</label>
                    </p>
                    <p><button type="submit" class="danger">Delete the questionnaire</button></p>
                  </fieldset>
                </form>
              )}
          </section>
        )
        : <p>This group runs no questionnaire yet.</p>}
      {!open
        ? (
          <section aria-labelledby="start-heading">
            <h2 id="start-heading">Start a questionnaire</h2>
            {props.instruments.size === 0
              ? <p>No questionnaire is installed on this server.</p>
              : (
                <StartForm action={base} csrf={props.page.csrf} instruments={[...props.instruments.values()]}
                  values={{ consentText: props.consentTemplate, ...props.values }} />
              )}
          </section>
        )
        : null}
    </Layout>
  );
}
