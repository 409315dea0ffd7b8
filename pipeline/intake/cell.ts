/**
 * A cell as the container gave it, before any interpretation: text from CSV, typed values
 * from XLSX, JSON and YAML. Validation decides what each means; intake never converts.
 */
export type Cell =
  | string
  | number
  | boolean
  | { date: string }
  | { formula: string; result: Cell | null };

/** What the user typed or sees, for reports: a value is shown as received. */
export function cellText(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  if ('date' in cell) return cell.date;
  return `=${cell.formula}`;
}

export const isBlank = (cell: Cell | null | undefined) => cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '');

/** A row of a table: its number as the user sees it and its cells left to right. */
export type TableRow = { row: number; cells: (Cell | null)[] };
