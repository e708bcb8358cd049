/**
 * The account forms' fields, each a label and its input with the attributes browsers and
 * password managers rely on (`autocomplete`, lengths the server also enforces). One place, so
 * sign-in, sign-up and the settings page ask for a username or a password the same way.
 */

/** Longest password accepted anywhere (argon2id hashes it; more is only a denial of service). */
const PASSWORD_MAX = 1024;
/** Shortest new password. */
export const PASSWORD_MIN = 8;

interface FieldProps {
  name: string;
  label: string;
  /** A hint shown under the input and announced with it. */
  hint?: string;
}

export function UsernameField(
  props: Partial<FieldProps> & { value?: string | undefined; pattern?: string },
) {
  const name = props.name ?? 'username';
  const hintId = props.hint ? `${name}-hint` : undefined;
  return (
    <>
      <label for={name}>{props.label ?? 'Username'}</label>
      <input
        id={name}
        name={name}
        type="text"
        autocomplete="username"
        autocapitalize="none"
        spellcheck={false}
        required
        maxLength={64}
        pattern={props.pattern}
        aria-describedby={hintId}
        value={props.value || undefined}
      />
      <Hint id={hintId} text={props.hint} />
    </>
  );
}

/** A password: the current one, or a new one (at least PASSWORD_MIN characters). */
export function PasswordField(props: FieldProps & { new?: boolean }) {
  const hintId = props.hint ? `${props.name}-hint` : undefined;
  return (
    <>
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type="password"
        autocomplete={props.new ? 'new-password' : 'current-password'}
        required
        minLength={props.new ? PASSWORD_MIN : undefined}
        maxLength={PASSWORD_MAX}
        aria-describedby={hintId}
      />
      <Hint id={hintId} text={props.hint} />
    </>
  );
}

function Hint(props: { id: string | undefined; text: string | undefined }) {
  return props.id && props.text ? (
    <p id={props.id} class="muted">
      {props.text}
    </p>
  ) : null;
}

/** A problem with what was sent, announced to screen readers when the page loads. */
export function Alert(props: { text: string | undefined }) {
  return props.text ? (
    <p class="alert" role="alert">
      {props.text}
    </p>
  ) : null;
}

/** The two answers of a consent: `decision=allow` or `decision=deny` (DESIGN.md form fields). */
export function DecisionButtons() {
  return (
    <div class="actions">
      <button type="submit" name="decision" value="allow" class="primary">
        Allow
      </button>
      <button type="submit" name="decision" value="deny">
        Deny
      </button>
    </div>
  );
}
