import type { ComponentChildren } from 'preact';

/**
 * An admin list as a table: a card that scrolls sideways when it must, each row stacked into labelled
 * cells on a phone (`table.stack`: a cell's `data-label` names it there), and a last column of row
 * actions whose heading only screen readers hear (`actions: false` for a list without any). `caption`
 * names the table for screen readers where the page shows more than one. The rows are the children (`<tr>`s).
 */
export function ListTable(props: {
  readonly columns: readonly string[];
  readonly caption?: string;
  readonly actions?: boolean;
  readonly class?: string;
  readonly children: ComponentChildren;
}) {
  return (
    <div class="card table-wrap">
      <table class={props.class === undefined ? 'stack' : `stack ${props.class}`}>
        {props.caption === undefined ? null : <caption class="visually-hidden">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col">{column}</th>
            ))}
            {props.actions === false ? null : (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
