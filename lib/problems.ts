/**
 * Every problem of a config, gathered: each check runs, and what one throws (or a `must` that does
 * not hold) is kept, so that one synth names them all instead of the first.
 */
export class Problems {
  readonly found: string[] = [];

  /** Runs `check`, keeping the message of what it throws; returns whether it passed, for checks that need it to. */
  check(check: () => void): boolean {
    try {
      check();
      return true;
    } catch (err) {
      this.found.push((err as Error).message);
      return false;
    }
  }

  /** Keeps `problem` unless `ok`; returns `ok`, for checks that need this one to hold. */
  must(ok: boolean, problem: string): boolean {
    if (!ok) this.found.push(problem);
    return ok;
  }

  /** Throws the problems found, one a line when there are several. */
  throwIfAny(): void {
    if (this.found.length === 1) throw new Error(this.found[0]);
    if (this.found.length > 1) throw new Error(`the config has ${this.found.length} problems:\n${this.found.map((f) => `- ${f}`).join('\n')}`);
  }
}

/** Runs `checks` with `problems`, or with its own, whose problems it then throws. */
export function gathering(problems: Problems | undefined, checks: (p: Problems) => void): void {
  const p = problems ?? new Problems();
  checks(p);
  if (!problems) p.throwIfAny();
}
