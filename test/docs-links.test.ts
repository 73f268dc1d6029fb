// Every relative link in every Markdown file of the repository points at a file or folder that
// exists inside the repository. Web links (http, https, mailto) and links to an anchor on the same
// page are not checked; a link's own #anchor is ignored. Nothing here imports the project's code.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folders that hold generated or installed files, not the repository's own documents. */
const SKIPPED = new Set(['node_modules', 'dist', '.git', '.temporal', '.data', 'coverage']);

/** The Markdown files git knows (tracked, or new and not ignored); without git, a walk of the tree. */
function markdownFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.md'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = out.split('\0').filter((f) => f !== '' && existsSync(join(root, f)));
    return [...new Set(files)].sort();
  } catch {
    return walk('').sort();
  }
}

function walk(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name) && path !== 'bench/dist') found.push(...walk(path));
    } else if (entry.name.endsWith('.md')) {
      found.push(path);
    }
  }
  return found;
}

/** The text outside fenced code blocks and inline code: a link inside code is not a link. */
function withoutCode(markdown: string): string {
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      const closes = opening !== undefined && opening[0] === fence[0] && opening.length >= fence.length;
      if (closes && /^ {0,3}[`~]+\s*$/.test(line)) fence = undefined;
    } else if (opening !== undefined) {
      fence = opening;
    } else {
      kept.push(line);
    }
  }
  // Inline code may wrap onto the next line, but not past the end of a paragraph.
  return kept.join('\n').replace(/(`+)(?:(?!\n[ \t]*\n)[\s\S])*?\1/g, '');
}

/** The targets of `[text](target)` links (images too) and of `[label]: target` definitions. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const unbracket = (target: string) => target.replace(/^<|>$/g, '');
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) {
    targets.push(unbracket(m[1]!));
  }
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm)) targets.push(unbracket(m[1]!));
  return targets;
}

/** Why a link from `file` does not resolve inside the repository, or undefined when it does. */
function problem(file: string, target: string): string | undefined {
  if (/^(https?|mailto):/i.test(target) || target.startsWith('#')) return undefined;
  let path = target.replace(/[#?].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it as written: it then fails below if it names nothing
  }
  if (path === '') return 'empty link';
  const absolute = path.startsWith('/') ? join(root, path) : resolve(root, dirname(file), path);
  const inside = relative(root, absolute);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return 'leaves the repository';
  if (!existsSync(absolute)) return 'does not exist';
  return undefined;
}

describe('Markdown links', () => {
  const files = markdownFiles();

  it('finds the Markdown files', () => {
    expect(files).toContain('README.md');
  });

  it('finds links in code-free text only', () => {
    const sample = [
      '[a](one.md) `[b](two.md)` [c](<three four.md> "title")',
      '```sh',
      'echo [d](five.md)',
      '```',
      '[e]: six.md',
    ].join('\n');
    expect(linkTargets(sample)).toEqual(['one.md', 'three four.md', 'six.md']);
  });

  it('resolves every relative link to a file or folder inside the repository', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const target of linkTargets(readFileSync(join(root, file), 'utf8'))) {
        const why = problem(file, target);
        if (why) broken.push(`${file}: ${target} (${why})`);
      }
    }
    expect(broken, `broken links:\n${broken.join('\n')}`).toEqual([]);
  });
});
