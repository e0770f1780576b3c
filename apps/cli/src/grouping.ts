/**
 * makemore's way of printing samples from a word dataset: each sample is marked as a copy of a training
 * word, a copy of a test (held-out) word, or new.
 */

/** Samples sorted into the three groups makemore prints. */
export interface SampleGroups {
  inTrain: string[];
  inTest: string[];
  fresh: string[];
}

/** Sorts `samples` by whether they occur in the training words, in the held-out words, or neither. */
export function groupSamples(
  samples: readonly string[],
  trainWords: ReadonlySet<string>,
  heldOutWords: ReadonlySet<string>,
): SampleGroups {
  const groups: SampleGroups = { inTrain: [], inTest: [], fresh: [] };
  for (const s of samples) {
    if (trainWords.has(s)) groups.inTrain.push(s);
    else if (heldOutWords.has(s)) groups.inTest.push(s);
    else groups.fresh.push(s);
  }
  return groups;
}

/** The groups as printable lines, with makemore's headings. */
export function formatGroups(groups: SampleGroups): string[] {
  const lines: string[] = [];
  const section = (title: string, items: string[]) => {
    lines.push(`${'-'.repeat(10)} ${items.length} samples that are ${title} ${'-'.repeat(10)}`);
    lines.push(...items);
  };
  section('in train', groups.inTrain);
  section('in test', groups.inTest);
  section('new', groups.fresh);
  return lines;
}
