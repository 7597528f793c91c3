/**
 * web/dom — tiny helpers to build HTML and SVG elements without a framework, and to format the
 * numbers the views print.
 */
import { formatNumber } from 'glassbox';

type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** `h('div', { class: 'x' }, 'text', child)` — an HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The SVG namespace. */
export const SVG_NS = 'http://www.w3.org/2000/svg';

/** `s('circle', { cx: 1 })` — an SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The element with this id, or a clear error if the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`explorer: the page has no element #${id}`);
  return el as T;
}

/** A number for display: 4 significant digits, exponent form when tiny or huge (the library's format). */
export function num(x: number, digits = 4): string {
  return formatNumber(x, digits).replace('-', '−');
}

/** A number with an explicit sign (+0.0123, −0.5). */
export function signed(x: number, digits = 3): string {
  return (x > 0 ? '+' : '') + num(x, digits);
}

/** Nielsen's name of a weight, as HTML-safe text: w³₅,₁₇ is written w^3_{5,17}. */
export function weightName(layer: number, to: number, from: number): string {
  return `w${sup(layer)}${sub(`${to},${from}`)}`;
}

const SUP: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '+': '⁺', '-': '⁻', l: 'ˡ', L: 'ᴸ' };
const SUB: Record<string, string> = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉', ',': '‚', j: 'ⱼ', k: 'ₖ' };

/** Superscript digits (Unicode), for names like a³. */
export function sup(x: number | string): string {
  return [...String(x)].map((c) => SUP[c] ?? c).join('');
}

/** Subscript digits (Unicode), for names like a₁₂. */
export function sub(x: number | string): string {
  return [...String(x)].map((c) => SUB[c] ?? c).join('');
}

/** Remove every child of `el`. */
export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

/**
 * A formula in a tiny TeX-like syntax as HTML: `^x` / `^{…}` become superscripts, `_x` / `_{…}`
 * subscripts, everything else is text (never parsed as HTML). `math('δ^{l}_j = ∂C/∂z^l_j')`.
 */
export function math(src: string, attrs: Record<string, string> = {}): HTMLSpanElement {
  const out = h('span', { class: 'eq', ...attrs });
  let text = '';
  const flush = (): void => {
    if (text) out.append(text);
    text = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if ((c === '^' || c === '_') && i + 1 < src.length) {
      flush();
      let body: string;
      if (src[i + 1] === '{') {
        const end = src.indexOf('}', i + 2);
        body = src.slice(i + 2, end < 0 ? src.length : end);
        i = end < 0 ? src.length : end;
      } else {
        body = src[i + 1];
        i += 1;
      }
      out.append(h(c === '^' ? 'sup' : 'sub', {}, body));
    } else {
      text += c;
    }
  }
  flush();
  return out;
}
