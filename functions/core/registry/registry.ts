import { parsePackage, sha256 } from '../package-file.ts';
import type { ModelPackage } from '../model-package.ts';
import { joinKey, type LocationOptions, openLocation } from '../storage/location.ts';
import type { Location, ObjectStore } from '../storage/object-store.ts';
import { compareVersions, Lineage, PREVIOUS_KEPT, type PointerEntry, ProductionPointer, productionKey, versionPrefix } from './layout.ts';

/** A registry operation refused: unknown model or version, tampered package, overwrite of a version... */
export class RegistryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

export type ApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

/** A registered version, as a mirror (SageMaker Model Package Group) records it. */
export interface MirroredVersion {
  readonly model: string;
  readonly version: string;
  readonly sha256: string;
  readonly description: string;
  /** URI of the version's folder in the registry (model.onnx and model.json inside). */
  readonly uri: string;
  readonly lineage: Lineage;
}

/**
 * Port to a second registry that follows this one (SageMaker Model Package Groups): registered
 * versions start `PendingManualApproval`; promote approves; rollback rejects the version left.
 */
export interface RegistryMirror {
  registered(version: MirroredVersion): Promise<void>;
  setApproval(model: string, version: string, status: ApprovalStatus, reason: string): Promise<void>;
}

export interface RegistryOptions {
  readonly mirror?: RegistryMirror;
  /** Clock for registeredAt / promotedAt. @default () => new Date() */
  readonly now?: () => Date;
}

export interface RegisterOptions {
  /** The parent version; defaults to the production version at the time of registration. */
  readonly parentVersion?: string;
  readonly trainingJob?: string;
  readonly dataUris?: readonly string[];
}

export interface RegisterResult {
  readonly model: string;
  readonly version: string;
  readonly sha256: string;
  /** False when the same bytes were registered before (a no-op). */
  readonly created: boolean;
  readonly uri: string;
  readonly lineage: Lineage;
}

export interface ModelSummary {
  readonly name: string;
  /** Registered versions, oldest first (semantic-version order). */
  readonly versions: readonly string[];
  readonly production?: string;
}

export interface VersionDetails {
  readonly model: string;
  readonly version: string;
  readonly sha256: string;
  readonly size: number;
  readonly uri: string;
  readonly production: boolean;
  readonly description: string;
  readonly task: ModelPackage['task'];
  readonly metrics: Record<string, number>;
  readonly lineage?: Lineage;
}

/** What promote or rollback did to the production pointer. */
export interface PointerChange {
  readonly model: string;
  readonly action: 'promote' | 'rollback';
  readonly from?: string;
  readonly to: string;
  /** False when the version asked for was already in production. */
  readonly changed: boolean;
  readonly pointer: ProductionPointer;
}

/** `breast-cancer: production 1.0.0 -> 1.1.0` */
export function describeChange(change: PointerChange): string {
  if (!change.changed) return `${change.model}: production is already ${change.to} (unchanged)`;
  return `${change.model}: production ${change.from ?? '(none)'} -> ${change.to}${change.action === 'rollback' ? ' (rollback)' : ''}`;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * An immutable model registry over a folder or an S3 prefix. Versions are written with
 * writeIfAbsent and never replaced; the production pointer is one small object, so promote and
 * rollback are a single write.
 */
export class Registry {
  readonly #store: ObjectStore;
  readonly #root: string;
  readonly #mirror?: RegistryMirror;
  readonly #now: () => Date;

  constructor(location: Location, options: RegistryOptions = {}) {
    this.#store = location.store;
    this.#root = location.key.replace(/\/+$/, '');
    this.#mirror = options.mirror;
    this.#now = options.now ?? (() => new Date());
  }

  #key(rel: string): string {
    return joinKey(this.#root, rel);
  }

  /** The URI of a key relative to the registry root. */
  uri(rel = ''): string {
    return rel === '' ? this.#store.uri(this.#root) : this.#store.uri(this.#key(rel));
  }

  #read(rel: string): Promise<Uint8Array | undefined> {
    return this.#store.readIfPresent(this.#key(rel));
  }

  async #readJson<T>(rel: string, schema: { parse(v: unknown): T }): Promise<T | undefined> {
    const bytes = await this.#read(rel);
    if (bytes === undefined) return undefined;
    try {
      return schema.parse(JSON.parse(text(bytes)));
    } catch (err) {
      throw new RegistryError(`${this.uri(rel)} is corrupt: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The production pointer of a model, or undefined when nothing was promoted yet. */
  production(model: string): Promise<ProductionPointer | undefined> {
    return this.#readJson(productionKey(model), ProductionPointer);
  }

  /**
   * Registers the package at `source` (a folder or s3:// URI holding model.json and model.onnx).
   * The SHA-256 of model.onnx is computed and must equal model.json's; the same version registered
   * again is a no-op when the bytes are identical and an error when they differ.
   */
  async register(source: string | Location, options: RegisterOptions = {}, locationOptions: LocationOptions = {}): Promise<RegisterResult> {
    const from = typeof source === 'string' ? openLocation(source, locationOptions) : source;
    const fromUri = from.store.uri(from.key);
    const readSource = async (file: string) => {
      const bytes = await from.store.readIfPresent(joinKey(from.key, file));
      if (!bytes) throw new RegistryError(`${fromUri}: no ${file} in the package to register`);
      return bytes;
    };
    const jsonBytes = await readSource('model.json');
    const pkg = parsePackage(text(jsonBytes), fromUri);
    const onnx = await readSource('model.onnx');
    const actual = sha256(onnx);
    if (actual !== pkg.sha256) {
      throw new RegistryError(`${fromUri}: model.onnx SHA-256 is ${actual} but model.json declares ${pkg.sha256}; refusing to register a tampered package`);
    }
    const { name: model, version } = pkg;
    const prefix = versionPrefix(model, version);
    const files: [string, Uint8Array][] = [
      ['model.onnx', onnx],
      ['model.json', jsonBytes],
    ];
    const immutable = (file: string) =>
      new RegistryError(`${model} ${version} is already registered with a different ${file} (${this.uri(prefix)}); versions are immutable: register it under a new version`);
    // Check before writing anything, so a refused registration leaves nothing behind.
    for (const [file, bytes] of files) {
      const existing = await this.#read(`${prefix}/${file}`);
      if (existing && !sameBytes(existing, bytes)) throw immutable(file);
    }
    const parentVersion = options.parentVersion ?? (await this.production(model))?.version;
    if (parentVersion !== undefined && parentVersion !== version && !(await this.#read(`${versionPrefix(model, parentVersion)}/model.json`))) {
      throw new RegistryError(`parent version ${model} ${parentVersion} is not registered`);
    }
    const lineage: Lineage = {
      model,
      version,
      sha256: actual,
      registeredAt: this.#now().toISOString(),
      registeredFrom: fromUri,
      ...(parentVersion !== undefined && parentVersion !== version ? { parentVersion } : {}),
      ...(options.trainingJob ? { trainingJob: options.trainingJob } : {}),
      dataUris: [...(options.dataUris ?? [])],
      metrics: pkg.metrics.holdout,
      training: pkg.training,
    };
    // model.onnx first, lineage next, model.json last: its presence is what makes a version listed.
    let created = false;
    for (const [file, bytes] of [files[0]!, ['lineage.json', new TextEncoder().encode(json(lineage))] as [string, Uint8Array], files[1]!]) {
      const key = this.#key(`${prefix}/${file}`);
      if (await this.#store.writeIfAbsent(key, bytes)) {
        if (file === 'model.json') created = true;
        continue;
      }
      if (file === 'lineage.json') continue; // a first registration's lineage stands
      // Lost a race with another writer: the bytes there must be ours.
      if (!sameBytes(await this.#store.readBytes(key), bytes)) throw immutable(file);
    }
    const stored = (await this.#readJson(`${prefix}/lineage.json`, Lineage)) ?? lineage;
    await this.#mirror?.registered({ model, version, sha256: actual, description: pkg.description, uri: this.uri(prefix), lineage: stored });
    return { model, version, sha256: actual, created, uri: this.uri(prefix), lineage: stored };
  }

  /** Every model with its versions (oldest first) and production version. */
  async list(): Promise<ModelSummary[]> {
    const base = this.#root === '' ? '' : `${this.#root}/`;
    const objects = await this.#store.list(base);
    const models = new Map<string, { versions: string[]; production: boolean }>();
    const entry = (name: string) => models.get(name) ?? models.set(name, { versions: [], production: false }).get(name)!;
    for (const { key } of objects) {
      if (!key.startsWith(base)) continue;
      const rel = key.slice(base.length).split('/');
      if (rel.length === 4 && rel[1] === 'versions' && rel[3] === 'model.json') entry(rel[0]!).versions.push(rel[2]!);
      else if (rel.length === 2 && rel[1] === 'production.json') entry(rel[0]!).production = true;
    }
    const summaries: ModelSummary[] = [];
    for (const [name, { versions, production }] of [...models].sort(([a], [b]) => (a < b ? -1 : 1))) {
      summaries.push({
        name,
        versions: versions.sort(compareVersions),
        ...(production ? { production: (await this.production(name))?.version } : {}),
      });
    }
    return summaries;
  }

  async #requireVersion(model: string, version: string): Promise<ModelPackage> {
    const bytes = await this.#read(`${versionPrefix(model, version)}/model.json`);
    if (bytes === undefined) {
      const versions = (await this.list()).find((m) => m.name === model)?.versions ?? [];
      const known = versions.length ? `registered versions: ${versions.join(', ')}` : `no model "${model}" in ${this.uri()}`;
      throw new RegistryError(`${model} ${version} is not registered (${known})`);
    }
    return parsePackage(text(bytes), this.uri(versionPrefix(model, version)));
  }

  /** One version: by default the production version, or the latest when nothing is in production. */
  async show(model: string, version?: string): Promise<VersionDetails> {
    const pointer = await this.production(model);
    let chosen = version ?? pointer?.version;
    if (chosen === undefined) {
      const found = (await this.list()).find((m) => m.name === model);
      if (!found || found.versions.length === 0) throw new RegistryError(`no model "${model}" in ${this.uri()}`);
      chosen = found.versions.at(-1)!;
    }
    const prefix = versionPrefix(model, chosen);
    const pkg = await this.#requireVersion(model, chosen);
    const size = (await this.#store.head(this.#key(`${prefix}/model.onnx`)))?.size ?? 0;
    const lineage = await this.#readJson(`${prefix}/lineage.json`, Lineage);
    return {
      model,
      version: chosen,
      sha256: pkg.sha256,
      size,
      uri: this.uri(prefix),
      production: pointer?.version === chosen,
      description: pkg.description,
      task: pkg.task,
      metrics: pkg.metrics.holdout,
      ...(lineage ? { lineage } : {}),
    };
  }

  /** Points production at `version` (which must be registered); the version left becomes the rollback target. */
  async promote(model: string, version: string): Promise<PointerChange> {
    const pkg = await this.#requireVersion(model, version);
    const current = await this.production(model);
    if (current?.version === version) return { model, action: 'promote', from: version, to: version, changed: false, pointer: current };
    const promotedAt = this.#now().toISOString();
    const previous: PointerEntry[] = current
      ? [{ version: current.version, sha256: current.sha256, promotedAt: current.promotedAt }, ...current.previous].slice(0, PREVIOUS_KEPT)
      : [];
    const pointer: ProductionPointer = { version, sha256: pkg.sha256, promotedAt, previous };
    await this.#store.write(this.#key(productionKey(model)), json(pointer));
    await this.#mirror?.setApproval(model, version, 'Approved', `promoted to production at ${promotedAt}`);
    return { model, action: 'promote', ...(current ? { from: current.version } : {}), to: version, changed: true, pointer };
  }

  /** Points production back at the previous production version. */
  async rollback(model: string): Promise<PointerChange> {
    const current = await this.production(model);
    if (!current) throw new RegistryError(`${model} has no production version to roll back (${this.uri(productionKey(model))} does not exist)`);
    const [target, ...older] = current.previous;
    if (!target) throw new RegistryError(`${model} has no previous production version to roll back to (production is ${current.version})`);
    const pkg = await this.#requireVersion(model, target.version);
    const promotedAt = this.#now().toISOString();
    const pointer: ProductionPointer = { version: target.version, sha256: pkg.sha256, promotedAt, previous: older };
    await this.#store.write(this.#key(productionKey(model)), json(pointer));
    await this.#mirror?.setApproval(model, current.version, 'Rejected', `rolled back to ${target.version} at ${promotedAt}`);
    await this.#mirror?.setApproval(model, target.version, 'Approved', `restored to production by rollback at ${promotedAt}`);
    return { model, action: 'rollback', from: current.version, to: target.version, changed: true, pointer };
  }
}

/** A registry at a folder or `s3://bucket/prefix`. */
export function openRegistry(uri: string, options: LocationOptions & RegistryOptions = {}): Registry {
  return new Registry(openLocation(uri, options), options);
}
