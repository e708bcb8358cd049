/** What one item of a batch came to: its value, or why it failed. */
export type Outcome<R> = { value: R } | { error: unknown };

interface Pending<I, R> {
  item: I;
  done: (value: R) => void;
  failed: (error: unknown) => void;
}

/**
 * Collects the items that arrive during one turn of the event loop and hands them to `flush`
 * together, at most `max` at a time; items arriving while a batch is flushed make the next one.
 * Each caller's promise settles with its own item's outcome once its batch is done, and every
 * item of a batch fails if `flush` itself throws.
 */
export class TurnBatcher<I, R> {
  private queue: Pending<I, R>[] = [];
  private scheduled = false;

  constructor(
    private readonly flush: (items: I[]) => Promise<Outcome<R>[]>,
    private readonly max: number,
  ) {}

  add(item: I): Promise<R> {
    return new Promise<R>((done, failed) => {
      this.queue.push({ item, done, failed });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.max);
      let outcomes: Outcome<R>[];
      try {
        outcomes = await this.flush(batch.map((pending) => pending.item));
      } catch (error) {
        batch.forEach((pending) => pending.failed(error));
        continue;
      }
      batch.forEach((pending, i) => {
        const outcome = outcomes[i];
        if (outcome && 'value' in outcome) pending.done(outcome.value);
        else pending.failed(outcome?.error ?? new Error('no outcome for a batched item'));
      });
    }
    this.scheduled = false;
  }
}
