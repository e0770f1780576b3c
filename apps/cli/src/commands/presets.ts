/**
 * `makemore presets`: the named recipes of @makemore/run, with where each comes from and the result its
 * authors published, so a user can pick one for `makemore train --preset <name>`.
 */
import type { Command } from '../command';
import { runApi } from '../run-spec';
import { table } from '../ui/table';

export const presetsCommand: Command = {
  name: 'presets',
  summary: 'List the named recipes (train --preset <name>) with their published results',
  usage: 'presets [--json]',
  details:
    'Each recipe is a run spec in @makemore/run; `makemore train --preset <name> --print-config` shows it whole.',
  flags: [],
  examples: [
    ['presets', 'the recipes, one line each'],
    ['train --preset nanogpt-baby --print-config', 'one recipe as a full run spec'],
  ],
  async run(_args, { out }) {
    const run = await runApi();
    const rows: (string | number)[][] = [];
    for (const recipe of run.RECIPES) {
      const spec = run.recipeSpec(recipe.name);
      const m = spec.model;
      const size =
        m.type === 'transformer'
          ? `${m.nLayer}L/${m.nHead}H/${m.nEmbd}, block ${m.blockSize}`
          : m.type === 'bigram'
            ? 'counts'
            : `block ${m.blockSize}, emb ${m.nEmbd ?? '-'}, hidden ${m.nHidden ?? m.nEmbd2 ?? '-'}`;
      const ref = recipe.reference;
      out.json({
        type: 'preset',
        name: recipe.name,
        title: recipe.title,
        source: recipe.source,
        reference: ref,
        spec,
      });
      rows.push([
        recipe.name,
        spec.data.dataset,
        `${m.type} (${size})`,
        spec.training.steps,
        `${ref.split} ${ref.loss} (${ref.by})`,
      ]);
    }
    for (const line of table(['recipe', 'data', 'model', 'steps', 'published result'], rows)) out.line(line);
    out.line('');
    out.line(
      'train one: makemore train --preset <recipe>   see it whole: makemore train --preset <recipe> --print-config',
    );
    return 0;
  },
};
