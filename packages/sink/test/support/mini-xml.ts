/**
 * A minimal XML reader for the tests: elements, attributes, text, comments and the XML
 * declaration; checks well-formedness (every tag closed in order, attributes quoted, entities
 * known). Enough for a WinSW service definition; no DTDs, CDATA or namespaces.
 */

/** One element. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded, trimmed. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, at: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '&') {
      out += text[i];
      continue;
    }
    const end = text.indexOf(';', i);
    const name = end < 0 ? '' : text.slice(i + 1, end);
    if (!(name in ENTITIES)) throw new Error(`unknown or unterminated entity near offset ${at + i}`);
    out += ENTITIES[name];
    i = end;
  }
  return out;
}

const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_:.-]/.test(c);

/** Parses `xml` into its root element; throws on anything not well-formed. */
export function parseXml(xml: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${pos}`);
  };
  const readName = (): string => {
    const start = pos;
    while (isNameChar(xml[pos])) pos++;
    if (pos === start) fail('expected a name');
    return xml.slice(start, pos);
  };
  const skipBlanks = (): void => {
    while (/\s/.test(xml[pos] ?? '')) pos++;
  };

  while (pos < xml.length) {
    if (xml.startsWith('<?', pos)) {
      const end = xml.indexOf('?>', pos);
      if (end < 0 || stack.length > 0 || root) fail('misplaced or unterminated declaration');
      pos = end + 2;
    } else if (xml.startsWith('<!--', pos)) {
      const end = xml.indexOf('-->', pos + 4);
      if (end < 0) fail('unterminated comment');
      if (xml.slice(pos + 4, end).includes('--')) fail('"--" inside a comment');
      pos = end + 3;
    } else if (xml.startsWith('</', pos)) {
      pos += 2;
      const name = readName();
      skipBlanks();
      if (xml[pos] !== '>') fail('expected >');
      pos++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not close <${open?.name ?? 'nothing'}>`);
    } else if (xml[pos] === '<') {
      pos++;
      const element: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
      for (;;) {
        skipBlanks();
        if (xml.startsWith('/>', pos) || xml[pos] === '>') break;
        const attr = readName();
        skipBlanks();
        if (xml[pos] !== '=') fail(`attribute ${attr} without a value`);
        pos++;
        skipBlanks();
        const quote = xml[pos];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attr} not quoted`);
        const end = xml.indexOf(quote!, pos + 1);
        if (end < 0) fail('unterminated attribute');
        const raw = xml.slice(pos + 1, end);
        if (raw.includes('<')) fail('< inside an attribute');
        if (attr in element.attributes) fail(`attribute ${attr} twice`);
        element.attributes[attr] = decode(raw, pos + 1);
        pos = end + 1;
      }
      const parent = stack.at(-1);
      if (parent) parent.children.push(element);
      else if (root) fail('a second root element');
      else root = element;
      if (xml.startsWith('/>', pos)) pos += 2;
      else {
        pos++;
        stack.push(element);
      }
    } else {
      const end = xml.indexOf('<', pos);
      const text = xml.slice(pos, end < 0 ? xml.length : end);
      const parent = stack.at(-1);
      if (!parent && text.trim()) fail('text outside the root element');
      if (parent) parent.text = (parent.text + decode(text, pos)).trim();
      pos = end < 0 ? xml.length : end;
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.name}> is not closed`);
  if (!root) fail('no root element');
  return root!;
}

/** The children of `element` named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The one child of `element` named `name`; throws unless there is exactly one. */
export function child(element: XmlElement, name: string): XmlElement {
  const found = childrenNamed(element, name);
  if (found.length !== 1) throw new Error(`<${element.name}> has ${found.length} <${name}> elements, expected 1`);
  return found[0]!;
}
