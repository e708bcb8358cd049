import type { Dashboard } from '../dashboard-context.js';
import { dayText } from '../record/describe.js';
import type { SensitiveCategory, SharablePart } from '../sharing/record-resources.js';
import { sensitiveWords } from '../sharing/record-resources.js';
import {
  MAX_SHARE_DAYS,
  partField,
  type ShareChoice,
  sensitiveField,
} from '../sharing/share-form.js';
import type { PreviewPart } from '../sharing/share-preview.js';
import { Csrf, DashboardFrame } from './dashboard-frame.js';

export interface SharePageProps {
  dashboard: Dashboard;
  choice: ShareChoice;
  parts: SharablePart[];
  categories: SensitiveCategory[];
  problems: string[];
  /** Names of the part checkboxes to show ticked. */
  checked: Set<string>;
  /** Where to connect a record to sharing, when none is connected yet. */
  connect: string[];
}

const today = () => new Date().toISOString().slice(0, 10);
const lastDay = () => new Date(Date.now() + MAX_SHARE_DAYS * 86_400_000).toISOString().slice(0, 10);

/** The share form: who, which parts, sensitive categories (off by default), how, until when. */
export function SharePage(props: SharePageProps) {
  const { dashboard, choice, parts, categories } = props;
  return (
    <DashboardFrame
      dashboard={dashboard}
      section="share"
      title="Share your record"
      problem={props.problems.length > 0 ? props.problems.join(' ') : undefined}
    >
      {parts.length === 0 ? (
        <section class="card" data-connect>
          <p>Your record is not connected to sharing yet.</p>
          {props.connect.length > 0 ? (
            <>
              <p class="muted">
                Connecting lets the server that keeps your record ask Kardia, each time someone else
                looks, whether you allow it. You approve it once; you can share nothing without it.
              </p>
              {props.connect.map((href) => (
                <a key={href} class="button" href={href} hx-boost="false">
                  Connect my record for sharing
                </a>
              ))}
            </>
          ) : (
            <p class="muted">No health record is linked to your account yet.</p>
          )}
        </section>
      ) : (
        <form method="post" action={dashboard.path('/account/share/preview')} class="card">
          <Csrf dashboard={dashboard} />
          <label for="email">Their email address</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="off"
            required
            maxLength={254}
            value={choice.email || undefined}
            aria-describedby="email-hint"
          />
          <p id="email-hint" class="muted">
            They need not have an account yet. The first time they look, they sign in to Kardia or
            create an account and confirm this address; the share then belongs to that person.
          </p>
          <fieldset>
            <legend>Which parts of your record</legend>
            {parts.map((part) => (
              <label key={part.id}>
                <input
                  type="checkbox"
                  name={partField(part.id)}
                  checked={props.checked.has(partField(part.id))}
                />
                {part.label}
              </label>
            ))}
          </fieldset>
          {categories.length > 0 ? (
            <fieldset>
              <legend>Sensitive information</legend>
              <p class="muted">
                Kept out of the share unless you tick it, even within the parts chosen above.
              </p>
              {categories.map((category) => (
                <label key={category.scope}>
                  <input
                    type="checkbox"
                    name={sensitiveField(category.scope)}
                    checked={choice.sensitive.includes(category.scope)}
                  />
                  Include {category.label}
                </label>
              ))}
            </fieldset>
          ) : null}
          <fieldset>
            <legend>What they may do</legend>
            <label>
              <input type="radio" name="access" value="read" checked={choice.access === 'read'} />
              Read only
            </label>
            <label>
              <input type="radio" name="access" value="write" checked={choice.access === 'write'} />
              Read, add and change
            </label>
          </fieldset>
          <label for="until">Until (the last day of the share)</label>
          <input
            id="until"
            name="until"
            type="date"
            required
            min={today()}
            max={lastDay()}
            value={choice.until}
          />
          <div class="actions">
            <button type="submit" class="primary">
              Preview what they will see
            </button>
          </div>
        </form>
      )}
    </DashboardFrame>
  );
}

export interface SharePreviewProps {
  dashboard: Dashboard;
  choice: ShareChoice;
  parts: SharablePart[];
  preview: PreviewPart[];
  /** The choice as hidden fields, and the form's one-time id. */
  fields: Record<string, string>;
}

/** Before saving: exactly what the person would see, then save or go back and change. */
export function SharePreviewPage(props: SharePreviewProps) {
  const { dashboard, choice } = props;
  const chosen = props.parts.filter((part) => choice.partIds.includes(part.id));
  const hidden = Object.entries(props.fields).map(([name, value]) => (
    <input key={name} type="hidden" name={name} value={value} />
  ));
  return (
    <DashboardFrame dashboard={dashboard} section="share" title="Check before sharing">
      <section class="card" aria-labelledby="summary-heading">
        <h2 id="summary-heading">You are about to share</h2>
        <ul>
          <li>
            With <strong data-share-email={choice.email}>{choice.email}</strong>
          </li>
          <li>{chosen.map((part) => part.label).join(', ')}</li>
          <li>
            {choice.sensitive.length > 0
              ? `Including ${choice.sensitive.map(sensitiveWords).join(', ')}`
              : 'No sensitive information'}
          </li>
          <li>{choice.access === 'write' ? 'They may read, add and change' : 'Read only'}</li>
          <li>Until the end of {dayText(`${choice.until}T12:00:00Z`)}</li>
        </ul>
      </section>
      <section class="card" aria-labelledby="preview-heading" data-preview>
        <h2 id="preview-heading">What they would see today</h2>
        <ul class="latest">
          {props.preview.map((part) => (
            <li key={part.label} data-preview-part={part.label}>
              <strong>{part.label}</strong>: {part.count} {part.count === 1 ? 'entry' : 'entries'}
              {part.latest.length > 0 ? (
                <ul>
                  {part.latest.map((line) => (
                    <li key={line.reference}>
                      {line.title}
                      {line.value ? ` ${line.value}` : ''}
                      {line.date ? ` · ${dayText(line.date)}` : ''}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <div class="actions">
        <form method="post" action={dashboard.path('/account/share')}>
          <Csrf dashboard={dashboard} />
          {hidden}
          <button type="submit" class="primary">
            Share
          </button>
        </form>
        <form method="post" action={dashboard.path('/account/share/preview')}>
          <Csrf dashboard={dashboard} />
          {hidden}
          <button type="submit" name="step" value="edit">
            Change
          </button>
        </form>
      </div>
    </DashboardFrame>
  );
}
