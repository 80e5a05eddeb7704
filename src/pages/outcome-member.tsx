/**
 * A member's own questionnaire page (`/g/N/outcomes/me`): the consent form,
 * the questionnaire when it is due, their own trend (a table and an SVG
 * chart, no script), and withdrawal.  Nobody else ever sees this page's data.
 */
import type { OutcomeAnswer } from "../../db/outcomes.ts";
import type { Instrument } from "../outcome-instruments.ts";
import type { MemberOutcomes } from "../outcomes.ts";
import { Csrf, Notice, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

const date = (d: Date) => d.toUTCString().slice(0, 16);

function Attribution({ instrument }: { instrument: Instrument }) {
  return (
    <p class="hint">
      {instrument.title}: {instrument.attribution}{" "}
      <a href={instrument.licence.url} rel="noopener noreferrer">{instrument.licence.text}</a>
    </p>
  );
}

/** The member's scores over time as a line chart; the table beside it carries the same figures. */
export function TrendChart({ instrument, answers }: { instrument: Instrument; answers: OutcomeAnswer[] }) {
  if (answers.length < 2) return null;
  const { min, max } = instrument.scoring;
  const width = 600, height = 220, left = 40, right = 10, top = 10, bottom = 30;
  const first = answers[0].period, last = answers[answers.length - 1].period;
  const x = (period: number) => left + (last === first ? 0 : ((period - first) / (last - first)) * (width - left - right));
  const y = (score: number) => top + (1 - (score - min) / (max - min)) * (height - top - bottom);
  const points = answers.map((a) => `${x(a.period).toFixed(1)},${y(a.score).toFixed(1)}`).join(" ");
  return (
    <figure class="trend-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="trend-chart-title" width="100%">
        <title id="trend-chart-title">
          Your score from {answers[0].score} in period {first + 1} to {answers[answers.length - 1].score} in period {last + 1}
        </title>
        <line x1={left} y1={y(min)} x2={width - right} y2={y(min)} stroke="#767676" />
        <line x1={left} y1={y(max)} x2={width - right} y2={y(max)} stroke="#d9d6cf" />
        <text x={left - 6} y={y(min) + 4} text-anchor="end" font-size="12" fill="#4a5468">{min}</text>
        <text x={left - 6} y={y(max) + 4} text-anchor="end" font-size="12" fill="#4a5468">{max}</text>
        <polyline points={points} fill="none" stroke="#1f5f8b" stroke-width="3" />
        {answers.map((a) => <circle cx={x(a.period)} cy={y(a.score)} r="5" fill="#1f5f8b" />)}
        {answers.map((a) => (
          <text x={x(a.period)} y={height - 8} text-anchor="middle" font-size="12" fill="#4a5468">{a.period + 1}</text>
        ))}
      </svg>
      <figcaption class="hint">Periods along the bottom, your score up the side ({min} to {max}).</figcaption>
    </figure>
  );
}

function Trend({ m }: { m: MemberOutcomes }) {
  const { instrument, answers } = m;
  return (
    <section aria-labelledby="trend-heading">
      <h2 id="trend-heading">Your scores</h2>
      {answers.length === 0
        ? <p>You have not answered yet.</p>
        : (
          <>
            <p class="hint">
              Only you see these. Scores go from {instrument.scoring.min} to {instrument.scoring.max};{" "}
              {instrument.scoring.higherIsBetter ? "higher" : "lower"} means {instrument.scoring.higherIsBetter ? "more" : "less"}{" "}
              of what this questionnaire measures. {instrument.scoring.note}
            </p>
            <table class="data">
              <caption>Your answers, one per period</caption>
              <thead><tr><th scope="col">Period</th><th scope="col">Answered</th><th scope="col">Score</th></tr></thead>
              <tbody>
                {answers.map((a) => (
                  <tr>
                    <td>{a.period + 1}</td>
                    <td><time datetime={a.answered_at.toISOString()}>{date(a.answered_at)}</time></td>
                    <td>{a.score}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <TrendChart instrument={instrument} answers={answers} />
          </>
        )}
    </section>
  );
}

export function QuestionnaireForm(props: { action: string; csrf: string; instrument: Instrument; values?: Record<string, string> }) {
  const { instrument } = props;
  return (
    <form method="post" action={props.action}>
      <Csrf token={props.csrf} />
      <p>{instrument.instructions}</p>
      {instrument.items.map((item, n) => (
        <fieldset class="field questionnaire-item">
          <legend>{n + 1}. {item.text}</legend>
          {instrument.scale.map((point) => (
            <p class="choice">
              <input type="radio" name={item.id} id={`${item.id}-${point.value}`} value={String(point.value)}
                checked={props.values?.[item.id] === String(point.value)} />{" "}
              <label for={`${item.id}-${point.value}`}>{point.label}</label>
            </p>
          ))}
        </fieldset>
      ))}
      <p class="hint">
        You may leave up to {instrument.items.length - instrument.scoring.minAnswered} statements unanswered.
      </p>
      <p><button type="submit">Send my answers</button></p>
    </form>
  );
}

export function MemberOutcomesPage(props: {
  page: PageInfo;
  groupId: number;
  groupName: string;
  groupHref: string;
  m: MemberOutcomes;
  notice?: string;
  errors?: string[];
  values?: Record<string, string>;
}) {
  const { m, groupId } = props;
  const { instrument, questionnaire: q } = m;
  const base = `/g/${groupId}/outcomes/me`;
  const closed = q.closed_at != null;
  return (
    <Layout title={`${instrument.title} · ${props.groupName}`} page={props.page}>
      <p class="breadcrumb"><a href={props.groupHref}>{props.groupName}</a></p>
      <h1>{instrument.title}</h1>
      <p>{instrument.description}</p>
      {props.notice ? <Notice>{props.notice}</Notice> : null}
      <Problems errors={props.errors} />
      {closed ? <p>This group's questionnaire was closed on {date(q.closed_at!)}. Your own answers stay here until you delete them.</p> : null}
      {!closed && !m.consent
        ? (
          <section aria-labelledby="consent-heading">
            <h2 id="consent-heading">Taking part is your choice</h2>
            <p>
              The group asks its members to answer this questionnaire every {q.period_days} days. Nothing else in the
              group depends on it, and nobody is told whether you take part.
            </p>
            <div class="consent-text">
              {q.consent_text.split(/\n+/).map((line) => <p>{line}</p>)}
            </div>
            {m.eligible
              ? (
                <form method="post" action={`${base}/consent`}>
                  <Csrf token={props.page.csrf} />
                  <p class="choice">
                    <input type="checkbox" name="consent" id="outcome-consent" value="yes" required />{" "}
                    <label for="outcome-consent">I have read the text above and agree to take part</label>
                  </p>
                  {q.research_export
                    ? (
                      <p class="choice">
                        <input type="checkbox" name="research" id="outcome-research" value="yes" />{" "}
                        <label for="outcome-research">
                          Also share my answers with researchers, without my name, username or exact dates (optional; you
                          can take part without this)
                        </label>
                      </p>
                    )
                    : null}
                  <p><button type="submit">Take part</button></p>
                </form>
              )
              : <p>Only members of this group with an account on this server can take part.</p>}
          </section>
        )
        : null}
      {m.due
        ? (
          <section aria-labelledby="answer-heading">
            <h2 id="answer-heading">Your questionnaire for period {m.period + 1}</h2>
            <QuestionnaireForm action={`${base}/answers`} csrf={props.page.csrf} instrument={instrument} values={props.values} />
          </section>
        )
        : m.consent && m.nextPeriodAt
        ? <p>You have answered for this period. The next one starts on {date(m.nextPeriodAt)}.</p>
        : null}
      <Trend m={m} />
      {m.consent
        ? (
          <section aria-labelledby="choices-heading">
            <h2 id="choices-heading">Your choices</h2>
            <p>You agreed on {date(m.consent.given_at)} to the consent text shown when you joined the questionnaire.</p>
            {q.research_export && (!closed || m.consent.research)
              ? (
                <form method="post" action={`${base}/research`}>
                  <Csrf token={props.page.csrf} />
                  <input type="hidden" name="research" value={m.consent.research ? "no" : "yes"} />
                  <p>
                    {m.consent.research
                      ? "Your answers may be shared with researchers without your name. "
                      : "Your answers are not shared with researchers. "}
                    <button type="submit" class="secondary">
                      {m.consent.research ? "Stop sharing with researchers" : "Share with researchers"}
                    </button>
                  </p>
                </form>
              )
              : null}
            <form method="post" action={`${base}/withdraw`}>
              <Csrf token={props.page.csrf} />
              <fieldset class="field">
                <legend>Stop taking part</legend>
                <p class="choice">
                  <input type="checkbox" name="delete_answers" id="withdraw-delete" value="yes" />{" "}
                  <label for="withdraw-delete">Also delete all my answers</label>
                </p>
                <p class="hint">
                  Without deleting, your answers stay for you alone and are no longer counted in new figures or exports.
                </p>
                <p><button type="submit" class="danger">Withdraw my consent</button></p>
              </fieldset>
            </form>
          </section>
        )
        : null}
      {m.answers.length > 0
        ? (
          <form method="post" action={`${base}/delete-answers`}>
            <Csrf token={props.page.csrf} />
            <p><button type="submit" class="danger">Delete all my answers</button></p>
          </form>
        )
        : null}
      <Attribution instrument={instrument} />
    </Layout>
  );
}

/** `/settings/outcomes`: every questionnaire the member takes or took part in, with where to manage it. */
export function ParticipationPage(props: {
  page: PageInfo;
  items: { questionnaireId: number; instrument: string; instrumentTitle: string; closed: boolean; groupId: number; groupName: string; consented: boolean; answers: number }[];
}) {
  return (
    <Layout title="Your questionnaires" page={props.page}>
      <p class="breadcrumb"><a href="/settings/data">Your data</a></p>
      <h1>Your questionnaires</h1>
      <p>
        The groups' questionnaires you agreed to or answered. Only you see your answers. Open one to see your scores,
        withdraw, or delete your answers.
      </p>
      {props.items.length === 0
        ? <p>You have not taken part in any questionnaire.</p>
        : (
          <table class="data">
            <caption>Questionnaires</caption>
            <thead>
              <tr><th scope="col">Group</th><th scope="col">Questionnaire</th><th scope="col">You</th><th scope="col">Your answers</th></tr>
            </thead>
            <tbody>
              {props.items.map((p) => (
                <tr>
                  <td>{p.groupName}</td>
                  <td><a href={`/g/${p.groupId}/outcomes/me`}>{p.instrumentTitle}</a>{p.closed ? " (closed)" : ""}</td>
                  <td>{p.consented ? "Taking part" : "Withdrawn"}</td>
                  <td>{p.answers}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Layout>
  );
}
