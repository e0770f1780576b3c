/** Generated samples; for word datasets each is tagged "in train" or "new", as makemore prints them. */
import type { Sample } from '../worker/protocol';

export function SampleList({
  samples,
  words,
  testId,
  run,
}: {
  samples: Sample[];
  words: boolean;
  testId: string;
  /** Counts sampling rounds, so a test can tell a new round from the previous one. */
  run?: number;
}) {
  return (
    <>
      {samples.length === 0 && <p class="muted">No samples yet.</p>}
      <ul class={words ? 'samples' : 'samples text'} data-testid={testId} data-run={run} aria-live="polite">
        {samples.map((s, i) => (
          <li key={i} data-in-train={s.inTrain === null ? undefined : String(s.inTrain)}>
            <span class="sample-text">{s.text === '' ? '∅' : s.text}</span>
            {s.inTrain === true && <span class="tag tag-train">in train</span>}
            {s.inTrain === false && <span class="tag tag-new">new</span>}
          </li>
        ))}
      </ul>
    </>
  );
}
