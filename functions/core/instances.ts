import { IssueList } from './errors.ts';
import type { FeatureLayout, FeatureSlot } from './feature-layout.ts';

/** What packing needs of a layout: its slots and batch bound (a FeatureLayout, or an ORT-free schema). */
export type SlotLayout = Pick<FeatureLayout, 'slots' | 'byName' | 'maxBatch'>;

/** Where checked values go: an InputBatch's tensors, or plain rows. */
export interface RowSink {
  write(slot: FeatureSlot, row: number, value: unknown): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks `instances` (objects of named features, or arrays in feature order) and packs them into
 * `batch`. Returns the row count; throws InvalidInputError naming every problem.
 */
export function packInstances(layout: SlotLayout, batch: RowSink, instances: unknown, path = 'instances'): number {
  const issues = new IssueList();
  if (!Array.isArray(instances)) {
    issues.add(path, 'expected an array of instances');
  } else if (instances.length === 0) {
    issues.add(path, 'expected at least one instance');
  } else if (instances.length > layout.maxBatch) {
    issues.add(path, `batch of ${instances.length} instances exceeds the maximum of ${layout.maxBatch}`);
  } else {
    instances.forEach((instance, row) => packOne(layout, batch, instance, row, `${path}[${row}]`, issues));
  }
  issues.throwIfAny('invalid instances');
  return (instances as unknown[]).length;
}

function packOne(layout: SlotLayout, batch: RowSink, instance: unknown, row: number, path: string, issues: IssueList): void {
  const slots = layout.slots;
  if (Array.isArray(instance)) {
    if (instance.length !== slots.length) {
      issues.add(path, `expected ${slots.length} values in feature order, got ${instance.length}`);
      return;
    }
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const problem = slot.check(instance[i]);
      if (problem) issues.add(`${path}[${i}]`, `${slot.feature.name}: ${problem}`);
      else batch.write(slot, row, instance[i]);
    }
    return;
  }
  if (!isRecord(instance)) {
    issues.add(path, 'expected an object of named features or an array of values in feature order');
    return;
  }
  let known = 0;
  for (const slot of slots) {
    const value = instance[slot.feature.name];
    if (value !== undefined) known++;
    const problem = slot.check(value);
    if (problem) issues.add(`${path}.${slot.feature.name}`, problem);
    else batch.write(slot, row, value);
  }
  const keys = Object.keys(instance);
  if (keys.length > known) {
    for (const key of keys) if (!layout.byName.has(key)) issues.add(`${path}.${key}`, 'unknown feature');
  }
}
