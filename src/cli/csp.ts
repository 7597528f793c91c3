/**
 * cli/csp — the explorer's Content-Security-Policy, defined once for the two places that apply it:
 * `glassbox explore` sends it as a header (src/cli/explore.ts) and the Vite build puts it into the
 * page as a meta tag (web/vite.config.ts), where `frame-ancestors` is not allowed. No imports, so
 * the Vite config can load it without the library.
 */

/**
 * The policy's directives: the page's own origin only (no remote scripts, styles, fonts or
 * connections), workers from itself (and Blob URLs: the wasm helper thread), no plugins, no forms.
 * 'wasm-unsafe-eval' permits compiling the library's WebAssembly kernels, not JavaScript eval.
 */
export const CSP_DIRECTIVES: readonly string[] = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

/**
 * The policy as a header value; with `noFraming` (headers only: a meta tag may not carry it)
 * `frame-ancestors 'none'` is added.
 */
export function contentSecurityPolicy(noFraming: boolean): string {
  return [...CSP_DIRECTIVES, ...(noFraming ? ["frame-ancestors 'none'"] : [])].join('; ');
}
