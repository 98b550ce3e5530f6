import fs from 'node:fs';
import path from 'node:path';
import { NAME_PATTERN, type Names, namesOf } from './names.js';
import { clientFile, definitionFile, docFile, simulatorFile, testFile } from './templates.js';

export interface ScaffoldResult {
  names: Names;
  /** Paths written, relative to the project root. */
  files: string[];
}

const REGISTRY = 'src/integrations/registry.ts';
const LIST = /export const integrations: readonly AnyIntegration\[\] = \[([^\]]*)\];/;
const LINE_WIDTH = 110;

/**
 * Write a new integration into the project at `root`: its folder (client, definition with one
 * stream), a simulator, passing tests, a docs page, and its line in the registry. Refuses to
 * overwrite anything.
 *
 * @example
 * const { files } = scaffoldIntegration(process.cwd(), 'acme_crm');
 */
export function scaffoldIntegration(root: string, name: string): ScaffoldResult {
  if (!NAME_PATTERN.test(name)) {
    throw new Error(
      `"${name}" is not a valid integration name: use lower case letters, digits and _ (e.g. acme_crm).`,
    );
  }
  const names = namesOf(name);
  const registryPath = path.join(root, REGISTRY);
  const registry = fs.readFileSync(registryPath, 'utf8');
  if (new RegExp(`from '\\./${name}/index\\.js'`).test(registry)) {
    throw new Error(`"${name}" is already in ${REGISTRY}.`);
  }
  const files: Array<[string, string]> = [
    [`src/integrations/${name}/client.ts`, clientFile(names)],
    [`src/integrations/${name}/index.ts`, definitionFile(names)],
    [`src/simulators/${name}/index.ts`, simulatorFile(names)],
    [`test/integrations/${name}.test.ts`, testFile(names)],
    [`docs/integrations/${name}.md`, docFile(names)],
  ];
  for (const [file] of files) {
    if (fs.existsSync(path.join(root, file)))
      throw new Error(`${file} already exists; pick another name or remove it.`);
  }
  const updatedRegistry = addToRegistry(registry, names);
  for (const [file, content] of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content, { flag: 'wx' });
  }
  fs.writeFileSync(registryPath, updatedRegistry);
  return { names, files: [...files.map(([file]) => file), REGISTRY] };
}

/** The registry with one more import (in sorted place) and one more list entry. */
export function addToRegistry(source: string, names: Names): string {
  const match = LIST.exec(source);
  if (!match) {
    throw new Error(
      `Could not find "export const integrations: readonly AnyIntegration[] = [...]" in ${REGISTRY}.`,
    );
  }
  const entries = match[1]!
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e && !e.startsWith('//'));
  entries.push(names.camel);
  const oneLine = `export const integrations: readonly AnyIntegration[] = [${entries.join(', ')}];`;
  const list =
    oneLine.length <= LINE_WIDTH
      ? oneLine
      : `export const integrations: readonly AnyIntegration[] = [\n${entries.map((e) => `  ${e},\n`).join('')}];`;
  let out = source.slice(0, match.index) + list + source.slice(match.index + match[0].length);

  const importLine = `import ${names.camel} from './${names.name}/index.js';`;
  const lines = out.split('\n');
  const relative = lines
    .map((line, index) => ({ line, index, from: /from '(\.\/[^']+)'/.exec(line)?.[1] }))
    .filter((l) => l.line.startsWith('import ') && l.from);
  const before = relative.find((l) => l.from! > `./${names.name}/index.js`);
  const at = before ? before.index : (relative.at(-1)?.index ?? -1) + 1;
  lines.splice(at, 0, importLine);
  out = lines.join('\n');
  return out;
}
