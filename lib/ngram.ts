/**
 * Byte n-gram baselines for a language model's loss: what a unigram and a bigram model,
 * counted on the training part of a text, score on its held-out tail — the same split as
 * the 'holdout' data protocol, in the same unit (nats per byte). A LUT transformer that
 * has learned anything beats the unigram figure; one that uses its context beats the bigram.
 */
import { shown } from './describe';
import { LUT_LM_TRAIN_DEFAULTS } from './lm';

export interface NgramBaselines {
  /** Cross-entropy of the held-out tail under byte frequencies of the training part, nats/byte. */
  unigram: number;
  /** The same under byte-given-previous-byte frequencies, nats/byte. */
  bigram: number;
  /** Bytes scored (the held-out tail). */
  scored: number;
}

const SYMBOLS = 256;

/**
 * Counts on text[0, n − ⌊n·holdout⌋) and scores the rest, with add-one smoothing (so
 * that a byte never seen in training costs a finite amount).
 */
export function ngramBaselines(text: Uint8Array, holdout: number = LUT_LM_TRAIN_DEFAULTS.holdout): NgramBaselines {
  if (!(text instanceof Uint8Array)) throw new TypeError('text must be a Uint8Array or Buffer');
  if (typeof holdout !== 'number') throw new TypeError(`holdout must be a number (got ${shown(holdout)})`);
  if (!(holdout > 0 && holdout < 1)) throw new RangeError(`holdout must be a number in (0, 1) (got ${shown(holdout)})`);
  const split = text.length - Math.floor(text.length * holdout);
  if (split < 2 || split >= text.length) throw new RangeError(`text is too short for a held-out tail (${text.length} bytes)`);
  const unigram = new Float64Array(SYMBOLS);
  const bigram = new Float64Array(SYMBOLS * SYMBOLS);
  for (let i = 0; i < split; i++) {
    unigram[text[i]]++;
    if (i > 0) bigram[text[i - 1] * SYMBOLS + text[i]]++;
  }
  // Row totals of the bigram counts: how often each byte was followed by another.
  const following = new Float64Array(SYMBOLS);
  for (let i = 0; i + 1 < split; i++) following[text[i]]++;
  let unigramNats = 0;
  let bigramNats = 0;
  for (let i = split; i < text.length; i++) {
    const b = text[i];
    unigramNats -= Math.log((unigram[b] + 1) / (split + SYMBOLS));
    const a = text[i - 1];
    bigramNats -= Math.log((bigram[a * SYMBOLS + b] + 1) / (following[a] + SYMBOLS));
  }
  const scored = text.length - split;
  return { unigram: unigramNats / scored, bigram: bigramNats / scored, scored };
}
