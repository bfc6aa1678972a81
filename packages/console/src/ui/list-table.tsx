import type { ComponentChildren } from 'preact';

/**
 * An admin list as a table: a card that scrolls sideways when it must, each row stacked into labelled
 * cells on a phone (`table.stack`: a cell's `data-label` names it there), and a last column of row
 * actions whose heading only screen readers hear. The rows are the children (`<tr>`s).
 */
export function ListTable(props: { readonly columns: readonly string[]; readonly children: ComponentChildren }) {
  return (
    <div class="card table-wrap">
      <table class="stack">
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col">{column}</th>
            ))}
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
