/**
 * Long CPU work cut into turns of the event loop. A loop over many items asks `turns.due()` once per item and,
 * when it says so — after about `budgetMs` of work — awaits `turns.next()`, one turn of the loop
 * (`setImmediate`), so that other requests,
 * timers and I/O run between the slices. Intake uses it for everything it does per event or per session of a
 * 10,000-event batch, which would otherwise hold the loop for hundreds of milliseconds (docs/security.md).
 */
export class LoopTurns {
  private sliceStart = performance.now();
  private calls = 0;

  /**
   * @param budgetMs the longest a slice should run
   * @param checkEvery how many calls between looks at the clock (1 when each call stands for much work)
   */
  constructor(
    private readonly budgetMs = 10,
    private readonly checkEvery = 16,
  ) {}

  /**
   * Whether the slice has used its budget. Asked once per item; a plain call, not an `await`, so that the
   * items of a slice cost no promise each.
   */
  due(): boolean {
    return ++this.calls % this.checkEvery === 0 && performance.now() - this.sliceStart >= this.budgetMs;
  }

  /** Waits one turn of the event loop and starts the next slice. */
  async next(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }

  /** `items.map(fn)` in slices. */
  async map<T, R>(items: Iterable<T>, fn: (item: T) => R): Promise<R[]> {
    const out: R[] = [];
    for (const item of items) {
      out.push(fn(item));
      if (this.due()) await this.next();
    }
    return out;
  }
}

/** Longest JSON text (characters) one intake statement carries: binding and sending it is one block of the loop. */
export const STATEMENT_JSON_CHARS = 1_000_000;

/**
 * The JSON arrays (as texts) of `items` made rows by `toRow`, each at most about STATEMENT_JSON_CHARS
 * characters (a row longer than that is an array of its own), every row made and serialised in its own slice.
 */
export async function jsonArrays<T>(
  items: Iterable<T>,
  toRow: (item: T) => unknown,
  turns: LoopTurns,
): Promise<string[]> {
  const arrays: string[] = [];
  let parts: string[] = [];
  let length = 0;
  for (const item of items) {
    const text = JSON.stringify(toRow(item));
    if (parts.length > 0 && length + text.length > STATEMENT_JSON_CHARS) {
      arrays.push(`[${parts.join(',')}]`);
      parts = [];
      length = 0;
    }
    parts.push(text);
    length += text.length + 1;
    if (turns.due()) await turns.next();
  }
  if (parts.length > 0) arrays.push(`[${parts.join(',')}]`);
  return arrays;
}
