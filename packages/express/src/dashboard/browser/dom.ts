/**
 * Building the page from data without ever parsing it as HTML: elements are created and given text with
 * `textContent`, so a workflow argument that looks like markup stays text.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The element with this id; the page always has it, so a missing one is a bug worth a loud error. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: no element #${id}`);
  return el as T;
}

/** `<tag class="className">text</tag>`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string | number | null): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

/** An element with its children appended in order. */
export function append<T extends Node>(parent: T, ...children: Array<Node | string>): T {
  for (const child of children) parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  return parent;
}

/** A table cell whose text is cut with an ellipsis when too long, the whole of it in the tooltip. */
export function clipCell(text: string, className = ''): HTMLTableCellElement {
  const td = h('td', `clip ${className}`.trim(), text);
  td.title = text;
  return td;
}

/** A row with one cell across `colSpan` columns saying that there is nothing to show. */
export function emptyRow(colSpan: number, text: string): HTMLTableRowElement {
  const td = h('td', 'empty', text);
  td.colSpan = colSpan;
  return append(h('tr'), td);
}

/** An SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Removes every child. */
export function clear<T extends Element>(el: T): T {
  el.replaceChildren();
  return el;
}
