/**
 * A small renderer for the Helm templates of `deploy/helm`, for tests on machines without `helm`.
 * It knows only the constructs the chart uses: `{{ .Values.x.y }}`, `.Release.*`, `.Chart.*`,
 * `define` / `include`, `if` / `else if` / `else`, `with`, `range`, pipelines with `toYaml`,
 * `nindent`, `quote`, `default`, `required`, `printf` (%s), `trunc`, `trimSuffix`, `not`, `or`,
 * `and`, trim markers `{{-` / `-}}` and `{{/* comments *\/}}`. Anything else throws, so a template
 * the renderer does not understand fails the test instead of rendering wrongly.
 */
import { stringify } from 'yaml';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: string }
  | { kind: 'if'; branches: Array<{ cond: string; body: Node[] }>; otherwise: Node[] }
  | { kind: 'with' | 'range'; pipeline: string; body: Node[]; otherwise: Node[] };

type Token = { kind: 'text'; text: string } | { kind: 'action'; body: string };

/** Splits a template into text and actions, applying the trim markers. */
function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    let text = source.slice(pos, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      tokens.push({ kind: 'text', text });
      break;
    }
    const close = source.indexOf('}}', open);
    if (close < 0) throw new Error(`unterminated action at offset ${open}`);
    let body = source.slice(open + 2, close);
    if (body.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    trimNext = body.endsWith('-');
    if (trimNext) body = body.slice(0, -1);
    tokens.push({ kind: 'text', text });
    body = body.trim();
    if (!(body.startsWith('/*') && body.endsWith('*/'))) tokens.push({ kind: 'action', body });
    pos = close + 2;
  }
  return tokens.filter((t) => t.kind === 'action' || t.text !== '');
}

/** Parses tokens into a tree; collects `define`s into `defines`. */
function parse(tokens: Token[], defines: Map<string, Node[]>): Node[] {
  let i = 0;
  const block = (stops: string[]): { nodes: Node[]; stop: string } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const token = tokens[i++]!;
      if (token.kind === 'text') {
        nodes.push(token);
        continue;
      }
      const [word = '', ...rest] = token.body.split(/\s+/);
      const arg = rest.join(' ');
      if (stops.some((stop) => token.body === stop || (stop === 'else if' && token.body.startsWith('else if ')))) {
        return { nodes, stop: token.body };
      }
      if (word === 'if') {
        const branches = [{ cond: arg, body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const part = block(['else if', 'else', 'end']);
          branches.at(-1)!.body = part.nodes;
          if (part.stop.startsWith('else if ')) branches.push({ cond: part.stop.slice(8), body: [] });
          else if (part.stop === 'else') {
            otherwise = block(['end']).nodes;
            break;
          } else break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if (word === 'with' || word === 'range') {
        const part = block(['else', 'end']);
        const otherwise = part.stop === 'else' ? block(['end']).nodes : [];
        nodes.push({ kind: word, pipeline: arg, body: part.nodes, otherwise });
      } else if (word === 'define') {
        defines.set(JSON.parse(arg) as string, block(['end']).nodes);
      } else if (['end', 'else', 'block', 'template'].includes(word)) {
        throw new Error(`unexpected {{ ${token.body} }}`);
      } else nodes.push({ kind: 'action', pipeline: token.body });
    }
    if (stops.length > 0) throw new Error(`missing {{ end }} (expected one of ${stops.join(', ')})`);
    return { nodes, stop: '' };
  };
  return block([]).nodes;
}

const truthy = (value: unknown): boolean =>
  !(value === undefined || value === null || value === false || value === 0 || value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0));

const print = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** Splits on `sep` outside quotes and parentheses. */
function split(text: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && c === '(') depth++;
    if (!quoted && c === ')') depth--;
    if (!quoted && depth === 0 && sep.test(c)) {
      if (current.trim()) parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Renders templates of one chart. */
export class HelmRenderer {
  private readonly defines = new Map<string, Node[]>();

  constructor(helpers: string[]) {
    for (const source of helpers) parse(lex(source), this.defines);
  }

  /** Renders `source` with the root context `root` (`{ Values, Release, Chart }`). */
  render(source: string, root: Record<string, unknown>): string {
    return this.run(parse(lex(source), this.defines), root, root);
  }

  private run(nodes: Node[], dot: unknown, root: unknown): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'action') out += print(this.pipeline(node.pipeline, dot, root));
      else if (node.kind === 'if') {
        const branch = node.branches.find((b) => truthy(this.pipeline(b.cond, dot, root)));
        out += this.run(branch ? branch.body : node.otherwise, dot, root);
      } else {
        const value = this.pipeline(node.pipeline, dot, root);
        if (!truthy(value)) out += this.run(node.otherwise, dot, root);
        else if (node.kind === 'with') out += this.run(node.body, value, root);
        else for (const item of Object.values(value as object)) out += this.run(node.body, item, root);
      }
    }
    return out;
  }

  private pipeline(text: string, dot: unknown, root: unknown): unknown {
    let value: unknown;
    split(text, /\|/).forEach((command, index) => {
      const words = split(command, /\s/);
      const piped = index === 0 ? [] : [value];
      const [head = ''] = words;
      if (/^[a-zA-Z]\w*$/.test(head)) {
        const args = words.slice(1).map((word) => this.operand(word, dot, root));
        value = this.call(head, [...args, ...piped], root);
      } else {
        if (words.length !== 1 || index > 0) throw new Error(`cannot render "${command}"`);
        value = this.operand(head, dot, root);
      }
    });
    return value;
  }

  private operand(word: string, dot: unknown, root: unknown): unknown {
    if (word.startsWith('(') && word.endsWith(')')) return this.pipeline(word.slice(1, -1), dot, root);
    if (word.startsWith('"')) return JSON.parse(word) as string;
    if (/^-?\d+$/.test(word)) return Number(word);
    if (word === '.') return dot;
    if (word.startsWith('.') || word.startsWith('$')) {
      let value: unknown = word.startsWith('$') ? root : dot;
      for (const key of word.replace(/^\$/, '').split('.').filter(Boolean)) {
        value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key];
      }
      return value;
    }
    throw new Error(`cannot render operand "${word}"`);
  }

  private call(name: string, args: unknown[], root: unknown): unknown {
    const str = (value: unknown): string => print(value);
    switch (name) {
      case 'include': {
        const body = this.defines.get(str(args[0]));
        if (!body) throw new Error(`no template "${str(args[0])}" defined`);
        return this.run(body, args[1], root);
      }
      case 'toYaml':
        return stringify(args[0]).replace(/\n$/, '');
      case 'nindent':
      case 'indent': {
        const pad = ' '.repeat(Number(args[0]));
        const indented = str(args[1]).split('\n').map((line) => pad + line).join('\n');
        return name === 'nindent' ? `\n${indented}` : indented;
      }
      case 'quote':
        return JSON.stringify(str(args[0]));
      case 'default':
        return truthy(args[1]) ? args[1] : args[0];
      case 'required':
        if (!truthy(args[1])) throw new Error(`required: ${str(args[0])}`);
        return args[1];
      case 'printf': {
        const rest = args.slice(1);
        return str(args[0]).replace(/%s/g, () => str(rest.shift()));
      }
      case 'trunc':
        return str(args[1]).slice(0, Number(args[0]));
      case 'trimSuffix':
        return str(args[1]).endsWith(str(args[0])) ? str(args[1]).slice(0, -str(args[0]).length || undefined) : args[1];
      case 'not':
        return !truthy(args[0]);
      case 'or':
        return args.find(truthy) ?? args.at(-1);
      case 'and':
        return args.find((a) => !truthy(a)) ?? args.at(-1);
      default:
        throw new Error(`the test renderer does not know the function "${name}"`);
    }
  }
}
