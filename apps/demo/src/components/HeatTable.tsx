/**
 * A heat map as an HTML table: one cell per (row, column) with its value written in it, like the
 * lecture's bigram plot. A table keeps it readable by screen readers and scrollable on a phone.
 */
import { heatColor } from '../lib/colors';

export interface HeatTableProps {
  rows: string[];
  cols: string[];
  /** Row-major values, rows.length × cols.length. */
  values: ArrayLike<number>;
  caption: string;
  /** The text in each cell; by default the value. */
  cellText?: (row: number, col: number, value: number) => string;
  /** The hover tooltip of each cell (its `title`): what the cell means, in words. */
  cellTitle?: (row: number, col: number, value: number) => string;
  small?: boolean;
  testId?: string;
}

export function HeatTable({
  rows,
  cols,
  values,
  caption,
  cellText,
  cellTitle,
  small,
  testId,
}: HeatTableProps) {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  return (
    <div class="scroll">
      <table class={small ? 'heat small' : 'heat'} data-testid={testId}>
        <caption class="muted">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" />
            {cols.map((c, j) => (
              <th key={j} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <th scope="row">{r}</th>
              {cols.map((_, j) => {
                const v = values[i * cols.length + j]!;
                const style = heatColor(max > 0 ? v / max : 0);
                return (
                  <td key={j} style={style} title={cellTitle?.(i, j, v)}>
                    {cellText ? cellText(i, j, v) : String(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
