// A small RFC 5545 reader for tests: unfolds lines, checks that components nest and that the
// properties RFC 5545 requires are there, and returns the components with their properties.
export interface IcsComponent {
  name: string;
  props: Record<string, { params: Record<string, string>; value: string }>;
  children: IcsComponent[];
}

export function parseIcs(text: string): IcsComponent {
  if (!/\r\n$/.test(text)) throw new Error('content lines must end with CRLF');
  for (const raw of text.split('\r\n')) {
    if (Buffer.byteLength(raw, 'utf8') > 75) throw new Error(`line longer than 75 octets: ${raw}`);
  }
  const lines = text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter((l) => l !== '');
  const stack: IcsComponent[] = [];
  let root: IcsComponent | undefined;
  for (const line of lines) {
    const m = /^([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$/.exec(line);
    if (!m) throw new Error(`not a content line: ${line}`);
    const [, name, paramText, value] = m as unknown as [string, string, string, string];
    if (name === 'BEGIN') {
      const c: IcsComponent = { name: value, props: {}, children: [] };
      stack[stack.length - 1]?.children.push(c);
      stack.push(c);
      root ??= c;
      continue;
    }
    if (name === 'END') {
      const c = stack.pop();
      if (c?.name !== value) throw new Error(`END:${value} does not close ${c?.name}`);
      continue;
    }
    const current = stack[stack.length - 1];
    if (!current) throw new Error(`property outside a component: ${line}`);
    const params = Object.fromEntries(
      paramText
        .split(';')
        .filter(Boolean)
        .map((p) => p.split('=') as [string, string]),
    );
    current.props[name] = { params, value };
  }
  if (stack.length || !root || root.name !== 'VCALENDAR') throw new Error('not one complete VCALENDAR');
  for (const p of ['VERSION', 'PRODID']) if (!root.props[p]) throw new Error(`VCALENDAR without ${p}`);
  for (const event of root.children.filter((c) => c.name === 'VEVENT')) {
    for (const p of ['UID', 'DTSTAMP', 'DTSTART']) if (!event.props[p]) throw new Error(`VEVENT without ${p}`);
    if (!/^\d{8}T\d{6}Z$/.test(event.props.DTSTAMP!.value)) throw new Error('DTSTAMP must be UTC date-time');
    if (event.props.SEQUENCE && !/^\d+$/.test(event.props.SEQUENCE.value)) throw new Error('SEQUENCE not an integer');
  }
  return root;
}

export function unescapeText(value: string): string {
  return value.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1');
}
