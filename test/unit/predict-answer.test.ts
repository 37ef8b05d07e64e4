import { describe, expect, it } from 'vitest';
import { predictAnswerJson, scoreTexts } from '../../serving/predict-answer.js';

describe('the predict answer written directly', () => {
  it('parses to the answer JSON.stringify writes for the same predictions, each float32 score exactly, a non-number as null', () => {
    const scores = Float32Array.from([0.1, 1 / 3, 0, 1, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, 0.999_999_9]);
    const ids = Array.from(scores, (_, i) => `8f0b7c52-1d3e-4a6b-9c2d-00000000000${i}.AbC-d_${i}`);
    const texts = scoreTexts(scores);
    const json = predictAnswerJson({ model: 'flight-delay', version: 7, alias: 'canary', ids, scores: texts, clipped: [] });
    const expected = { model: 'flight-delay', predictions: Array.from(scores, (score, i) => ({ id: ids[i], version: 7, alias: 'canary', score: Number.isFinite(score) ? score : null })) };
    expect(json).toBe(JSON.stringify(expected));
    // The log line's scores are the same texts: reading either gives the float32 the network made.
    expect(JSON.parse(`[${texts.join(',')}]`)).toEqual(expected.predictions.map((p) => p.score));
  });

  it('carries explanations and clipped numbers, escaping the names in them', () => {
    const explanations = [[{ feature: 'weird "name"\n', contribution: -0.25 }], [{ feature: 'distance', contribution: 1.5 }]];
    const clipped = [{ row: 1, field: 'dis"tance', value: 1e300, to: 5000 }];
    const json = predictAnswerJson({ model: 'm', version: 1, alias: 'production', ids: ['a', 'b'], scores: scoreTexts([0.5, 0.25]), explanations, clipped });
    expect(JSON.parse(json)).toEqual({
      model: 'm',
      predictions: [
        { id: 'a', version: 1, alias: 'production', score: 0.5, explanation: explanations[0] },
        { id: 'b', version: 1, alias: 'production', score: 0.25, explanation: explanations[1] },
      ],
      clipped,
    });
  });
});
