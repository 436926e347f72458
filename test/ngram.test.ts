import { ngramBaselines } from '../lib/ngram';

describe('n-gram baselines of the LM demo', () => {
  test('score the held-out tail with add-one smoothed counts of the training part', () => {
    // 'ab' repeated: every byte is a or b (unigram ~ ln 2 plus smoothing), and each
    // byte fixes the next (bigram far below it).
    const text = Buffer.from('ab'.repeat(5000));
    const { unigram, bigram, scored } = ngramBaselines(text, 0.1);
    expect(scored).toBe(1000);
    const split = text.length - 1000;
    expect(unigram).toBeCloseTo(-Math.log((split / 2 + 1) / (split + 256)), 12);
    expect(bigram).toBeCloseTo(-Math.log((split / 2 + 1) / (split / 2 + 256)), 2);
    expect(bigram).toBeLessThan(unigram / 5);
  });

  test('an unseen byte costs a finite amount, and bad arguments are refused', () => {
    const text = Buffer.concat([Buffer.alloc(900, 'a'), Buffer.alloc(100, 'z')]);
    const { unigram } = ngramBaselines(text);
    expect(unigram).toBeCloseTo(Math.log(900 + 256), 12);
    expect(() => ngramBaselines(text, 1)).toThrow(RangeError);
    expect(() => ngramBaselines(Buffer.from('a'))).toThrow(/too short/);
    expect(() => ngramBaselines('text' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
