/**
 * Why an import stopped, in one line a person can act on: where in the input (`entry 12`,
 * `line 40`) and what is wrong. It never quotes the resource itself, which is health data.
 */
export class ImportError extends Error {
  constructor(
    message: string,
    /** `entry <n>` (0-based, as in Bundle.entry[n]) or `line <n>` (1-based). */
    readonly position?: string,
  ) {
    super(position ? `${position}: ${message}` : message);
    this.name = 'ImportError';
  }
}
