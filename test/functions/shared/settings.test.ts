import { describe, expect, it } from 'vitest';
import { readSettings } from '../../../functions/shared/settings.ts';

describe('predict settings from the environment', () => {
  it('reads the model list and applies defaults', () => {
    expect(readSettings({ MODELS: '["/var/task/models/a/1.0.0"]' })).toEqual({
      MODELS: ['/var/task/models/a/1.0.0'],
      INTRA_OP_NUM_THREADS: 1,
      MAX_BATCH: 1000,
      MAX_BODY_BYTES: 1048576,
      CAPTURE_SAMPLE_RATE: 0.1,
    });
  });

  it('names MODELS when it is missing or not a JSON array of strings', () => {
    expect(() => readSettings({})).toThrow(/MODELS: MODELS is required/);
    expect(() => readSettings({ MODELS: 'models/a' })).toThrow(/MODELS must be a non-empty JSON array of strings, got models\/a/);
    expect(() => readSettings({ MODELS: '[]' })).toThrow(/MODELS must be a non-empty JSON array/);
  });

  it('reads the capture settings, naming a malformed allow-list', () => {
    expect(readSettings({ MODELS: '["a"]', CAPTURE_URI: 's3://b/captures', CAPTURE_SAMPLE_RATE: '0.25', CAPTURE_FEATURES: '["x","y"]' })).toMatchObject({
      CAPTURE_URI: 's3://b/captures',
      CAPTURE_SAMPLE_RATE: 0.25,
      CAPTURE_FEATURES: ['x', 'y'],
    });
    expect(readSettings({ MODELS: '["a"]', CAPTURE_FEATURES: '{"a":["x"]}' }).CAPTURE_FEATURES).toEqual({ a: ['x'] });
    expect(() => readSettings({ MODELS: '["a"]', CAPTURE_FEATURES: 'x,y' })).toThrow(/CAPTURE_FEATURES must be a JSON array of feature names or an object of such arrays by model/);
    expect(() => readSettings({ MODELS: '["a"]', CAPTURE_SAMPLE_RATE: '2' })).toThrow(/CAPTURE_SAMPLE_RATE/);
  });

  it('names a limit that is not a positive integer', () => {
    expect(() => readSettings({ MODELS: '["a"]', MAX_BATCH: '0' })).toThrow(/MAX_BATCH/);
    expect(() => readSettings({ MODELS: '["a"]', INTRA_OP_NUM_THREADS: 'two' })).toThrow(/INTRA_OP_NUM_THREADS/);
  });

  it("reads the SageMaker-served models' model.json paths by name, naming a malformed list", () => {
    expect(readSettings({ MODELS: '["a"]', MODEL_JSONS: '{"tumor":"/var/task/sagemaker-models/tumor/model.json"}' }).MODEL_JSONS).toEqual({ tumor: '/var/task/sagemaker-models/tumor/model.json' });
    expect(() => readSettings({ MODELS: '["a"]', MODEL_JSONS: '["/x/model.json"]' })).toThrow(/MODEL_JSONS/);
  });
});
