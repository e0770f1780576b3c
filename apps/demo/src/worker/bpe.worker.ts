/**
 * Trains a byte-level BPE off the main thread for the tokenizer playground, reporting progress. It loads
 * only @makemore/tokenizers and @makemore/datasets, no TensorFlow.js.
 */
import { loadDataset } from '@makemore/datasets';
import { BpeTokenizer } from '@makemore/tokenizers';

export interface BpeTrainRequest {
  dataset: string;
  baseUrl: string;
  vocabSize: number;
  pattern: 'gpt4' | 'gpt2' | 'none';
  /** Characters of the dataset to train on (the start of the text); 0 = all. */
  maxChars: number;
}

export type BpeWorkerMessage =
  | { type: 'progress'; fraction: number; merges: number }
  | { type: 'done'; json: unknown; seconds: number; chars: number }
  | { type: 'error'; message: string };

const post = (message: BpeWorkerMessage) => postMessage(message);

self.addEventListener('message', async (event: MessageEvent<BpeTrainRequest>) => {
  const { dataset, baseUrl, vocabSize, pattern, maxChars } = event.data;
  try {
    const data = await loadDataset(dataset, { baseUrl });
    const text = maxChars > 0 ? data.text.slice(0, maxChars) : data.text;
    const started = performance.now();
    let lastPost = 0;
    const tokenizer = BpeTokenizer.train(text, {
      vocabSize,
      pattern: pattern === 'none' ? null : pattern,
      onProgress: (info) => {
        const now = performance.now();
        if (now - lastPost < 50 && info.merge < info.total) return;
        lastPost = now;
        post({ type: 'progress', fraction: info.merge / info.total, merges: info.merge });
      },
    });
    post({
      type: 'done',
      json: tokenizer.toJSON(),
      seconds: (performance.now() - started) / 1000,
      chars: text.length,
    });
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  }
});
