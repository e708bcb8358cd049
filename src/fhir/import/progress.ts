/** The part of a write stream the progress bar needs (process.stderr in the CLI). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export interface Progress {
  /** `done` resources so far (of `total`, when the bar knows it). */
  update(done: number): void;
  finish(): void;
}

const silent: Progress = { update: () => undefined, finish: () => undefined };

/**
 * A one-line progress bar, redrawn in place at most ten times a second. Only on a terminal:
 * piped or redirected output gets nothing, so logs and `--json` stay clean.
 */
export function progressBar(stream: ProgressStream, total: number, label = 'importing'): Progress {
  if (!stream.isTTY || total <= 0) return silent;
  return throttled(stream, total, (done, rate) => {
    const fraction = Math.min(1, done / total);
    const tail = ` ${Math.floor(fraction * 100)}% ${done}/${total} ${rate}/s`;
    const room = (stream.columns || 80) - label.length - tail.length - 4;
    const width = Math.max(10, Math.min(40, room));
    const full = Math.round(fraction * width);
    return `${label} [${'#'.repeat(full)}${'-'.repeat(width - full)}]${tail}`;
  });
}

/** A running count for a phase whose total is not known yet (reading and checking the input). */
export function progressCounter(stream: ProgressStream, label: string): Progress {
  if (!stream.isTTY) return silent;
  return throttled(stream, Infinity, (done, rate) => `${label} ${done} resources ${rate}/s`);
}

function throttled(
  stream: ProgressStream,
  total: number,
  line: (done: number, rate: number) => string,
): Progress {
  const started = Date.now();
  let drawn = 0;
  let last = -1;
  return {
    update(done) {
      const now = Date.now();
      if (done === last || (now - drawn < 100 && done < total)) return;
      drawn = now;
      last = done;
      const rate = Math.round(done / Math.max((now - started) / 1000, 0.001));
      stream.write(`\r${line(done, rate)}\x1b[K`);
    },
    finish() {
      if (last !== -1) stream.write('\r\x1b[K');
    },
  };
}
