// The LUT transformer language model: train a small one on the bundled Moby Dick for a
// few hundred steps, report the held-out loss beside byte n-gram baselines, and sample.
//
//   npx tsx examples/language-model.ts     (any TypeScript runner; or compile with tsc, then node)
import { LutLanguageModel, mobyDick, ngramBaselines } from 'polychron';

async function main(): Promise<void> {
  const text = mobyDick();
  const model = new LutLanguageModel({ layers: 2, heads: 2, tables: 8, comparisons: 5, warmup: 100, seed: 1 });
  let nextReport = 100;
  const { losses } = await model.train(text, {
    steps: 400,
    // Reports come about every 100 ms with the mean loss since the last one.
    onProgress: ({ step, loss }) => {
      if (step < nextReport) return;
      console.log(`step ${step}: training loss ${loss.toFixed(3)} nats/byte`);
      nextReport += 100;
    },
  });
  const validation = await model.evaluate(text, { validationSnippets: 500 });
  const { unigram, bigram } = ngramBaselines(text);
  console.log(`${losses.length} steps; held-out loss ${validation.toFixed(3)} nats/byte ` +
    `(unigram ${unigram.toFixed(3)}, bigram ${bigram.toFixed(3)})`);
  console.log(`sample: Call me Ishmael.${await model.generate('Call me Ishmael.', { length: 120, seed: 1 })}`);
  await model.save('moby.safetensors');
  model.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
