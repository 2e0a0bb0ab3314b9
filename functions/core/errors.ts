/** One problem with a request, located by a path such as `instances[2].mean_radius`. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** The request is wrong; `issues` names every problem found. Maps to HTTP 400. */
export class InvalidInputError extends Error {
  constructor(
    message: string,
    readonly issues: readonly Issue[] = [],
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** A model package cannot be used: bad model.json, checksum mismatch, graph that does not match. */
export class ModelPackageError extends Error {
  constructor(
    message: string,
    readonly source: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${message}`, options);
    this.name = 'ModelPackageError';
  }
}

/** Collects issues up to a bound, so a 1,000-row batch of garbage yields a readable answer. */
export class IssueList {
  private readonly list: Issue[] = [];
  private dropped = 0;

  constructor(private readonly limit = 100) {}

  add(path: string, message: string): void {
    if (this.list.length < this.limit) this.list.push({ path, message });
    else this.dropped++;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws an InvalidInputError holding every collected issue, if any. */
  throwIfAny(message: string): void {
    if (this.empty) return;
    const issues = this.dropped ? [...this.list, { path: '', message: `${this.dropped} more problems not listed` }] : this.list;
    throw new InvalidInputError(message, issues);
  }
}
