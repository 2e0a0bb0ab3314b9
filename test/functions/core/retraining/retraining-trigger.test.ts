import { describe, expect, it } from 'vitest';
import { type RetrainingPorts, type RetrainingRequest, triggerRetraining } from '../../../../functions/core/retraining/retraining-trigger.ts';

const request: RetrainingRequest = { model: 'm', version: '1.0.0', reason: 'drift', alarm: 'm-drift' };

function memoryPorts() {
  const last = new Map<string, Date>();
  const started: RetrainingRequest[] = [];
  const ports: RetrainingPorts = {
    lastStart: async (model) => last.get(model),
    recordStart: async (model, at) => void last.set(model, at),
    start: async (r) => {
      started.push(r);
      return `execution-${started.length}`;
    },
  };
  return { ports, started };
}

describe('triggerRetraining', () => {
  it('starts retraining, then refuses a second start within the cooldown, and starts again after it', async () => {
    const { ports, started } = memoryPorts();
    const t0 = new Date('2026-11-23T00:00:00Z');
    expect(await triggerRetraining(request, ports, 24, t0)).toEqual({ started: true, execution: 'execution-1' });
    expect(await triggerRetraining(request, ports, 24, new Date('2026-11-23T23:59:00Z'))).toEqual({
      started: false,
      reason: 'retraining of m started at 2026-11-23T00:00:00.000Z; cooling down until 2026-11-24T00:00:00.000Z',
    });
    expect(await triggerRetraining(request, ports, 24, new Date('2026-11-24T00:00:00Z'))).toEqual({ started: true, execution: 'execution-2' });
    expect(started).toEqual([request, request]);
  });

  it('keeps a cooldown per model', async () => {
    const { ports } = memoryPorts();
    const now = new Date('2026-11-23T00:00:00Z');
    await triggerRetraining(request, ports, 24, now);
    expect(await triggerRetraining({ ...request, model: 'other' }, ports, 24, now)).toMatchObject({ started: true });
  });
});
