/** A moment as a person reads it, with the machine-readable value beside it. */
export function Moment({ seconds, ms }: { seconds?: number; ms?: number }) {
  const at = new Date(ms ?? (seconds ?? 0) * 1000);
  const text = at.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  });
  return <time dateTime={at.toISOString()}>{`${text} UTC`}</time>;
}
