import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';

/** Read a YAML file into plain data; a missing file or bad syntax is a ConfigError with line numbers. */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const got = code === 'ENOENT' ? 'no such file' : `an unreadable file (${code ?? String(e)})`;
    throw new ConfigError(path, [{ path: '(root)', message: `(root): expected a YAML file, got ${got}` }],
      code === 'ENOENT' ? 'check the path (relative paths resolve from the current directory); configs/ holds examples' : 'check the file permissions',
      { cause: e });
  }
  return parseYaml(text, path);
}

/** Parse YAML text; `source` names it in errors. An empty document is an empty mapping. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((err) => {
      const pos = err.linePos?.[0];
      const at = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
      return { path: '(root)', message: `${at}: YAML syntax error: ${firstLine(err.message)}` };
    }), 'fix the YAML syntax at the given line (indentation, a missing colon or an unclosed bracket are the usual causes)');
  }
  const value: unknown = doc.toJS();
  return value ?? {};
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/ at line \d+, column \d+:?$/, '');
}
