import { describe, expect, it } from 'vitest';
import { TRAINER_SLOTS_ENV, trainerSlots } from '../../workers/trainer.js';

describe('trainerSlots', () => {
  it('runs one training at a time (one per GPU) unless CTRAIN_TRAINER_SLOTS says otherwise', () => {
    expect(trainerSlots({})).toBe(1);
    expect(trainerSlots({ [TRAINER_SLOTS_ENV]: ' ' })).toBe(1);
    expect(trainerSlots({ [TRAINER_SLOTS_ENV]: '4' })).toBe(4);
  });

  it('names the variable when its value is not a positive integer', () => {
    for (const bad of ['0', '-1', '1.5', 'two']) {
      expect(() => trainerSlots({ [TRAINER_SLOTS_ENV]: bad })).toThrow(`CTRAIN_TRAINER_SLOTS must be a positive integer, got '${bad}'`);
    }
  });
});
