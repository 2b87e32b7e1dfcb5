// The header row every console table shares: muted text, one scope="col"
// cell per column, so screen readers name each cell by its column.

/** A column: its label, or a label with its own cell classes and/or a label only screen readers hear. */
export type TTableColumn = string | { label: string; className?: string; srOnly?: boolean };

/** The unlabelled last column that holds a row's buttons (named for screen readers only). */
export const ACTIONS_COLUMN: TTableColumn = { label: 'Actions', className: 'py-1', srOnly: true };

type Props = {
  columns: readonly TTableColumn[];
  /** Classes for every cell that doesn't bring its own. */
  cellClassName?: string;
};

export function TableHead({ columns, cellClassName = 'py-1 pr-3 font-medium' }: Props) {
  return (
    <thead className="text-slate-500">
      <tr>
        {columns.map((column) => {
          const { label, className, srOnly } = typeof column === 'string' ? { label: column, className: undefined, srOnly: false } : column;
          return (
            <th key={label} scope="col" className={className ?? cellClassName}>
              {srOnly ? <span className="sr-only">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
