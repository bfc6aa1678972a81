import type { ComponentChildren } from 'preact';
import { BASE, onLinkClick } from '../router.js';

export function Link(props: { to: string; class?: string; children: ComponentChildren; 'aria-current'?: 'page' | undefined }) {
  return (
    <a
      href={`${BASE}${props.to}`}
      class={props.class}
      aria-current={props['aria-current']}
      onClick={(event) => onLinkClick(event, props.to)}
    >
      {props.children}
    </a>
  );
}
