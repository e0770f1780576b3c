/**
 * Tokenizer playground: type text and compare a character tokenizer with a byte-level BPE, as coloured
 * spans with their ids. The BPE trains here, in a worker, on a chosen dataset with a progress bar.
 */
import { BpeTokenizer, CharTokenizer, TIKTOKEN_PRESETS } from '@makemore/tokenizers';
import { useMemo, useRef, useState } from 'preact/hooks';
import { ErrorAlert, NumberField, Panel, SelectField } from '../components/fields';
import { type ByteToken, groupByteTokens, hexBytes, type TokenGroup } from '../lib/byte-tokens';
import { tokenColor } from '../lib/colors';
import { dataBaseUrl, useDatasetOptions } from '../lib/data';
import { BUILTIN_DATASETS } from '../presets';
import type { BpeTrainRequest, BpeWorkerMessage } from '../worker/bpe.worker';

interface Token {
  id: number;
  piece: string;
}

/** Shows whitespace so that it can be seen in a span. */
function visible(piece: string): string {
  return piece.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥');
}

function TokenSpans({ tokens, label, testId }: { tokens: Token[]; label: string; testId: string }) {
  return (
    <ol class="tokens" aria-label={label} data-testid={testId}>
      {tokens.map((t, i) => (
        <li key={i} class="token" style={{ background: tokenColor(t.id) }} title={`id ${t.id}`}>
          <span class="piece">{visible(t.piece)}</span>
          <span class="id">{t.id}</span>
        </li>
      ))}
    </ol>
  );
}

function ByteTokenChip({ token }: { token: ByteToken }) {
  const shown = token.whole ? visible(new TextDecoder().decode(token.bytes)) : hexBytes(token.bytes);
  return (
    <li
      class={token.whole ? 'token' : 'token bytes'}
      style={{ background: tokenColor(token.id) }}
      title={`id ${token.id}, ${token.bytes.length} byte${token.bytes.length === 1 ? '' : 's'} ${hexBytes(token.bytes)}`}
    >
      <span class="piece">{shown}</span>
      <span class="id">{token.id}</span>
    </li>
  );
}

/**
 * BPE tokens: whole-character tokens as text; tokens that split a character as hex bytes, grouped
 * under the characters they make together (lib/byte-tokens.ts).
 */
function ByteTokenSpans({ groups, testId }: { groups: TokenGroup[]; testId: string }) {
  return (
    <ol class="tokens" aria-label="BPE tokens" data-testid={testId}>
      {groups.map((g, i) =>
        g.tokens.length === 1 && g.tokens[0]?.whole ? (
          <ByteTokenChip key={i} token={g.tokens[0]} />
        ) : (
          <li key={i} class="token-group" data-chars={g.text}>
            <span class="group-chars" title={`${g.tokens.length} tokens make “${g.text}”`}>
              {visible(g.text)}
            </span>
            <ol class="tokens">
              {g.tokens.map((t, j) => (
                <ByteTokenChip key={j} token={t} />
              ))}
            </ol>
          </li>
        ),
      )}
    </ol>
  );
}

/** Characters (code points) per token, the usual measure of a tokenizer's compression. */
function charsPerToken(text: string, tokens: number): string {
  return tokens === 0 ? '–' : ([...text].length / tokens).toFixed(2);
}

export function TokenizerPage(_: { active: boolean }) {
  const [text, setText] = useState('emma and olivia went to the sea. Hello, world! 👋 日本語');
  const [dataset, setDataset] = useState<string>('shakespeare');
  const [vocabSize, setVocabSize] = useState(512);
  const [pattern, setPattern] = useState<BpeTrainRequest['pattern']>('gpt4');
  const [bpe, setBpe] = useState<{ tokenizer: BpeTokenizer; info: string } | null>(null);
  const [fraction, setFraction] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const worker = useRef<Worker | null>(null);
  const datasetOptions = useDatasetOptions(BUILTIN_DATASETS);
  const [encoding, setEncoding] = useState<keyof typeof TIKTOKEN_PRESETS>('cl100k_base');

  async function loadTiktoken(file: File | undefined) {
    if (!file) return;
    setError(null);
    try {
      const started = performance.now();
      const tokenizer = BpeTokenizer.fromTiktoken(await file.text(), TIKTOKEN_PRESETS[encoding]);
      const seconds = (performance.now() - started) / 1000;
      setBpe({
        tokenizer,
        info: `${encoding} from ${file.name}: vocab ${tokenizer.vocabSize}, loaded in ${seconds.toFixed(2)} s`,
      });
    } catch (e) {
      setError(`${file.name}: ${(e as Error).message}`);
    }
  }

  const charTokens = useMemo<Token[]>(() => {
    if (text === '') return [];
    const tokenizer = CharTokenizer.fromText(text);
    return tokenizer.encode(text).map((id) => ({ id, piece: tokenizer.decode([id]) }));
  }, [text]);

  const bpeGroups = useMemo<TokenGroup[]>(() => {
    if (!bpe || text === '') return [];
    return groupByteTokens(bpe.tokenizer.encodeOrdinary(text), (id) => bpe.tokenizer.tokenBytes(id));
  }, [text, bpe]);
  const bpeCount = bpeGroups.reduce((n, g) => n + g.tokens.length, 0);

  function trainBpe() {
    setError(null);
    setFraction(0);
    worker.current?.terminate();
    const w = new Worker(new URL('../worker/bpe.worker.ts', import.meta.url), {
      type: 'module',
      name: 'bpe-trainer',
    });
    worker.current = w;
    w.onmessage = (event: MessageEvent<BpeWorkerMessage>) => {
      const m = event.data;
      if (m.type === 'progress') setFraction(m.fraction);
      else {
        w.terminate();
        worker.current = null;
        setFraction(null);
        if (m.type === 'error') setError(m.message);
        else {
          const tokenizer = BpeTokenizer.fromJSON(m.json as Parameters<typeof BpeTokenizer.fromJSON>[0]);
          setBpe({
            tokenizer,
            info: `vocab ${tokenizer.vocabSize}, trained on ${m.chars.toLocaleString('en')} characters of ${dataset} in ${m.seconds.toFixed(2)} s`,
          });
        }
      }
    };
    const message: BpeTrainRequest = { dataset, baseUrl: dataBaseUrl(), vocabSize, pattern, maxChars: 0 };
    w.postMessage(message);
  }

  return (
    <>
      <h2 id="title-tokenizer">Tokenizer playground</h2>
      <div class="panel">
        <div class="field">
          <label for="tok-text">Text to tokenize</label>
          <textarea
            id="tok-text"
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </div>
      </div>
      <Panel title={`Characters: ${charTokens.length} tokens`}>
        <p class="muted">
          A character tokenizer built from the text itself: one id per distinct code point, sorted (
          {charsPerToken(text, charTokens.length)} characters per token).
        </p>
        <TokenSpans tokens={charTokens} label="Character tokens" testId="char-tokens" />
      </Panel>
      <Panel title={bpe ? `Byte-level BPE: ${bpeCount} tokens` : 'Byte-level BPE'}>
        <form
          aria-label="Train a BPE tokenizer"
          onSubmit={(event) => {
            event.preventDefault();
            trainBpe();
          }}
        >
          <div class="field-row">
            <SelectField label="Train on" value={dataset} options={datasetOptions} onChange={setDataset} />
            <NumberField
              label="Vocab size"
              value={vocabSize}
              min={256}
              max={8192}
              step={1}
              onChange={setVocabSize}
            />
            <SelectField
              label="Split pattern"
              value={pattern}
              options={[
                { value: 'gpt4', label: 'GPT-4' },
                { value: 'gpt2', label: 'GPT-2' },
                { value: 'none', label: 'none (basic)' },
              ]}
              onChange={setPattern}
            />
          </div>
          <div class="buttons">
            <button type="submit" disabled={fraction !== null}>
              Train BPE
            </button>
          </div>
        </form>
        <details>
          <summary>Or load OpenAI’s GPT-4 vocabulary</summary>
          <p class="muted">
            Choose a <code>.tiktoken</code> rank file, e.g. <code>cl100k_base.tiktoken</code> (GPT-4), saved
            from OpenAI’s public URL. It is read in this browser; nothing is uploaded.
          </p>
          <div class="field-row">
            <SelectField
              label="Encoding"
              value={encoding}
              options={Object.keys(TIKTOKEN_PRESETS) as (keyof typeof TIKTOKEN_PRESETS)[]}
              onChange={setEncoding}
            />
            <div class="field">
              <label for="tiktoken-file">Rank file</label>
              <input
                id="tiktoken-file"
                type="file"
                accept=".tiktoken,text/plain"
                onChange={(e) => void loadTiktoken((e.currentTarget as HTMLInputElement).files?.[0])}
              />
            </div>
          </div>
        </details>
        {fraction !== null && (
          <progress aria-label="BPE training progress" value={fraction} max={1} data-testid="bpe-progress" />
        )}
        <ErrorAlert message={error} />
        {bpe ? (
          <>
            <p class="muted" data-testid="bpe-info">
              {bpe.info}
            </p>
            <p data-testid="bpe-chars-per-token">
              {charsPerToken(text, bpeCount)} characters per token ({[...text].length} characters in{' '}
              {bpeCount} tokens). Tokens that split a character are shown as their bytes in hex, grouped under
              the character they make together.
            </p>
            <ByteTokenSpans groups={bpeGroups} testId="bpe-tokens" />
          </>
        ) : (
          <p class="muted">Train a BPE to compare.</p>
        )}
      </Panel>
    </>
  );
}
