// The e-mail templates: plain files under templates/<language>/, one set per kind of message
// (`<kind>.subject.txt`, `<kind>.txt`, `<kind>.html`), that an arbodienst can adjust without touching
// code. The syntax is a small, safe subset of Mustache:
//
//   {{name}} {{task.title}}        a value; HTML-escaped in .html templates
//   {{#tasks}} … {{/tasks}}        repeated for each item of a list, or shown once if the value is set
//   {{^tasks}} … {{/tasks}}        shown when the value is empty or missing
//
// Nothing else: no raw output, no code. A missing value renders as an empty string.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Language } from '../workflows/case-model.js';

/**
 * The templates that ship with the code: templates/ at the project root, found by walking up from
 * this module, so that it works from the sources, from dist/ and from bench/dist/ alike.
 */
export const BUILTIN_TEMPLATES_DIR = findTemplatesDir(dirname(fileURLToPath(import.meta.url)));

function findTemplatesDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'nl'))) return candidate;
    if (dirname(dir) === dir) return join(from, '..', 'templates'); // not found: a clear "no template" error later
  }
}

export type TemplateData = { [key: string]: unknown };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function lookup(scopes: unknown[], path: string): unknown {
  if (path === '.') return scopes[scopes.length - 1];
  const [head, ...rest] = path.split('.');
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i];
    if (scope !== null && typeof scope === 'object' && head! in scope) {
      let value: unknown = (scope as TemplateData)[head!];
      for (const key of rest)
        value = value !== null && typeof value === 'object' ? (value as TemplateData)[key] : undefined;
      return value;
    }
  }
  return undefined;
}

const TAG = /\{\{\s*([#^/]?)\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/** Renders a template. `html`: escape every value for HTML. Throws on unbalanced sections. */
export function renderTemplate(source: string, data: TemplateData, options: { html: boolean }): string {
  const render = (text: string, scopes: unknown[]): string => {
    let out = '';
    let last = 0;
    TAG.lastIndex = 0;
    const tags = [...text.matchAll(TAG)];
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i]!;
      if (tag.index! < last) continue;
      out += text.slice(last, tag.index);
      const [whole, sigil, name] = tag as unknown as [string, string, string];
      if (sigil === '') {
        const value = lookup(scopes, name);
        const str = value === undefined || value === null ? '' : String(value);
        out += options.html ? escapeHtml(str) : str;
        last = tag.index! + whole.length;
        continue;
      }
      if (sigil === '/') throw new Error(`template: {{/${name}}} without an opening tag`);
      // Find the matching close tag, counting nested sections of the same name.
      let depth = 1;
      let j = i + 1;
      for (; j < tags.length; j++) {
        const t = tags[j]!;
        if (t[2] !== name) continue;
        if (t[1] === '/') depth--;
        else if (t[1] === '#' || t[1] === '^') depth++;
        if (depth === 0) break;
      }
      const close = tags[j];
      if (!close) throw new Error(`template: {{${sigil}${name}}} is not closed`);
      const inner = text.slice(tag.index! + whole.length, close.index);
      const value = lookup(scopes, name);
      const empty =
        value === undefined ||
        value === null ||
        value === false ||
        value === '' ||
        (Array.isArray(value) && value.length === 0);
      if (sigil === '^') {
        if (empty) out += render(inner, scopes);
      } else if (Array.isArray(value)) {
        for (const item of value) out += render(inner, [...scopes, item]);
      } else if (!empty) {
        out += render(inner, [...scopes, value]);
      }
      last = close.index! + close[0].length;
    }
    return out + text.slice(last);
  };
  // A line holding only a section tag leaves no line behind (as in Mustache).
  const standalone = /^[ \t]*(\{\{\s*[#^/]\s*[A-Za-z0-9_.]+\s*\}\})[ \t]*\r?\n/gm;
  return render(source.replace(standalone, '$1'), [data]);
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

const cache = new Map<string, string>();

function read(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    cache.set(path, text);
  }
  return text;
}

/**
 * Renders message `kind` in `language` from `dir` (falling back to the built-in templates, and to
 * Dutch, when a file is missing), so that an arbodienst may override only what it wants to change.
 */
export function renderMessage(
  kind: string,
  language: Language,
  data: TemplateData,
  dir: string = BUILTIN_TEMPLATES_DIR,
): RenderedMessage {
  const file = (suffix: string): string => {
    const candidates = [dir, BUILTIN_TEMPLATES_DIR].flatMap((d) => [
      join(d, language, `${kind}${suffix}`),
      join(d, 'nl', `${kind}${suffix}`),
    ]);
    const found = candidates.find((p) => existsSync(p));
    if (!found) throw new Error(`no template ${kind}${suffix} in ${dir}`);
    return read(found);
  };
  return {
    // A subject is one line: values are already free of control characters, collapse what the template adds.
    subject: renderTemplate(file('.subject.txt'), data, { html: false }).replace(/\s+/g, ' ').trim(),
    text: renderTemplate(file('.txt'), data, { html: false }).trim() + '\n',
    html: renderTemplate(file('.html'), data, { html: true }),
  };
}
