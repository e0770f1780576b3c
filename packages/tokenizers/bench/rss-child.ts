/**
 * Run in a fresh process by run.ts: `baseline` only loads the corpus, `train` also trains vocab 4096 on it.
 * Prints the process's peak resident set size in MB as JSON.
 */
import { BpeTokenizer } from '../src/index';
import { stateOfTheUnion } from './corpus';

const mode = process.argv[2] ?? 'train';
const text = stateOfTheUnion();
let ms = 0;
if (mode === 'train') {
  const t0 = performance.now();
  BpeTokenizer.train(text, { vocabSize: 4096, pattern: 'gpt4' });
  ms = performance.now() - t0;
}
console.log(JSON.stringify({ mode, peakRssMB: process.resourceUsage().maxRSS / 1024, ms }));
